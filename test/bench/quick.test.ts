import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../support/spawn.js';

// Runs the benchmark harness in --quick mode only to see it work (dist is built by scripts/test.sh
// first); no timing is judged. Bounded: the harness is killed after 90 s (it has its own 80 s limit).
test('bench/run.mjs --quick --only B1,B4 runs enet-ts, C ENet and raw dgram side by side', { timeout: 100_000 }, async () => {
  const r = await run(['bench/run.mjs', '--quick', '--only', 'B1,B4'], 90_000);
  assert.equal(r.code, 0, `exit ${r.code}\n${r.out.join('\n')}\n${r.err.join('\n')}`);
  assert.ok(
    r.out.some((l) => /^scenario\s+metric\s+enet-ts\s+C ENet\s+enet-ts \/ C\s+raw dgram$/.test(l)),
    r.out.join('\n'),
  );
  const number = /^\d[\d,]*(\.\d+)?$/;
  for (const id of ['B1', 'B4']) {
    const row = r.out.find((l) => l.startsWith(`${id} `));
    assert.ok(row, `no ${id} row in:\n${r.out.join('\n')}`);
    const cells = row.trim().split(/\s{2,}/);
    // scenario, metric, enet-ts, C ENet, ratio, raw dgram: both implementations (and dgram) have numbers.
    assert.equal(cells.length, 6, row);
    for (const [i, what] of [
      [2, 'enet-ts'],
      [3, 'C ENet'],
      [4, 'ratio'],
      [5, 'raw dgram'],
    ] as const)
      assert.match(cells[i]!, number, `${id} ${what}: ${row}`);
  }
  assert.ok(!r.out.some((l) => l.startsWith('B2 ') || l.startsWith('B5 ')), '--only is honoured');
  assert.ok(r.out.some((l) => l.includes('wrote bench/results/quick.json')));
});
