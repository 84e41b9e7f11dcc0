import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warmUpEngine } from '../../src/engine/warm-up.js';

test('the engine warm-up really carries traffic between its hosts, once per process', () => {
  // 8 rounds of 20 reliable, 20 unreliable and 20 unsequenced packets each way, plus fragments:
  // nearly all arrive (the unreliable ones may meet ENet's throttle).
  assert.ok(warmUpEngine() >= 600);
  assert.equal(warmUpEngine(), 0);
});
