import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../support/spawn.js';

// Runs the benchmark harness in --quick mode only to see it work; no timing is judged.
test('npm run bench --quick runs enet-ts, C ENet and raw dgram side by side', async () => {
  const r = await run(['bench/run.mjs', '--quick', '--only', 'B1,B4'], 120_000);
  assert.equal(r.code, 0, r.err.join('\n'));
  const table = r.out.join('\n');
  assert.match(table, /scenario\s+metric\s+enet-ts\s+C ENet\s+raw dgram\s+enet-ts \/ C/);
  for (const id of ['B1', 'B4']) {
    const row = r.out.find((l) => l.startsWith(id))!;
    assert.ok(row, `${id} row`);
    const cells = row.trim().split(/\s{2,}/);
    assert.ok(
      cells.slice(2, 5).every((c) => /^[\d,.]+$/.test(c)),
      `${id} has numbers for enet-ts, C and dgram: ${row}`,
    );
  }
  assert.ok(r.out.some((l) => l.includes('wrote bench/results/quick.json')));
});
