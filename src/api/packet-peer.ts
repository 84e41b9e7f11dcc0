import {
  PACKET_FLAGS_ALLOWED,
  PEER_PACKET_LOSS_SCALE,
  PEER_PACKET_THROTTLE_SCALE,
  PEER_PING_INTERVAL,
  PEER_TIMEOUT_LIMIT,
  PEER_TIMEOUT_MAXIMUM,
  PEER_TIMEOUT_MINIMUM,
} from '../protocol/constants.js';
import type { Peer } from '../engine/peer.js';
import { formatAddressGodot } from '../transport/address.js';
import { PeerState, PeerStatistic } from './enums.js';
import { ENetError, type ENetErrorCode } from './errors.js';
import { requireInteger, requireUint32 } from './validate.js';
import { decodeVariant, encodeVariant, type Variant } from '../variant/index.js';

const EMPTY = new Uint8Array(0);
/** PacketPeer's default `encode_buffer_max_size` (8 MiB). */
const DEFAULT_ENCODE_BUFFER_MAX_SIZE = 8 * 1024 * 1024;

/** @internal The connection side an {@link ENetPacketPeer} reports to (implemented by ENetConnection). */
export interface PeerOwner {
  /** Sends what is queued soon (at the end of the current event-loop turn). */
  scheduleFlush(): void;
  /** Sends what is queued now. */
  flushNow(): void;
  /** The wrapper was detached from its slot (disconnect-now, reset). */
  detach(peer: ENetPacketPeer): void;
  /** Sends the peer's pending acknowledgements now (before its queues are reset). */
  flushAcknowledgements(peer: Peer): void;
}

/**
 * A connection to one remote ENet host, as Godot's ENetPacketPeer: obtained from
 * `connectToHost`, from CONNECT events, or from `getPeers()`.
 */
export class ENetPacketPeer {
  /** Scale of PACKET_LOSS statistics (65536 = 100 %). */
  static readonly PACKET_LOSS_SCALE = PEER_PACKET_LOSS_SCALE;
  /** Scale of PACKET_THROTTLE statistics (32 = everything is sent). */
  static readonly PACKET_THROTTLE_SCALE = PEER_PACKET_THROTTLE_SCALE;
  /** Deliver reliably, in order. */
  static readonly FLAG_RELIABLE = 1;
  /** Deliver unreliably and unordered. */
  static readonly FLAG_UNSEQUENCED = 2;
  /** Fragment large unreliable packets unreliably instead of sending them reliably. */
  static readonly FLAG_UNRELIABLE_FRAGMENT = 8;

  /** @internal */ peer: Peer | null;
  private readonly owner: PeerOwner;
  /**
   * Received packets in `queue[queueHead..queueTail)`, their flags and channels at the same
   * indexes (no object per packet); the arrays keep their capacity when drained.
   */
  private readonly queue: Array<Uint8Array | undefined> = [];
  private readonly queueFlags: number[] = [];
  private readonly queueChannels: number[] = [];
  /** Where a lent packet starts in the host's lend area (-1: `queue` holds the packet), and its length. */
  private readonly queueLent: number[] = [];
  private readonly queueLengths: number[] = [];
  private queueHead = 0;
  private queueTail = 0;
  private packetError: ENetErrorCode | 'OK' = 'OK';
  private takenBytes: Uint8Array = EMPTY;
  private takenOffset = 0;
  /** The packet last taken is lent (takenBytes is the host's lend area). */
  private takenLent = false;
  private lastFlags = 0;
  private lastChannel = 0;
  private readonly address: string;
  private readonly port: number;
  private encodeBufferMax = DEFAULT_ENCODE_BUFFER_MAX_SIZE;

  /** @internal */
  constructor(owner: PeerOwner, peer: Peer) {
    this.owner = owner;
    this.peer = peer;
    this.address = peer.address;
    this.port = peer.port;
    peer.data = this;
  }

  private active(what: string): Peer {
    if (this.peer === null)
      throw new ENetError('ERR_UNCONFIGURED', `Peer not connected: ${what} needs an active peer (this one was disconnected or reset).`);
    return this.peer;
  }

  /** @internal Detaches the wrapper from its slot; it becomes inactive. */
  detachFromSlot(): void {
    const peer = this.peer;
    if (peer !== null) {
      // The packets still queued can no longer be read: the lent ones go back to the host.
      for (let i = this.queueHead; i < this.queueTail; i++) if (this.queueLent[i]! >= 0) peer.host.giveBackLent();
      this.queueHead = this.queueTail = 0;
      this.releaseQueueStorage();
      if (peer.data === this) peer.data = undefined;
    }
    this.peer = null;
  }

