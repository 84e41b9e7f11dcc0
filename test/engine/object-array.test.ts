import { test } from 'node:test';
import assert from 'node:assert/strict';
import { objectArray } from '../../src/engine/object-array.js';

test('objectArray gives a new, empty array each time, usable as any other', () => {
  const a = objectArray<{ n: number }>();
  const b = objectArray<{ n: number }>();
  assert.notEqual(a, b);
  assert.equal(a.length, 0);
  a.push({ n: 1 }, { n: 2 });
  assert.equal(a.length, 2);
  assert.equal(b.length, 0);
  assert.equal(a.pop()?.n, 2);
  assert.ok(Array.isArray(a));
});
