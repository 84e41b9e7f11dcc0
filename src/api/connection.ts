import { isIP } from 'node:net';
import { randomBytes, randomFillSync } from 'node:crypto';
import { PACKET_FLAGS_ALLOWED, PROTOCOL_MAXIMUM_PEER_ID } from '../protocol/constants.js';
import type { DropReason, Host, HostEvent } from '../engine/host.js';
import type { Peer } from '../engine/peer.js';
import type { Compressor } from '../compress/compressor.js';
import { LinkShaper, type LinkConditions } from '../transport/link-shaper.js';
import { TLSOptions } from '../transport/dtls/index.js';
import { DtlsLayer } from '../transport/dtls-layer.js';
import { EarliestTimer } from '../transport/earliest-timer.js';
import { HostDriver } from '../transport/host-driver.js';
import {
  UDP_RECEIVE_BUFFER_SIZE,
  openDatagramSocket,
  resolveAddress,
  socketBackendFromEnv,
  type SocketBackendChoice,
} from '../transport/open-socket.js';
import type { DatagramSocket, SocketBackendName } from '../transport/datagram-socket.js';
import { HOST_SEND_BUFFER_SIZE } from '../protocol/constants.js';
import { CompressionMode, EventType, HostStatistic } from './enums.js';
import { createCompressor } from '../compress/registry.js';
import { ENetError } from './errors.js';
import { DropWarningLimiter } from './drop-warnings.js';
import { ENetPacketPeer, type PeerOwner } from './packet-peer.js';
import { requireInteger, requireRange, requireUint32 } from './validate.js';
import { warmUpConnections } from './warm-up.js';

/** What `service()` returns: Godot's `[type, peer, data, channel]` as an object. */
export interface ServiceEvent {
  type: EventType;
  peer: ENetPacketPeer | null;
  /** Connect/disconnect data (0 for RECEIVE). */
  data: number;
  /** Channel of a RECEIVE event (0 otherwise). */
  channel: number;
}

/** An event from {@link ENetConnection.events}: RECEIVE events carry the packet itself. */
export interface ConnectionEvent extends ServiceEvent {
  /** The received packet (RECEIVE only; it is not put in the peer's queue). */
  packet?: Uint8Array;
  /** Flags of the received packet (RECEIVE only). */
  packetFlags?: number;
}

/**
 * A datagram dropped before processing, as {@link ENetConnection.onWarning} reports it (rate-limited
 * across the host), or a summary of the drops not reported one by one (`counts` set, no remote).
 */
export interface ENetWarning {
  reason: DropReason;
  address: string;
  port: number;
  /** Summaries only: datagrams dropped by kind since the last lines (the exact totals are in `engine.drops`). */
  counts?: Partial<Record<DropReason, number>>;
  message: string;
}

/** An event with these fields: written into `into` when given, else a new object. */
function serviceEvent(
  into: ServiceEvent | undefined,
  type: EventType,
  peer: ENetPacketPeer | null,
  data: number,
  channel: number,
): ServiceEvent {
  if (into === undefined) return { type, peer, data, channel };
  into.type = type;
  into.peer = peer;
  into.data = data;
  into.channel = channel;
  return into;
}

interface Waiter {
  carry: boolean;
  resolve: (e: ConnectionEvent) => void;
  /** service(0)'s timeout: one event-loop turn (no 1 ms timer floor). */
  immediate: NodeJS.Immediate | null;
  /** When a service(timeout > 0) gives up (performance.now() ms), watched by the connection's wait timer. */
  deadline: number;
  /** The earliest time the wait timer may end it: a timer is ms-grained and may fire early. */
  earliest: number;
}

/** Cancels a service(0) waiter's turn (a deadline needs no cancelling: the wait timer skips it). */
function cancelWait(w: Waiter): void {
  if (w.immediate === null) return;
  clearImmediate(w.immediate);
  w.immediate = null;
}

/**
 * A wait timer that fires up to this early (ms) still ends the waiters due by then (timers are
 * ms-grained), but never before half a waiter's timeout: the timer an earlier waiter armed used to
 * end a service(1) begun a few µs before it fired (NONE in 7-9 % of B4's round trips).
 */
const WAIT_TOLERANCE_MS = 1;

/**
 * service(0) with nothing ready gives the event loop a turn (timers, sockets) at most this often
 * (ms); in between it resolves NONE at once. A loop that sends a burst and polls, as C's
 * load generators do, then pays a microtask per poll instead of an event-loop turn (B1, 64 B
 * unreliable: 3 µs a turn, 14-20 µs right after a send that wakes the receiver).
 */
const POLL_TURN_INTERVAL_MS = 1;

const noListeners = new Set<() => void>();

const INACTIVE = "The ENetConnection instance isn't currently active: call createHost() or createHostBound() first.";