  /** Empties the queue's arrays (their capacity goes too); the caller has reset head and tail. */
  private releaseQueueStorage(): void {
    this.queue.length = this.queueFlags.length = this.queueChannels.length = this.queueLent.length = this.queueLengths.length = 0;
  }

  /**
   * @internal Appends a received packet to this peer's queue: `data`, or a packet lent by the
   * host (`data` undefined, `lent` where it starts in the host's lend area).
   */
  pushPacket(data: Uint8Array | undefined, lent: number, length: number, flags: number, channel: number): void {
    const i = this.queueTail++;
    if (i < this.queue.length) {
      this.queue[i] = data;
      this.queueFlags[i] = flags;
      this.queueChannels[i] = channel;
      this.queueLent[i] = lent;
      this.queueLengths[i] = length;
    } else {
      this.queue.push(data);
      this.queueFlags.push(flags);
      this.queueChannels.push(channel);
      this.queueLent.push(lent);
      this.queueLengths.push(length);
    }
  }

  /** True while the wrapper is attached to a connection slot. */
  isActive(): boolean {
    return this.peer !== null;
  }

  /** The ENet state of the connection (DISCONNECTED once inactive). */
  getState(): PeerState {
    return this.peer === null ? PeerState.DISCONNECTED : this.peer.state;
  }

  /** The remote address, formatted as Godot does (IPv4 dotted; IPv6 as eight hex groups). */
  getRemoteAddress(): string {
    return formatAddressGodot(this.peer?.address ?? this.address);
  }

  /** The remote UDP port. */
  getRemotePort(): number {
    return this.peer?.port ?? this.port;
  }

  /** Number of channels of the connection (the requested count until the server answers). */
  getChannels(): number {
    return this.active('getChannels()').channelCount;
  }

  /**
   * Queues a packet on a channel. Flags: FLAG_RELIABLE, FLAG_UNSEQUENCED, FLAG_UNRELIABLE_FRAGMENT
   * (0 = unreliable, sequenced). The bytes are copied; datagrams leave at the end of the current
   * event-loop turn or on `flush()`.
   * @throws ENetError ERR_UNCONFIGURED (inactive), ERR_INVALID_PARAMETER (channel or flags), FAILED
   * (channel not negotiated, peer not CONNECTED, or packet larger than the host's maximum).
   */
  send(channel: number, packet: Uint8Array, flags: number): void {
    const peer = this.active('send()');
    requireInteger('channel', channel);
    requireInteger('flags', flags);
    if (!(packet instanceof Uint8Array)) throw new ENetError('ERR_INVALID_PARAMETER', 'packet must be a Uint8Array (or Buffer).');
    if (channel < 0 || channel > peer.channelCount)
      throw new ENetError('ERR_INVALID_PARAMETER', `Invalid channel ${channel}: this peer has channels 0 to ${peer.channelCount - 1}.`);
    if (flags & ~PACKET_FLAGS_ALLOWED)
      throw new ENetError(
        'ERR_INVALID_PARAMETER',
        `Invalid flags ${flags}: allowed are FLAG_RELIABLE (1), FLAG_UNSEQUENCED (2) and FLAG_UNRELIABLE_FRAGMENT (8).`,
      );
    if (channel >= peer.channelCount)
      throw new ENetError('FAILED', `Unable to send packet on channel ${channel}, max channels: ${peer.channelCount}.`);
    if (peer.state !== PeerState.CONNECTED)
      throw new ENetError(
        'FAILED',
        `Cannot send: the peer is ${PeerState[peer.state]}, sending needs CONNECTED (wait for the CONNECT event).`,
      );
    if (packet.length > peer.host.maximumPacketSize)
      throw new ENetError(
        'FAILED',
        `Packet of ${packet.length} bytes is over the maximum packet size of ${peer.host.maximumPacketSize} bytes.`,
      );
    if (peer.outgoingQueuedBytes + packet.length > peer.host.maximumOutgoingData)
      throw new ENetError(
        'FAILED',
        `Outgoing queue full: ${peer.outgoingQueuedBytes} bytes wait for this peer (cap ${peer.host.maximumOutgoingData}); the remote is not acknowledging fast enough.`,
      );
    if (!peer.send(channel, packet, flags, true)) throw new ENetError('FAILED', 'ENet refused the packet.');
    this.owner.scheduleFlush();
  }

