import {
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_FLAG_UNSEQUENCED,
  COMMAND_MASK,
  COMMAND_SIZES,
  Command,
  PACKET_FLAG_RELIABLE,
  PACKET_FLAG_UNRELIABLE_FRAGMENT,
  PACKET_FLAG_UNSEQUENCED,
  PEER_DEFAULT_PACKET_THROTTLE,
  PEER_DEFAULT_ROUND_TRIP_TIME,
  PEER_FREE_RELIABLE_WINDOWS,
  PEER_PACKET_THROTTLE_ACCELERATION,
  PEER_PACKET_THROTTLE_DECELERATION,
  PEER_PACKET_THROTTLE_INTERVAL,
  PEER_PACKET_THROTTLE_SCALE,
  PEER_PING_INTERVAL,
  PEER_RELIABLE_WINDOW_SIZE,
  PEER_RELIABLE_WINDOWS,
  PEER_TIMEOUT_LIMIT,
  PEER_TIMEOUT_MAXIMUM,
  PEER_TIMEOUT_MINIMUM,
  PROTOCOL_MAXIMUM_FRAGMENT_COUNT,
  PROTOCOL_MAXIMUM_PEER_ID,
  PROTOCOL_MAXIMUM_WINDOW_SIZE,
  SYSTEM_CHANNEL,
} from '../protocol/constants.js';
import { PeerState } from '../protocol/peer-state.js';
import { NO_ACKNOWLEDGEMENTS } from './acknowledgement-arrays.js';
import { Channel } from './channel.js';
import { heldByWindow, type IncomingCommand, type OutgoingCommand } from './commands.js';
import { List, insertBefore, moveRange, unlink, type ListNode } from './list.js';
import type { Host } from './host.js';
import type { SendChunk, SendChunkOwner } from './send-chunks.js';
import { putU32BE } from '../protocol/big-endian.js';

const EMPTY = new Uint8Array(0);
const sliceBytes = Uint8Array.prototype.slice;
/** Packets up to this size get a copy of their own on V8's heap (no external backing store). */
const HEAP_PACKET = 64;
/**
 * Packets up to this size, delivered in order, share storage instead of a copy of their own: the
 * host's lend area when it lends (see Host.lend), else (above HEAP_PACKET) its receive slab.
 */
const SHARED_STORAGE_MAX_PACKET = 1024;
/** Packets up to this size are copied into a send chunk (see send-chunks.ts) instead of a copy of their own. */
const SEND_CHUNK_MAX_PACKET = 1024;

/** Gives back `cmd`'s packet to the host if it is lent (once: the command forgets it). */
function giveBackLent(host: Host, cmd: IncomingCommand): void {
  if (cmd.lent < 0) return;
  cmd.lent = -1;
  host.giveBackLent();
}

/** Gives back the lent packets of every command in `list` (dropped unread). */
function giveBackLentIn(host: Host, list: List<IncomingCommand>): void {
  const end = list.sentinel;
  for (let n = end.listNext; n !== end; n = n.listNext) giveBackLent(host, n as IncomingCommand);
}

/** Result of queueing an incoming command: queued, discarded (harmless), or refused (abort the datagram). */
export const DISCARDED: unique symbol = Symbol('discarded');

/**
 * Walks a channel's reliable queue from the back in ENet's wrap-aware order and returns where a
 * command with sequence `seq` belongs: the queued command with that sequence if there is one,
 * else the node to insert after.
 */
export function seekReliable(list: List<IncomingCommand>, incomingRel: number, seq: number): ListNode {
  let n = list.sentinel.listPrev;
  for (; n !== list.sentinel; n = n.listPrev) {
    const c = n as IncomingCommand;
    if (seq >= incomingRel) {
      if (c.reliableSequenceNumber < incomingRel) continue;
    } else if (c.reliableSequenceNumber >= incomingRel) break;
    if (c.reliableSequenceNumber <= seq) break;
  }
  return n;
}

/**
 * The same for a channel's unreliable queue, ordered by (reliable, unreliable) sequence; ENet
 * skips unsequenced entries when queueing but not when looking up fragments.
 */
export function seekUnreliable(
  list: List<IncomingCommand>,
  incomingRel: number,
  rel: number,
  unrel: number,
  skipUnsequenced: boolean,
): ListNode {
  let n = list.sentinel.listPrev;
  for (; n !== list.sentinel; n = n.listPrev) {
    const c = n as IncomingCommand;
    if (skipUnsequenced && c.commandNumber === Command.SEND_UNSEQUENCED) continue;
    if (rel >= incomingRel) {
      if (c.reliableSequenceNumber < incomingRel) continue;
    } else if (c.reliableSequenceNumber >= incomingRel) break;
    if (c.reliableSequenceNumber < rel) break;
    if (c.reliableSequenceNumber > rel) continue;
    if (c.unreliableSequenceNumber <= unrel) break;
  }
  return n;
}

/** True when `n` (from seekReliable) is the queued command with reliable sequence `seq`. */
export function holdsReliable(list: List<IncomingCommand>, n: ListNode, seq: number): boolean {
  return n !== list.sentinel && (n as IncomingCommand).reliableSequenceNumber === seq;
}

/** True when `n` (from seekUnreliable) is the queued command with exactly these sequence numbers. */
export function isSequence(list: List<IncomingCommand>, n: ListNode, rel: number, unrel: number): boolean {
  if (n === list.sentinel) return false;
  const c = n as IncomingCommand;
  return c.reliableSequenceNumber === rel && c.unreliableSequenceNumber === unrel;
}

