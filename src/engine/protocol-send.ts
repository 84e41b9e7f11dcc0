import {
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_MASK,
  COMMAND_SIZES,
  Command,
  HEADER_FLAG_COMPRESSED,
  HEADER_FLAG_SENT_TIME,
  HEADER_SESSION_SHIFT,
  PEER_FREE_RELIABLE_WINDOWS,
  PEER_PACKET_LOSS_INTERVAL,
  PEER_PACKET_LOSS_SCALE,
  PEER_PACKET_THROTTLE_COUNTER,
  PEER_PACKET_THROTTLE_SCALE,
  PEER_RELIABLE_WINDOW_SIZE,
  PEER_RELIABLE_WINDOWS,
  PROTOCOL_MAXIMUM_MTU,
  PROTOCOL_MAXIMUM_PACKET_COMMANDS,
  PROTOCOL_MAXIMUM_PEER_ID,
} from '../protocol/constants.js';
import { putU16BE, putU32BE } from '../protocol/big-endian.js';
import { crc32 } from '../protocol/crc32.js';
import { timeDifference, timeGreaterEqual, timeLess } from '../protocol/time.js';
import { PeerState } from '../protocol/peer-state.js';
import { heldByWindow, type OutgoingCommand } from './commands.js';
import { insertBefore, unlink, type ListNode } from './list.js';
import { ASSEMBLY_BYTES, sendArena } from './send-arena.js';
import type { Host } from './host.js';
import type { Peer } from './peer.js';
import { notifyDisconnect } from './protocol-receive.js';

/** Room for the largest header (4) + checksum (4) before the commands. */
const COMMANDS_AT = 8;
/** The datagram being assembled: the start of the send arena, so payloads in send chunks move in with copyWithin. */
const scratch = sendArena.subarray(0, ASSEMBLY_BYTES);
const compressScratch = new Uint8Array(PROTOCOL_MAXIMUM_MTU + 64);
const WINDOW_MASK = (1 << (PEER_FREE_RELIABLE_WINDOWS + 2)) - 1;

/** State of the datagram being assembled for one peer. */
interface Assembly {
  /** ENet's accounting size: starts at 4 whatever the real header size. */
  packetSize: number;
  commandCount: number;
  /** Next write offset in `scratch`. */
  write: number;
  sentTime: boolean;
  continueSending: boolean;
}
const asm: Assembly = { packetSize: 4, commandCount: 0, write: COMMANDS_AT, sentTime: false, continueSending: false };

/** Starts an empty datagram in `asm`. */
function startAssembly(): void {
  asm.packetSize = 4;
  asm.commandCount = 0;
  asm.write = COMMANDS_AT;
  asm.sentTime = false;
  asm.continueSending = false;
}

/** The peers of the send pass under way, reused from pass to pass (a nested pass gets its own). */
const passPeers: Peer[] = [];
let passDepth = 0;

/**
 * One send pass (enet_protocol_send_outgoing_commands): for each peer, acks first, then
 * retransmission timeouts (when `checkForTimeouts`), then queued commands, then the ping rule;
 * one datagram per peer per round, rounds repeated while a peer ran out of room.
 * `only` restricts the pass to the peers the host marked as having something new.
 */
export function sendOutgoingCommands(host: Host, checkForTimeouts: boolean, only: Peer[] | null): void {
  // The peers are copied first: a pass may deactivate some (timeouts) or mark others for send.
  const source = only ?? host.active;
  const count = source.length;
  const list = passDepth === 0 ? passPeers : new Array<Peer>(count);
  for (let i = 0; i < count; i++) list[i] = source[i]!;
  host.clearSendMarks();
  passDepth++;
  try {
    let pass = 0;
    let again = true;
    while (again) {
      again = false;
      for (let i = 0; i < count; i++) {
        const peer = list[i]!;
        if (peer.state === PeerState.DISCONNECTED || peer.state === PeerState.ZOMBIE) continue;
        if (pass > 0 && !peer.continueSending) continue;
        peer.continueSending = false;
        if (sendToPeer(host, peer, checkForTimeouts)) again = true;
      }
      pass++;
    }
  } finally {
    passDepth--;
    if (passDepth === 0) passPeers.fill(undefined as unknown as Peer, 0, count);
  }
}

/**
 * Sends the peer's pending acknowledgements now, in datagrams of their own. Called before the
 * application resets a peer's queues (disconnect, reset): C ENet has always sent them by the time
 * it hands out the event the application reacts to, so the remote must not lose them.
 */
