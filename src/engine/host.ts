import {
  COMMAND_FLAG_ACKNOWLEDGE,
  Command,
  HOST_DEFAULT_MAXIMUM_PACKET_SIZE,
  HOST_DEFAULT_MAXIMUM_WAITING_DATA,
  HOST_DEFAULT_MTU,
  PEER_PACKET_THROTTLE_ACCELERATION,
  PEER_PACKET_THROTTLE_DECELERATION,
  PEER_PACKET_THROTTLE_INTERVAL,
  PEER_WINDOW_SIZE_SCALE,
  PROTOCOL_MAXIMUM_CHANNEL_COUNT,
  PROTOCOL_MAXIMUM_WINDOW_SIZE,
  PROTOCOL_MINIMUM_CHANNEL_COUNT,
  PROTOCOL_MINIMUM_WINDOW_SIZE,
} from '../protocol/constants.js';
import { timeDifference } from '../protocol/time.js';
import { PeerState } from '../protocol/peer-state.js';
import type { Compressor } from '../compress/compressor.js';
import { AcknowledgementArrays } from './acknowledgement-arrays.js';
import { IncomingCommand, OutgoingCommand } from './commands.js';
import { Peer, REASSEMBLY_CHUNK } from './peer.js';
import { objectArray } from './object-array.js';
import { RingQueue } from './ring-queue.js';
import { FRAGMENT_CHUNK_SIZE, type SendChunk, type SendChunkOwner, SendChunkPool } from './send-chunks.js';
import { handleDatagram } from './protocol-receive.js';
import { flushAcknowledgements, sendOutgoingCommands } from './protocol-send.js';
import { bandwidthThrottle } from './bandwidth-throttle.js';
import { EVICTED_HANDSHAKE_MEMORY, EvictedHandshakes, HALF_OPEN_TIMEOUT } from './half-open.js';
import { HOST_BANDWIDTH_THROTTLE_INTERVAL } from '../protocol/constants.js';
import { putU16BE, putU32BE } from '../protocol/big-endian.js';

const NO_PEERS: readonly Peer[] = [];

/** The key of a remote endpoint in {@link Host.peersAtEndpoint}'s index. */
function endpointKey(address: string, port: number): string {
  return `${port}|${address}`;
}

/** Incoming commands kept for reuse at most (a 64-datagram batch of small packets can hold over 1000). */
const INCOMING_POOL_SIZE = 4096;
/**
 * Outgoing commands kept for reuse at most (~1.3 MB): as many as the fragments of an 11 MiB
 * packet at the default MTU, so a large packet's commands are reused rather than new objects
 * that live until acknowledged and are copied by every scavenge meanwhile.
 */
const OUTGOING_POOL_SIZE = 8192;
/** Reassembly chunks a host keeps for reuse at most (4 MiB). */
const REASSEMBLY_CHUNK_POOL = 64;
/** Send chunks a host keeps for reuse at most (a megabyte). */
const SEND_CHUNK_POOL = 256;
/** Fragment chunks a host keeps for reuse at most (8 MiB: an 8 MiB packet's, over and over). */
const FRAGMENT_CHUNK_POOL = 128;
/**
 * Bytes per receive slab (small packets delivered in order are copied there and handed out as
 * views): one allocation per slab instead of one per packet, and a packet kept by the
 * application holds at most this much memory.
 */
const RECEIVE_SLAB_SIZE = 16 * 1024;
/**
 * Bytes of the lend area a host allocates itself (see {@link Host.lend}): a 64-datagram batch of
 * small packets fits.
 */
export const LEND_AREA_SIZE = 128 * 1024;

/**
 * Where the engine hands the datagrams it wants sent: `data[start, end)`. The bytes are lent for
 * the call (they are the engine's scratch buffer): a sink that keeps them must copy them.
 */
export type DatagramSink = (data: Uint8Array, start: number, end: number, address: string, port: number) => void;

/** What a host reports to its owner. */
export interface HostEvent {
  type: 'connect' | 'disconnect' | 'receive';
  peer: Peer;
  /** Connect / disconnect data. */
  data: number;
  channelID: number;
  /** The packet's bytes, or null when it is lent (`lent` ≥ 0). */
  packet: Uint8Array | null;
  /**
   * Where a lent packet's bytes start in {@link Host.lendArea}, or -1. A lent packet must be
   * given back ({@link Host.giveBackLent}) once, when the application is done with it.
   */
  lent: number;
  /** The packet's length in bytes. */
  packetLength: number;
  packetFlags: number;
}

