import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARENA_CHUNK_SIZE, ASSEMBLY_BYTES, sendArena, takeArenaChunk } from '../../src/engine/send-arena.js';
import { SEND_CHUNK_SIZE, SendChunkPool } from '../../src/engine/send-chunks.js';
import { connectedPair, payload } from './harness.js';

// Small-packet send chunks live in one arena with the datagram being assembled, so a payload
// moves into its datagram with copyWithin. These tests check where the chunks are, and that
// sends stay byte-exact once the arena is full and chunks get buffers of their own.

test('send chunks take distinct, page-aligned places in the arena after the assembly area', () => {
  assert.equal(SEND_CHUNK_SIZE, ARENA_CHUNK_SIZE);
  const pool = new SendChunkPool(64);
  const chunks = Array.from({ length: 32 }, () => pool.take());
  const offsets = new Set<number>();
  for (const c of chunks) {
    assert.ok(c.arenaOffset >= ASSEMBLY_BYTES, `offset ${c.arenaOffset} is after the assembly area`);
    assert.equal(c.arenaOffset % ARENA_CHUNK_SIZE, 0);
    assert.equal(c.bytes.buffer, sendArena.buffer);
    assert.equal(c.bytes.byteOffset, c.arenaOffset);
    assert.equal(c.bytes.length, SEND_CHUNK_SIZE);
    offsets.add(c.arenaOffset);
  }
  assert.equal(offsets.size, chunks.length, 'no two chunks share a place');
  // Larger chunks (a large packet's fragments) are never in the arena.
  assert.equal(new SendChunkPool(4, 64 * 1024).take().arenaOffset, -1);
});

test('with the arena full, chunks get buffers of their own and copied sends stay byte-exact', () => {
  const held: object[] = [];
  for (;;) {
    const owner = {};
    if (takeArenaChunk(owner) < 0) break;
    held.push(owner);
  }
  const spare = new SendChunkPool(1).take();
  assert.equal(spare.arenaOffset, -1);
  assert.notEqual(spare.bytes.buffer, sendArena.buffer);

  const { net, server, clientPeer } = connectedPair();
  const scratch = new Uint8Array(1024);
  const sizes = [1, 17, 64, 65, 300, 1024];
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 300; i++) {
    const bytes = payload(i, sizes[i % sizes.length]!);
    sent.push(bytes);
    scratch.set(bytes);
    assert.ok(clientPeer.send(i % 2, scratch.subarray(0, bytes.length), i % 2 === 0 ? 1 : 0, true));
    scratch.fill(0xee);
  }
  const received = () => server.events.filter((e) => e.type === 'receive');
  assert.ok(
    net.runUntil(() => received().length === sent.length, 60_000, 5),
    `received ${received().length}/${sent.length}`,
  );
  const byChannel = [0, 1].map((ch) => received().filter((e) => e.channelID === ch));
  for (const ch of [0, 1]) {
    const want = sent.filter((_, i) => i % 2 === ch);
    assert.equal(byChannel[ch]!.length, want.length);
    for (const [k, e] of byChannel[ch]!.entries())
      assert.deepEqual(Buffer.from(e.packet!), Buffer.from(want[k]!), `channel ${ch} packet ${k}`);
  }
  assert.ok(held.length > 0);
});