  /** Sends a packet reliably on channel 0 (PacketPeer.put_packet); an empty packet sends nothing. */
  putPacket(packet: Uint8Array): void {
    if (packet.length === 0) return;
    this.send(0, packet, ENetPacketPeer.FLAG_RELIABLE);
  }

  /**
   * Sends a value as one packet, encoded as Godot's `put_var` does (Godot 4 Variant format;
   * `format: 3` for a Godot 3 peer), reliably on channel 0 like {@link putPacket}. Objects go as
   * instance ids unless `fullObjects`.
   * @throws ENetError ERR_OUT_OF_MEMORY when the encoding is larger than {@link encodeBufferMaxSize};
   * encoding errors of {@link encodeVariant}; the errors of {@link send}.
   */
  putVar(value: Variant, fullObjects = false, options: { format?: 4 | 3 } = {}): void {
    const bytes = encodeVariant(value, { format: options.format, fullObjects });
    if (bytes.length > this.encodeBufferMax)
      throw new ENetError(
        'ERR_OUT_OF_MEMORY',
        `Failed to encode variant: encode size ${bytes.length} is bigger than encodeBufferMaxSize (${this.encodeBufferMax}).`,
      );
    this.putPacket(bytes);
  }

  /**
   * Takes the next received packet and decodes it as Godot's `get_var` does. The packet is
   * consumed even when it does not decode; the connection goes on.
   * @throws ENetError ERR_UNAVAILABLE (no packet waiting), ERR_UNCONFIGURED (inactive peer), or the
   * decode error of {@link decodeVariant} (ERR_INVALID_DATA, ERR_FILE_EOF, ERR_UNAUTHORIZED for a
   * full object without `allowObjects`, ERR_OUT_OF_MEMORY for too deep nesting).
   */
  getVar(allowObjects = false, options: { format?: 4 | 3 } = {}): Variant {
    const packet = this.getPacket();
    if (this.packetError !== 'OK') throw new ENetError(this.packetError, `getVar(): no packet (${this.packetError}).`);
    return decodeVariant(packet, { format: options.format, allowObjects });
  }

  /**
   * Largest encoding {@link putVar} sends (Godot's `encode_buffer_max_size`, default 8 MiB). Setting
   * it rounds up to a power of two.
   * @throws ENetError ERR_INVALID_PARAMETER outside 1 KiB..256 MiB, as Godot refuses.
   */
  get encodeBufferMaxSize(): number {
    return this.encodeBufferMax;
  }
  set encodeBufferMaxSize(size: number) {
    if (!(Number.isInteger(size) && size >= 1024 && size <= 256 * 1024 * 1024))
      throw new ENetError('ERR_INVALID_PARAMETER', `encodeBufferMaxSize must be an integer from 1024 to 268435456 (got ${size}).`);
    this.encodeBufferMax = 2 ** Math.ceil(Math.log2(size));
  }

  /** Godot's `get_encode_buffer_max_size()`. */
  getEncodeBufferMaxSize(): number {
    return this.encodeBufferMax;
  }

  /** Godot's `set_encode_buffer_max_size()`; see {@link encodeBufferMaxSize}. */
  setEncodeBufferMaxSize(size: number): void {
    this.encodeBufferMaxSize = size;
  }

  /** Number of received packets waiting in this peer's queue. */
  getAvailablePacketCount(): number {
    return this.queueTail - this.queueHead;
  }

  /**
   * Takes the next received packet. Like Godot, returns an empty array and records the error for
   * {@link getPacketError} when the peer is inactive (ERR_UNCONFIGURED) or the queue is empty
   * (ERR_UNAVAILABLE). The bytes are the caller's; a packet of 65 B to 1 KiB is a view into a
   * 16 KiB block shared with other packets (its `.buffer` is that block), so an application that
   * keeps many of them for long should keep `slice()`d copies.
   */
  getPacket(): Uint8Array {
    const length = this.take();
    if (length < 0) return new Uint8Array(0);
    // A lent packet is copied out of the host's lend area (its bytes there are lent only briefly).
    return this.takenLent ? this.takenBytes.slice(this.takenOffset, this.takenOffset + length) : this.takenBytes;
  }