/** Why a datagram was dropped before its commands were processed. */
export type DropReason = 'malformed' | 'oversized' | 'unknownPeer' | 'checksum' | 'decompress' | 'compressedWithoutCodec' | 'refused';

/** Tunables of a host; everything but `peerCount` has ENet's default. */
export interface HostOptions {
  peerCount: number;
  channelLimit?: number;
  incomingBandwidth?: number;
  outgoingBandwidth?: number;
  mtu?: number;
  maximumPacketSize?: number;
  maximumWaitingData?: number;
  duplicatePeers?: number;
  /**
   * Cap on half-open connections (CONNECT received, VERIFY_CONNECT not yet acknowledged), so a
   * spoofed-CONNECT flood cannot take every slot: a CONNECT beyond it (or finding no free slot)
   * replaces the oldest half-open handshake. ENet has none; default half the slots (at least 8).
   */
  maximumHalfOpen?: number;
  /** Ms after which a half-open handshake whose VERIFY_CONNECT goes unacknowledged is given up (default 3000; ENet: 5–30 s). */
  halfOpenTimeout?: number;
  /** Evicted half-open handshakes remembered so that a late acknowledgement still connects (default 8192, ~250 B each). */
  evictedHandshakeMemory?: number;
  /** Cap on payload bytes queued for sending to one peer and not yet acknowledged (ENet has none; default 64 MiB). */
  maximumOutgoingData?: number;
  /** Cap on bytes held by incomplete fragment reassembly per peer (ENet has none; default 32 MiB). */
  maximumReassemblyPerPeer?: number;
  /** Cap on bytes of incomplete fragment reassembly for the whole host (default 256 MiB). */
  maximumReassemblyPerHost?: number;
  /** Random 32-bit connect ids; defaults to crypto-quality randomness supplied by the caller. */
  random?: () => number;
  /**
   * Zeroed storage for a packet of 1 MiB or more assembled in place; default `new
   * Uint8Array(size)`. The transport passes one that prepares the memory off the main thread.
   */
  allocateLarge?: (size: number) => Uint8Array;
  /**
   * Where the host stores the packets it lends ({@link Host.lend}); default: LEND_AREA_SIZE bytes
   * of its own, allocated on the first lend. The transport passes spare room of its receive
   * buffer: a packet is then copied within one ArrayBuffer, the cheapest copy there is.
   */
  lendArea?: Uint8Array;
}

/**
 * The sans-I/O ENet host: a fixed set of peer slots fed with datagrams and a clock, producing
 * datagrams (through the sink) and events (through {@link Host.checkEvents}).
 */