export function flushAcknowledgements(host: Host, peer: Peer): void {
  while (peer.acknowledgements.length > 0) {
    startAssembly();
    sendAcknowledgements(peer);
    if (asm.commandCount === 0) return;
    emitDatagram(host, peer);
  }
}

/** Builds and sends at most one datagram for `peer`; returns true when more is waiting. */
function sendToPeer(host: Host, peer: Peer, checkForTimeouts: boolean): boolean {
  startAssembly();
  const serviceTime = host.serviceTime;

  if (peer.acknowledgements.length > 0) sendAcknowledgements(peer);

  if (
    checkForTimeouts &&
    !peer.sentReliableCommands.isEmpty() &&
    timeGreaterEqual(serviceTime, peer.nextTimeout) &&
    checkTimeouts(host, peer)
  )
    return false;

  let canPing = true;
  if (!peer.outgoingCommands.isEmpty()) canPing = checkOutgoingCommands(host, peer);
  if (
    canPing &&
    peer.sentReliableCommands.isEmpty() &&
    timeDifference(serviceTime, peer.lastReceiveTime) >= peer.pingInterval &&
    peer.mtu - asm.packetSize >= 4 &&
    peer.state === PeerState.CONNECTED
  ) {
    peer.ping();
    checkOutgoingCommands(host, peer);
  }

  if (asm.commandCount === 0) return false;

  if (peer.packetLossEpoch === 0) {
    peer.packetLossEpoch = serviceTime;
  } else if (timeDifference(serviceTime, peer.packetLossEpoch) >= PEER_PACKET_LOSS_INTERVAL && peer.packetsSent > 0) {
    const packetLoss = Math.floor((peer.packetsLost * PEER_PACKET_LOSS_SCALE) / peer.packetsSent);
    peer.packetLossVariance = Math.floor((peer.packetLossVariance * 3 + Math.abs(packetLoss - peer.packetLoss)) / 4);
    peer.packetLoss = Math.floor((peer.packetLoss * 7 + packetLoss) / 8);
    peer.packetLossEpoch = serviceTime;
    peer.packetsSent = 0;
    peer.packetsLost = 0;
  }

  emitDatagram(host, peer);
  if (asm.continueSending) peer.continueSending = true;
  return asm.continueSending;
}

/** Adds the header (and checksum, compression) to the assembled commands and hands the datagram to the sink. */
function emitDatagram(host: Host, peer: Peer): void {
  const commandsEnd = asm.write;
  const commandBytes = commandsEnd - COMMANDS_AT;
  let headerFlags = asm.sentTime ? HEADER_FLAG_SENT_TIME : 0;
  let compressedSize = 0;
  const compressor = host.compressor;
  if (compressor !== null && commandBytes > 0) {
    const n = compressor.compress(scratch.subarray(COMMANDS_AT, commandsEnd), compressScratch.subarray(0, commandBytes));
    if (n > 0 && n < commandBytes) {
      headerFlags |= HEADER_FLAG_COMPRESSED;
      compressedSize = n;
    }
  }
  const hasPeerID = peer.outgoingPeerID < PROTOCOL_MAXIMUM_PEER_ID;
  if (hasPeerID) headerFlags |= peer.outgoingSessionID << HEADER_SESSION_SHIFT;
  const headerLength = (asm.sentTime ? 4 : 2) + (host.checksum ? 4 : 0);
  const start = COMMANDS_AT - headerLength;
  putU16BE(scratch, start, (peer.outgoingPeerID | headerFlags) & 0xffff);
  if (asm.sentTime) putU16BE(scratch, start + 2, host.serviceTime & 0xffff);
  if (host.checksum) {
    const slot = COMMANDS_AT - 4;
    putU32BE(scratch, slot, hasPeerID ? peer.connectID : 0);
    putU32BE(scratch, slot, crc32(scratch.subarray(start, commandsEnd)) >>> 0);
  }
  // The datagram is lent to the sink in place (it copies what it keeps): the compressed
  // commands replace the plain ones behind the header.
  let end = commandsEnd;
  if (compressedSize > 0) {
    scratch.set(compressScratch.subarray(0, compressedSize), COMMANDS_AT);
    end = COMMANDS_AT + compressedSize;
  }
  peer.lastSendTime = host.serviceTime;
  host.totalSentData += end - start;
  host.totalSentPackets++;
  host.sink(scratch, start, end, peer.address, peer.port);
}

