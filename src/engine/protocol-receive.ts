import {
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_MASK,
  COMMAND_SIZES,
  Command,
  HEADER_FLAG_COMPRESSED,
  HEADER_FLAG_SENT_TIME,
  HEADER_SESSION_MASK,
  HEADER_SESSION_SHIFT,
  PACKET_FLAG_RELIABLE,
  PACKET_FLAG_UNRELIABLE_FRAGMENT,
  PACKET_FLAG_UNSEQUENCED,
  PEER_FREE_RELIABLE_WINDOWS,
  PEER_FREE_UNSEQUENCED_WINDOWS,
  PEER_RELIABLE_WINDOW_SIZE,
  PEER_RELIABLE_WINDOWS,
  PEER_UNSEQUENCED_WINDOW_SIZE,
  PEER_WINDOW_SIZE_SCALE,
  PROTOCOL_MAXIMUM_CHANNEL_COUNT,
  PROTOCOL_MAXIMUM_FRAGMENT_COUNT,
  PROTOCOL_MAXIMUM_MTU,
  PROTOCOL_MAXIMUM_PEER_ID,
  PROTOCOL_MAXIMUM_WINDOW_SIZE,
  PROTOCOL_MINIMUM_CHANNEL_COUNT,
  PROTOCOL_MINIMUM_MTU,
  PROTOCOL_MINIMUM_WINDOW_SIZE,
  SYSTEM_CHANNEL,
} from '../protocol/constants.js';
import { crc32 } from '../protocol/crc32.js';
import { timeDifference, timeLess } from '../protocol/time.js';
import { PeerState } from '../protocol/peer-state.js';
import { NO_ACKNOWLEDGEMENTS } from './acknowledgement-arrays.js';
import type { IncomingCommand } from './commands.js';
import { DISCARDED, holdsReliable, isSequence, seekReliable, seekUnreliable, type Peer } from './peer.js';
import { clampWindow, type Host } from './host.js';
import { removeSentReliableCommand } from './protocol-send.js';
import {
  acknowledgesVerifyConnect,
  admitConnect,
  beginHalfOpen,
  endHalfOpen,
  reviveEvictedHandshake,
  slotForHandshake,
} from './half-open.js';
import { putU16BE, putU32BE, readU16BE, readU32BE } from '../protocol/big-endian.js';

const SESSION_BITS = HEADER_SESSION_MASK >>> HEADER_SESSION_SHIFT;
const decompressScratch = new Uint8Array(PROTOCOL_MAXIMUM_MTU);
const checksumSeed = new Uint8Array(4);
/** A decompressed datagram (header and commands), processed before the next one is decompressed. */
const decompressedScratch = Buffer.allocUnsafeSlow(PROTOCOL_MAXIMUM_MTU + 8);

/** Outcome of one command handler: continue with the next command, or stop processing the datagram. */
const OK = 0;
const ABORT = -1;

/**
 * Processes one datagram (enet_protocol_handle_incoming_commands): validates the header,
 * decompresses, verifies the checksum, then runs each command's handler in order. The datagram
 * is `data[start, start + length)`, typically inside a receive batch the caller reuses: payloads
 * that outlive the call are copied. Never throws on malformed input: the datagram is counted and
 * dropped.
 */