  /**
   * Takes the next received packet without a copy of its own (beyond Godot; what getPacket()
   * does, minus an allocation per packet): returns its length, its bytes being
   * `packetBytes[packetOffset, packetOffset + length)`. They are lent: read them (or copy what
   * you keep) before your code next awaits or returns to the event loop. Returns -1 when there
   * is no packet, the error going to {@link getPacketError} as with getPacket(). Once this is
   * used, the connection keeps the small packets it receives in order in one shared area, so
   * that taking them allocates nothing.
   */
  takePacket(): number {
    if (this.peer !== null) this.peer.host.lendPackets = true;
    return this.take();
  }

  /** Takes the next packet into takenBytes/takenOffset; its length, or -1 (packetError says why). */
  private take(): number {
    const peer = this.peer;
    if (peer === null) {
      this.packetError = 'ERR_UNCONFIGURED';
      return -1;
    }
    if (this.queueHead >= this.queueTail) {
      this.packetError = 'ERR_UNAVAILABLE';
      return -1;
    }
    const i = this.queueHead++;
    const data = this.queue[i];
    const lent = this.queueLent[i]!;
    const length = this.queueLengths[i]!;
    this.queue[i] = undefined;
    this.lastFlags = this.queueFlags[i]!;
    this.lastChannel = this.queueChannels[i]!;
    this.takenLent = lent >= 0;
    if (lent >= 0) {
      this.takenBytes = peer.host.lendArea;
      this.takenOffset = lent;
      // Given back now: the area is reused only by datagrams received later, in another turn.
      peer.host.giveBackLent();
    } else {
      this.takenBytes = data!;
      this.takenOffset = 0;
    }
    if (this.queueHead === this.queueTail) {
      this.queueHead = 0;
      this.queueTail = 0;
      if (this.queue.length > 4096) this.releaseQueueStorage();
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queueTail) {
      this.queue.splice(0, this.queueHead);
      this.queueFlags.splice(0, this.queueHead);
      this.queueChannels.splice(0, this.queueHead);
      this.queueLent.splice(0, this.queueHead);
      this.queueLengths.splice(0, this.queueHead);
      this.queueTail -= this.queueHead;
      this.queueHead = 0;
    }
    this.packetError = 'OK';
    return length;
  }

  /** The bytes of the packet last taken with {@link takePacket} (from {@link packetOffset}). */
  get packetBytes(): Uint8Array {
    return this.takenBytes;
  }

  /** Where the packet last taken with {@link takePacket} starts in {@link packetBytes}. */
  get packetOffset(): number {
    return this.takenOffset;
  }

  /** The error of the last getPacket(): 'OK', 'ERR_UNCONFIGURED' or 'ERR_UNAVAILABLE'. */
  getPacketError(): ENetErrorCode | 'OK' {
    return this.packetError;
  }

  /**
   * Flags of the next queued packet: 1 reliable, 2 unsequenced, 8 unreliable fragment, 0 unreliable.
   * Returns 0 when the queue is empty (Godot prints an error).
   */
  getPacketFlags(): number {
    return this.queueHead < this.queueTail ? this.queueFlags[this.queueHead]! : 0;
  }

  /** Channel of the packet last returned by getPacket() (beyond Godot). */
  getPacketChannel(): number {
    return this.lastChannel;
  }

  /** Flags of the packet last returned by getPacket() (beyond Godot). */
  getLastPacketFlags(): number {
    return this.lastFlags;
  }

  /** Requests a graceful disconnect; a DISCONNECT event follows when the remote acknowledges. */
  peerDisconnect(data = 0): void {
    requireUint32('data', data);
    const peer = this.active('peerDisconnect()');
    this.owner.flushAcknowledgements(peer);
    peer.disconnect(data);
    this.owner.scheduleFlush();
  }

  /** Disconnects once all queued outgoing packets have been sent and acknowledged. */
  peerDisconnectLater(data = 0): void {
    requireUint32('data', data);
    const peer = this.active('peerDisconnectLater()');
    this.owner.flushAcknowledgements(peer);
    peer.disconnectLater(data);
    this.owner.scheduleFlush();
  }

  /** Sends an unreliable DISCONNECT now and drops the connection; no local DISCONNECT event. */
  peerDisconnectNow(data = 0): void {
    requireUint32('data', data);
    const peer = this.active('peerDisconnectNow()');
    this.owner.flushAcknowledgements(peer);
    peer.disconnectNow(data);
    this.owner.detach(this);
  }

  /** Drops the connection without telling the remote (it will time out); no event. */
  reset(): void {
    const peer = this.active('reset()');
    this.owner.flushAcknowledgements(peer);
    peer.reset();
    this.owner.detach(this);
  }

