/**
 * Admission of new connections under a spoofed-CONNECT flood, the way SYN caches admit TCP
 * handshakes: a CONNECT that finds the half-open cap full (or no free slot) takes the place of
 * the oldest half-open handshake instead of being refused, and a handshake whose VERIFY_CONNECT
 * goes unacknowledged is given up after `host.halfOpenTimeout` rather than ENet's 5–30 s peer
 * timeout. A flood of CONNECTs that never complete thus only ever holds the newest handshakes,
 * and a real client, which acknowledges within a round trip, gets through. Established peers are
 * never touched.
 */
import { PeerState } from '../api/enums.js';
import { PEER_TIMEOUT_LIMIT, PEER_TIMEOUT_MAXIMUM, PEER_TIMEOUT_MINIMUM } from '../protocol/constants.js';
import type { Host } from './host.js';
import type { Peer } from './peer.js';

/** Default for {@link Host.halfOpenTimeout}: an unacknowledged VERIFY_CONNECT is given up after its third retransmission (~3.5 s). */
export const HALF_OPEN_TIMEOUT = 3000;

/** Why a CONNECT was not given a slot, or 'admit'. */
export type Admission = 'admit' | 'duplicate' | 'tooManyFromAddress' | 'full';

/**
 * Decides whether a CONNECT from `address:port` with `connectID` may open a handshake, evicting
 * the oldest half-open handshake when the cap or the slots are exhausted. A retransmitted CONNECT
 * of a handshake already open is a 'duplicate'.
 */
export function admitConnect(host: Host, address: string, port: number, connectID: number): Admission {
  let duplicatePeers = 0;
  let halfOpen = 0;
  let oldest: Peer | null = null;
  const active = host.active;
  for (let i = 0; i < active.length; i++) {
    const current = active[i]!;
    if (current.state === PeerState.CONNECTING) continue;
    if (current.state === PeerState.ACKNOWLEDGING_CONNECT) {
      halfOpen++;
      if (oldest === null || current.handshakeSequence < oldest.handshakeSequence) oldest = current;
    }
    if (current.address === address) {
      if (current.port === port && current.connectID === connectID) return 'duplicate';
      duplicatePeers++;
    }
  }
  if (duplicatePeers >= host.duplicatePeers) return 'tooManyFromAddress';
  if (halfOpen < host.maximumHalfOpen && active.length < host.peers.length) return 'admit';
  if (oldest === null) return 'full';
  oldest.reset();
  host.halfOpenEvictions++;
  return 'admit';
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