export function handleDatagram(host: Host, input: Buffer, start: number, length: number, address: string, port: number): void {
  host.totalReceivedData += length;
  host.totalReceivedPackets++;
  if (length > PROTOCOL_MAXIMUM_MTU) {
    host.drop('oversized', address, port);
    return;
  }
  if (length < 2) {
    host.drop('malformed', address, port);
    return;
  }
  let data = input;
  let begin = start;
  let end = start + length;
  const headerWord = readU16BE(data, begin);
  const peerID = headerWord & PROTOCOL_MAXIMUM_PEER_ID;
  const sessionID = (headerWord & HEADER_SESSION_MASK) >>> HEADER_SESSION_SHIFT;
  const flags = headerWord & 0xc000;
  const headerSize = (flags & HEADER_FLAG_SENT_TIME ? 4 : 2) + (host.checksum ? 4 : 0);
  if (length < headerSize) {
    host.drop('malformed', address, port);
    return;
  }

  let peer: Peer | null = null;
  if (peerID === PROTOCOL_MAXIMUM_PEER_ID) {
    peer = null;
  } else if (peerID >= host.peerCount) {
    host.drop('unknownPeer', address, port);
    return;
  } else {
    peer = host.peerIfCreated(peerID) ?? null;
    if (
      peer === null ||
      peer.state === PeerState.DISCONNECTED ||
      peer.state === PeerState.ZOMBIE ||
      peer.address !== address ||
      peer.port !== port ||
      (peer.outgoingPeerID < PROTOCOL_MAXIMUM_PEER_ID && sessionID !== peer.incomingSessionID)
    ) {
      const revived = reviveEvictedHandshake(
        host,
        peerID,
        sessionID,
        flags & HEADER_FLAG_COMPRESSED || host.evictedHandshakes.size === 0 ? null : data.subarray(begin + headerSize, end),
        address,
        port,
      );
      if (revived === null) {
        host.drop('unknownPeer', address, port);
        return;
      }
      peer = revived.peer;
      if (revived.acknowledged) {
        endHalfOpen(peer);
        notifyConnect(host, peer);
      }
    }
  }

  if (flags & HEADER_FLAG_COMPRESSED) {
    const compressor = host.compressor;
    if (!compressor) {
      host.drop('compressedWithoutCodec', address, port);
      return;
    }
    const out = decompressScratch.subarray(0, PROTOCOL_MAXIMUM_MTU - headerSize);
    const n = compressor.decompress(data.subarray(begin + headerSize, end), out);
    if (n <= 0 || n > out.length) {
      host.drop('decompress', address, port);
      return;
    }
    const whole = decompressedScratch;
    data.copy(whole, 0, begin, begin + headerSize);
    whole.set(out.subarray(0, n), headerSize);
    data = whole;
    begin = 0;
    end = headerSize + n;
  }

  if (host.checksum) {
    const slot = begin + headerSize - 4;
    const desired = readU32BE(data, slot);
    const seed = peer !== null ? peer.connectID : 0;
    // CRC over header ‖ seed ‖ commands, without modifying the caller's buffer.
    putU32BE(checksumSeed, 0, seed);
    let crc = crc32(data.subarray(begin, slot));
    crc = crc32(checksumSeed, crc);
    crc = crc32(data.subarray(begin + headerSize, end), crc);
    if (crc >>> 0 !== desired) {
      host.drop('checksum', address, port);
      return;
    }
  }

  if (peer !== null) {
    peer.incomingDataTotal += end - begin;
    host.markForSend(peer);
  }
  usePayloadSource(data);
  host.startDatagram(end);

  const sentTime = flags & HEADER_FLAG_SENT_TIME ? readU16BE(data, begin + 2) : -1;
  let pos = begin + headerSize;
  while (pos < end) {
    if (pos + 4 > end) break;
    const commandByte = data[pos]!;
    const commandNumber = commandByte & COMMAND_MASK;
    if (commandNumber >= Command.COUNT) break;
    const commandSize = COMMAND_SIZES[commandNumber]!;
    if (commandSize === 0 || pos + commandSize > end) break;
    const at = pos;
    pos += commandSize;
    if (peer === null && commandNumber !== Command.CONNECT) break;
    const channelID = data[at + 1]!;
    const reliableSequenceNumber = readU16BE(data, at + 2);
    let result = OK;
    switch (commandNumber) {
      case Command.ACKNOWLEDGE:
        result = handleAcknowledge(host, peer!, data, at, channelID);
        break;
      case Command.CONNECT:
        if (peer !== null) {
          result = ABORT;
          break;
        }
        peer = handleConnect(host, data, at, address, port);
        if (peer === null) result = ABORT;
        else host.markForSend(peer);
        break;
      case Command.VERIFY_CONNECT:
        result = handleVerifyConnect(host, peer!, data, at);
        break;
      case Command.DISCONNECT:
        handleDisconnect(host, peer!, data, at, commandByte);
        break;
      case Command.PING:
        if (!peer!.isConnectedState()) result = ABORT;
        break;
      case Command.SEND_RELIABLE: {
        const length = readU16BE(data, at + 4);
        result = handleSendPayload(
          host,
          peer!,
          end,
          pos,
          length,
          channelID,
          Command.SEND_RELIABLE,
          reliableSequenceNumber,
          0,
          PACKET_FLAG_RELIABLE,
        );
        pos += length;
        break;
      }
      case Command.SEND_UNRELIABLE: {
        const length = readU16BE(data, at + 6);
        const unreliableSequenceNumber = readU16BE(data, at + 4);
        result = handleSendPayload(
          host,
          peer!,
          end,
          pos,
          length,
          channelID,
          Command.SEND_UNRELIABLE,
          reliableSequenceNumber,
          unreliableSequenceNumber,
          0,
        );
        pos += length;
        break;
      }
      case Command.SEND_UNSEQUENCED: {
        const length = readU16BE(data, at + 6);
        result = handleSendUnsequenced(host, peer!, data, end, at, pos, length, channelID);
        pos += length;
        break;
      }
      case Command.SEND_FRAGMENT:
      case Command.SEND_UNRELIABLE_FRAGMENT: {
        const length = readU16BE(data, at + 6);
        result = handleSendFragment(host, peer!, data, end, at, pos, length, channelID, commandNumber, reliableSequenceNumber);
        pos += length;
        break;
      }
      case Command.BANDWIDTH_LIMIT:
        result = handleBandwidthLimit(host, peer!, data, at);
        break;
      case Command.THROTTLE_CONFIGURE:
        if (!peer!.isConnectedState()) result = ABORT;
        else {
          peer!.packetThrottleInterval = readU32BE(data, at + 4);
          peer!.packetThrottleAcceleration = readU32BE(data, at + 8);
          peer!.packetThrottleDeceleration = readU32BE(data, at + 12);
        }
        break;
      default:
        result = ABORT;
    }
    if (result !== OK) break;
    if (peer !== null && commandByte & COMMAND_FLAG_ACKNOWLEDGE) {
      if (sentTime < 0) break;
      switch (peer.state) {
        case PeerState.DISCONNECTING:
        case PeerState.ACKNOWLEDGING_CONNECT:
        case PeerState.DISCONNECTED:
        case PeerState.ZOMBIE:
          break;
        case PeerState.ACKNOWLEDGING_DISCONNECT:
          if (commandNumber === Command.DISCONNECT) queueAcknowledgement(peer, channelID, reliableSequenceNumber, sentTime, commandNumber);
          break;
        default:
          queueAcknowledgement(peer, channelID, reliableSequenceNumber, sentTime, commandNumber);
      }
    }
  }
}

