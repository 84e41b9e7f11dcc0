import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedNetwork } from '../../src/transport/simulated-network.js';
import { PeerState } from '../../src/api/enums.js';

test('handshake, reliable delivery and disconnect on a perfect link', () => {
  const net = new SimulatedNetwork();
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 4 });
  const client = net.addHost('10.0.0.2', 5000, { peerCount: 1 });
  const peer = client.host.connect('10.0.0.1', 7000, 2, 0x11223344)!;
  assert.ok(peer);
  assert.ok(net.runUntil(() => server.events.some((e) => e.type === 'connect') && client.events.some((e) => e.type === 'connect'), 2000));
  const sc = server.events.find((e) => e.type === 'connect')!;
  assert.equal(sc.data, 0x11223344);
  assert.equal(peer.state, PeerState.CONNECTED);
  assert.equal(peer.channelCount, 2);
  for (let i = 0; i < 100; i++) assert.ok(peer.send(i % 2, new Uint8Array([i, i + 1, i + 2]), 1));
  assert.ok(net.runUntil(() => server.events.filter((e) => e.type === 'receive').length === 100, 5000));
  const got = server.events.filter((e) => e.type === 'receive');
  for (let i = 0; i < 100; i++) {
    const e = got.filter((g) => g.channelID === i % 2)[Math.floor(i / 2)]!;
    assert.deepEqual([...e.packet!], [i, i + 1, i + 2]);
  }
  peer.disconnect(7);
  assert.ok(
    net.runUntil(() => server.events.some((e) => e.type === 'disconnect') && client.events.some((e) => e.type === 'disconnect'), 5000),
  );
  assert.equal(server.events.find((e) => e.type === 'disconnect')!.data, 7);
});
