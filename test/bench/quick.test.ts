import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../support/spawn.js';

// Runs the benchmark harness in --quick mode only to see it work (dist is built by scripts/test.sh
// first); no timing is judged, only that every cell holds a well-formed number. Bounded: the
// harness is killed after 90 s (it has its own 80 s limit).

const number = /^\d[\d,]*(\.\d+)?$/;
const difference = /^-?\d[\d,]*(\.\d+)?$/;

/** The printed table: its column names and each scenario row's cells by column name. */
function table(out: string[]): { columns: string[]; rows: Map<string, string>[] } {
  const header = out.find((l) => l.startsWith('scenario  '));
  assert.ok(header, `no table in:\n${out.join('\n')}`);
  const columns = header.trim().split(/\s{2,}/);
  const rows = out
    .filter((l) => /^B\d /.test(l))
    .map((l) => {
      const cells = l.trim().split(/\s{2,}/);
      assert.equal(cells.length, columns.length, `cells of ${l}`);
      return new Map(cells.map((c, i) => [columns[i]!, c]));
    });
  return { columns, rows };
}

/** The enet-ts columns (one per socket backend) and their ratio columns; at least the dgram backend. */
function enetTsColumns(columns: string[]): { values: string[]; ratios: string[] } {
  const values = columns.filter((c) => /^enet-ts \((native|dgram)\)$/.test(c));
  assert.ok(values.includes('enet-ts (dgram)'), columns.join(' | '));
  assert.deepEqual(
    columns,
    ['scenario', 'metric', ...values, 'C ENet', ...values.map((v) => `${v} / C`), 'raw dgram'],
    'the columns: each backend, C ENet, each backend / C, raw dgram',
  );
  return { values, ratios: values.map((v) => `${v} / C`) };
}

const rowsOf = (rows: Map<string, string>[], id: string) => rows.filter((r) => r.get('scenario') === id);

// B1-B5 run in two harness invocations so that each stays well inside its time limit when both
// socket backends are there (one column each).
test('bench/run.mjs --quick --only B1,B3,B4 runs enet-ts, C ENet and raw dgram side by side', { timeout: 100_000 }, async () => {
  const r = await run(['bench/run.mjs', '--quick', '--only', 'B1,B3,B4'], 90_000);
  const all = `exit ${r.code}\n${r.out.join('\n')}\n${r.err.join('\n')}`;
  assert.equal(r.code, 0, all);
  assert.ok(
    r.out.some((l) => l.startsWith('bench: enet-ts socket backends: ')),
    all,
  );
  const { columns, rows } = table(r.out);
  const ts = enetTsColumns(columns);
  for (const id of ['B1', 'B3', 'B4']) {
    const found = rowsOf(rows, id);
    assert.ok(found.length > 0, `no ${id} row in:\n${all}`);
    // Every backend, C ENet, the ratios and raw dgram have numbers.
    for (const row of found)
      for (const column of [...ts.values, 'C ENet', ...ts.ratios, 'raw dgram'])
        assert.match(row.get(column)!, number, `${id} ${column}: ${row.get('metric')}`);
  }
  assert.ok(!rows.some((row) => ['B2', 'B5', 'B6', 'B7'].includes(row.get('scenario')!)), '--only is honoured');
  assert.ok(r.out.some((l) => l.includes('wrote bench/results/quick.json')));
});

test('bench/run.mjs --quick --only B5 reports every row for enet-ts and C ENet', { timeout: 100_000 }, async () => {
  const r = await run(['bench/run.mjs', '--quick', '--only', 'B5'], 90_000);
  const all = `exit ${r.code}\n${r.out.join('\n')}\n${r.err.join('\n')}`;
  assert.equal(r.code, 0, all);
  const { columns, rows } = table(r.out);
  const ts = enetTsColumns(columns);
  // B5 (two rounds: a warm-up, then the timed one) has no raw-dgram column; both implementations
  // report every row. Memory differences may come out negative with the quick run's 200 peers.
  const b5 = rowsOf(rows, 'B5');
  assert.equal(b5.length, 6, all);
  assert.equal(rows.length, 6, '--only is honoured');
  for (const row of b5) {
    for (const column of [...ts.values, 'C ENet']) assert.match(row.get(column)!, difference, `B5 ${column}: ${row.get('metric')}`);
    assert.equal(row.get('raw dgram'), '-');
  }
});