export class Host implements SendChunkOwner {
  /** Number of peer slots. */
  readonly peerCount: number;
  /**
   * The peer slots, each created on first use: a host of 4095 slots with a handful of peers
   * allocates a handful (4095 up front were 6 MB that V8's first scavenges then had to copy,
   * during the first connections).
   */
  private readonly slots: Array<Peer | undefined>;
  channelLimit: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  mtu: number;
  maximumPacketSize: number;
  maximumWaitingData: number;
  maximumReassemblyPerPeer: number;
  maximumReassemblyPerHost: number;
  maximumOutgoingData: number;
  maximumHalfOpen: number;
  /** Zeroed storage for a large packet assembled in place (see {@link HostOptions.allocateLarge}). */
  readonly allocateLarge: (size: number) => Uint8Array;
  /** Ms an unacknowledged VERIFY_CONNECT is retransmitted before the half-open handshake is given up. */
  halfOpenTimeout: number;
  /** Half-open handshakes begun so far (orders them for eviction). */
  handshakeCount = 0;
  /** Half-open handshakes replaced by a newer CONNECT because the cap or the slots were exhausted. */
  halfOpenEvictions = 0;
  /** Evicted handshakes rebuilt because their acknowledgement arrived after all. */
  revivedHandshakes = 0;
  /** How many evicted handshakes are remembered. */
  evictedHandshakeMemory: number;
  /** The evicted handshakes remembered (see half-open.ts). */
  readonly evictedHandshakes = new EvictedHandshakes();
  duplicatePeers: number;
  /** Bytes currently reserved by incomplete reassemblies across all peers. */
  reassemblyBytes = 0;
  checksum = false;
  compressor: Compressor | null = null;
  /** While true, new CONNECTs are ignored (existing peers are untouched). */
  refuseNewConnections = false;
  bandwidthThrottleEpoch = 0;
  recalculateBandwidthLimits = false;
  connectedPeers = 0;
  bandwidthLimitedPeers = 0;
  /** The current time (u32 ms) of the call being processed. */
  serviceTime = 0;
  totalSentData = 0;
  totalSentPackets = 0;
  totalReceivedData = 0;
  totalReceivedPackets = 0;
  /** Datagrams dropped, by reason. */
  readonly drops: Record<DropReason, number> = {
    malformed: 0,
    oversized: 0,
    unknownPeer: 0,
    checksum: 0,
    decompress: 0,
    compressedWithoutCodec: 0,
    refused: 0,
  };
  /** Called once per datagram dropped before processing (for warnings and statistics). */
  onDrop: ((reason: DropReason, address: string, port: number) => void) | null = null;
  readonly sink: DatagramSink;
  readonly random: () => number;
  /** The event checkEvents() returns, refilled on every call. */
  private readonly event: HostEvent = {
    type: 'receive',
    peer: null as unknown as Peer,
    data: 0,
    channelID: 0,
    packet: null,
    lent: -1,
    packetLength: 0,
    packetFlags: 0,
  };
  /** Peers with an event to deliver, each once while its needsDispatch is set (stale entries are skipped). */
  private readonly dispatchQueue = new RingQueue<Peer>();
  /** Incoming commands handed out to the application, kept for reuse. */
  private readonly incomingPool: IncomingCommand[] = objectArray();
  /** Acknowledgement queues lent to peers while they have acknowledgements pending. */
  readonly acknowledgementArrays = new AcknowledgementArrays();
  /** Outgoing commands sent (unreliable) or acknowledged (reliable), kept for reuse. */
  private readonly outgoingPool: OutgoingCommand[] = objectArray();
  /** The chunks small packets are copied into when queued, reused once sent or acknowledged. */
  readonly sendChunks = new SendChunkPool(SEND_CHUNK_POOL);
  /** The chunks a large packet's fragments are copied into when queued, reused once acknowledged or sent. */
  readonly fragmentChunks = new SendChunkPool(FRAGMENT_CHUNK_POOL, FRAGMENT_CHUNK_SIZE);
  /** The chunk small unreliable packets (of every peer) are copied into now; they leave at the next pass. */
  sendChunk: SendChunk | null = null;
  /** Reassembly chunks of completed packets, kept for reuse (fresh memory costs a page fault per page). */
  private readonly reassemblyChunkPool: Uint8Array[] = objectArray();
  private receiveSlab = new Uint8Array(RECEIVE_SLAB_SIZE);
  private receiveSlabUsed = 0;
  /**
   * When set, small packets that arrive in order are lent (copied into the lend area) rather
   * than given bytes of their own. The owner sets it once the application takes packets without
   * copies of their own.
   */
  lendPackets = false;
  private lendStorage: Uint8Array | null;
  /** The source of the last lend, and a view of the whole ArrayBuffer of the lend area when that source shares it (else null). */
  private lendSource: Uint8Array | null = null;
  private lendBuffer: Uint8Array | null = null;
  private lendUsed = 0;
  /** The end of the datagram being decoded (see startDatagram). */
  private datagramEnd = 0;
  /** The part of that datagram in the lend area: lendSource[copiedFrom, copiedEnd) at copiedTo (copiedEnd -1: none). */
  private copiedFrom = 0;
  private copiedEnd = -1;
  private copiedTo = 0;
  /** Packets lent and not yet given back; the area is reused from its start once this is 0. */
  private lentPackets = 0;
  /** Peers with something new to send since the last pass. */
  private readonly sendQueue: Peer[] = objectArray();
  /** Peers whose next deadline may have moved since the last nextTimeout call (each once). */
  private readonly touched: Peer[] = objectArray();
  private readonly markedForSend: Uint8Array;
  /** The peers not DISCONNECTED, in no particular order (each knows its place: `activeIndex`). */
  readonly active: Peer[] = objectArray();
  /**
   * The active peers by remote endpoint (`port|address`): a CONNECT's duplicate check finds its
   * peer without a scan of every active peer.
   */
  private readonly endpointPeers = new Map<string, Peer | Peer[]>();
  /** No slot below this index is DISCONNECTED. */
  private freeHint = 0;