/** Writes queued acknowledgements, first in the datagram. */
function sendAcknowledgements(peer: Peer): void {
  const acks = peer.acknowledgements;
  let i = 0;
  for (; i < acks.length; i += 4) {
    if (asm.commandCount >= PROTOCOL_MAXIMUM_PACKET_COMMANDS || peer.mtu - asm.packetSize < 8) {
      asm.continueSending = true;
      break;
    }
    const w = asm.write;
    scratch[w] = Command.ACKNOWLEDGE;
    scratch[w + 1] = acks[i]!;
    putU16BE(scratch, w + 2, acks[i + 1]!);
    putU16BE(scratch, w + 4, acks[i + 1]!);
    putU16BE(scratch, w + 6, acks[i + 2]! & 0xffff);
    asm.write = w + 8;
    asm.packetSize += 8;
    asm.commandCount++;
    if (acks[i + 3] === Command.DISCONNECT) peer.dispatchState(PeerState.ZOMBIE);
  }
  if (i < acks.length) {
    // The rest moves to the front in place (splice would also build an array of what it removes).
    acks.copyWithin(0, i);
    acks.length -= i;
  } else peer.releaseAcknowledgements();
}

/** Writes one command (header, fixed fields, payload) at the current write offset. */
function writeCommand(cmd: OutgoingCommand): void {
  const w = asm.write;
  const number = cmd.command & COMMAND_MASK;
  scratch[w] = cmd.command;
  scratch[w + 1] = cmd.channelID;
  putU16BE(scratch, w + 2, cmd.reliableSequenceNumber);
  let p = w + COMMAND_SIZES[number]!;
  switch (number) {
    case Command.SEND_RELIABLE:
      putU16BE(scratch, w + 4, cmd.fragmentLength);
      break;
    case Command.SEND_UNRELIABLE:
      putU16BE(scratch, w + 4, cmd.unreliableSequenceNumber);
      putU16BE(scratch, w + 6, cmd.fragmentLength);
      break;
    case Command.SEND_UNSEQUENCED:
      putU16BE(scratch, w + 4, cmd.unsequencedGroup);
      putU16BE(scratch, w + 6, cmd.fragmentLength);
      break;
    case Command.SEND_FRAGMENT:
    case Command.SEND_UNRELIABLE_FRAGMENT:
      putU16BE(scratch, w + 4, cmd.startSequenceNumber);
      putU16BE(scratch, w + 6, cmd.fragmentLength);
      putU32BE(scratch, w + 8, cmd.fragmentCount);
      putU32BE(scratch, w + 12, cmd.fragmentNumber);
      putU32BE(scratch, w + 16, cmd.totalLength);
      putU32BE(scratch, w + 20, cmd.fragmentOffset);
      break;
    default:
      if (cmd.body !== null) scratch.set(cmd.body, w + 4);
  }
  const packet = cmd.packet;
  const length = cmd.fragmentLength;
  if (packet !== null && length > 0) {
    const from = cmd.dataOffset;
    const chunk = cmd.chunk;
    if (length === packet.length) scratch.set(packet, p);
    else if (chunk !== null && chunk.arenaOffset >= 0) {
      const at = chunk.arenaOffset + from;
      sendArena.copyWithin(p, at, at + length); // the scratch is the arena's start
    } else scratch.set(new Uint8Array(packet.buffer, packet.byteOffset + from, length), p);
    p += length;
  }
  asm.write = p;
}

/**
 * Offers the peer's queued commands to the datagram (enet_protocol_check_outgoing_commands):
 * reliable ones subject to the window-wrap stall and the in-flight byte window, unreliable ones
 * to the packet throttle. Returns ENet's "can ping" flag.
 */
