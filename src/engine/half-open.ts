/**
 * Admission of new connections under a spoofed-CONNECT flood, the way SYN caches admit TCP
 * handshakes: a CONNECT that finds the half-open cap full (or no free slot) takes the place of
 * the oldest half-open handshake (whose VERIFY_CONNECT has left) instead of being refused, and a handshake whose VERIFY_CONNECT
 * goes unacknowledged is given up after `host.halfOpenTimeout` rather than ENet's 5–30 s peer
 * timeout. A flood of CONNECTs that never complete thus only ever holds the newest handshakes.
 * An evicted handshake is remembered compactly (slot, remote, session ids, its VERIFY_CONNECT:
 * like a SYN cache entry). When its remote's acknowledgement arrives after all (it echoes the
 * time the VERIFY_CONNECT left, so the remote is real) the connection is rebuilt in the same slot,
 * if that slot is free or holds another half-open handshake; when the remote's data comes first
 * (the acknowledgement was lost), the handshake is rebuilt half-open and its VERIFY_CONNECT sent
 * again. So a real client gets through however fast the flood evicts. Established peers are
 * never touched.
 */
import { readU16BE } from '../protocol/big-endian.js';
import { PeerState } from '../protocol/peer-state.js';
import {
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_MASK,
  Command,
  PEER_TIMEOUT_LIMIT,
  PEER_TIMEOUT_MAXIMUM,
  PEER_TIMEOUT_MINIMUM,
  SYSTEM_CHANNEL,
} from '../protocol/constants.js';
import { timeDifference } from '../protocol/time.js';
import type { Host } from './host.js';
import type { Peer } from './peer.js';
import type { OutgoingCommand } from './commands.js';
import type { List } from './list.js';

/** Default for {@link Host.halfOpenTimeout}: an unacknowledged VERIFY_CONNECT is given up after its third retransmission (~3.5 s). */
export const HALF_OPEN_TIMEOUT = 3000;

/** Why a CONNECT was not given a slot, or 'admit'. */
export type Admission = 'admit' | 'duplicate' | 'tooManyFromAddress' | 'full';

/**
 * Decides whether a CONNECT from `address:port` with `connectID` may open a handshake, evicting
 * the oldest half-open handshake whose VERIFY_CONNECT has been sent when the cap or the slots are
 * exhausted ('full' when there is none). A retransmitted CONNECT
 * of a handshake already open is a 'duplicate'.
 */
export function admitConnect(host: Host, address: string, port: number, connectID: number): Admission {
  const active = host.active;
  if (active.length < host.peerCount && active.length < host.maximumHalfOpen && active.length < host.duplicatePeers) {
    // Fewer active peers than any limit, so neither the cap nor the per-address limit can refuse
    // and a slot is free: only a handshake already open for this CONNECT can, found by its
    // endpoint (the scan below, over every active peer, made a burst of n CONNECTs cost n²/2
    // steps: 5-11 ms of a 500-client burst against a fresh server).
    const there = host.peersAtEndpoint(address, port);
    for (let i = 0; i < there.length; i++)
      if (there[i]!.state !== PeerState.CONNECTING && there[i]!.connectID === connectID) return 'duplicate';
    return 'admit';
  }
  let duplicatePeers = 0;
  let halfOpen = 0;
  for (let i = 0; i < active.length; i++) {
    const current = active[i]!;
    if (current.state === PeerState.CONNECTING) continue;
    if (current.state === PeerState.ACKNOWLEDGING_CONNECT) halfOpen++;
    if (current.address === address) {
      if (current.port === port && current.connectID === connectID) return 'duplicate';
      duplicatePeers++;
    }
  }
  if (duplicatePeers >= host.duplicatePeers) return 'tooManyFromAddress';
  if (halfOpen < host.maximumHalfOpen && active.length < host.peerCount) return 'admit';
  const oldest = oldestEvictableHandshake(active);
  if (oldest === null) return 'full';
  evict(host, oldest);
  return 'admit';
}

/**
 * The oldest half-open handshake whose VERIFY_CONNECT has left, or null. Only such a handshake
 * can be evicted: its acknowledgement can still rebuild it. One that arrived in the same burst
 * would just be lost (its client retransmits the CONNECT instead, as when the cap refuses).
 */
function oldestEvictableHandshake(active: readonly Peer[]): Peer | null {
  let oldest: Peer | null = null;
  for (let i = 0; i < active.length; i++) {
    const current = active[i]!;
    if (
      current.state === PeerState.ACKNOWLEDGING_CONNECT &&
      (oldest === null || current.handshakeSequence < oldest.handshakeSequence) &&
      verifyConnectCommand(current) !== null
    )
      oldest = current;
  }
  return oldest;
}

/**
 * The slot for a handshake just admitted: the lowest free one that no handshake was evicted from
 * within `host.halfOpenTimeout` (looking at up to 64 free slots), so that an evicted handshake's
 * acknowledgement can still rebuild it there without robbing a newcomer; the lowest free one
 * when all are so marked (under a flood), or null.
 */