/** Queues an ACK unless the sequence number lies in ENet's "too far ahead" windows. */
function queueAcknowledgement(peer: Peer, channelID: number, seq: number, sentTime: number, commandNumber: number): void {
  if (channelID < peer.channelCount) {
    const incoming = peer.channels[channelID]?.incomingReliableSequenceNumber ?? 0;
    let reliableWindow = (seq / PEER_RELIABLE_WINDOW_SIZE) | 0;
    const currentWindow = (incoming / PEER_RELIABLE_WINDOW_SIZE) | 0;
    if (seq < incoming) reliableWindow += PEER_RELIABLE_WINDOWS;
    if (reliableWindow >= currentWindow + PEER_FREE_RELIABLE_WINDOWS - 1 && reliableWindow <= currentWindow + PEER_FREE_RELIABLE_WINDOWS)
      return;
  }
  peer.outgoingDataTotal += 8;
  let acks = peer.acknowledgements;
  if (acks === NO_ACKNOWLEDGEMENTS) acks = peer.acknowledgements = peer.host.acknowledgementArrays.take();
  acks.push(channelID, seq, sentTime, commandNumber);
}

function handleAcknowledge(host: Host, peer: Peer, data: Buffer, at: number, channelID: number): number {
  if (peer.state === PeerState.DISCONNECTED || peer.state === PeerState.ZOMBIE) return OK;
  // A half-open handshake completes only with the acknowledgement of its own VERIFY_CONNECT.
  if (
    peer.state === PeerState.ACKNOWLEDGING_CONNECT &&
    !acknowledgesVerifyConnect(peer, channelID, readU16BE(data, at + 4), readU16BE(data, at + 6))
  )
    return ABORT;
  const serviceTime = host.serviceTime;
  let receivedSentTime = (readU16BE(data, at + 6) | (serviceTime & 0xffff0000)) >>> 0;
  if ((receivedSentTime & 0x8000) > (serviceTime & 0x8000)) receivedSentTime = (receivedSentTime - 0x10000) >>> 0;
  if (timeLess(serviceTime, receivedSentTime)) return OK;
  const rtt = Math.max(timeDifference(serviceTime, receivedSentTime), 1);
  peer.roundTripSamples++;
  if (peer.lastReceiveTime > 0) {
    peer.throttle(rtt);
    peer.roundTripTimeVariance -= (peer.roundTripTimeVariance / 4) | 0;
    if (rtt >= peer.roundTripTime) {
      const diff = rtt - peer.roundTripTime;
      peer.roundTripTimeVariance += (diff / 4) | 0;
      peer.roundTripTime += (diff / 8) | 0;
    } else {
      const diff = peer.roundTripTime - rtt;
      peer.roundTripTimeVariance += (diff / 4) | 0;
      peer.roundTripTime -= (diff / 8) | 0;
    }
  } else {
    peer.roundTripTime = rtt;
    peer.roundTripTimeVariance = ((rtt + 1) / 2) | 0;
  }
  if (peer.roundTripTime < peer.lowestRoundTripTime) peer.lowestRoundTripTime = peer.roundTripTime;
  if (peer.roundTripTimeVariance > peer.highestRoundTripTimeVariance) peer.highestRoundTripTimeVariance = peer.roundTripTimeVariance;
  if (peer.packetThrottleEpoch === 0 || timeDifference(serviceTime, peer.packetThrottleEpoch) >= peer.packetThrottleInterval) {
    peer.lastRoundTripTime = peer.lowestRoundTripTime;
    peer.lastRoundTripTimeVariance = Math.max(peer.highestRoundTripTimeVariance, 1);
    peer.lowestRoundTripTime = peer.roundTripTime;
    peer.highestRoundTripTimeVariance = peer.roundTripTimeVariance;
    peer.packetThrottleEpoch = serviceTime;
  }
  peer.lastReceiveTime = Math.max(serviceTime, 1);
  peer.earliestTimeout = 0;
  host.touchTimeout(peer);
  const receivedReliableSequenceNumber = readU16BE(data, at + 4);
  const commandNumber = removeSentReliableCommand(peer, receivedReliableSequenceNumber, channelID);
  switch (peer.state) {
    case PeerState.ACKNOWLEDGING_CONNECT:
      if (commandNumber !== Command.VERIFY_CONNECT) return ABORT;
      endHalfOpen(peer);
      notifyConnect(host, peer);
      break;
    case PeerState.DISCONNECTING:
      if (commandNumber !== Command.DISCONNECT) return ABORT;
      notifyDisconnect(host, peer);
      break;
    case PeerState.DISCONNECT_LATER:
      if (peer.outgoingCommands.isEmpty() && peer.sentReliableCommands.isEmpty()) peer.disconnect(peer.eventData);
      break;
  }
  return OK;
}

