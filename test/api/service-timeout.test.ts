import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetConnection, ENetPacketPeer, EventType } from '../../src/index.js';
import { loopbackPair } from '../support/loopback-pair.js';

/** Resolves with the event type and the ms since `t0` once `p` resolves. */
const timed = async (p: Promise<{ type: EventType }>, t0: number) => {
  const e = await p;
  return { type: e.type, ms: performance.now() - t0 };
};

test('service(timeout) with nothing to report resolves NONE once its own timeout has passed, each waiter by its own deadline', async () => {
  const c = new ENetConnection();
  await c.createHostBound('127.0.0.1', 0, 1, 1);
  try {
    const t0 = performance.now();
    // The longer wait is queued first: the shorter one must still end first, at its own time.
    const long = timed(c.service(300), t0);
    const short = timed(c.service(40), t0);
    const first = await Promise.race([long.then(() => 'long'), short.then(() => 'short')]);
    assert.equal(first, 'short');
    const [l, s] = await Promise.all([long, short]);
    assert.equal(s.type, EventType.NONE);
    assert.equal(l.type, EventType.NONE);
    // Timers are millisecond-grained: allow 1 ms early, never more.
    assert.ok(s.ms >= 39, `service(40) waited ${s.ms.toFixed(1)} ms`);
    assert.ok(l.ms >= 299, `service(300) waited ${l.ms.toFixed(1)} ms`);
    const t1 = performance.now();
    const zero = await timed(c.service(0), t1);
    assert.equal(zero.type, EventType.NONE);
  } finally {
    c.destroy();
  }
});

test('a waiter answered by an event leaves the next waiter its full timeout', async () => {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 1, 1);
  const client = new ENetConnection();
  await client.createHost(1, 1);
  try {
    await client.connectToHost('127.0.0.1', server.getLocalPort(), 1);
    const clientLoop = (async () => {
      for (;;) {
        const e = await client.service(100);
        if (e.type === EventType.CONNECT || e.type === EventType.ERROR) return;
      }
    })();
    // The first wait (deadline 5 s away) ends with the CONNECT; the second, shorter one must
    // not inherit the first one's deadline, nor end early.
    assert.equal((await server.service(5000)).type, EventType.CONNECT);
    await clientLoop;
    const t0 = performance.now();
    const next = await timed(server.service(60), t0);
    assert.equal(next.type, EventType.NONE);
    assert.ok(next.ms >= 59 && next.ms < 4000, `service(60) after an answered service(5000) waited ${next.ms.toFixed(1)} ms`);
  } finally {
    client.destroy();
    server.destroy();
  }
});

test('service(0) in a tight loop answers at once between event-loop turns, and still lets timers and sockets run', async () => {
  const pair = await loopbackPair();
  try {
    const { server, client, peer } = pair;
    // Right after service(0) gave the loop a turn, the next one resolves NONE without one: an
    // immediate queued just before it has not run yet. (A stall of over a millisecond between
    // the two calls would give a turn: tried up to 20 times.)
    let answeredAtOnce = false;
    for (let attempt = 0; attempt < 20 && !answeredAtOnce; attempt++) {
      await server.service(0);
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      assert.equal((await server.service(0)).type, EventType.NONE);
      answeredAtOnce = !turned;
    }
    assert.ok(answeredAtOnce, 'service(0) resolved without an event-loop turn');
    // A loop of nothing but service(0) calls: the timer still fires, and the packet it has the
    // client send still arrives.
    setTimeout(() => {
      peer.send(0, new Uint8Array([7, 7, 7]), ENetPacketPeer.FLAG_RELIABLE);
      client.flush();
    }, 20);
    let polls = 0;
    for (;;) {
      const e = await server.service(0);
      if (e.type === EventType.RECEIVE) {
        assert.deepEqual(e.peer!.getPacket(), new Uint8Array([7, 7, 7]));
        break;
      }
      assert.equal(e.type, EventType.NONE);
      polls++;
    }
    assert.ok(polls > 0);
  } finally {
    pair.close();
  }
});