  constructor(options: HostOptions, sink: DatagramSink) {
    this.sink = sink;
    this.random = options.random ?? (() => (Math.random() * 0x100000000) >>> 0);
    this.channelLimit = clampChannelLimit(options.channelLimit ?? 0);
    this.incomingBandwidth = (options.incomingBandwidth ?? 0) >>> 0;
    this.outgoingBandwidth = (options.outgoingBandwidth ?? 0) >>> 0;
    this.mtu = options.mtu ?? HOST_DEFAULT_MTU;
    this.maximumPacketSize = options.maximumPacketSize ?? HOST_DEFAULT_MAXIMUM_PACKET_SIZE;
    this.maximumWaitingData = options.maximumWaitingData ?? HOST_DEFAULT_MAXIMUM_WAITING_DATA;
    this.maximumReassemblyPerPeer = options.maximumReassemblyPerPeer ?? 32 * 1024 * 1024;
    this.maximumReassemblyPerHost = options.maximumReassemblyPerHost ?? 256 * 1024 * 1024;
    this.maximumOutgoingData = options.maximumOutgoingData ?? 64 * 1024 * 1024;
    this.allocateLarge = options.allocateLarge ?? ((size) => new Uint8Array(size));
    this.lendStorage = options.lendArea ?? null;
    this.maximumHalfOpen = options.maximumHalfOpen ?? Math.max(8, Math.ceil(options.peerCount / 2));
    this.halfOpenTimeout = options.halfOpenTimeout ?? HALF_OPEN_TIMEOUT;
    this.evictedHandshakeMemory = options.evictedHandshakeMemory ?? EVICTED_HANDSHAKE_MEMORY;
    this.duplicatePeers = options.duplicatePeers ?? 4095;
    this.peerCount = options.peerCount;
    this.slots = new Array<Peer | undefined>(options.peerCount);
    this.markedForSend = new Uint8Array(options.peerCount);
  }

  /** An incoming command for `packet`: a reused one when the pool has one. */
  newIncomingCommand(packet: Uint8Array, totalLength: number): IncomingCommand {
    const cmd = this.incomingPool.pop();
    if (cmd === undefined) return new IncomingCommand(packet, totalLength);
    cmd.renew(packet, totalLength);
    return cmd;
  }

  /** An outgoing command: a reused one when the pool has one. */
  newOutgoingCommand(): OutgoingCommand {
    const cmd = this.outgoingPool.pop();
    if (cmd === undefined) return new OutgoingCommand();
    cmd.renew();
    return cmd;
  }

  /** Takes back a command nothing refers to any more (sent unreliable, dropped, or acknowledged). */
  releaseOutgoingCommand(cmd: OutgoingCommand): void {
    if (cmd.chunk !== null) {
      cmd.chunk.pool.release(cmd.chunk);
      cmd.chunk = null;
    }
    cmd.packet = null;
    cmd.body = null;
    if (this.outgoingPool.length < OUTGOING_POOL_SIZE) this.outgoingPool.push(cmd);
  }

  /** A REASSEMBLY_CHUNK-byte chunk for fragments (a reused one when there is one; its old bytes are overwritten before use). */
  takeReassemblyChunk(): Uint8Array {
    return this.reassemblyChunkPool.pop() ?? new Uint8Array(REASSEMBLY_CHUNK);
  }

  /** Takes back the chunks of a completed reassembly. */
  recycleReassemblyChunks(chunks: Uint8Array[]): void {
    for (const c of chunks) if (this.reassemblyChunkPool.length < REASSEMBLY_CHUNK_POOL) this.reassemblyChunkPool.push(c);
  }

  /**
   * A copy of `source[offset, offset + length)` (at most RECEIVE_SLAB_SIZE bytes) as a view into
   * the receive slab. Slabs are never reused, so the view is the caller's to keep.
   */
  copyToReceiveSlab(source: Uint8Array, offset: number, length: number): Uint8Array {
    let slab = this.receiveSlab;
    let at = this.receiveSlabUsed;
    if (at + length > RECEIVE_SLAB_SIZE) {
      slab = this.receiveSlab = new Uint8Array(RECEIVE_SLAB_SIZE);
      at = 0;
    }
    slab.set(new Uint8Array(source.buffer, source.byteOffset + offset, length), at);
    this.receiveSlabUsed = at + length;
    return new Uint8Array(slab.buffer, at, length);
  }