export function slotForHandshake(host: Host): Peer | null {
  const lowest = host.freeSlot();
  if (lowest === null) return null;
  let looked = 0;
  for (let i = lowest.incomingPeerID; i < host.peerCount && looked < 64; i++) {
    if (!host.slotFree(i)) continue;
    looked++;
    if (!host.evictedHandshakes.recentlyEvicted(i, host.serviceTime, host.halfOpenTimeout)) return host.peerAt(i);
  }
  return lowest;
}

/** Default for {@link Host.evictedHandshakeMemory}. */
export const EVICTED_HANDSHAKE_MEMORY = 8192;

/** What is kept of an evicted half-open handshake to rebuild it when its acknowledgement arrives. */
interface EvictedHandshake {
  slot: number;
  address: string;
  port: number;
  /** When it was evicted (host service time). */
  time: number;
  /** Low 16 bits of the time its VERIFY_CONNECT last left, which the acknowledgement echoes. */
  verifySentTime: number;
  /** The VERIFY_CONNECT's body, to send it again. */
  verifyBody: Uint8Array;
  connectID: number;
  incomingSessionID: number;
  outgoingSessionID: number;
  outgoingPeerID: number;
  outgoingReliableSequenceNumber: number;
  mtu: number;
  windowSize: number;
  channelCount: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  packetThrottleInterval: number;
  packetThrottleAcceleration: number;
  packetThrottleDeceleration: number;
  eventData: number;
}

/** The evicted handshakes of a host, oldest first, at most `host.evictedHandshakeMemory`. */
export class EvictedHandshakes {
  private readonly entries = new Map<string, EvictedHandshake>();

  /** Handshakes remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** When a handshake was last evicted from each slot. */
  private readonly slotEvictedAt = new Map<number, number>();

  /** True when a handshake was evicted from `slot` less than `within` ms before `now`. */
  recentlyEvicted(slot: number, now: number, within: number): boolean {
    const at = this.slotEvictedAt.get(slot);
    return at !== undefined && timeDifference(now, at) < within;
  }