/** The handshake completed: the peer becomes CONNECTED and a CONNECT event is owed. */
export function notifyConnect(host: Host, peer: Peer): void {
  host.recalculateBandwidthLimits = true;
  peer.changeState(PeerState.CONNECTED);
  peer.connectEventPending = true;
  peer.connectEventData = peer.eventData;
  host.queueDispatch(peer);
}

/** The connection ended (timeout, or our DISCONNECT was acknowledged). */
export function notifyDisconnect(host: Host, peer: Peer): void {
  if (peer.state >= PeerState.CONNECTION_PENDING) host.recalculateBandwidthLimits = true;
  if (peer.state !== PeerState.CONNECTING && peer.state < PeerState.CONNECTION_SUCCEEDED) {
    peer.reset();
  } else {
    peer.eventData = 0;
    peer.dispatchState(PeerState.ZOMBIE);
  }
}

function handleConnect(host: Host, data: Buffer, at: number, address: string, port: number): Peer | null {
  let channelCount = readU32BE(data, at + 16);
  if (channelCount < PROTOCOL_MINIMUM_CHANNEL_COUNT || channelCount > PROTOCOL_MAXIMUM_CHANNEL_COUNT) return null;
  const connectID = readU32BE(data, at + 40);
  if (host.refuseNewConnections) {
    host.drop('refused', address, port);
    return null;
  }
  if (admitConnect(host, address, port, connectID) !== 'admit') return null;
  const peer = slotForHandshake(host);
  if (peer === null) return null;
  if (channelCount > host.channelLimit) channelCount = host.channelLimit;
  peer.resetChannels(channelCount);
  host.activate(peer, PeerState.ACKNOWLEDGING_CONNECT, address, port);
  beginHalfOpen(host, peer);
  peer.connectID = connectID;
  peer.mtu = host.mtu;
  peer.outgoingPeerID = readU16BE(data, at + 4);
  peer.incomingBandwidth = readU32BE(data, at + 20);
  peer.outgoingBandwidth = readU32BE(data, at + 24);
  peer.packetThrottleInterval = readU32BE(data, at + 28);
  peer.packetThrottleAcceleration = readU32BE(data, at + 32);
  peer.packetThrottleDeceleration = readU32BE(data, at + 36);
  peer.eventData = readU32BE(data, at + 44);

  const connectIncomingSession = data[at + 6]!;
  const connectOutgoingSession = data[at + 7]!;
  let incomingSessionID = connectIncomingSession === 0xff ? peer.outgoingSessionID : connectIncomingSession;
  incomingSessionID = (incomingSessionID + 1) & SESSION_BITS;
  if (incomingSessionID === peer.outgoingSessionID) incomingSessionID = (incomingSessionID + 1) & SESSION_BITS;
  peer.outgoingSessionID = incomingSessionID;
  let outgoingSessionID = connectOutgoingSession === 0xff ? peer.incomingSessionID : connectOutgoingSession;
  outgoingSessionID = (outgoingSessionID + 1) & SESSION_BITS;
  if (outgoingSessionID === peer.incomingSessionID) outgoingSessionID = (outgoingSessionID + 1) & SESSION_BITS;
  peer.incomingSessionID = outgoingSessionID;

  let mtu = readU32BE(data, at + 8);
  mtu = Math.min(Math.max(mtu, PROTOCOL_MINIMUM_MTU), PROTOCOL_MAXIMUM_MTU);
  if (mtu < peer.mtu) peer.mtu = mtu;

  peer.windowSize = sendWindowSize(host.outgoingBandwidth, peer.incomingBandwidth);

  let windowSize =
    host.incomingBandwidth === 0
      ? PROTOCOL_MAXIMUM_WINDOW_SIZE
      : Math.floor(host.incomingBandwidth / PEER_WINDOW_SIZE_SCALE) * PROTOCOL_MINIMUM_WINDOW_SIZE;
  const offeredWindow = readU32BE(data, at + 12);
  if (windowSize > offeredWindow) windowSize = offeredWindow;
  windowSize = clampWindow(windowSize);

  const body = new Uint8Array(40);
  putU16BE(body, 0, peer.incomingPeerID);
  body[2] = incomingSessionID;
  body[3] = outgoingSessionID;
  putU32BE(body, 4, peer.mtu);
  putU32BE(body, 8, windowSize);
  putU32BE(body, 12, channelCount);
  putU32BE(body, 16, host.incomingBandwidth);
  putU32BE(body, 20, host.outgoingBandwidth);
  putU32BE(body, 24, peer.packetThrottleInterval);
  putU32BE(body, 28, peer.packetThrottleAcceleration);
  putU32BE(body, 32, peer.packetThrottleDeceleration);
  putU32BE(body, 36, peer.connectID);
  peer.queueSystemCommand(Command.VERIFY_CONNECT | COMMAND_FLAG_ACKNOWLEDGE, body);
  return peer;
}

