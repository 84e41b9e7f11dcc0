import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RingQueue } from '../../src/engine/ring-queue.js';

test('RingQueue keeps first-in first-out order across wrap-around and growth', () => {
  const q = new RingQueue<number>(4);
  const expected: number[] = [];
  let next = 0;
  // Interleave pushes and shifts so that the ring wraps before it grows, several times over.
  for (let round = 0; round < 50; round++) {
    for (let k = 0; k < (round % 7) + 1; k++) {
      q.push(next);
      expected.push(next++);
    }
    for (let k = 0; k < (round % 5) + 1 && expected.length > 0; k++) assert.equal(q.shift(), expected.shift());
    assert.equal(q.size, expected.length);
  }
  while (expected.length > 0) assert.equal(q.shift(), expected.shift());
  assert.equal(q.size, 0);
  assert.equal(q.shift(), undefined);
});