function checkOutgoingCommands(host: Host, peer: Peer): boolean {
  let canPing = true;
  let windowWrap = false;
  let windowExceeded = false;
  // Commands ahead that the window does not hold back: with the window full and none of them
  // left, every command ahead would be skipped, so the pass ends (a large packet queues thousands
  // of fragments, and this pass runs at every flush).
  let unwindowedAhead = peer.outgoingUnwindowed;
  const end = peer.outgoingCommands.sentinel;
  let current: ListNode = end.listNext;
  while (current !== end) {
    const cmd = current as OutgoingCommand;
    if (!heldByWindow(cmd)) unwindowedAhead--;
    else if (windowExceeded && unwindowedAhead === 0) break;
    let reliableWindow = 0;
    let channel = null;
    if (cmd.command & COMMAND_FLAG_ACKNOWLEDGE) {
      channel = cmd.channelID < peer.channelCount ? peer.channel(cmd.channelID) : null;
      reliableWindow = (cmd.reliableSequenceNumber / PEER_RELIABLE_WINDOW_SIZE) | 0;
      if (channel !== null) {
        if (
          !windowWrap &&
          cmd.sendAttempts < 1 &&
          cmd.reliableSequenceNumber % PEER_RELIABLE_WINDOW_SIZE === 0 &&
          (channel.reliableWindows[(reliableWindow + PEER_RELIABLE_WINDOWS - 1) % PEER_RELIABLE_WINDOWS]! >= PEER_RELIABLE_WINDOW_SIZE ||
            channel.usedReliableWindows & ((WINDOW_MASK << reliableWindow) | (WINDOW_MASK >>> (PEER_RELIABLE_WINDOWS - reliableWindow))))
        )
          windowWrap = true;
        if (windowWrap) {
          current = current.listNext;
          continue;
        }
      }
      if (cmd.packet !== null) {
        if (!windowExceeded) {
          const windowSize = Math.floor((peer.packetThrottle * peer.windowSize) / PEER_PACKET_THROTTLE_SCALE);
          if (peer.reliableDataInTransit + cmd.fragmentLength > Math.max(windowSize, peer.mtu)) windowExceeded = true;
        }
        if (windowExceeded) {
          current = current.listNext;
          continue;
        }
      }
      canPing = false;
    }
    const commandSize = COMMAND_SIZES[cmd.command & COMMAND_MASK]!;
    if (
      asm.commandCount >= PROTOCOL_MAXIMUM_PACKET_COMMANDS ||
      peer.mtu - asm.packetSize < commandSize ||
      (cmd.packet !== null && peer.mtu - asm.packetSize < commandSize + cmd.fragmentLength)
    ) {
      asm.continueSending = true;
      break;
    }
    current = current.listNext;
    if (cmd.command & COMMAND_FLAG_ACKNOWLEDGE) {
      if (channel !== null && cmd.sendAttempts < 1) {
        channel.usedReliableWindows |= 1 << reliableWindow;
        channel.reliableWindows[reliableWindow]!++;
      }
      if (cmd.packet === null) peer.outgoingUnwindowed--;
      cmd.sendAttempts++;
      if (cmd.roundTripTimeout === 0) cmd.roundTripTimeout = peer.roundTripTime + 4 * peer.roundTripTimeVariance;
      if (peer.sentReliableCommands.isEmpty()) {
        peer.nextTimeout = (host.serviceTime + cmd.roundTripTimeout) >>> 0;
        host.touchTimeout(peer);
      }
      unlink(cmd);
      peer.sentReliableCommands.pushBack(cmd);
      cmd.sentTime = host.serviceTime;
      asm.sentTime = true;
      peer.reliableDataInTransit += cmd.fragmentLength;
    } else {
      if (cmd.packet !== null && cmd.fragmentOffset === 0) {
        peer.packetThrottleCounter = (peer.packetThrottleCounter + PEER_PACKET_THROTTLE_COUNTER) % PEER_PACKET_THROTTLE_SCALE;
        if (peer.packetThrottleCounter > peer.packetThrottle) {
          // Throttled: drop this command and the rest of its packet's fragments.
          const rel = cmd.reliableSequenceNumber;
          const unrel = cmd.unreliableSequenceNumber;
          unlink(cmd);
          peer.outgoingUnwindowed--;
          peer.outgoingQueuedBytes -= cmd.fragmentLength;
          host.releaseOutgoingCommand(cmd);
          while (current !== end) {
            const next = current as OutgoingCommand;
            if (next.reliableSequenceNumber !== rel || next.unreliableSequenceNumber !== unrel) break;
            current = current.listNext;
            unlink(next);
            peer.outgoingUnwindowed--;
            unwindowedAhead--;
            peer.outgoingQueuedBytes -= next.fragmentLength;
            host.releaseOutgoingCommand(next);
          }
          continue;
        }
      }
      unlink(cmd);
      peer.outgoingUnwindowed--;
      peer.outgoingQueuedBytes -= cmd.fragmentLength;
    }
    writeCommand(cmd);
    asm.packetSize += commandSize + (cmd.packet !== null ? cmd.fragmentLength : 0);
    asm.commandCount++;
    peer.packetsSent++;
    // Sent unreliable: nothing refers to it any more (C ENet frees it once the datagram is out).
    if (!(cmd.command & COMMAND_FLAG_ACKNOWLEDGE)) host.releaseOutgoingCommand(cmd);
  }
  if (peer.state === PeerState.DISCONNECT_LATER && peer.outgoingCommands.isEmpty() && peer.sentReliableCommands.isEmpty())
    peer.disconnect(peer.eventData);
  return canPing;
}