function handleVerifyConnect(host: Host, peer: Peer, data: Buffer, at: number): number {
  if (peer.state !== PeerState.CONNECTING) return OK;
  const channelCount = readU32BE(data, at + 16);
  if (
    channelCount < PROTOCOL_MINIMUM_CHANNEL_COUNT ||
    channelCount > PROTOCOL_MAXIMUM_CHANNEL_COUNT ||
    readU32BE(data, at + 28) !== peer.packetThrottleInterval ||
    readU32BE(data, at + 32) !== peer.packetThrottleAcceleration ||
    readU32BE(data, at + 36) !== peer.packetThrottleDeceleration ||
    readU32BE(data, at + 40) !== peer.connectID
  ) {
    peer.eventData = 0;
    peer.dispatchState(PeerState.ZOMBIE);
    return ABORT;
  }
  removeSentReliableCommand(peer, 1, SYSTEM_CHANNEL);
  if (channelCount < peer.channelCount) peer.channelCount = channelCount;
  peer.outgoingPeerID = readU16BE(data, at + 4);
  peer.incomingSessionID = data[at + 6]!;
  peer.outgoingSessionID = data[at + 7]!;
  let mtu = readU32BE(data, at + 8);
  mtu = Math.min(Math.max(mtu, PROTOCOL_MINIMUM_MTU), PROTOCOL_MAXIMUM_MTU);
  if (mtu < peer.mtu) peer.mtu = mtu;
  const windowSize = clampWindow(readU32BE(data, at + 12));
  if (windowSize < peer.windowSize) peer.windowSize = windowSize;
  peer.incomingBandwidth = readU32BE(data, at + 20);
  peer.outgoingBandwidth = readU32BE(data, at + 24);
  notifyConnect(host, peer);
  return OK;
}

