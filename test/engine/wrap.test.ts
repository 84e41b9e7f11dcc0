import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedPair, neverTimeOut } from './harness.js';

test('reliable sequence numbers wrap past 65535 in order, through loss and reordering', () => {
  const { net, server, clientPeer, serverPeer } = connectedPair({ lossPercent: 5, latencyMs: 5, jitterMs: 10, reorderPercent: 10 }, 21);
  neverTimeOut(clientPeer, serverPeer);
  const total = 70_000;
  let sent = 0;
  let got = 0;
  let expected = 0;
  let maxInFlight = 0;
  const check = () => {
    for (; got < server.events.length; got++) {
      const e = server.events[got]!;
      if (e.type !== 'receive') continue;
      assert.equal(e.packet!.length, 1);
      assert.equal(e.packet![0], expected & 0xff, 'in order, nothing missing');
      expected++;
    }
  };
  while (expected < total && net.now < 3_000_000) {
    // 1-byte messages, so the 64 KiB byte window does not bind first: ENet's reliable-window stall
    // must keep the sender within 7 windows of 4096 sequence numbers.
    while (sent < total && sent - expected < 50_000) assert.ok(clientPeer.send(0, new Uint8Array([sent++ & 0xff]), 1));
    net.run(10, 2);
    maxInFlight = Math.max(maxInFlight, clientPeer.sentReliableCommands.count());
    check();
    server.events.length = 0;
    got = 0;
  }
  assert.equal(expected, total);
  assert.equal(serverPeer.channels[0]!.incomingReliableSequenceNumber, total & 0xffff);
  assert.ok(maxInFlight <= 7 * 4096, `in flight ${maxInFlight} stays within 7 reliable windows`);
  // The byte window would allow 65 536 one-byte commands; ENet's stall (a window may not start while
  // the previous one is entirely unacknowledged) keeps it near two windows.
  assert.ok(maxInFlight >= 4096 && maxInFlight < 3 * 4096, `the window stall bounds the flight (${maxInFlight})`);
});

test('unsequenced groups wrap past 65535 without being taken for duplicates', () => {
  const { net, server, clientPeer } = connectedPair({ latencyMs: 2 }, 22);
  const total = 70_000;
  let received = 0;
  for (let i = 0; i < total; i++) {
    assert.ok(clientPeer.send(1, new Uint8Array([i & 0xff]), 2));
    if (i % 500 === 499) {
      net.run(5);
      received += server.events.filter((e) => e.type === 'receive').length;
      server.events.length = 0;
    }
  }
  net.run(100);
  received += server.events.filter((e) => e.type === 'receive').length;
  assert.equal(received, total);
});