  /** The bytes lent packets are in (their events' `lent` is where each starts). */
  get lendArea(): Uint8Array {
    if (this.lendStorage === null) this.lendStorage = new Uint8Array(LEND_AREA_SIZE);
    return this.lendStorage;
  }

  /**
   * Copies `source[offset, offset + length)` into the lend area and returns where it starts
   * there, or -1 when the area has no room left. The bytes stay until every packet lent is
   * given back ({@link giveBackLent}); the area is then reused from its start.
   */
  lend(source: Uint8Array, offset: number, length: number): number {
    if (source === this.lendSource && offset >= this.copiedFrom && offset + length <= this.copiedEnd) {
      // Copied with an earlier packet of the same datagram.
      this.lentPackets++;
      return this.copiedTo + (offset - this.copiedFrom);
    }
    const area = this.lendArea;
    const at = this.lendUsed;
    if (at + length > area.length) return -1;
    if (source !== this.lendSource) {
      // Once per receive buffer (the native backend receives into the same one every time).
      this.lendSource = source;
      this.lendBuffer = source.buffer === area.buffer ? new Uint8Array(area.buffer) : null;
      this.copiedEnd = -1;
    }
    // The rest of the datagram in one copy when it fits: the packets after this one are then
    // lent without a copy each.
    let end = offset + length;
    if (this.datagramEnd > end && at + (this.datagramEnd - offset) <= area.length) end = this.datagramEnd;
    const from = source.byteOffset + offset;
    if (this.lendBuffer !== null) this.lendBuffer.copyWithin(area.byteOffset + at, from, from + (end - offset));
    else area.set(new Uint8Array(source.buffer, from, end - offset), at);
    this.copiedFrom = offset;
    this.copiedEnd = end;
    this.copiedTo = at;
    this.lendUsed = at + (end - offset);
    this.lentPackets++;
    return at;
  }

  /**
   * Notes that a datagram ending at `end` (in its buffer) is being decoded: {@link lend} may copy
   * up to there at once, and forgets what it copied of the previous one.
   */
  startDatagram(end: number): void {
    this.datagramEnd = end;
    this.copiedEnd = -1;
  }

  /** Gives back one lent packet (each exactly once: its bytes may be overwritten from now on). */
  giveBackLent(): void {
    if (--this.lentPackets <= 0) {
      this.lentPackets = 0;
      this.lendUsed = 0;
      this.copiedEnd = -1;
    }
  }

  /** Packets lent and not yet given back (for tests). */
  get lentPacketCount(): number {
    return this.lentPackets;
  }

  /** Sets the time for the operations that follow (u32 ms from a monotonic clock). */
  setTime(now: number): void {
    this.serviceTime = now >>> 0;
  }

  /** Starts a connection to a remote host; returns the peer or null when no slot is free. */
  connect(address: string, port: number, channelCount: number, data: number): Peer | null {
    channelCount = Math.min(Math.max(channelCount, PROTOCOL_MINIMUM_CHANNEL_COUNT), PROTOCOL_MAXIMUM_CHANNEL_COUNT);
    const peer = this.freeSlot();
    if (!peer) return null;
    peer.resetChannels(channelCount);
    this.activate(peer, PeerState.CONNECTING, address, port);
    peer.connectID = this.random() >>> 0;
    peer.mtu = this.mtu;
    if (this.outgoingBandwidth === 0) peer.windowSize = PROTOCOL_MAXIMUM_WINDOW_SIZE;
    else peer.windowSize = Math.floor(this.outgoingBandwidth / PEER_WINDOW_SIZE_SCALE) * PROTOCOL_MINIMUM_WINDOW_SIZE;
    peer.windowSize = clampWindow(peer.windowSize);
    const body = new Uint8Array(44);
    putU16BE(body, 0, peer.incomingPeerID);
    body[2] = peer.incomingSessionID;
    body[3] = peer.outgoingSessionID;
    putU32BE(body, 4, peer.mtu);
    putU32BE(body, 8, peer.windowSize);
    putU32BE(body, 12, channelCount);
    putU32BE(body, 16, this.incomingBandwidth);
    putU32BE(body, 20, this.outgoingBandwidth);
    putU32BE(body, 24, PEER_PACKET_THROTTLE_INTERVAL);
    putU32BE(body, 28, PEER_PACKET_THROTTLE_ACCELERATION);
    putU32BE(body, 32, PEER_PACKET_THROTTLE_DECELERATION);
    putU32BE(body, 36, peer.connectID);
    putU32BE(body, 40, data >>> 0);
    peer.queueSystemCommand(Command.CONNECT | COMMAND_FLAG_ACKNOWLEDGE, body);
    return peer;
  }

