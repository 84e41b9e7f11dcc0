import assert from 'node:assert/strict';
import { SimulatedNetwork, type SimulatedNode } from '../../src/transport/simulated-network.js';
import type { LinkConditions } from '../../src/transport/link-shaper.js';
import type { Peer } from '../../src/engine/peer.js';
import type { HostOptions } from '../../src/engine/host.js';

/** A server and a client host on a simulated network, connected. */
export interface Pair {
  net: SimulatedNetwork;
  server: SimulatedNode;
  client: SimulatedNode;
  /** The client's peer (towards the server). */
  clientPeer: Peer;
  /** The server's peer (towards the client). */
  serverPeer: Peer;
}

/** Connects a client to a server over a perfect link, then applies `conditions`. */
export function connectedPair(conditions: LinkConditions = {}, seed = 1, options: Partial<HostOptions> = {}, channels = 4): Pair {
  const net = new SimulatedNetwork({}, seed);
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 8, ...options });
  const client = net.addHost('10.0.0.2', 5000, { peerCount: 1, ...options });
  const clientPeer = client.host.connect('10.0.0.1', 7000, channels, 0)!;
  assert.ok(
    net.runUntil(() => server.events.some((e) => e.type === 'connect') && client.events.some((e) => e.type === 'connect'), 3000),
    'pair connects',
  );
  const serverPeer = server.events.find((e) => e.type === 'connect')!.peer;
  net.setConditions(conditions);
  return { net, server, client, clientPeer, serverPeer };
}

/** Deterministic test content: `length` bytes derived from `seed`. */
export function payload(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  if (length >= 4) new DataView(out.buffer).setUint32(0, seed);
  return out;
}

/** Lifts ENet's peer timeout on `peers`, for tests that run long on lossy links. */
export function neverTimeOut(...peers: Peer[]): void {
  for (const p of peers) {
    p.timeoutLimit = 1 << 30;
    p.timeoutMinimum = 600_000;
    p.timeoutMaximum = 600_000;
  }
}