/**
 * Bytes a peer may have waiting (received, not yet taken by the application) before unreliable
 * packets that would wait behind a missing reliable one are dropped rather than queued.
 */
const WAITING_UNRELIABLE_BACKLOG = 256 * 1024;

/** Bytes of fragment storage allocated at a time per reassembly (chunks of this size are reused by the host). */
export const REASSEMBLY_CHUNK = 64 * 1024;

/**
 * A packet of at least this many bytes is assembled in place (each fragment written into the
 * packet itself, as ENet does) once an eighth of it has arrived: no chunks to fault in and no
 * copy of the whole packet at the end (B3, 8 MiB: 94-100 ms to 77-81 ms, page faults 13.3 k
 * to 9 k). Before that, the fragments go to chunks, so that a remote cannot make the host
 * allocate more than eight times what it has sent; the storage comes from Host.allocateLarge
 * and the whole packet is charged to the reassembly budgets when it is taken (that storage may
 * be faulted in whole at once).
 */
const IN_PLACE_ASSEMBLY_MIN = 1024 * 1024;
/** The share of a large packet that must have arrived before it is assembled in place (1/8). */
const IN_PLACE_ASSEMBLY_SHIFT = 3;

/** One peer slot of a host: the state of a connection and its queues. */
export class Peer implements SendChunkOwner {
  readonly host: Host;
  /** This slot's index: the id the remote puts in datagrams it sends us. */
  readonly incomingPeerID: number;
  outgoingPeerID = PROTOCOL_MAXIMUM_PEER_ID;
  /** The 32-bit connect id, as read big-endian from the wire (written back the same way). */
  connectID = 0;
  outgoingSessionID = 0xff;
  incomingSessionID = 0xff;
  address = '';
  port = 0;
  state: PeerState = PeerState.DISCONNECTED;
  /** Place in the host's active set, -1 while DISCONNECTED. */
  activeIndex = -1;
  /** Where the host indexes this peer by remote endpoint while it is active (null when inactive). */
  endpointKey: string | null = null;
  /** Order in which half-open handshakes began (the oldest is evicted first; see half-open.ts). */
  handshakeSequence = 0;
  /** Channel state, created on first use (an idle channel costs nothing); index < channelCount. */
  channels: Array<Channel | undefined> = [];
  channelCount = 0;
  incomingBandwidth = 0;
  outgoingBandwidth = 0;
  incomingBandwidthThrottleEpoch = 0;
  outgoingBandwidthThrottleEpoch = 0;
  incomingDataTotal = 0;
  outgoingDataTotal = 0;
  lastSendTime = 0;
  lastReceiveTime = 0;
  nextTimeout = 0;
  earliestTimeout = 0;
  packetLossEpoch = 0;
  packetsSent = 0;
  packetsLost = 0;
  packetLoss = 0;
  packetLossVariance = 0;
  packetThrottle = PEER_DEFAULT_PACKET_THROTTLE;
  packetThrottleLimit = PEER_PACKET_THROTTLE_SCALE;
  packetThrottleCounter = 0;
  packetThrottleEpoch = 0;
  packetThrottleAcceleration = PEER_PACKET_THROTTLE_ACCELERATION;
  packetThrottleDeceleration = PEER_PACKET_THROTTLE_DECELERATION;
  packetThrottleInterval = PEER_PACKET_THROTTLE_INTERVAL;
  pingInterval = PEER_PING_INTERVAL;
  timeoutLimit = PEER_TIMEOUT_LIMIT;
  timeoutMinimum = PEER_TIMEOUT_MINIMUM;
  timeoutMaximum = PEER_TIMEOUT_MAXIMUM;
  lastRoundTripTime = PEER_DEFAULT_ROUND_TRIP_TIME;
  lowestRoundTripTime = PEER_DEFAULT_ROUND_TRIP_TIME;
  lastRoundTripTimeVariance = 0;
  highestRoundTripTimeVariance = 0;
  roundTripTime = PEER_DEFAULT_ROUND_TRIP_TIME;
  roundTripTimeVariance = 0;
  /** Number of acknowledgements that gave an RTT sample (for tools such as `enet-ts ping`). */
  roundTripSamples = 0;
  mtu: number;
  windowSize = PROTOCOL_MAXIMUM_WINDOW_SIZE;
  reliableDataInTransit = 0;
  outgoingReliableSequenceNumber = 0;
  /**
   * Pending acknowledgements, four numbers each: channel, seq, sentTime, command number; the
   * shared NO_ACKNOWLEDGEMENTS while there are none (an array is lent by the host's pool).
   */
  acknowledgements: number[] = NO_ACKNOWLEDGEMENTS;
  readonly sentReliableCommands = new List<OutgoingCommand>();
  /** The chunk this peer's small reliable packets are copied into now (see send-chunks.ts). */
  sendChunk: SendChunk | null = null;
  readonly outgoingCommands = new List<OutgoingCommand>();
  readonly dispatchedCommands = new List<IncomingCommand>();
  /** Set while the peer sits in the host's dispatch queue. */
  needsDispatch = false;
  /** In the host's list of peers whose next deadline may have moved. */
  timeoutTouched = false;
  /** A CONNECT event is owed to the application. */
  connectEventPending = false;
  /**
   * The data of the owed CONNECT event, kept apart from `eventData`: a whole receive batch is
   * handled before events go out, and a DISCONNECT later in it sets `eventData` again.
   */
  connectEventData = 0;
  /** The last send pass ran out of room for this peer: send again. */
  continueSending = false;
  incomingUnsequencedGroup = 0;
  outgoingUnsequencedGroup = 0;
  /**
   * One bit per unsequenced group of the current window that has arrived. Made on the first
   * unsequenced packet: a typed array this size lives outside V8's heap, and creating one for
   * every connecting peer was a third of what a new peer cost.
   */
  unsequencedWindow: Uint32Array | null = null;
  eventData = 0;
  totalWaitingData = 0;
  /** Payload bytes queued for sending and not yet sent (unreliable) or acknowledged (reliable). */
  outgoingQueuedBytes = 0;
  /**
   * How many commands in outgoingCommands the send window does not hold back (see heldByWindow):
   * once the window is full, the send pass stops where none of them is left.
   */
  outgoingUnwindowed = 0;
  /** Bytes reserved by incomplete fragment reassemblies of this peer. */
  reassemblyBytes = 0;
  /** Application data attached to this slot (the API keeps its wrapper here). */
  data: unknown = undefined;