  /** The peer of slot `index` (< peerCount), created if it never was. */
  peerAt(index: number): Peer {
    let peer = this.slots[index];
    if (peer === undefined) {
      peer = new Peer(this, index);
      this.slots[index] = peer;
    }
    return peer;
  }

  /** The peer of slot `index` when it was ever created (a slot never created is DISCONNECTED). */
  peerIfCreated(index: number): Peer | undefined {
    return this.slots[index];
  }

  /** Every peer slot, in order (creates those never used: for tools and tests, not hot paths). */
  get peers(): Peer[] {
    for (let i = 0; i < this.peerCount; i++) this.peerAt(i);
    return this.slots as Peer[];
  }

  /** True when slot `index` is DISCONNECTED (or was never used). */
  slotFree(index: number): boolean {
    const peer = this.slots[index];
    return peer === undefined || peer.state === PeerState.DISCONNECTED;
  }

  /** The lowest DISCONNECTED slot (as ENet picks), or null when every slot is taken. */
  freeSlot(): Peer | null {
    let i = this.freeHint;
    while (i < this.peerCount && !this.slotFree(i)) i++;
    this.freeHint = i;
    return i < this.peerCount ? this.peerAt(i) : null;
  }

  /** Moves a DISCONNECTED slot into `state` and into the active set, for the remote `address:port`. */
  activate(peer: Peer, state: PeerState, address: string, port: number): void {
    if (peer.activeIndex < 0) {
      peer.activeIndex = this.active.length;
      this.active.push(peer);
    }
    peer.state = state;
    if (peer.endpointKey !== null) this.unindexEndpoint(peer);
    peer.address = address;
    peer.port = port;
    const key = endpointKey(address, port);
    peer.endpointKey = key;
    // One peer per endpoint is the rule (an array only when a client reconnects from the same
    // port while its previous connection is still active).
    const there = this.endpointPeers.get(key);
    if (there === undefined) this.endpointPeers.set(key, peer);
    else if (Array.isArray(there)) there.push(peer);
    else this.endpointPeers.set(key, [there, peer]);
  }

  /** The active peers whose remote is `address:port` (most often none or one). */
  peersAtEndpoint(address: string, port: number): readonly Peer[] {
    const there = this.endpointPeers.get(endpointKey(address, port));
    return there === undefined ? NO_PEERS : Array.isArray(there) ? there : [there];
  }

  private unindexEndpoint(peer: Peer): void {
    const key = peer.endpointKey!;
    peer.endpointKey = null;
    const there = this.endpointPeers.get(key);
    if (there === peer) this.endpointPeers.delete(key);
    else if (Array.isArray(there)) {
      const i = there.indexOf(peer);
      if (i >= 0) there.splice(i, 1);
      if (there.length === 1) this.endpointPeers.set(key, there[0]!);
      else if (there.length === 0) this.endpointPeers.delete(key);
    }
  }

  /** Takes a peer that became DISCONNECTED out of the active set. */
  deactivate(peer: Peer): void {
    const i = peer.activeIndex;
    if (i < 0) return;
    const last = this.active.pop()!;
    if (last !== peer) {
      this.active[i] = last;
      last.activeIndex = i;
    }
    peer.activeIndex = -1;
    if (peer.endpointKey !== null) this.unindexEndpoint(peer);
    if (peer.incomingPeerID < this.freeHint) this.freeHint = peer.incomingPeerID;
  }

  /** Queues a packet to every CONNECTED peer (per-peer refusals are silent, as in ENet). */
  broadcast(channelID: number, packet: Uint8Array, flags: number): void {
    for (const peer of this.slots) if (peer !== undefined && peer.state === PeerState.CONNECTED) peer.send(channelID, packet, flags);
  }

  /** Sets the host bandwidth (bytes/s, 0 = unlimited) and schedules BANDWIDTH_LIMIT updates. */
  bandwidthLimit(incoming: number, outgoing: number): void {
    this.incomingBandwidth = incoming >>> 0;
    this.outgoingBandwidth = outgoing >>> 0;
    this.recalculateBandwidthLimits = true;
  }