  /** Sends a PING now (ENet also pings on its own every ping interval while idle). */
  ping(): void {
    this.active('ping()').ping();
    this.owner.scheduleFlush();
  }

  /** Sets how often an idle connection is pinged (ms); 0 restores the default of 500. */
  pingInterval(pingIntervalMs: number): void {
    requireUint32('pingInterval', pingIntervalMs);
    const peer = this.active('pingInterval()');
    peer.pingInterval = pingIntervalMs || PEER_PING_INTERVAL;
    peer.host.touchTimeout(peer);
  }

  /**
   * Sets the timeout parameters (each 0 = ENet default: 32, 5000 ms, 30000 ms). A peer is dropped
   * when a reliable packet stays unacknowledged for `timeoutMaxMs`, or after `timeout` doubling
   * retransmissions once at least `timeoutMinMs` passed.
   * @throws ENetError ERR_INVALID_PARAMETER unless timeout ≤ timeoutMinMs ≤ timeoutMaxMs.
   */
  setTimeout(timeout: number, timeoutMinMs: number, timeoutMaxMs: number): void {
    const peer = this.active('setTimeout()');
    requireUint32('timeout', timeout);
    requireUint32('timeoutMin', timeoutMinMs);
    requireUint32('timeoutMax', timeoutMaxMs);
    if (!(timeout <= timeoutMinMs && timeoutMinMs <= timeoutMaxMs))
      throw new ENetError(
        'ERR_INVALID_PARAMETER',
        `Timeout limit must be less than minimum timeout, which itself must be less than maximum timeout (got ${timeout}, ${timeoutMinMs}, ${timeoutMaxMs}).`,
      );
    peer.timeoutLimit = timeout || PEER_TIMEOUT_LIMIT;
    peer.timeoutMinimum = timeoutMinMs || PEER_TIMEOUT_MINIMUM;
    peer.timeoutMaximum = timeoutMaxMs || PEER_TIMEOUT_MAXIMUM;
  }

  /** Sets the packet-throttle parameters here and on the remote (THROTTLE_CONFIGURE). */
  throttleConfigure(interval: number, acceleration: number, deceleration: number): void {
    requireUint32('interval', interval);
    requireUint32('acceleration', acceleration);
    requireUint32('deceleration', deceleration);
    this.active('throttleConfigure()').throttleConfigure(interval, acceleration, deceleration);
    this.owner.scheduleFlush();
  }

  /**
   * One of the peer's ENet statistics (see {@link PeerStatistic}). Like Godot, returns 0 for an
   * inactive peer.
   * @throws ENetError ERR_INVALID_PARAMETER for an unknown statistic.
   */
  getStatistic(statistic: PeerStatistic): number {
    const p = this.peer;
    if (!(Number.isInteger(statistic) && statistic >= 0 && statistic <= 13))
      throw new ENetError('ERR_INVALID_PARAMETER', `Invalid statistic ${String(statistic)}: use PeerStatistic (0 to 13).`);
    if (p === null) return 0;
    switch (statistic) {
      case PeerStatistic.PACKET_LOSS:
        return p.packetLoss;
      case PeerStatistic.PACKET_LOSS_VARIANCE:
        return p.packetLossVariance;
      case PeerStatistic.PACKET_LOSS_EPOCH:
        return p.packetLossEpoch;
      case PeerStatistic.ROUND_TRIP_TIME:
        return p.roundTripTime;
      case PeerStatistic.ROUND_TRIP_TIME_VARIANCE:
        return p.roundTripTimeVariance;
      case PeerStatistic.LAST_ROUND_TRIP_TIME:
        return p.lastRoundTripTime;
      case PeerStatistic.LAST_ROUND_TRIP_TIME_VARIANCE:
        return p.lastRoundTripTimeVariance;
      case PeerStatistic.PACKET_THROTTLE:
        return p.packetThrottle;
      case PeerStatistic.PACKET_THROTTLE_LIMIT:
        return p.packetThrottleLimit;
      case PeerStatistic.PACKET_THROTTLE_COUNTER:
        return p.packetThrottleCounter;
      case PeerStatistic.PACKET_THROTTLE_EPOCH:
        return p.packetThrottleEpoch;
      case PeerStatistic.PACKET_THROTTLE_ACCELERATION:
        return p.packetThrottleAcceleration;
      case PeerStatistic.PACKET_THROTTLE_DECELERATION:
        return p.packetThrottleDeceleration;
      default:
        return p.packetThrottleInterval;
    }
  }
}