  constructor(host: Host, index: number) {
    this.host = host;
    this.incomingPeerID = index;
    this.mtu = host.mtu;
  }

  /** The state of channel `id` (< channelCount), created on first use. */
  channel(id: number): Channel {
    let c = this.channels[id];
    if (c === undefined) {
      c = new Channel();
      this.channels[id] = c;
    }
    return c;
  }

  /** Sets up `count` fresh channels (their state comes on first use). */
  resetChannels(count: number): void {
    this.channels = [];
    this.channelCount = count;
  }

  /** True in CONNECTED and DISCONNECT_LATER, the states ENet counts as connected. */
  isConnectedState(): boolean {
    return this.state === PeerState.CONNECTED || this.state === PeerState.DISCONNECT_LATER;
  }

  /** Payload bytes that fit in one fragment for this peer. */
  fragmentLength(): number {
    return this.mtu - 4 - 24 - (this.host.checksum ? 4 : 0);
  }

  // ---------------------------------------------------------------- state changes

  /** Counts the peer in or out of the host's connected set as `state` requires. */
  changeState(state: PeerState): void {
    if (state === PeerState.CONNECTED || state === PeerState.DISCONNECT_LATER) this.onConnect();
    else this.onDisconnect();
    this.state = state;
  }

  /** changeState plus a place in the host's dispatch queue. */
  dispatchState(state: PeerState): void {
    this.changeState(state);
    this.host.queueDispatch(this);
  }

  onConnect(): void {
    if (!this.isConnectedState()) {
      if (this.incomingBandwidth !== 0) this.host.bandwidthLimitedPeers++;
      this.host.connectedPeers++;
    }
  }

  onDisconnect(): void {
    if (this.isConnectedState()) {
      if (this.incomingBandwidth !== 0) this.host.bandwidthLimitedPeers--;
      this.host.connectedPeers--;
    }
  }

  // ---------------------------------------------------------------- queues

  /** Gives the acknowledgement queue back to the host's pool (none pending, or dropped). */
  releaseAcknowledgements(): void {
    this.host.acknowledgementArrays.give(this.acknowledgements);
    this.acknowledgements = NO_ACKNOWLEDGEMENTS;
  }

  /** Drops every queued command in both directions and the channels. */
  resetQueues(): void {
    this.host.unqueueDispatch(this);
    this.releaseAcknowledgements();
    this.sentReliableCommands.clear();
    this.outgoingCommands.clear();
    this.outgoingUnwindowed = 0;
    this.host.sendChunks.disown(this);
    if (this.host.lentPacketCount > 0) {
      giveBackLentIn(this.host, this.dispatchedCommands);
      for (const c of this.channels) {
        if (c === undefined) continue;
        giveBackLentIn(this.host, c.incomingReliableCommands);
        giveBackLentIn(this.host, c.incomingUnreliableCommands);
      }
    }
    this.dispatchedCommands.clear();
    this.channels = [];
    this.channelCount = 0;
    this.totalWaitingData = 0;
    this.outgoingQueuedBytes = 0;
    this.host.reassemblyBytes -= this.reassemblyBytes;
    this.reassemblyBytes = 0;
    this.reliableDataInTransit = 0;
  }

  /** Restores every per-connection default; no traffic, no event (enet_peer_reset). */
  reset(): void {
    this.onDisconnect();
    this.outgoingPeerID = PROTOCOL_MAXIMUM_PEER_ID;
    this.connectID = 0;
    this.state = PeerState.DISCONNECTED;
    this.host.deactivate(this);
    this.incomingBandwidth = 0;
    this.outgoingBandwidth = 0;
    this.incomingBandwidthThrottleEpoch = 0;
    this.outgoingBandwidthThrottleEpoch = 0;
    this.incomingDataTotal = 0;
    this.outgoingDataTotal = 0;
    this.lastSendTime = 0;
    this.lastReceiveTime = 0;
    this.nextTimeout = 0;
    this.earliestTimeout = 0;
    this.packetLossEpoch = 0;
    this.packetsSent = 0;
    this.packetsLost = 0;
    this.packetLoss = 0;
    this.packetLossVariance = 0;
    this.packetThrottle = PEER_DEFAULT_PACKET_THROTTLE;
    this.packetThrottleLimit = PEER_PACKET_THROTTLE_SCALE;
    this.packetThrottleCounter = 0;
    this.packetThrottleEpoch = 0;
    this.packetThrottleAcceleration = PEER_PACKET_THROTTLE_ACCELERATION;
    this.packetThrottleDeceleration = PEER_PACKET_THROTTLE_DECELERATION;
    this.packetThrottleInterval = PEER_PACKET_THROTTLE_INTERVAL;
    this.pingInterval = PEER_PING_INTERVAL;
    this.timeoutLimit = PEER_TIMEOUT_LIMIT;
    this.timeoutMinimum = PEER_TIMEOUT_MINIMUM;
    this.timeoutMaximum = PEER_TIMEOUT_MAXIMUM;
    this.lastRoundTripTime = PEER_DEFAULT_ROUND_TRIP_TIME;
    this.lowestRoundTripTime = PEER_DEFAULT_ROUND_TRIP_TIME;
    this.lastRoundTripTimeVariance = 0;
    this.highestRoundTripTimeVariance = 0;
    this.roundTripTime = PEER_DEFAULT_ROUND_TRIP_TIME;
    this.roundTripTimeVariance = 0;
    this.mtu = this.host.mtu;
    this.reliableDataInTransit = 0;
    this.outgoingReliableSequenceNumber = 0;
    this.windowSize = PROTOCOL_MAXIMUM_WINDOW_SIZE;
    this.incomingUnsequencedGroup = 0;
    this.outgoingUnsequencedGroup = 0;
    this.eventData = 0;
    this.continueSending = false;
    this.connectEventPending = false;
    this.connectEventData = 0;
    this.unsequencedWindow?.fill(0);
    this.resetQueues();
  }

