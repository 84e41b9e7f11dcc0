import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedPair, payload, neverTimeOut } from './harness.js';

// Small packets share storage in the engine: sends copied with `copy` go into pooled send chunks
// (the host's for unreliable packets, the peer's for reliable ones), and received ones of 65 B
// to 1 KiB into the host's receive slab. These tests check that sharing never mixes bytes up: under loss and
// reordering (retransmissions read a chunk long after the copy), with one caller buffer reused
// for every send, and with every received packet kept until the end.

const RELIABLE = 1;
const UNSEQUENCED = 2;
const SIZES = [4, 40, 64, 65, 100, 700, 1024, 1025, 3000];

/** The seed payload() wrote into the first 4 bytes. */
const seedOf = (p: Uint8Array): number => new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(0);

test('copied sends and slab-backed receives stay byte-exact under loss, duplication and reordering', () => {
  const { net, server, clientPeer, serverPeer } = connectedPair(
    { lossPercent: 10, latencyMs: 5, jitterMs: 20, duplicatePercent: 5, reorderPercent: 20 },
    7,
  );
  neverTimeOut(clientPeer, serverPeer);
  const scratch = new Uint8Array(4096);
  const sent = new Map<number, Uint8Array>();
  const reliableOrder: number[] = [];
  const COUNT = 1500;
  for (let i = 0; i < COUNT; i++) {
    const size = SIZES[i % SIZES.length]!;
    const bytes = payload(i, size);
    sent.set(i, bytes);
    scratch.set(bytes);
    const channel = i % 3;
    const flags = channel === 0 ? RELIABLE : channel === 2 ? UNSEQUENCED : 0;
    if (channel === 0) reliableOrder.push(i);
    assert.ok(clientPeer.send(channel, scratch.subarray(0, size), flags, true));
    // The caller may reuse its buffer at once: the engine copied what it needs.
    scratch.fill(0xee, 0, size);
    if (i % 50 === 49) net.run(3);
  }
  const received = () => server.events.filter((e) => e.type === 'receive');
  const reliableCount = () => received().filter((e) => e.channelID === 0).length;
  assert.ok(
    net.runUntil(() => reliableCount() === reliableOrder.length, 600_000, 5),
    `reliable ${reliableCount()}/${reliableOrder.length}`,
  );
  net.run(500, 5);
  // Every packet was kept (in the events) until now: none was overwritten by later ones.
  const all = received();
  let unreliable = 0;
  for (const e of all) {
    const got = e.packet!;
    const seed = seedOf(got);
    const want = sent.get(seed);
    assert.ok(want !== undefined, `unknown packet seed ${seed}`);
    assert.deepEqual(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(want), `packet ${seed}`);
    assert.equal(e.channelID, seed % 3, `packet ${seed} channel`);
    if (e.channelID !== 0) unreliable++;
  }
  assert.deepEqual(
    all.filter((e) => e.channelID === 0).map((e) => seedOf(e.packet!)),
    reliableOrder,
  );
  // Loss, reordering (late sequenced packets are dropped) and the throttle thin them out.
  assert.ok(unreliable > 100, `only ${unreliable} unreliable packets arrived`);
});

test('a received packet is not changed by the packets received after it, nor by the application writing into another', () => {
  const { net, server, clientPeer } = connectedPair();
  const kept: Uint8Array[] = [];
  for (let round = 0; round < 40; round++) {
    for (let k = 0; k < 50; k++) assert.ok(clientPeer.send(1, payload(round * 50 + k, 65 + ((round * 50 + k) % 960)), 0, true));
    net.run(2);
    for (const e of server.events.splice(0)) if (e.type === 'receive') kept.push(e.packet!);
    // The application scribbles over the packets it was given: its own bytes, nobody else's.
    for (const p of kept.slice(-50)) p.fill(0, 4);
  }
  assert.equal(kept.length, 2000);
  for (const [i, p] of kept.entries()) {
    assert.equal(seedOf(p), i);
    assert.equal(p.length, 65 + (i % 960));
    assert.ok(p.subarray(4).every((b) => b === 0));
  }
});
