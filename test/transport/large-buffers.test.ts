import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { largeAllocator, PLAIN_LARGE_ALLOCATOR } from '../../src/transport/large-buffers.js';
import { BUILT_ADDON_PATH, nativeAddonStatus } from '../../src/transport/native-addon.js';

const notBuilt = existsSync(BUILT_ADDON_PATH) ? false : `native addon not built (no ${BUILT_ADDON_PATH})`;

/** True when every byte of `a` is zero. */
const zeroed = (a: Uint8Array) => a.every((b) => b === 0);

test('large packets use the addon wherever it was built (fails if it silently fell back)', { skip: notBuilt }, () => {
  assert.equal(nativeAddonStatus().reason, null, 'the built addon loads');
  assert.equal(largeAllocator().kind, 'native');
});

test('allocateLarge: exact size, zeroed, writable, independent; bad sizes refused', { skip: notBuilt }, () => {
  const addon = nativeAddonStatus().addon!;
  const sizes = [1, 1_048_579, 3 * 1024 * 1024];
  const arrays = sizes.map((size) => new Uint8Array(addon.allocateLarge(size)!));
  for (const [i, a] of arrays.entries()) {
    assert.equal(a.length, sizes[i]);
    assert.ok(zeroed(a), `${sizes[i]} bytes zeroed`);
    a.fill(i + 1);
  }
  for (const [i, a] of arrays.entries())
    assert.ok(
      a.every((b) => b === i + 1),
      `${sizes[i]} bytes kept what was written`,
    );
  for (const bad of [0, -1, 1.5, 2 ** 30 + 1, Number.NaN, '4096'])
    assert.throws(() => addon.allocateLarge(bad as number), TypeError, String(bad));
});

test('sizes the addon does not map fall back to a plain array', { skip: notBuilt }, () => {
  // Only the size check is exercised: an array of 2^30 + 1 bytes is not allocated here.
  const allocator = largeAllocator();
  assert.throws(() => allocator.allocate(2 ** 53), RangeError, 'the fallback refuses what no array can hold');
});

test('the plain allocator (no addon) hands out zeroed arrays', () => {
  assert.equal(PLAIN_LARGE_ALLOCATOR.kind, 'plain');
  const a = PLAIN_LARGE_ALLOCATOR.allocate(1_500_000);
  assert.equal(a.length, 1_500_000);
  assert.ok(zeroed(a));
});
