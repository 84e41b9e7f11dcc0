import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEND_CHUNK_SIZE, type SendChunk, SendChunkPool } from '../../src/engine/send-chunks.js';

const owner = () => ({ sendChunk: null as SendChunk | null });
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

test('a send chunk is reused only once every packet copied into it is released', () => {
  const pool = new SendChunkPool(4);
  const a = owner();
  const first = pool.place(a, bytes(1000, 1));
  assert.equal(pool.place(a, bytes(1000, 2)), first);
  assert.equal(a.sendChunk, first);
  assert.equal(first.used, 2000);
  // Full: the next packet goes to a new chunk; the old one stays with its two holders.
  const second = pool.place(a, bytes(SEND_CHUNK_SIZE - 1000, 3));
  assert.notEqual(second, first);
  assert.equal(first.owner, null);
  assert.equal(a.sendChunk, second);
  assert.ok(first.bytes.subarray(0, 1000).every((b) => b === 1) && first.bytes.subarray(1000, 2000).every((b) => b === 2));
  // After one release the chunk is still held: a new owner gets a fresh one.
  pool.release(first);
  const b = owner();
  const fresh = pool.place(b, bytes(1, 7));
  assert.notEqual(fresh, first);
  // After the second, it is back in the pool and reused from its start.
  pool.release(first);
  const c = owner();
  assert.equal(pool.place(c, bytes(1, 8)), first, 'reused from the pool');
  assert.equal(first.used, 1);
  assert.equal(first.holders, 1);
  assert.equal(first.owner, c);
});

test("releasing the last packet of an owner's current chunk takes it back from the owner", () => {
  const pool = new SendChunkPool(4);
  const a = owner();
  const chunk = pool.place(a, bytes(64, 1));
  pool.release(chunk);
  assert.equal(a.sendChunk, null);
  assert.equal(chunk.owner, null);
  // disown leaves a held chunk to its holders.
  const held = pool.place(a, bytes(64, 2));
  pool.disown(a);
  assert.equal(a.sendChunk, null);
  assert.equal(held.owner, null);
  assert.notEqual(pool.place(a, bytes(64, 3)), held);
});