function handleDisconnect(host: Host, peer: Peer, data: Buffer, at: number, commandByte: number): void {
  const s = peer.state;
  if (s === PeerState.DISCONNECTED || s === PeerState.ZOMBIE || s === PeerState.ACKNOWLEDGING_DISCONNECT) return;
  const pendingConnect = peer.connectEventPending;
  peer.resetQueues();
  peer.connectEventPending = pendingConnect;
  if (s === PeerState.CONNECTION_SUCCEEDED || s === PeerState.DISCONNECTING || s === PeerState.CONNECTING) {
    peer.dispatchState(PeerState.ZOMBIE);
  } else if (s !== PeerState.CONNECTED && s !== PeerState.DISCONNECT_LATER) {
    if (s === PeerState.CONNECTION_PENDING) host.recalculateBandwidthLimits = true;
    peer.reset();
  } else if (commandByte & COMMAND_FLAG_ACKNOWLEDGE) {
    peer.changeState(PeerState.ACKNOWLEDGING_DISCONNECT);
    if (pendingConnect) host.queueDispatch(peer);
  } else {
    peer.dispatchState(PeerState.ZOMBIE);
  }
  if (peer.state !== PeerState.DISCONNECTED) peer.eventData = readU32BE(data, at + 4);
}

function handleBandwidthLimit(host: Host, peer: Peer, data: Buffer, at: number): number {
  if (!peer.isConnectedState()) return ABORT;
  if (peer.incomingBandwidth !== 0) host.bandwidthLimitedPeers--;
  peer.incomingBandwidth = readU32BE(data, at + 4);
  peer.outgoingBandwidth = readU32BE(data, at + 8);
  if (peer.incomingBandwidth !== 0) host.bandwidthLimitedPeers++;
  peer.windowSize = sendWindowSize(host.outgoingBandwidth, peer.incomingBandwidth);
  return OK;
}