/**
 * Retransmission timeouts (enet_protocol_check_timeouts): expired reliable commands go back to
 * the front of the queue with a doubled timeout, or the peer is declared lost. Returns true when
 * the peer was disconnected.
 */
function checkTimeouts(host: Host, peer: Peer): boolean {
  const serviceTime = host.serviceTime;
  const sentList = peer.sentReliableCommands;
  const end = sentList.sentinel;
  const insertPosition = peer.outgoingCommands.sentinel.listNext;
  let current: ListNode = end.listNext;
  while (current !== end) {
    const cmd = current as OutgoingCommand;
    current = current.listNext;
    if (timeDifference(serviceTime, cmd.sentTime) < cmd.roundTripTimeout) continue;
    if (peer.earliestTimeout === 0 || timeLess(cmd.sentTime, peer.earliestTimeout)) peer.earliestTimeout = cmd.sentTime;
    if (
      peer.earliestTimeout !== 0 &&
      (timeDifference(serviceTime, peer.earliestTimeout) >= peer.timeoutMaximum ||
        (2 ** (cmd.sendAttempts - 1) >= peer.timeoutLimit && timeDifference(serviceTime, peer.earliestTimeout) >= peer.timeoutMinimum))
    ) {
      notifyDisconnect(host, peer);
      return true;
    }
    if (cmd.packet !== null) peer.reliableDataInTransit -= cmd.fragmentLength;
    peer.packetsLost++;
    cmd.roundTripTimeout *= 2;
    unlink(cmd);
    insertBefore(insertPosition, cmd);
    if (!heldByWindow(cmd)) peer.outgoingUnwindowed++;
    if (current === end.listNext && current !== end) {
      const head = current as OutgoingCommand;
      peer.nextTimeout = (head.sentTime + head.roundTripTimeout) >>> 0;
    }
  }
  return false;
}

/**
 * Removes the acknowledged reliable command (matched by sequence number and channel) and returns
 * its command number, or Command.NONE when nothing matched.
 */
export function removeSentReliableCommand(peer: Peer, seq: number, channelID: number): number {
  let found: OutgoingCommand | null = null;
  let wasSent = true;
  const sent = peer.sentReliableCommands.sentinel;
  for (let n = sent.listNext; n !== sent; n = n.listNext) {
    const c = n as OutgoingCommand;
    if (c.reliableSequenceNumber === seq && c.channelID === channelID) {
      found = c;
      break;
    }
  }
  if (found === null) {
    const out = peer.outgoingCommands.sentinel;
    for (let n = out.listNext; n !== out; n = n.listNext) {
      const c = n as OutgoingCommand;
      if (!(c.command & COMMAND_FLAG_ACKNOWLEDGE)) continue;
      if (c.sendAttempts < 1) return Command.NONE;
      if (c.reliableSequenceNumber === seq && c.channelID === channelID) {
        found = c;
        break;
      }
    }
    if (found === null) return Command.NONE;
    wasSent = false;
  }
  if (channelID < peer.channelCount) {
    const channel = peer.channel(channelID);
    const reliableWindow = (seq / PEER_RELIABLE_WINDOW_SIZE) | 0;
    if (channel.reliableWindows[reliableWindow]! > 0) {
      channel.reliableWindows[reliableWindow]!--;
      if (channel.reliableWindows[reliableWindow] === 0) channel.usedReliableWindows &= ~(1 << reliableWindow);
    }
  }
  const commandNumber = found.command & COMMAND_MASK;
  unlink(found);
  if (!wasSent && !heldByWindow(found)) peer.outgoingUnwindowed--;
  peer.outgoingQueuedBytes -= found.fragmentLength;
  if (found.packet !== null && wasSent) peer.reliableDataInTransit -= found.fragmentLength;
  peer.host.releaseOutgoingCommand(found);
  const head = peer.sentReliableCommands.first();
  if (head) peer.nextTimeout = (head.sentTime + head.roundTripTimeout) >>> 0;
  peer.host.touchTimeout(peer);
  return commandNumber;
}