test('bench/run.mjs --quick --only B6,B7,B8,B9: the C range coder row, the connection burst, ack turnaround and overload', {
  timeout: 100_000,
}, async () => {
  const r = await run(['bench/run.mjs', '--quick', '--only', 'B6,B7,B8,B9'], 90_000);
  const all = `exit ${r.code}\n${r.out.join('\n')}\n${r.err.join('\n')}`;
  assert.equal(r.code, 0, all);
  const { columns, rows } = table(r.out);
  const ts = enetTsColumns(columns);
  const numbers = (row: Map<string, string>, columnsToCheck: string[]) => {
    for (const column of columnsToCheck) assert.match(row.get(column)!, number, `${row.get('scenario')} ${column}: ${row.get('metric')}`);
    assert.equal(row.get('raw dgram'), '-', `${row.get('scenario')} has no raw dgram column`);
  };

  // B6: every codec has an enet-ts rate; the range coder also C ENet's over the same corpus, and
  // both coders agree on the compressed size.
  const b6 = rowsOf(rows, 'B6');
  assert.equal(b6.length, 4, all);
  for (const row of b6) {
    const isRange = row.get('metric')!.startsWith('RANGE_CODER');
    numbers(row, isRange ? [...ts.values, 'C ENet', ...ts.ratios] : ts.values);
    if (!isRange) assert.equal(row.get('C ENet'), '-');
  }
  const sizes = r.out.find((l) => l.includes("C ENet's range coder left the corpus at size"));
  assert.ok(sizes, all);
  const [c, ours] = [...sizes.matchAll(/×(\d\.\d+)/g)].map((m) => m[1]);
  assert.equal(ours, c, 'the range coders compress the corpus to the same size');

  // B7: 50 clients at once; a time on each server.
  const b7 = rowsOf(rows, 'B7');
  assert.equal(b7.length, 1, all);
  assert.match(b7[0]!.get('metric')!, /^50 C clients connect at once/);
  numbers(b7[0]!, [...ts.values, 'C ENet']);

  // B8: two runs of a 20-message burst; RTT estimates, a throttle of at most 32, run counts of at most 2.
  const b8 = rowsOf(rows, 'B8');
  assert.equal(b8.length, 6, all);
  for (const row of b8) {
    numbers(row, [...ts.values, 'C ENet']);
    const metric = row.get('metric')!;
    for (const column of [...ts.values, 'C ENet']) {
      const v = Number(row.get(column)!.replace(/,/g, ''));
      if (metric.includes('throttle')) assert.ok(v >= 0 && v <= 32, `${column}: ${metric} = ${v}`);
      if (metric.includes('runs where all')) assert.ok(Number.isInteger(v) && v >= 0 && v <= 2, `${column}: ${metric} = ${v}`);
    }
  }
  assert.match(b8[0]!.get('metric')!, /20-message reliable burst/);
  for (const impl of [...ts.values, 'C'])
    assert.ok(
      r.out.some((l) => l.trim().startsWith(`B8 ${impl}, per run: RTT estimate ms `)),
      `B8 per-run note for ${impl}:\n${all}`,
    );

  // B9: offered and delivered rates, and the per-run comparison for each backend…
  const b9 = rowsOf(rows, 'B9');
  assert.equal(b9.length, 2, all);
  for (const row of b9) numbers(row, [...ts.values, 'C ENet']);
  assert.ok(
    r.out.some((l) => /^\s+B9 run 1, messages\/s offered → delivered: /.test(l)),
    all,
  );
  for (const impl of ts.values)
    assert.ok(
      r.out.some((l) => new RegExp(`^\\s+B9 ${impl.replace(/[()]/g, '\\$&')} delivered at least C ENet's rate in [01] of 1 runs$`).test(l)),
      `B9 judgement for ${impl}:\n${all}`,
    );
  // …and the control: C ENet's server run again in the same round, judged the same way.
  assert.ok(
    r.out.some((l) =>
      /^\s+B9 control: C ENet's server run again right after delivered at least its first run's rate in [01] of 1 runs$/.test(l),
    ),
    `B9 control:\n${all}`,
  );
  assert.ok(
    r.out.some((l) => /^\s+B9 run 1, .*; C [\d,]+ → [\d,]+; C \(again\) [\d,]+ → [\d,]+$/.test(l)),
    `B9 control's rates in the run's note:\n${all}`,
  );
  // …and what share of the offered messages each server delivered.
  assert.ok(
    r.out.some((l) => /^\s+B9 share of the offered messages delivered, per run: enet-ts .*; C [\d.]+ %; C \(again\) [\d.]+ %$/.test(l)),
    `B9 shares:\n${all}`,
  );
  assert.ok(!rows.some((row) => ['B1', 'B5'].includes(row.get('scenario')!)), '--only is honoured');
});