  // ---------------------------------------------------------------- outgoing

  /** Assigns sequence numbers to a command and appends it to the outgoing queue. */
  setupOutgoingCommand(cmd: OutgoingCommand): void {
    this.outgoingDataTotal += COMMAND_SIZES[cmd.command & COMMAND_MASK]! + cmd.fragmentLength;
    this.outgoingQueuedBytes += cmd.fragmentLength;
    if (cmd.channelID === SYSTEM_CHANNEL) {
      this.outgoingReliableSequenceNumber = (this.outgoingReliableSequenceNumber + 1) & 0xffff;
      cmd.reliableSequenceNumber = this.outgoingReliableSequenceNumber;
      cmd.unreliableSequenceNumber = 0;
    } else {
      const channel = this.channel(cmd.channelID);
      if (cmd.command & COMMAND_FLAG_ACKNOWLEDGE) {
        channel.outgoingReliableSequenceNumber = (channel.outgoingReliableSequenceNumber + 1) & 0xffff;
        channel.outgoingUnreliableSequenceNumber = 0;
        cmd.reliableSequenceNumber = channel.outgoingReliableSequenceNumber;
        cmd.unreliableSequenceNumber = 0;
      } else if (cmd.command & COMMAND_FLAG_UNSEQUENCED) {
        this.outgoingUnsequencedGroup = (this.outgoingUnsequencedGroup + 1) & 0xffff;
        cmd.reliableSequenceNumber = 0;
        cmd.unreliableSequenceNumber = 0;
      } else {
        if (cmd.fragmentOffset === 0) channel.outgoingUnreliableSequenceNumber = (channel.outgoingUnreliableSequenceNumber + 1) & 0xffff;
        cmd.reliableSequenceNumber = channel.outgoingReliableSequenceNumber;
        cmd.unreliableSequenceNumber = channel.outgoingUnreliableSequenceNumber;
      }
    }
    cmd.sendAttempts = 0;
    cmd.sentTime = 0;
    cmd.roundTripTimeout = 0;
    if ((cmd.command & COMMAND_MASK) === Command.SEND_UNSEQUENCED) cmd.unsequencedGroup = this.outgoingUnsequencedGroup;
    this.outgoingCommands.pushBack(cmd);
    if (!heldByWindow(cmd)) this.outgoingUnwindowed++;
    this.host.markForSend(this);
  }

  /** Queues a connection-management command on the system channel. */
  queueSystemCommand(command: number, body: Uint8Array | null): OutgoingCommand {
    const cmd = this.host.newOutgoingCommand();
    cmd.command = command;
    cmd.channelID = SYSTEM_CHANNEL;
    cmd.body = body;
    this.setupOutgoingCommand(cmd);
    return cmd;
  }