  /** Remembers `entry` (forgetting the oldest beyond `capacity`). */
  remember(entry: EvictedHandshake, capacity: number): void {
    this.slotEvictedAt.set(entry.slot, entry.time);
    const key = handshakeKey(entry.slot, entry.address, entry.port);
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Takes (removes and returns) the handshake evicted from `slot` for `address:port`, if any. */
  take(slot: number, address: string, port: number): EvictedHandshake | undefined {
    const key = handshakeKey(slot, address, port);
    const entry = this.entries.get(key);
    if (entry !== undefined) this.entries.delete(key);
    return entry;
  }
}

function handshakeKey(slot: number, address: string, port: number): string {
  return `${slot}|${port}|${address}`;
}

/** The VERIFY_CONNECT of a half-open peer (sent, or back in the queue for retransmission), or null. */
function verifyConnectCommand(peer: Peer): OutgoingCommand | null {
  return firstSentVerifyConnect(peer.sentReliableCommands) ?? firstSentVerifyConnect(peer.outgoingCommands);
}

/** The first command of `list` when it is a VERIFY_CONNECT that has been sent, else null. */
function firstSentVerifyConnect(list: List<OutgoingCommand>): OutgoingCommand | null {
  if (list.isEmpty()) return null;
  const cmd = list.sentinel.listNext as OutgoingCommand;
  return (cmd.command & COMMAND_MASK) === Command.VERIFY_CONNECT && cmd.sendAttempts > 0 ? cmd : null;
}

/**
 * True when an acknowledgement (its channel, sequence number and echoed 16-bit sent time) is the
 * one for this half-open peer's VERIFY_CONNECT. The echoed time is what a remote that never saw
 * the VERIFY_CONNECT cannot guess, so a blind acknowledgement cannot complete a handshake.
 */
export function acknowledgesVerifyConnect(peer: Peer, channelID: number, sequence: number, echoedSentTime: number): boolean {
  const cmd = verifyConnectCommand(peer);
  return (
    cmd !== null && channelID === SYSTEM_CHANNEL && sequence === cmd.reliableSequenceNumber && echoedSentTime === (cmd.sentTime & 0xffff)
  );
}

/** Resets a half-open handshake to make room, remembering it in case its acknowledgement still comes. */
function evict(host: Host, peer: Peer): void {
  const verify = verifyConnectCommand(peer);
  // A VERIFY_CONNECT that never left cannot be acknowledged: the remote will retransmit its CONNECT.
  if (verify !== null)
    host.evictedHandshakes.remember(
      {
        slot: peer.incomingPeerID,
        address: peer.address,
        port: peer.port,
        time: host.serviceTime,
        verifySentTime: verify.sentTime & 0xffff,
        verifyBody: verify.body!,
        connectID: peer.connectID,
        incomingSessionID: peer.incomingSessionID,
        outgoingSessionID: peer.outgoingSessionID,
        outgoingPeerID: peer.outgoingPeerID,
        outgoingReliableSequenceNumber: peer.outgoingReliableSequenceNumber,
        mtu: peer.mtu,
        windowSize: peer.windowSize,
        channelCount: peer.channelCount,
        incomingBandwidth: peer.incomingBandwidth,
        outgoingBandwidth: peer.outgoingBandwidth,
        packetThrottleInterval: peer.packetThrottleInterval,
        packetThrottleAcceleration: peer.packetThrottleAcceleration,
        packetThrottleDeceleration: peer.packetThrottleDeceleration,
        eventData: peer.eventData,
      },
      host.evictedHandshakeMemory,
    );
  peer.reset();
  host.halfOpenEvictions++;
}

/** A handshake rebuilt by {@link reviveEvictedHandshake}. */
export interface RevivedHandshake {
  peer: Peer;
  /** The datagram acknowledged the VERIFY_CONNECT: the connection is complete. Otherwise it is half-open again, its VERIFY_CONNECT queued anew. */
  acknowledged: boolean;
}

/**
 * For a datagram addressed to `slot` that matches no live peer: when it comes from the remote of
 * a handshake evicted from that slot (within `host.halfOpenTimeout`) with that handshake's
 * session, rebuilds the handshake in the slot (replacing a half-open handshake there, never an
 * established peer). If the datagram starts with the acknowledgement of the VERIFY_CONNECT
 * (echoing the time it left, which a remote that never received it cannot guess), the
 * connection is complete; otherwise (its acknowledgement was lost, this is its data) the
 * handshake is half-open again with its VERIFY_CONNECT queued anew, for the remote to
 * acknowledge. Null when nothing matches. `commands` is the uncompressed datagram from its first
 * command on (null when compressed).
 */
export function reviveEvictedHandshake(
  host: Host,
  slot: number,
  sessionID: number,
  commands: Uint8Array | null,
  address: string,
  port: number,
): RevivedHandshake | null {
  if (host.evictedHandshakes.size === 0) return null;
  const target = host.peerAt(slot);
  if (target.state !== PeerState.DISCONNECTED && target.state !== PeerState.ACKNOWLEDGING_CONNECT) return null;
  const entry = host.evictedHandshakes.take(slot, address, port);
  if (entry === undefined) return null;
  if (sessionID !== entry.incomingSessionID || timeDifference(host.serviceTime, entry.time) > host.halfOpenTimeout) return null;
  const acknowledged =
    commands !== null &&
    commands.length >= 8 &&
    (commands[0]! & COMMAND_MASK) === Command.ACKNOWLEDGE &&
    commands[1] === SYSTEM_CHANNEL &&
    readU16BE(commands, 4) === entry.outgoingReliableSequenceNumber &&
    readU16BE(commands, 6) === entry.verifySentTime;
  if (target.state === PeerState.ACKNOWLEDGING_CONNECT) evict(host, target);
  target.resetChannels(entry.channelCount);
  host.activate(target, PeerState.ACKNOWLEDGING_CONNECT, entry.address, entry.port);
  target.connectID = entry.connectID;
  target.incomingSessionID = entry.incomingSessionID;
  target.outgoingSessionID = entry.outgoingSessionID;
  target.outgoingPeerID = entry.outgoingPeerID;
  target.outgoingReliableSequenceNumber = entry.outgoingReliableSequenceNumber;
  target.mtu = entry.mtu;
  target.windowSize = entry.windowSize;
  target.incomingBandwidth = entry.incomingBandwidth;
  target.outgoingBandwidth = entry.outgoingBandwidth;
  target.packetThrottleInterval = entry.packetThrottleInterval;
  target.packetThrottleAcceleration = entry.packetThrottleAcceleration;
  target.packetThrottleDeceleration = entry.packetThrottleDeceleration;
  target.eventData = entry.eventData;
  host.revivedHandshakes++;
  if (!acknowledged) {
    target.outgoingReliableSequenceNumber = entry.outgoingReliableSequenceNumber - 1;
    target.queueSystemCommand(Command.VERIFY_CONNECT | COMMAND_FLAG_ACKNOWLEDGE, entry.verifyBody);
    beginHalfOpen(host, target);
  }
  return { peer: target, acknowledged };
}

/** Marks a slot as a new half-open handshake: newest in the eviction order, with the short give-up timeout. */
export function beginHalfOpen(host: Host, peer: Peer): void {
  peer.handshakeSequence = ++host.handshakeCount;
  peer.timeoutMaximum = host.halfOpenTimeout;
  peer.timeoutMinimum = Math.min(PEER_TIMEOUT_MINIMUM, host.halfOpenTimeout);
}

/** The remote acknowledged VERIFY_CONNECT: the connection gets an established peer's timeouts. */
export function endHalfOpen(peer: Peer): void {
  peer.timeoutLimit = PEER_TIMEOUT_LIMIT;
  peer.timeoutMinimum = PEER_TIMEOUT_MINIMUM;
  peer.timeoutMaximum = PEER_TIMEOUT_MAXIMUM;
}
