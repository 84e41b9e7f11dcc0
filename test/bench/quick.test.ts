import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../support/spawn.js';

// Runs the benchmark harness in --quick mode only to see it work (dist is built by scripts/test.sh
// first); no timing is judged. Bounded: the harness is killed after 90 s (it has its own 80 s limit).
test('bench/run.mjs --quick --only B1,B3,B4,B5 runs enet-ts, C ENet and raw dgram side by side', { timeout: 100_000 }, async () => {
  const r = await run(['bench/run.mjs', '--quick', '--only', 'B1,B3,B4,B5'], 90_000);
  assert.equal(r.code, 0, `exit ${r.code}\n${r.out.join('\n')}\n${r.err.join('\n')}`);
  assert.ok(
    r.out.some((l) => /^scenario\s+metric\s+enet-ts\s+C ENet\s+enet-ts \/ C\s+raw dgram$/.test(l)),
    r.out.join('\n'),
  );
  const number = /^\d[\d,]*(\.\d+)?$/;
  for (const id of ['B1', 'B3', 'B4']) {
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
  // B5 (two rounds: a warm-up, then the timed one) has no raw-dgram column; both implementations
  // report every row. Memory differences may come out negative with the quick run's 200 peers.
  const b5 = r.out.filter((l) => l.startsWith('B5 '));
  assert.equal(b5.length, 6, r.out.join('\n'));
  const difference = /^-?\d[\d,]*(\.\d+)?$/;
  for (const row of b5) {
    const cells = row.trim().split(/\s{2,}/);
    assert.match(cells[2]!, difference, `B5 enet-ts: ${row}`);
    assert.match(cells[3]!, difference, `B5 C ENet: ${row}`);
  }
  assert.ok(!r.out.some((l) => l.startsWith('B2 ') || l.startsWith('B6 ')), '--only is honoured');
  assert.ok(r.out.some((l) => l.includes('wrote bench/results/quick.json')));
});