  /**
   * Queues a packet on a channel as ENet classifies it (reliable, unreliable, unsequenced or
   * fragments). Returns false where enet_peer_send fails: not connected, no such channel,
   * packet over the host's maximum, or too many fragments. With `copy`, the bytes are copied
   * (packets up to 1 KiB into pooled send chunks) and `packet` is not kept; without, the engine
   * keeps `packet` until it is sent (reliable: acknowledged).
   */
  send(channelID: number, packet: Uint8Array, flags: number, copy = false): boolean {
    if (this.state !== PeerState.CONNECTED || channelID >= this.channelCount) return false;
    if (packet.length > this.host.maximumPacketSize) return false;
    if (this.outgoingQueuedBytes + packet.length > this.host.maximumOutgoingData) return false;
    const channel = this.channel(channelID);
    const fragmentLength = this.fragmentLength();
    if (packet.length > fragmentLength) {
      const fragmentCount = Math.ceil(packet.length / fragmentLength);
      if (fragmentCount > PROTOCOL_MAXIMUM_FRAGMENT_COUNT) return false;
      let commandNumber: number;
      let startSequenceNumber: number;
      if (
        (flags & (PACKET_FLAG_RELIABLE | PACKET_FLAG_UNRELIABLE_FRAGMENT)) === PACKET_FLAG_UNRELIABLE_FRAGMENT &&
        channel.outgoingUnreliableSequenceNumber < 0xffff
      ) {
        commandNumber = Command.SEND_UNRELIABLE_FRAGMENT;
        startSequenceNumber = (channel.outgoingUnreliableSequenceNumber + 1) & 0xffff;
      } else {
        commandNumber = Command.SEND_FRAGMENT | COMMAND_FLAG_ACKNOWLEDGE;
        startSequenceNumber = (channel.outgoingReliableSequenceNumber + 1) & 0xffff;
      }
      // A copy goes into pooled chunks, as many whole fragments to a chunk as fit: a fresh copy
      // of a large packet costs a page fault per page.
      const pool = this.host.fragmentChunks;
      const perChunk = Math.floor(pool.chunkSize / fragmentLength);
      const total = packet.length;
      let chunk: SendChunk | null = null;
      let chunkStart = 0;
      for (let n = 0, offset = 0; offset < total; n++, offset += fragmentLength) {
        const cmd = this.host.newOutgoingCommand();
        cmd.command = commandNumber;
        cmd.channelID = channelID;
        cmd.startSequenceNumber = startSequenceNumber;
        cmd.fragmentCount = fragmentCount;
        cmd.fragmentNumber = n;
        cmd.totalLength = total;
        cmd.fragmentOffset = offset;
        cmd.fragmentLength = Math.min(fragmentLength, total - offset);
        if (!copy) {
          cmd.packet = packet;
          cmd.dataOffset = offset;
        } else {
          if (n % perChunk === 0) {
            chunk = pool.take();
            chunkStart = offset;
            const end = Math.min(total, offset + perChunk * fragmentLength);
            chunk.bytes.set(packet.subarray(offset, end));
            chunk.used = end - offset;
          }
          chunk!.holders++;
          cmd.chunk = chunk;
          cmd.packet = chunk!.bytes;
          cmd.dataOffset = offset - chunkStart;
        }
        this.setupOutgoingCommand(cmd);
      }
      return true;
    }
    const cmd = this.host.newOutgoingCommand();
    cmd.channelID = channelID;
    if ((flags & (PACKET_FLAG_RELIABLE | PACKET_FLAG_UNSEQUENCED)) === PACKET_FLAG_UNSEQUENCED)
      cmd.command = Command.SEND_UNSEQUENCED | COMMAND_FLAG_UNSEQUENCED;
    else if (flags & PACKET_FLAG_RELIABLE || channel.outgoingUnreliableSequenceNumber >= 0xffff)
      cmd.command = Command.SEND_RELIABLE | COMMAND_FLAG_ACKNOWLEDGE;
    else cmd.command = Command.SEND_UNRELIABLE;
    if (!copy || packet.length > SEND_CHUNK_MAX_PACKET) cmd.packet = copy ? sliceBytes.call(packet) : packet;
    else {
      // A reliable packet is held until acknowledged: in this peer's own chunk, so a peer that
      // does not acknowledge holds no other peer's bytes. An unreliable one leaves (or is
      // dropped) at the next pass: in the host's chunk.
      const chunk = this.host.sendChunks.place(cmd.command & COMMAND_FLAG_ACKNOWLEDGE ? this : this.host, packet);
      cmd.chunk = chunk;
      cmd.packet = chunk.bytes;
      cmd.dataOffset = chunk.used - packet.length;
    }
    cmd.fragmentOffset = 0;
    cmd.fragmentLength = packet.length;
    this.setupOutgoingCommand(cmd);
    return true;
  }

  /** Queues a PING (only while CONNECTED). */
  ping(): void {
    if (this.state !== PeerState.CONNECTED) return;
    this.queueSystemCommand(Command.PING | COMMAND_FLAG_ACKNOWLEDGE, null);
  }

  /** Sets the throttle parameters here and tells the remote to use them too. */
  throttleConfigure(interval: number, acceleration: number, deceleration: number): void {
    this.packetThrottleInterval = interval >>> 0;
    this.packetThrottleAcceleration = acceleration >>> 0;
    this.packetThrottleDeceleration = deceleration >>> 0;
    const body = new Uint8Array(12);
    putU32BE(body, 0, this.packetThrottleInterval);
    putU32BE(body, 4, this.packetThrottleAcceleration);
    putU32BE(body, 8, this.packetThrottleDeceleration);
    this.queueSystemCommand(Command.THROTTLE_CONFIGURE | COMMAND_FLAG_ACKNOWLEDGE, body);
  }

  /** Adjusts the packet throttle from one RTT sample (enet_peer_throttle). */
  throttle(rtt: number): void {
    if (this.lastRoundTripTime <= this.lastRoundTripTimeVariance) {
      this.packetThrottle = this.packetThrottleLimit;
    } else if (rtt <= this.lastRoundTripTime) {
      this.packetThrottle = Math.min(this.packetThrottle + this.packetThrottleAcceleration, this.packetThrottleLimit);
    } else if (rtt > this.lastRoundTripTime + 2 * this.lastRoundTripTimeVariance) {
      this.packetThrottle =
        this.packetThrottle > this.packetThrottleDeceleration ? this.packetThrottle - this.packetThrottleDeceleration : 0;
    }
  }

  private disconnectBody(data: number): Uint8Array {
    const body = new Uint8Array(4);
    putU32BE(body, 0, data >>> 0);
    return body;
  }

  /** Starts a graceful disconnect (enet_peer_disconnect). */
  disconnect(data: number): void {
    const s = this.state;
    if (s === PeerState.DISCONNECTING || s === PeerState.DISCONNECTED || s === PeerState.ACKNOWLEDGING_DISCONNECT || s === PeerState.ZOMBIE)
      return;
    this.resetQueues();
    const connected = this.isConnectedState();
    this.queueSystemCommand(
      Command.DISCONNECT | (connected ? COMMAND_FLAG_ACKNOWLEDGE : COMMAND_FLAG_UNSEQUENCED),
      this.disconnectBody(data),
    );
    if (connected) {
      this.onDisconnect();
      this.state = PeerState.DISCONNECTING;
    } else {
      this.host.flush();
      this.reset();
    }
  }