/**
 * A plain Uint8Array over the bytes of the datagram being handled, which queued payloads are
 * sliced from (slicing the Buffer itself would make a Buffer, each an external backing store the
 * garbage collector must track; a plain slice of 64 bytes or less lives on V8's heap). Set by
 * handleDatagram for the duration of one datagram.
 */
let payloadSource: Uint8Array = new Uint8Array(0);
/** The Buffer payloadSource views (receive batches reuse one buffer, so it rarely changes). */
let payloadSourceOf: Buffer | null = null;
const decompressedSource = new Uint8Array(decompressedScratch.buffer, decompressedScratch.byteOffset, decompressedScratch.length);

/** Points payloadSource at `data`'s bytes. */
function usePayloadSource(data: Buffer): void {
  if (data === payloadSourceOf) return;
  payloadSourceOf = data;
  payloadSource = data === decompressedScratch ? decompressedSource : new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** Common checks of SEND_* commands: channel, state, length inside the datagram and under the host maximum. */
function payloadAllowed(host: Host, peer: Peer, end: number, pos: number, length: number, channelID: number): boolean {
  return channelID < peer.channelCount && peer.isConnectedState() && length <= host.maximumPacketSize && pos + length <= end;
}

function handleSendPayload(
  host: Host,
  peer: Peer,
  end: number,
  pos: number,
  length: number,
  channelID: number,
  commandNumber: number,
  reliableSequenceNumber: number,
  unreliableSequenceNumber: number,
  packetFlags: number,
): number {
  if (!payloadAllowed(host, peer, end, pos, length, channelID)) return ABORT;
  const r = peer.queueIncomingCommand(
    commandNumber,
    channelID,
    reliableSequenceNumber,
    unreliableSequenceNumber,
    payloadSource,
    pos,
    length,
    packetFlags,
    0,
  );
  return r === null ? ABORT : OK;
}

function handleSendUnsequenced(
  host: Host,
  peer: Peer,
  data: Buffer,
  end: number,
  at: number,
  pos: number,
  length: number,
  channelID: number,
): number {
  if (!payloadAllowed(host, peer, end, pos, length, channelID)) return ABORT;
  let unsequencedGroup = readU16BE(data, at + 4);
  const index = unsequencedGroup % PEER_UNSEQUENCED_WINDOW_SIZE;
  if (unsequencedGroup < peer.incomingUnsequencedGroup) unsequencedGroup += 0x10000;
  if (unsequencedGroup >= peer.incomingUnsequencedGroup + PEER_FREE_UNSEQUENCED_WINDOWS * PEER_UNSEQUENCED_WINDOW_SIZE) return OK;
  unsequencedGroup &= 0xffff;
  let window = peer.unsequencedWindow;
  if (window === null) {
    window = new Uint32Array(PEER_UNSEQUENCED_WINDOW_SIZE / 32);
    peer.unsequencedWindow = window;
  }
  if (unsequencedGroup - index !== peer.incomingUnsequencedGroup) {
    peer.incomingUnsequencedGroup = unsequencedGroup - index;
    window.fill(0);
  } else if (window[index >>> 5]! & (1 << (index & 31))) {
    return OK;
  }
  const r = peer.queueIncomingCommand(Command.SEND_UNSEQUENCED, channelID, 0, 0, payloadSource, pos, length, PACKET_FLAG_UNSEQUENCED, 0);
  if (r === null) return ABORT;
  window[index >>> 5]! |= 1 << (index & 31);
  return OK;
}

function handleSendFragment(
  host: Host,
  peer: Peer,
  data: Buffer,
  end: number,
  at: number,
  pos: number,
  fragmentLength: number,
  channelID: number,
  commandNumber: number,
  reliableSequenceNumber: number,
): number {
  if (fragmentLength === 0 || !payloadAllowed(host, peer, end, pos, fragmentLength, channelID)) return ABORT;
  const channel = peer.channel(channelID);
  const reliable = commandNumber === Command.SEND_FRAGMENT;
  const startSequenceNumber = readU16BE(data, at + 4);
  const incomingRel = channel.incomingReliableSequenceNumber;
  // For reliable fragments the window is checked on the start sequence; for unreliable ones on the epoch.
  const windowSeq = reliable ? startSequenceNumber : reliableSequenceNumber;
  let window = (windowSeq / PEER_RELIABLE_WINDOW_SIZE) | 0;
  const currentWindow = (incomingRel / PEER_RELIABLE_WINDOW_SIZE) | 0;
  if (windowSeq < incomingRel) window += PEER_RELIABLE_WINDOWS;
  if (window < currentWindow || window >= currentWindow + PEER_FREE_RELIABLE_WINDOWS - 1) return OK;
  if (!reliable && reliableSequenceNumber === incomingRel && startSequenceNumber <= channel.incomingUnreliableSequenceNumber) return OK;
  const fragmentCount = readU32BE(data, at + 8);
  const fragmentNumber = readU32BE(data, at + 12);
  const totalLength = readU32BE(data, at + 16);
  const fragmentOffset = readU32BE(data, at + 20);
  if (
    fragmentCount > PROTOCOL_MAXIMUM_FRAGMENT_COUNT ||
    fragmentNumber >= fragmentCount ||
    totalLength > host.maximumPacketSize ||
    totalLength < fragmentCount ||
    fragmentOffset >= totalLength ||
    fragmentLength > totalLength - fragmentOffset
  )
    return ABORT;

  let start: IncomingCommand | null = null;
  const list = reliable ? channel.incomingReliableCommands : channel.incomingUnreliableCommands;
  const at0 = reliable
    ? seekReliable(list, incomingRel, startSequenceNumber)
    : seekUnreliable(list, incomingRel, reliableSequenceNumber, startSequenceNumber, false);
  const found = reliable
    ? holdsReliable(list, at0, startSequenceNumber)
    : isSequence(list, at0, reliableSequenceNumber, startSequenceNumber);
  if (found) {
    const c = at0 as IncomingCommand;
    const expected = reliable ? Command.SEND_FRAGMENT : Command.SEND_UNRELIABLE_FRAGMENT;
    if (c.commandNumber !== expected || totalLength !== c.totalLength || fragmentCount !== c.fragmentCount) return ABORT;
    start = c;
  }
  if (start === null) {
    const r = peer.queueIncomingCommand(
      commandNumber,
      channelID,
      reliable ? startSequenceNumber : reliableSequenceNumber,
      reliable ? 0 : startSequenceNumber,
      null,
      0,
      totalLength,
      reliable ? PACKET_FLAG_RELIABLE : PACKET_FLAG_UNRELIABLE_FRAGMENT,
      fragmentCount,
    );
    if (r === null || r === DISCARDED) return ABORT;
    start = r;
  }
  if (start.fragmentsRemaining <= 0) return OK;
  const r = peer.addFragment(start, fragmentNumber, fragmentOffset, payloadSource.subarray(pos, pos + fragmentLength));
  if (r === 'full') return ABORT;
  if (r === 'done') {
    if (reliable) peer.dispatchIncomingReliableCommands(channel, null);
    else peer.dispatchIncomingUnreliableCommands(channel, null);
  }
  return OK;
}

/**
 * ENet's reliable send window toward a peer from this host's outgoing bandwidth and the peer's
 * incoming bandwidth (0 = unlimited): 64 KiB when both are unlimited, else 4 KiB per 64 KiB/s of
 * the limiting one, clamped to [4096, 65536].
 */
function sendWindowSize(hostOutgoing: number, peerIncoming: number): number {
  if (hostOutgoing === 0 && peerIncoming === 0) return PROTOCOL_MAXIMUM_WINDOW_SIZE;
  const limit = hostOutgoing === 0 || peerIncoming === 0 ? Math.max(hostOutgoing, peerIncoming) : Math.min(hostOutgoing, peerIncoming);
  return clampWindow(Math.floor(limit / PEER_WINDOW_SIZE_SCALE) * PROTOCOL_MINIMUM_WINDOW_SIZE);
}