/** Crypto-quality 32-bit connect ids, drawn from a pooled buffer (randomBytes(4) per connect is slow). */
const randomPool = new Uint32Array(256);
let randomLeft = 0;
function randomConnectID(): number {
  if (randomLeft === 0) {
    randomFillSync(randomPool);
    randomLeft = randomPool.length;
  }
  return randomPool[--randomLeft]!;
}

/**
 * An ENet host as Godot's ENetConnection: create it, connect or accept peers, and call
 * `service()` (or iterate `events()`) to receive events. The protocol runs in the background:
 * datagrams are processed as they arrive and retransmissions run on a timer, so `service()` only
 * waits for and delivers events.
 */
export class ENetConnection implements PeerOwner {
  private driver: HostDriver | null = null;
  private readonly wrappers: ENetPacketPeer[] = [];
  private readonly waiters: Waiter[] = [];
  /** When service(0) last gave the event loop a turn (performance.now() ms). */
  private pollTurnAt = Number.NEGATIVE_INFINITY;
  /** The earliest deadline among the service() waiters. */
  private readonly waitTimer = new EarliestTimer(() => this.onWaitTimer());
  private readonly dropWarnings = new DropWarningLimiter((line) => this.onWarning?.(line));
  private creating = false;
  /** destroy() was called while a host was being created: that host is not made. */
  private destroyedWhileCreating = false;
  /** The socket backend the next host opens with (default: the ENET_TS_SOCKET environment variable, else 'auto'). */
  private backendChoice: SocketBackendChoice | null = null;
  /** An EventType.ERROR owed to the application (a DTLS handshake failed). */
  private errorPending = false;
  /** A readable reason for the last EventType.ERROR (for example a DTLS handshake failure), or null. */
  lastError: string | null = null;
  /**
   * Called for datagrams dropped before processing (compression mismatch, checksum failure,
   * stale or spoofed, …), rate-limited across the host: in each minute the first drop of each
   * kind (at most three kinds) gets a warning, later ones are counted and summed up in one
   * summary warning when the next minute's first drop comes. Defaults to `process.emitWarning`
   * (Node's channel for telling a developer about a misconfiguration; `--no-warnings` or
   * `process.on('warning')` route it). Set to null to silence; `engine.drops` counts every drop.
   */
  onWarning: ((warning: ENetWarning) => void) | null = (w) => process.emitWarning(w.message, 'ENetWarning');

  /**
   * Creates a host bound to `bindAddress:bindPort`. `bindAddress` is an IP literal or `'*'` (all
   * interfaces, dual-stack); `bindPort` 0 picks a free port. Resolves once the socket is bound.
   * @throws ENetError ERR_INVALID_PARAMETER (address, port, maxPeers 1–4095, maxChannels 0–255,
   * bandwidths ≥ 0), ERR_ALREADY_IN_USE (host already created), ERR_CANT_CREATE (bind failed,
   * e.g. port in use).
   */
  async createHostBound(
    bindAddress: string,
    bindPort: number,
    maxPeers = 32,
    maxChannels = 0,
    inBandwidth = 0,
    outBandwidth = 0,
  ): Promise<void> {
    if (typeof bindAddress !== 'string' || (bindAddress !== '*' && !isIP(bindAddress)))
      throw new ENetError(
        'ERR_INVALID_PARAMETER',
        `Invalid bind IP ${JSON.stringify(bindAddress)}: use an IPv4 or IPv6 literal, or '*' for all interfaces.`,
      );
    requireRange('The local port number', bindPort, 0, 65535);
    await this.create(bindAddress, bindPort, maxPeers, maxChannels, inBandwidth, outBandwidth);
  }

  /**
   * Creates a host on a free port of all interfaces (dual-stack), for connecting out.
   * @throws ENetError as {@link createHostBound}.
   */
  async createHost(maxPeers = 32, maxChannels = 0, inBandwidth = 0, outBandwidth = 0): Promise<void> {
    await this.create(null, 0, maxPeers, maxChannels, inBandwidth, outBandwidth);
  }