  /** Sends an unreliable DISCONNECT at once and resets the slot (enet_peer_disconnect_now). */
  disconnectNow(data: number): void {
    if (this.state === PeerState.DISCONNECTED) return;
    if (this.state !== PeerState.ZOMBIE && this.state !== PeerState.DISCONNECTING) {
      this.resetQueues();
      this.queueSystemCommand(Command.DISCONNECT | COMMAND_FLAG_UNSEQUENCED, this.disconnectBody(data));
      this.host.flush();
    }
    this.reset();
  }

  /** Disconnects once everything queued has been sent and acknowledged (enet_peer_disconnect_later). */
  disconnectLater(data: number): void {
    if (this.isConnectedState() && !(this.outgoingCommands.isEmpty() && this.sentReliableCommands.isEmpty())) {
      this.state = PeerState.DISCONNECT_LATER;
      this.eventData = data >>> 0;
    } else {
      this.disconnect(data);
    }
  }

  // ---------------------------------------------------------------- incoming

  /** Takes the next delivered packet (enet_peer_receive). */
  receive(): IncomingCommand | undefined {
    const cmd = this.dispatchedCommands.shift();
    if (cmd) this.totalWaitingData -= cmd.totalLength;
    return cmd;
  }

  /** Frees every node of `list` from `start` up to (not including) `end`, except `keep`. */
  private removeIncomingCommands(start: ListNode, end: ListNode, keep: IncomingCommand | null): void {
    for (let n = start; n !== end; ) {
      const next = n.listNext;
      if (n !== keep) {
        unlink(n);
        this.releaseIncoming(n as IncomingCommand);
      }
      n = next;
    }
  }

  /** Returns the memory accounting of an incoming command that is being dropped. */
  private releaseIncoming(cmd: IncomingCommand): void {
    this.totalWaitingData -= cmd.totalLength;
    this.unreserve(cmd);
    giveBackLent(this.host, cmd);
  }

  /** Returns a reassembly's bytes to the peer's and host's budgets. */
  private unreserve(cmd: IncomingCommand): void {
    this.reassemblyBytes -= cmd.reserved;
    this.host.reassemblyBytes -= cmd.reserved;
    cmd.reserved = 0;
  }

  /** Charges `bytes` to the reassembly budgets; false (nothing charged) when a cap would be passed. */
  private reserve(cmd: IncomingCommand, bytes: number): boolean {
    const host = this.host;
    if (this.reassemblyBytes + bytes > host.maximumReassemblyPerPeer) return false;
    if (host.reassemblyBytes + bytes > host.maximumReassemblyPerHost) return false;
    this.reassemblyBytes += bytes;
    host.reassemblyBytes += bytes;
    cmd.reserved += bytes;
    return true;
  }

  /** Moves the complete, in-order prefix of a channel's reliable queue to the application. */
  dispatchIncomingReliableCommands(channel: Channel, queued: IncomingCommand | null): void {
    const list = channel.incomingReliableCommands;
    const end = list.sentinel;
    let n = end.listNext;
    for (; n !== end; n = n.listNext) {
      const c = n as IncomingCommand;
      if (c.fragmentsRemaining > 0 || c.reliableSequenceNumber !== ((channel.incomingReliableSequenceNumber + 1) & 0xffff)) break;
      channel.incomingReliableSequenceNumber = c.reliableSequenceNumber;
      if (c.fragmentCount > 0)
        channel.incomingReliableSequenceNumber = (channel.incomingReliableSequenceNumber + c.fragmentCount - 1) & 0xffff;
    }
    if (n === end.listNext) return;
    channel.incomingUnreliableSequenceNumber = 0;
    moveRange(this.dispatchedCommands.sentinel, end.listNext, n.listPrev);
    this.host.queueDispatch(this);
    if (!channel.incomingUnreliableCommands.isEmpty()) this.dispatchIncomingUnreliableCommands(channel, queued);
  }

  /** Delivers what ENet's unreliable rules allow from a channel's unreliable queue and drops stale entries. */
  dispatchIncomingUnreliableCommands(channel: Channel, queued: IncomingCommand | null): void {
    const list = channel.incomingUnreliableCommands;
    const end = list.sentinel;
    let dropped: ListNode = end.listNext;
    let start: ListNode = end.listNext;
    let cur: ListNode = end.listNext;
    for (; cur !== end; cur = cur.listNext) {
      const c = cur as IncomingCommand;
      if (c.commandNumber === Command.SEND_UNSEQUENCED) continue;
      if (c.reliableSequenceNumber === channel.incomingReliableSequenceNumber) {
        if (c.fragmentsRemaining <= 0) {
          channel.incomingUnreliableSequenceNumber = c.unreliableSequenceNumber;
          continue;
        }
        if (start !== cur) {
          moveRange(this.dispatchedCommands.sentinel, start, cur.listPrev);
          this.host.queueDispatch(this);
          dropped = cur;
        } else if (dropped !== cur) {
          dropped = cur.listPrev;
        }
      } else {
        let reliableWindow = (c.reliableSequenceNumber / PEER_RELIABLE_WINDOW_SIZE) | 0;
        const currentWindow = (channel.incomingReliableSequenceNumber / PEER_RELIABLE_WINDOW_SIZE) | 0;
        if (c.reliableSequenceNumber < channel.incomingReliableSequenceNumber) reliableWindow += PEER_RELIABLE_WINDOWS;
        if (reliableWindow >= currentWindow && reliableWindow < currentWindow + PEER_FREE_RELIABLE_WINDOWS - 1) break;
        dropped = cur.listNext;
        if (start !== cur) {
          moveRange(this.dispatchedCommands.sentinel, start, cur.listPrev);
          this.host.queueDispatch(this);
        }
      }
      start = cur.listNext;
    }
    if (start !== cur) {
      moveRange(this.dispatchedCommands.sentinel, start, cur.listPrev);
      this.host.queueDispatch(this);
      dropped = cur;
    }
    this.removeIncomingCommands(end.listNext, dropped, queued);
  }