  /** Sets the channel limit for future incoming connections (0 or > 255 means 255). */
  setChannelLimit(limit: number): void {
    this.channelLimit = clampChannelLimit(limit);
  }

  /** Processes one received datagram (the host keeps no reference to `data`). */
  receive(data: Uint8Array, address: string, port: number): void {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    handleDatagram(this, buffer, 0, buffer.length, address, port);
  }

  /**
   * Processes the datagram at `buffer[start, start + length)`, typically inside a receive batch
   * (the host keeps no reference to the buffer).
   */
  receiveAt(buffer: Buffer, start: number, length: number, address: string, port: number): void {
    handleDatagram(this, buffer, start, length, address, port);
  }

  /**
   * One service pass without I/O waits: bandwidth throttle when due, then a send pass that also
   * runs retransmission timeouts and pings.
   */
  service(): void {
    if (timeDifference(this.serviceTime, this.bandwidthThrottleEpoch) >= HOST_BANDWIDTH_THROTTLE_INTERVAL) bandwidthThrottle(this);
    sendOutgoingCommands(this, true, null);
  }

  /** Sends what is queued (acks and commands) without running timeouts (enet_host_flush). */
  flush(): void {
    sendOutgoingCommands(this, false, null);
  }

  /** Sends for the peers that got something new since the last pass; cheaper than a full pass. */
  flushMarked(): void {
    if (this.sendQueue.length === 0) return;
    sendOutgoingCommands(this, false, this.sendQueue);
  }

  /** Sends a peer's pending acknowledgements now (before the application resets its queues). */
  flushAcknowledgements(peer: Peer): void {
    if (peer.acknowledgements.length > 0 && peer.state !== PeerState.DISCONNECTED && peer.state !== PeerState.ZOMBIE)
      flushAcknowledgements(this, peer);
  }

  /** Notes that a peer has something to send. */
  markForSend(peer: Peer): void {
    const i = peer.incomingPeerID;
    if (this.markedForSend[i]) return;
    this.markedForSend[i] = 1;
    this.sendQueue.push(peer);
  }

  /** Forgets the send marks (called by the send pass once it has visited the peers). */
  clearSendMarks(): void {
    const queue = this.sendQueue;
    for (let peer = queue.pop(); peer !== undefined; peer = queue.pop()) this.markedForSend[peer.incomingPeerID] = 0;
  }

  /** Puts a peer in the dispatch queue (once). */
  queueDispatch(peer: Peer): void {
    if (peer.needsDispatch) return;
    peer.needsDispatch = true;
    this.dispatchQueue.push(peer);
  }

  /** Takes a peer out of the dispatch queue (lazily: its entry is skipped later). */
  unqueueDispatch(peer: Peer): void {
    peer.needsDispatch = false;
  }

  /** True when {@link checkEvents} may return an event. */
  hasDispatch(): boolean {
    return this.dispatchQueue.size > 0;
  }

  /** Fills and returns the shared event object. */
  private emit(
    type: HostEvent['type'],
    peer: Peer,
    data: number,
    channelID: number,
    packet: Uint8Array | null,
    packetFlags: number,
    lent = -1,
    packetLength = 0,
  ): HostEvent {
    const e = this.event;
    e.type = type;
    e.peer = peer;
    e.data = data;
    e.channelID = channelID;
    e.packet = packet;
    e.lent = lent;
    e.packetLength = packetLength;
    e.packetFlags = packetFlags;
    return e;
  }

  /**
   * Returns the next event, or null (enet_host_check_events). The returned object is reused by
   * the next call: copy what you keep.
   */
  checkEvents(): HostEvent | null {
    const q = this.dispatchQueue;
    for (let peer = q.shift(); peer !== undefined; peer = q.shift()) {
      if (!peer.needsDispatch) continue;
      peer.needsDispatch = false;
      if (peer.connectEventPending) {
        peer.connectEventPending = false;
        if (peer.state === PeerState.ZOMBIE || !peer.dispatchedCommands.isEmpty()) this.queueDispatch(peer);
        return this.emit('connect', peer, peer.connectEventData, 0, null, 0);
      }
      switch (peer.state) {
        case PeerState.CONNECTION_PENDING:
        case PeerState.CONNECTION_SUCCEEDED:
          peer.changeState(PeerState.CONNECTED);
          return this.emit('connect', peer, peer.eventData, 0, null, 0);
        case PeerState.ZOMBIE: {
          this.recalculateBandwidthLimits = true;
          const data = peer.eventData;
          peer.reset();
          return this.emit('disconnect', peer, data, 0, null, 0);
        }
        case PeerState.CONNECTED: {
          const cmd = peer.receive();
          if (!cmd) continue;
          if (!peer.dispatchedCommands.isEmpty()) this.queueDispatch(peer);
          const lent = cmd.lent;
          cmd.lent = -1; // a lent packet is the event's now
          const e = this.emit('receive', peer, 0, cmd.channelID, lent < 0 ? cmd.packet : null, cmd.packetFlags, lent, cmd.totalLength);
          // Nothing refers to a command once its packet is handed out.
          if (this.incomingPool.length < INCOMING_POOL_SIZE) this.incomingPool.push(cmd);
          return e;
        }
        default:
          continue;
      }
    }
    return null;
  }

