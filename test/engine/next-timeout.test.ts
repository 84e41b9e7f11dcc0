import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedNetwork } from '../../src/transport/simulated-network.js';
import type { Host } from '../../src/engine/host.js';
import { PeerState } from '../../src/api/enums.js';
import { neverTimeOut, payload } from './harness.js';

/**
 * The driver's timer as a model: a full scan when it has gone off (or was never armed), else only
 * the touched peers, keeping the earlier deadline. Returns the armed deadline (virtual ms) or -1.
 */
function rearm(host: Host, now: number, armedAt: number): number {
  if (armedAt < 0 || now >= armedAt) {
    const wait = host.nextTimeout();
    return wait < 0 ? -1 : now + wait;
  }
  const wait = host.nextTimeoutOfTouched();
  return wait < 0 ? armedAt : Math.min(armedAt, now + wait);
}

test('a timer re-armed from the touched peers only is never later than the earliest deadline of all', () => {
  const net = new SimulatedNetwork({ lossPercent: 20, latencyMs: 5, jitterMs: 4 }, 7);
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 8 });
  const clients = [1, 2, 3, 4, 5].map((i) => net.addHost(`10.0.0.${i + 1}`, 5000, { peerCount: 1 }));
  const peers = clients.map((c) => c.host.connect('10.0.0.1', 7000, 2, 0)!);
  let armedAt = -1;
  let partialScans = 0;
  let checks = 0;
  for (let step = 0; step < 6000; step++) {
    // Traffic that moves deadlines: reliable bursts from some clients, server replies, idle gaps
    // (pings), a changed ping interval and a disconnect.
    if (step % 400 < 200 && step % 37 === 0)
      for (const [i, p] of peers.entries()) if (i % 2 === step % 2 && p.state === PeerState.CONNECTED) p.send(0, payload(step + i, 40), 1);
    if (step % 53 === 0) for (const p of server.host.active) if (p.state === PeerState.CONNECTED) p.send(1, payload(step, 20), 1);
    if (step === 2500) for (const p of server.host.active) p.pingInterval = 120;
    if (step === 2500) for (const p of server.host.active) server.host.touchTimeout(p);
    if (step === 4000) peers[4]!.disconnect(0);
    if (step === 100) neverTimeOut(...peers, ...server.host.active);
    net.run(1);
    const before = armedAt;
    armedAt = rearm(server.host, net.now, armedAt);
    if (before >= 0 && net.now < before) partialScans++;
    const truth = server.host.nextTimeout();
    if (truth >= 0) {
      checks++;
      assert.ok(armedAt >= 0 && armedAt <= net.now + truth, `step ${step}: armed for ${armedAt}, due at ${net.now + truth}`);
    }
  }
  assert.ok(server.host.active.length >= 4, 'the clients connected');
  assert.ok(partialScans > 1000, `most re-arms looked at the touched peers only (${partialScans})`);
  assert.ok(checks > 5000, `the server had deadlines throughout (${checks})`);
});

test('nextTimeoutOfTouched looks only at the peers touched since the last call', () => {
  const net = new SimulatedNetwork();
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 4 });
  const client = net.addHost('10.0.0.2', 5000, { peerCount: 1 });
  const peer = client.host.connect('10.0.0.1', 7000, 2, 0)!;
  assert.ok(net.runUntil(() => server.events.some((e) => e.type === 'connect') && peer.sentReliableCommands.isEmpty(), 2000));
  const host = client.host;
  host.nextTimeout(); // clears the touched list
  const throttleOnly = host.nextTimeoutOfTouched();
  assert.ok(throttleOnly >= 0 && throttleOnly <= 1000, 'with no touched peer, only the bandwidth throttle is due');
  peer.send(0, payload(1, 16), 1);
  host.flush(); // the reliable packet leaves: its retransmission deadline is set
  const touched = host.nextTimeoutOfTouched();
  assert.ok(touched >= 0 && touched < throttleOnly, `the retransmission deadline (${touched} ms) is found`);
  assert.equal(host.nextTimeoutOfTouched(), throttleOnly, 'and each touch counts once');
});