  /**
   * Queues a received data command for ordering/delivery (enet_peer_queue_incoming_command).
   * The packet is copied from `source` (its `length` bytes at `sourceOffset`) once the command
   * is queued, so a discarded one costs no copy; `source` is null for the first fragment of a
   * packet of `length` bytes (the fragments are kept as they arrive and assembled when the last
   * one is in, so memory follows what was received, not what a datagram claims).
   * Returns the queued command, DISCARDED, or null when the datagram must be aborted.
   */
  queueIncomingCommand(
    commandNumber: number,
    channelID: number,
    reliableSequenceNumber: number,
    unreliableSequenceNumber: number,
    source: Uint8Array | null,
    sourceOffset: number,
    length: number,
    packetFlags: number,
    fragmentCount: number,
  ): IncomingCommand | typeof DISCARDED | null {
    const channel = this.channel(channelID);
    const discard = fragmentCount > 0 ? null : DISCARDED;
    if (this.state === PeerState.DISCONNECT_LATER) return discard;
    let insertAfter: ListNode;
    if (commandNumber !== Command.SEND_UNSEQUENCED) {
      let reliableWindow = (reliableSequenceNumber / PEER_RELIABLE_WINDOW_SIZE) | 0;
      const currentWindow = (channel.incomingReliableSequenceNumber / PEER_RELIABLE_WINDOW_SIZE) | 0;
      if (reliableSequenceNumber < channel.incomingReliableSequenceNumber) reliableWindow += PEER_RELIABLE_WINDOWS;
      if (reliableWindow < currentWindow || reliableWindow >= currentWindow + PEER_FREE_RELIABLE_WINDOWS - 1) return discard;
    }
    const incomingRel = channel.incomingReliableSequenceNumber;
    switch (commandNumber) {
      case Command.SEND_FRAGMENT:
      case Command.SEND_RELIABLE: {
        if (reliableSequenceNumber === incomingRel) return discard;
        const list = channel.incomingReliableCommands;
        insertAfter = seekReliable(list, incomingRel, reliableSequenceNumber);
        if (holdsReliable(list, insertAfter, reliableSequenceNumber)) return discard;
        break;
      }
      case Command.SEND_UNRELIABLE:
      case Command.SEND_UNRELIABLE_FRAGMENT: {
        if (reliableSequenceNumber === incomingRel && unreliableSequenceNumber <= channel.incomingUnreliableSequenceNumber) return discard;
        // An unreliable packet that must wait for a reliable one still missing is dropped once the
        // peer has a backlog: under a flood, retransmissions of the missing packet are lost too,
        // and such packets piled up by the hundred thousand (and the garbage collector with them).
        if (reliableSequenceNumber !== incomingRel && fragmentCount === 0 && this.totalWaitingData >= WAITING_UNRELIABLE_BACKLOG)
          return discard;
        const list = channel.incomingUnreliableCommands;
        insertAfter = seekUnreliable(list, incomingRel, reliableSequenceNumber, unreliableSequenceNumber, true);
        if (isSequence(list, insertAfter, reliableSequenceNumber, unreliableSequenceNumber)) return discard;
        break;
      }
      case Command.SEND_UNSEQUENCED:
        insertAfter = channel.incomingUnreliableCommands.sentinel;
        break;
      default:
        return discard;
    }
    if (this.totalWaitingData >= this.host.maximumWaitingData) return null;
    // An unsequenced packet, or an unreliable one behind no missing reliable packet.
    const unreliableInOrder =
      commandNumber === Command.SEND_UNSEQUENCED || (commandNumber === Command.SEND_UNRELIABLE && reliableSequenceNumber === incomingRel);
    // Such a packet on a channel where no unreliable packet waits is delivered at once: what the
    // dispatch below does with a list of one.
    const unreliableList = channel.incomingUnreliableCommands;
    const immediate = unreliableInOrder && unreliableList.sentinel.listNext === unreliableList.sentinel;
    // A packet of 64 bytes or less is copied onto V8's heap (cheapest). A larger one, up to
    // 1 KiB, that the application gets at once is copied into the host's receive slab (a packet
    // of its own costs an external allocation the garbage collector tracks: ten times the time);
    // one that waits behind a missing reliable packet gets bytes of its own, so what a remote
    // leaves waiting cannot hold whole slabs.
    const inOrder =
      unreliableInOrder || (commandNumber === Command.SEND_RELIABLE && reliableSequenceNumber === ((incomingRel + 1) & 0xffff));
    // When the application takes packets without copies of their own, one that arrives in order
    // is lent instead: copied into the host's lend area, where it is read.
    const host = this.host;
    const lent =
      inOrder && host.lendPackets && source !== null && length <= SHARED_STORAGE_MAX_PACKET ? host.lend(source, sourceOffset, length) : -1;
    const cmd = host.newIncomingCommand(
      source === null || lent >= 0
        ? EMPTY
        : inOrder && length > HEAP_PACKET && length <= SHARED_STORAGE_MAX_PACKET
          ? host.copyToReceiveSlab(source, sourceOffset, length)
          : sliceBytes.call(source, sourceOffset, sourceOffset + length),
      length,
    );
    cmd.lent = lent;
    cmd.commandNumber = commandNumber;
    cmd.channelID = channelID;
    cmd.reliableSequenceNumber = reliableSequenceNumber;
    cmd.unreliableSequenceNumber = unreliableSequenceNumber & 0xffff;
    cmd.fragmentCount = fragmentCount;
    cmd.fragmentsRemaining = fragmentCount;
    cmd.packetFlags = packetFlags;
    if (fragmentCount > 0) {
      const words = (fragmentCount + 31) >>> 5;
      if (!this.reserve(cmd, words * 4)) return null;
      cmd.fragments = new Uint32Array(words);
      cmd.pieces = [];
      cmd.pieceOffsets = [];
    }
    this.totalWaitingData += length;
    if (immediate) {
      if (commandNumber === Command.SEND_UNRELIABLE) channel.incomingUnreliableSequenceNumber = cmd.unreliableSequenceNumber;
      insertBefore(this.dispatchedCommands.sentinel, cmd);
      this.host.queueDispatch(this);
      return cmd;
    }
    insertBefore(insertAfter.listNext, cmd);
    if (commandNumber === Command.SEND_FRAGMENT || commandNumber === Command.SEND_RELIABLE)
      this.dispatchIncomingReliableCommands(channel, cmd);
    else this.dispatchIncomingUnreliableCommands(channel, cmd);
    return cmd;
  }