  /**
   * Milliseconds from the current service time until the engine next needs a service pass
   * (retransmission, ping, bandwidth throttle), or -1 when nothing is pending. Looks at every
   * active peer; {@link nextTimeoutOfTouched} looks only at those whose deadline may have moved.
   */
  nextTimeout(): number {
    this.clearTouched();
    const active = this.active;
    let best = this.throttleTimeout();
    for (let i = 0; i < active.length; i++) {
      const d = this.peerTimeout(active[i]!);
      if (d >= 0 && (best < 0 || d < best)) best = d;
    }
    return best;
  }

  /**
   * As {@link nextTimeout}, over the peers whose deadline may have moved since the last call of
   * either (they sent a reliable command or had one acknowledged, or their ping interval was
   * set): O(those peers), for a caller whose timer already covers everyone else's deadline.
   */
  nextTimeoutOfTouched(): number {
    const touched = this.touched;
    let best = this.throttleTimeout();
    for (let peer = touched.pop(); peer !== undefined; peer = touched.pop()) {
      peer.timeoutTouched = false;
      const d = this.peerTimeout(peer);
      if (d >= 0 && (best < 0 || d < best)) best = d;
    }
    return best;
  }

  /** Notes that `peer`'s next deadline may have moved (see {@link nextTimeoutOfTouched}). */
  touchTimeout(peer: Peer): void {
    if (peer.timeoutTouched) return;
    peer.timeoutTouched = true;
    this.touched.push(peer);
  }

  private clearTouched(): void {
    const touched = this.touched;
    for (let peer = touched.pop(); peer !== undefined; peer = touched.pop()) peer.timeoutTouched = false;
  }

  /** Milliseconds until `peer` needs a pass (retransmission or ping), or -1. */
  private peerTimeout(p: Peer): number {
    let due: number;
    if (p.activeIndex < 0 || p.state === PeerState.ZOMBIE) return -1;
    if (!p.sentReliableCommands.isEmpty()) due = p.nextTimeout;
    else if (p.state === PeerState.CONNECTED) due = p.lastReceiveTime + p.pingInterval;
    else return -1;
    return this.untilDue(due);
  }

  /** Milliseconds until the bandwidth throttle is due, or -1 with no connected peer. */
  private throttleTimeout(): number {
    if (this.connectedPeers === 0) return -1;
    return this.untilDue(this.bandwidthThrottleEpoch + HOST_BANDWIDTH_THROTTLE_INTERVAL);
  }

  /** Milliseconds from the service time until the u32 timestamp `due` (0 once it has passed). */
  private untilDue(due: number): number {
    return Math.max((due - this.serviceTime) | 0, 0);
  }

  /** Counts a dropped datagram and tells the listener. */
  drop(reason: DropReason, address: string, port: number): void {
    this.drops[reason]++;
    this.onDrop?.(reason, address, port);
  }
}

/** ENet's channel-limit clamp: 0 or above 255 → 255. */
export function clampChannelLimit(limit: number): number {
  if (!limit || limit > PROTOCOL_MAXIMUM_CHANNEL_COUNT) return PROTOCOL_MAXIMUM_CHANNEL_COUNT;
  if (limit < PROTOCOL_MINIMUM_CHANNEL_COUNT) return PROTOCOL_MINIMUM_CHANNEL_COUNT;
  return limit;
}

/** Clamps a window size to [4096, 65536]. */
export function clampWindow(size: number): number {
  return Math.min(Math.max(size, PROTOCOL_MINIMUM_WINDOW_SIZE), PROTOCOL_MAXIMUM_WINDOW_SIZE);
}