  private async create(
    bindAddress: string | null,
    port: number,
    maxPeers: number,
    maxChannels: number,
    inBandwidth: number,
    outBandwidth: number,
  ): Promise<void> {
    if (this.host !== null || this.creating)
      throw new ENetError(
        'ERR_ALREADY_IN_USE',
        'The ENetConnection instance is already active: call destroy() before creating another host.',
      );
    requireRange('The number of clients (maxPeers)', maxPeers, 1, PROTOCOL_MAXIMUM_PEER_ID);
    requireRange('maxChannels', maxChannels, 0, 255, ' (0 means maximum, i.e. 255)');
    requireUint32('The incoming bandwidth limit (bytes/s, 0 disables it)', inBandwidth);
    requireUint32('The outgoing bandwidth limit (bytes/s, 0 disables it)', outBandwidth);
    this.creating = true;
    let socket: DatagramSocket;
    let destroyed = false;
    try {
      const backend = this.backendChoice ?? socketBackendFromEnv();
      // A server (several slots) waits for the process's warm-up, so that its first burst of
      // clients meets compiled code; a client host (one slot, made by the thousand in load tests)
      // does not pay for it.
      if (maxPeers > 1) await warmUpConnections(this, backend, () => new ENetConnection());
      // A host with several peer slots (a server) lets the kernel coalesce GSO runs (UDP_GRO):
      // an enet-ts sender's train then reaches it as one datagram instead of being cut up on the
      // way, which costs the sender a third less system time (B1, B2) and speeds a large transfer
      // (B3, 12 transfers a pair, 4 alternated pairs: median 36.8 against 39.6 ms). A one-slot
      // host (a client, made by the thousand in load tests) keeps the smaller receive buffer.
      socket = await openDatagramSocket(
        { bindAddress, port, receiveBufferSize: UDP_RECEIVE_BUFFER_SIZE, sendBufferSize: HOST_SEND_BUFFER_SIZE, gro: maxPeers > 1 },
        backend,
      );
    } catch (err) {
      throw new ENetError('ERR_CANT_CREATE', `Couldn't create an ENet host on ${bindAddress ?? '*'}:${port}: ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      this.creating = false;
      destroyed = this.destroyedWhileCreating;
      this.destroyedWhileCreating = false;
    }
    if (destroyed) {
      // destroy() came while the warm-up or the bind was under way: the connection stays
      // inactive, as destroy() leaves it, and the socket just opened is closed.
      socket.close();
      return;
    }
    const driver = new HostDriver(
      {
        peerCount: maxPeers,
        channelLimit: maxChannels,
        incomingBandwidth: inBandwidth,
        outgoingBandwidth: outBandwidth,
        random: randomConnectID,
      },
      socket,
    );
    driver.host.onDrop = (reason, address, p) => this.warnDrop(reason, address, p);
    driver.onReady = () => this.deliver();
    this.driver = driver;
  }

  /**
   * Chooses the UDP socket backend of the hosts this connection creates from now on: 'native'
   * (batched system calls, Linux, built at install), 'dgram' (node:dgram) or 'auto' (native
   * where it loads). The default comes from the ENET_TS_SOCKET environment variable, else 'auto'.
   * @throws ENetError ERR_INVALID_PARAMETER for another value.
   */
  setSocketBackend(backend: SocketBackendChoice): void {
    if (backend !== 'auto' && backend !== 'native' && backend !== 'dgram')
      throw new ENetError('ERR_INVALID_PARAMETER', `Invalid socket backend ${JSON.stringify(backend)}: use 'auto', 'native' or 'dgram'.`);
    this.backendChoice = backend;
  }

  /** The socket backend of the current host ('native' or 'dgram'), or null when inactive. */
  get socketBackend(): SocketBackendName | null {
    return this.driver?.pipeline.socket.backend ?? null;
  }

  /** @internal The socket of the current host, or null when inactive (tests and tools). */
  get socket(): DatagramSocket | null {
    return this.driver?.pipeline.socket ?? null;
  }

  /** The engine host of the current socket, or null when inactive. */
  private get host(): Host | null {
    return this.driver?.host ?? null;
  }

  private requireHost(): Host {
    if (this.host === null) throw new ENetError('ERR_UNCONFIGURED', INACTIVE);
    return this.host;
  }

  // ------------------------------------------------------------------ I/O plumbing

  /** @internal Listeners called after every batch of datagrams the host processed (tools use it to time acks). */
  get receiveListeners(): Set<() => void> {
    return this.driver?.receiveListeners ?? noListeners;
  }

  /** Live DTLS sessions of a server (0 without DTLS), for tests and monitoring. */
  get dtlsSessionCount(): number {
    return this.driver?.pipeline.dtlsLayer?.sessionCount ?? 0;
  }

  /** @internal Sends what is queued at the end of this event-loop turn. */
  scheduleFlush(): void {
    this.driver?.scheduleFlush();
  }

  /** @internal Sends what is queued now and hands out events. */
  flushNow(): void {
    this.driver?.pass(false);
  }

  private warnDrop(reason: DropReason, address: string, port: number): void {
    if (this.onWarning === null) return;
    this.dropWarnings.report(reason, address, port, () => {
      const where = `${address}:${port}`;
      const mode = this.host?.compressor ? 'a compressor' : 'compression NONE';
      return {
        malformed: `${where} sent a malformed datagram (not ENet?)`,
        oversized: `${where} sent a datagram over 4096 bytes`,
        unknownPeer: `${where} sent a datagram for a peer or session this host does not have (stale or spoofed)`,
        checksum: `${where} sent a datagram that failed the CRC32 checksum: does it use setChecksum() like this host (checksum ${this.host?.checksum ? 'on' : 'off'})?`,
        decompress: `${where} sent a compressed datagram this host could not decompress: does it use the same compression mode as this host?`,
        compressedWithoutCodec: `${where} sends compressed datagrams but this host has ${mode}: call compress() with the same mode on both ends`,
        refused: `${where} tried to connect while refuseNewConnections(true) is set`,
      }[reason];
    });
  }

  // ------------------------------------------------------------------ events

  private wrap(peer: Peer): ENetPacketPeer {
    const existing = peer.data;
    if (existing instanceof ENetPacketPeer) return existing;
    const w = new ENetPacketPeer(this, peer);
    this.wrappers.push(w);
    return w;
  }

  /** Turns one engine event into an API event; null when it produced nothing. */
  private convert(e: HostEvent, carry: boolean, into?: ServiceEvent): ConnectionEvent | null {
    switch (e.type) {
      case 'connect':
        return { type: EventType.CONNECT, peer: this.wrap(e.peer), data: e.data, channel: 0 };
      case 'disconnect': {
        const w = e.peer.data;
        if (!(w instanceof ENetPacketPeer)) return { type: EventType.ERROR, peer: null, data: 0, channel: 0 };
        w.detachFromSlot();
        this.removeWrapper(w);
        this.driver?.pipeline.dtlsLayer?.forget(e.peer.address, e.peer.port);
        return { type: EventType.DISCONNECT, peer: w, data: e.data, channel: 0 };
      }
      case 'receive': {
        const w = e.peer.data;
        if (!(w instanceof ENetPacketPeer)) {
          if (e.lent >= 0) e.peer.host.giveBackLent();
          return { type: EventType.ERROR, peer: null, data: 0, channel: 0 };
        }
        if (carry) {
          let packet = e.packet;
          if (packet === null) {
            // A lent packet: the event carries a copy of its own.
            const host = e.peer.host;
            packet = host.lendArea.slice(e.lent, e.lent + e.packetLength);
            host.giveBackLent();
          }
          return { type: EventType.RECEIVE, peer: w, data: 0, channel: e.channelID, packet, packetFlags: e.packetFlags };
        }
        w.pushPacket(e.packet ?? undefined, e.lent, e.packetLength, e.packetFlags, e.channelID);
        return serviceEvent(into, EventType.RECEIVE, w, 0, e.channelID);
      }
    }
  }

  private nextEvent(carry: boolean, into?: ServiceEvent): ConnectionEvent | null {
    const host = this.host;
    if (host === null) return null;
    for (;;) {
      const e = host.checkEvents();
      if (e === null) return null;
      const c = this.convert(e, carry, into);
      if (c !== null) return c;
    }
  }

  private deliver(): void {
    if (this.errorPending && this.waiters.length > 0) {
      this.errorPending = false;
      const w = this.waiters.shift()!;
      cancelWait(w);
      w.resolve({ type: EventType.ERROR, peer: null, data: 0, channel: 0 });
    }
    while (this.waiters.length > 0 && this.host !== null && this.host.hasDispatch()) {
      const w = this.waiters[0]!;
      const e = this.nextEvent(w.carry);
      if (e === null) break;
      this.waiters.shift();
      cancelWait(w);
      w.resolve(e);
    }
  }

  private removeWrapper(w: ENetPacketPeer): void {
    const i = this.wrappers.indexOf(w);
    if (i >= 0) this.wrappers.splice(i, 1);
  }

  /** @internal */
  flushAcknowledgements(peer: Peer): void {
    this.driver?.flushAcknowledgements(peer);
  }

  /** @internal */
  detach(w: ENetPacketPeer): void {
    if (w.peer !== null) this.driver?.pipeline.dtlsLayer?.forget(w.peer.address, w.peer.port);
    w.detachFromSlot();
    this.removeWrapper(w);
  }

  private waitEvent(timeoutMs: number, carry: boolean): Promise<ConnectionEvent> {
    if (this.host === null) return Promise.resolve({ type: EventType.ERROR, peer: null, data: 0, channel: 0 });
    this.driver!.ensureTimer();
    if (this.errorPending && this.waiters.length === 0) {
      this.errorPending = false;
      return Promise.resolve({ type: EventType.ERROR, peer: null, data: 0, channel: 0 });
    }
    const ready = this.waiters.length === 0 ? this.nextEvent(carry) : null;
    if (ready !== null) return Promise.resolve(ready);
    // Waiting for the next event: the reaction to the last ones is sent now, with their acks.
    this.driver!.flushReactions();
    if (timeoutMs <= 0 && this.waiters.length === 0) {
      // A poll: within a millisecond of the last turn it gave the event loop, NONE at once (as
      // C's enet_host_service(host, &event, 0) returns), else after one more turn.
      const now = performance.now();
      if (now - this.pollTurnAt < POLL_TURN_INTERVAL_MS) return Promise.resolve({ type: EventType.NONE, peer: null, data: 0, channel: 0 });
      this.pollTurnAt = now;
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { carry, resolve, immediate: null, deadline: 0, earliest: 0 };
      if (timeoutMs <= 0)
        waiter.immediate = setImmediate(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve({ type: EventType.NONE, peer: null, data: 0, channel: 0 });
        });
      else {
        waiter.deadline = performance.now() + timeoutMs;
        waiter.earliest = waiter.deadline - Math.min(WAIT_TOLERANCE_MS, timeoutMs / 2);
        this.waitTimer.arm(waiter.deadline, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /**
   * Ends the waiters whose deadline has come (NONE) and re-arms for the next one. One timer serves
   * every waiter: a loop calling service(1000) per event re-arms it about once a second.
   */
  private onWaitTimer(): void {
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    const waiters = this.waiters;
    for (let i = 0; i < waiters.length; ) {
      const w = waiters[i]!;
      if (w.deadline > 0 && w.earliest <= now) {
        waiters.splice(i, 1);
        w.resolve({ type: EventType.NONE, peer: null, data: 0, channel: 0 });
        continue;
      }
      if (w.deadline > 0 && w.deadline < next) next = w.deadline;
      i++;
    }
    if (next < Number.POSITIVE_INFINITY) this.waitTimer.arm(next, Math.max(1, next - now));
  }

  /**
   * Waits up to `timeoutMs` for the next event: CONNECT, DISCONNECT, RECEIVE (the packet goes to
   * the peer's queue: `event.peer.getPacket()`), or NONE when the time passes. Resolves as soon
   * as an event is available; it never busy-waits. `service(0)` with nothing ready resolves NONE
   * after one event-loop turn (setImmediate), or at once when it gave the loop a turn less than
   * a millisecond ago: a polling loop costs about what C's `enet_host_service(host, &event, 0)`
   * does, never waits for a timer, and still lets timers and sockets run every millisecond.
   * On a destroyed (or never created) connection it resolves with EventType.ERROR, as Godot.
   */
  service(timeoutMs = 0): Promise<ServiceEvent> {
    requireInteger('timeout', timeoutMs);
    return this.waitEvent(timeoutMs, false);
  }

  /**
   * The next event already queued, without waiting (C ENet's `enet_host_check_events`): NONE when
   * there is none, ERROR when the connection is not active. A loop that awaits `service()` for
   * the first event of a burst can take the rest with this, without a Promise per event. With
   * `into`, the event is written into that object and it is returned (as C fills the caller's
   * ENetEvent): a loop that reuses one object allocates nothing per event, but must read each
   * event before the next call.
   */
  checkEvents(into?: ServiceEvent): ServiceEvent {
    if (this.host === null) return serviceEvent(into, EventType.ERROR, null, 0, 0);
    if (this.errorPending && this.waiters.length === 0) {
      this.errorPending = false;
      return serviceEvent(into, EventType.ERROR, null, 0, 0);
    }
    return (this.waiters.length === 0 ? this.nextEvent(false, into) : null) ?? serviceEvent(into, EventType.NONE, null, 0, 0);
  }

  /**
   * Iterates events until the connection is destroyed, running the service loop itself. RECEIVE
   * events carry `packet` and `packetFlags` (the packet is not queued on the peer). Each event
   * goes to exactly one consumer, so this may be mixed with `service()`.
   */
  async *events(): AsyncGenerator<ConnectionEvent, void, undefined> {
    while (this.host !== null) {
      const e = await this.waitEvent(1000, true);
      if (e.type === EventType.NONE) continue;
      if (e.type === EventType.ERROR && this.host === null) return;
      yield e;
    }
  }

  // ------------------------------------------------------------------ Godot surface

  /**
   * Starts connecting to `address:port` (IP literal or host name, resolved through DNS) and returns
   * the peer in state CONNECTING; it is connected when a CONNECT event arrives. As in ENet, a
   * server that does not exist or does not answer is only noticed when the connection attempt
   * times out (about 30 s by default; shorten it with `peer.setTimeout(…)`), as a DISCONNECT event.
   * `channels` 0 means 255. `data` (u32) reaches the server in its CONNECT event.
   * @throws ENetError ERR_UNCONFIGURED (no host), ERR_ALREADY_IN_USE (this connection already has
   * a peer, as in Godot), ERR_INVALID_PARAMETER (port 1–65535, channels 0–255, data u32),
   * ERR_CANT_RESOLVE (DNS), ERR_CANT_CREATE (no free peer slot).
   */
  async connectToHost(address: string, port: number, channels = 0, data = 0): Promise<ENetPacketPeer> {
    const host = this.requireHost();
    if (this.wrappers.length > 0)
      throw new ENetError(
        'ERR_ALREADY_IN_USE',
        'The ENetConnection is already connected to a peer: use one ENetConnection per outgoing connection.',
      );
    requireRange('The remote port number', port, 1, 65535);
    requireRange('channels', channels, 0, 255, ' (0 means 255)');
    requireUint32('data', data);
    if (typeof address !== 'string' || address === '') throw new ENetError('ERR_INVALID_PARAMETER', 'address must be a non-empty string.');
    let resolved: string;
    try {
      resolved = await resolveAddress(address, this.driver!.pipeline.socket.ipv6);
    } catch (err) {
      throw new ENetError('ERR_CANT_RESOLVE', `Couldn't resolve the server IP address or domain name ${JSON.stringify(address)}.`, {
        cause: err,
      });
    }
    if (this.host !== host) throw new ENetError('ERR_UNCONFIGURED', INACTIVE);
    if (this.wrappers.length > 0)
      throw new ENetError(
        'ERR_ALREADY_IN_USE',
        'The ENetConnection is already connected to a peer: use one ENetConnection per outgoing connection.',
      );
    const peer = host.connect(resolved, port, channels > 0 ? channels : 255, data);
    if (peer === null) throw new ENetError('ERR_CANT_CREATE', 'No free peer slot to connect from.');
    const w = this.wrap(peer);
    this.scheduleFlush();
    return w;
  }

  /** Sends everything queued now (acks and packets), without waiting for the end of the turn. */
  flush(): void {
    this.requireHost();
    this.flushNow();
  }

  /**
   * Closes the socket and drops every peer without telling them (they time out), as Godot. The
   * connection can be created again afterwards. Calling it twice is harmless. Called while a
   * createHost()/createHostBound() is pending, that call resolves without making the host.
   */
  destroy(): void {
    if (this.creating) this.destroyedWhileCreating = true;
    if (this.host === null) return;
    // What was received is acknowledged before the socket closes (C ENet has sent its acks by the
    // time the application sees an event, so it can destroy the host at once).
    this.driver?.close();
    this.driver = null;
    for (const w of this.wrappers) w.detachFromSlot();
    this.wrappers.length = 0;
    this.waitTimer.clear();
    this.errorPending = false;
    for (const w of this.waiters.splice(0)) {
      cancelWait(w);
      w.resolve({ type: EventType.ERROR, peer: null, data: 0, channel: 0 });
    }
  }

  /** The peers of this host (connecting, connected and disconnecting), in creation order. [] when inactive. */
  getPeers(): ENetPacketPeer[] {
    return this.wrappers.filter((w) => w.isActive());
  }

  /** The bound UDP port (0 when inactive). */
  getLocalPort(): number {
    return this.driver?.pipeline.socket.localPort() ?? 0;
  }

  /** The channel limit for incoming connections (0 when inactive). */
  getMaxChannels(): number {
    return this.host?.channelLimit ?? 0;
  }

  /**
   * Queues a packet to every connected peer.
   * @throws ENetError ERR_UNCONFIGURED, ERR_INVALID_PARAMETER (channel outside 0..channel limit − 1, flags).
   */
  broadcast(channel: number, packet: Uint8Array, flags: number): void {
    const host = this.requireHost();
    requireInteger('channel', channel);
    requireInteger('flags', flags);
    if (channel < 0 || channel >= host.channelLimit)
      throw new ENetError('ERR_INVALID_PARAMETER', `Invalid channel ${channel}: must be from 0 to ${host.channelLimit - 1}.`);
    if (flags & ~PACKET_FLAGS_ALLOWED)
      throw new ENetError(
        'ERR_INVALID_PARAMETER',
        `Invalid flags ${flags}: allowed are FLAG_RELIABLE (1), FLAG_UNSEQUENCED (2) and FLAG_UNRELIABLE_FRAGMENT (8).`,
      );
    host.broadcast(channel, Uint8Array.prototype.slice.call(packet), flags);
    this.scheduleFlush();
  }

  /**
   * Turns ENet's CRC32 checksum on or off (as C's `host->checksum = enet_crc32`). Not negotiated:
   * both ends must agree.
   */
  setChecksum(enabled: boolean): void {
    this.requireHost().checksum = !!enabled;
  }

  /**
   * Compresses every datagram this host sends with `mode` (when it makes the datagram smaller),
   * and decompresses what it receives, exactly as Godot does. Not negotiated: both ends must use
   * the same mode. Datagrams that cannot be decompressed are dropped, counted, and reported once
   * per remote through {@link onWarning}.
   * @throws ENetError ERR_UNCONFIGURED (no host), ERR_INVALID_PARAMETER (unknown mode).
   */
  compress(mode: CompressionMode): void {
    const host = this.requireHost();
    if (!(Number.isInteger(mode) && mode >= CompressionMode.NONE && mode <= CompressionMode.ZSTD))
      throw new ENetError(
        'ERR_INVALID_PARAMETER',
        `Invalid compression mode ${String(mode)}: use CompressionMode NONE, RANGE_CODER, FASTLZ, ZLIB or ZSTD (0 to 4).`,
      );
    host.compressor = createCompressor(mode);
  }

  /** @internal Installs a compressor (null = none). */
  setCompressor(compressor: Compressor | null): void {
    this.requireHost().compressor = compressor;
  }

  /** Sets the host bandwidth limits (bytes/s, 0 = unlimited); peers are told within a second. */
  bandwidthLimit(inBandwidth = 0, outBandwidth = 0): void {
    const host = this.requireHost();
    requireUint32('inBandwidth', inBandwidth);
    requireUint32('outBandwidth', outBandwidth);
    host.bandwidthLimit(inBandwidth, outBandwidth);
    this.driver!.armTimer();
  }

  /** Limits the channels of future incoming connections (0 or > 255 means 255). */
  channelLimit(limit: number): void {
    const host = this.requireHost();
    requireInteger('limit', limit);
    host.setChannelLimit(limit);
  }

  /**
   * While true, new CONNECTs are ignored (on plain hosts too, unlike Godot which only honours it
   * under DTLS); existing peers are untouched.
   */
  refuseNewConnections(refuse: boolean): void {
    this.requireHost().refuseNewConnections = !!refuse;
    const dtls = this.driver!.pipeline.dtlsLayer;
    if (dtls !== null) dtls.refuseNewConnections = !!refuse;
  }

  /**
   * Turns this host into a DTLS server (every ENet datagram becomes one DTLS record): one session
   * per remote address after a cookie exchange, an 8 s handshake timeout, sessions freed when
   * their peer goes. Call after createHostBound.
   * @throws ENetError ERR_UNCONFIGURED (no host), ERR_INVALID_PARAMETER (not server options),
   * FAILED (DTLS already set up).
   */
  dtlsServerSetup(serverOptions: TLSOptions): void {
    this.requireHost();
    if (!(serverOptions instanceof TLSOptions) || !serverOptions.isServer())
      throw new ENetError('ERR_INVALID_PARAMETER', 'dtlsServerSetup needs TLSOptions.server(key, certificate).');
    const pipeline = this.driver!.pipeline;
    if (pipeline.dtlsLayer !== null) throw new ENetError('FAILED', 'DTLS is already set up on this connection.');
    const layer = DtlsLayer.server(this.dtlsLinks(), serverOptions, 16);
    layer.refuseNewConnections = this.host!.refuseNewConnections;
    pipeline.setDtls(layer);
  }

  /**
   * Makes this host connect over DTLS, verifying the server as `clientOptions` says (default
   * TLSOptions.client(): Node's root store and `hostname`). A handshake failure comes out of
   * service() as EventType.ERROR with the reason in `lastError`. Call before connectToHost.
   * @throws ENetError ERR_UNCONFIGURED (no host), ERR_INVALID_PARAMETER (server options),
   * FAILED (DTLS already set up).
   */
  dtlsClientSetup(hostname: string, clientOptions: TLSOptions | null = null): void {
    this.requireHost();
    if (clientOptions !== null && (!(clientOptions instanceof TLSOptions) || clientOptions.isServer()))
      throw new ENetError('ERR_INVALID_PARAMETER', 'dtlsClientSetup needs client options (TLSOptions.client or TLSOptions.clientUnsafe).');
    const pipeline = this.driver!.pipeline;
    if (pipeline.dtlsLayer !== null) throw new ENetError('FAILED', 'DTLS is already set up on this connection.');
    pipeline.setDtls(DtlsLayer.client(this.dtlsLinks(), hostname, clientOptions ?? TLSOptions.client()));
  }

  /** How the DTLS layer reaches the socket, the engine and this connection. */
  private dtlsLinks() {
    const driver = this.driver!;
    return {
      send: driver.pipeline.send,
      deliver: driver.pipeline.deliver,
      alive: () => driver.host.active,
      failed: (reason: string) => {
        // A handshake failure comes out of service() as EventType.ERROR.
        this.lastError = reason;
        this.errorPending = true;
        this.deliver();
      },
    };
  }

  /**
   * Returns a host counter and resets it to 0 (bytes and datagrams sent and received by ENet;
   * socketSend is not counted). 0 when inactive.
   * @throws ENetError ERR_INVALID_PARAMETER for an unknown statistic.
   */
  popStatistic(statistic: HostStatistic): number {
    if (!(Number.isInteger(statistic) && statistic >= 0 && statistic <= 3))
      throw new ENetError('ERR_INVALID_PARAMETER', `Invalid statistic ${String(statistic)}: use HostStatistic (0 to 3).`);
    const host = this.host;
    if (host === null) return 0;
    let v: number;
    switch (statistic) {
      case HostStatistic.TOTAL_SENT_DATA:
        v = host.totalSentData;
        host.totalSentData = 0;
        break;
      case HostStatistic.TOTAL_SENT_PACKETS:
        v = host.totalSentPackets;
        host.totalSentPackets = 0;
        break;
      case HostStatistic.TOTAL_RECEIVED_DATA:
        v = host.totalReceivedData;
        host.totalReceivedData = 0;
        break;
      default:
        v = host.totalReceivedPackets;
        host.totalReceivedPackets = 0;
    }
    return v;
  }

  /**
   * Sends one raw UDP datagram from this host's socket, outside ENet and its statistics (for NAT
   * hole punching).
   * @throws ENetError ERR_UNCONFIGURED, ERR_INVALID_PARAMETER (port 1–65535), ERR_CANT_RESOLVE.
   */
  async socketSend(address: string, port: number, packet: Uint8Array): Promise<void> {
    this.requireHost();
    requireRange('The remote port number', port, 1, 65535);
    let resolved: string;
    try {
      resolved = await resolveAddress(address, this.driver!.pipeline.socket.ipv6);
    } catch (err) {
      throw new ENetError('ERR_CANT_RESOLVE', `Couldn't resolve the server IP address or domain name ${JSON.stringify(address)}.`, {
        cause: err,
      });
    }
    const pipeline = this.driver!.pipeline;
    pipeline.send(packet, resolved, port);
    pipeline.flush();
  }

  /**
   * Sets resource caps of the host (beyond Godot; ENet's defaults are unbounded where noted).
   * `halfOpen`: handshakes in progress (default half the slots, min 8); `peersPerAddress`:
   * connections from one IP (ENet's duplicatePeers, default 4095); `reassemblyPerPeer` /
   * `reassemblyPerHost`: bytes held by incomplete fragmented packets (32 MiB / 256 MiB);
   * `waitingDataPerPeer`: received data not yet taken by the application (32 MiB);
   * `outgoingDataPerPeer`: data queued for a peer and not acknowledged (64 MiB);
   * `maximumPacketSize` (32 MiB). Pending DTLS handshakes are capped at 16.
   * @throws ENetError ERR_UNCONFIGURED, ERR_INVALID_PARAMETER (not a positive integer).
   */
  setResourceLimits(limits: {
    halfOpen?: number;
    peersPerAddress?: number;
    reassemblyPerPeer?: number;
    reassemblyPerHost?: number;
    waitingDataPerPeer?: number;
    outgoingDataPerPeer?: number;
    maximumPacketSize?: number;
  }): void {
    const host = this.requireHost();
    for (const [k, v] of Object.entries(limits)) if (v !== undefined) requireRange(k, v, 1, Number.MAX_SAFE_INTEGER);
    if (limits.halfOpen !== undefined) host.maximumHalfOpen = limits.halfOpen;
    if (limits.peersPerAddress !== undefined) host.duplicatePeers = limits.peersPerAddress;
    if (limits.reassemblyPerPeer !== undefined) host.maximumReassemblyPerPeer = limits.reassemblyPerPeer;
    if (limits.reassemblyPerHost !== undefined) host.maximumReassemblyPerHost = limits.reassemblyPerHost;
    if (limits.waitingDataPerPeer !== undefined) host.maximumWaitingData = limits.waitingDataPerPeer;
    if (limits.outgoingDataPerPeer !== undefined) host.maximumOutgoingData = limits.outgoingDataPerPeer;
    if (limits.maximumPacketSize !== undefined) host.maximumPacketSize = limits.maximumPacketSize;
  }

  /**
   * Simulates a bad link on everything this host sends (loss, latency, jitter, duplication,
   * reordering, bandwidth), for testing games; `null` switches it off. Off by default.
   */
  simulateLink(conditions: LinkConditions | null): void {
    this.requireHost();
    const pipeline = this.driver!.pipeline;
    if (conditions === null) {
      pipeline.setShaper(null);
      return;
    }
    try {
      pipeline.setShaper(new LinkShaper(conditions, randomBytes(4).readUInt32BE(0)));
    } catch (err) {
      throw new ENetError('ERR_INVALID_PARAMETER', (err as Error).message);
    }
  }

  /** @internal The engine host, for tests and tools. */
  get engine(): Host | null {
    return this.host;
  }
}