  /**
   * Stores fragment `number` (bytes at `offset`) of a reassembly. Returns 'done' when the packet
   * just completed, 'stored', 'duplicate', or 'full' when the reassembly budget is exhausted
   * (the datagram is then refused and the sender will retransmit).
   */
  addFragment(cmd: IncomingCommand, number: number, offset: number, bytes: Uint8Array): 'done' | 'stored' | 'duplicate' | 'full' {
    const fragments = cmd.fragments!;
    const word = number >>> 5;
    const bit = 1 << (number & 31);
    if (fragments[word]! & bit) return 'duplicate';
    let len = bytes.length;
    if (offset + len > cmd.totalLength) len = cmd.totalLength - offset;
    const assembly = cmd.assembly;
    if (assembly !== null) {
      // The whole packet is charged already.
      fragments[word] = fragments[word]! | bit;
      assembly.set(len === bytes.length ? bytes : bytes.subarray(0, len), offset);
      cmd.receivedBytes += len;
      cmd.fragmentsRemaining--;
      if (cmd.fragmentsRemaining > 0) return 'stored';
      return this.completeReassembly(cmd, assembly);
    }
    let chunk = cmd.chunk;
    if (chunk === null || cmd.chunkUsed + len > chunk.length) {
      // A new chunk for this and the next fragments, sized by what is still missing (so memory
      // follows what arrives); near the reassembly caps, just this fragment's bytes.
      const size = Math.max(len, Math.min(REASSEMBLY_CHUNK, cmd.totalLength - cmd.receivedBytes));
      if (this.reserve(cmd, size)) chunk = size === REASSEMBLY_CHUNK ? this.host.takeReassemblyChunk() : new Uint8Array(size);
      else if (size > len && this.reserve(cmd, len)) chunk = new Uint8Array(len);
      else return 'full';
      cmd.chunk = chunk;
      cmd.chunkUsed = 0;
      if (chunk.length === REASSEMBLY_CHUNK) {
        if (cmd.chunks === null) cmd.chunks = [];
        cmd.chunks.push(chunk);
      }
    }
    fragments[word] = fragments[word]! | bit;
    const piece = chunk.subarray(cmd.chunkUsed, cmd.chunkUsed + len);
    piece.set(len === bytes.length ? bytes : bytes.subarray(0, len));
    cmd.chunkUsed += len;
    cmd.receivedBytes += len;
    cmd.pieces!.push(piece);
    cmd.pieceOffsets!.push(offset);
    cmd.fragmentsRemaining--;
    if (cmd.fragmentsRemaining > 0) {
      if (
        cmd.totalLength >= IN_PLACE_ASSEMBLY_MIN &&
        cmd.receivedBytes >= cmd.totalLength >>> IN_PLACE_ASSEMBLY_SHIFT &&
        this.reserve(cmd, Math.max(0, cmd.totalLength - cmd.reserved))
      )
        cmd.assembly = this.gatherPieces(cmd, this.host.allocateLarge(cmd.totalLength));
      return 'stored';
    }
    return this.completeReassembly(cmd, this.gatherPieces(cmd, new Uint8Array(cmd.totalLength)));
  }

  /**
   * Copies the pieces received so far into `packet` (zeroed storage for the whole packet) and
   * gives the chunks back to the host (their bytes stay charged to the budgets).
   */
  private gatherPieces(cmd: IncomingCommand, packet: Uint8Array): Uint8Array {
    const pieces = cmd.pieces!;
    const offsets = cmd.pieceOffsets!;
    for (let i = 0; i < pieces.length; i++) packet.set(pieces[i]!, offsets[i]!);
    cmd.pieces = null;
    cmd.pieceOffsets = null;
    cmd.chunk = null;
    // Nothing refers to the chunks now (the pieces were views into them): the host reuses them.
    if (cmd.chunks !== null) this.host.recycleReassemblyChunks(cmd.chunks);
    cmd.chunks = null;
    return packet;
  }

  /** Hands a reassembled packet to its command and returns its bytes to the budgets. */
  private completeReassembly(cmd: IncomingCommand, packet: Uint8Array): 'done' {
    cmd.packet = packet;
    cmd.assembly = null;
    cmd.fragments = null;
    this.unreserve(cmd);
    return 'done';
  }
}
