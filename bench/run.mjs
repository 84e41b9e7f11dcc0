// `npm run bench`: the same scenarios on enet-ts, on C ENet 1.3.17 (bench/c/enet_bench.c, built
// here against Debian's libenet) and, where it applies, on raw node:dgram. Each role is its own
// process (the load generator under `nice -n 5`); every cell is the median of several runs, the
// implementations interleaved run by run so that background load hits them alike. Prints one
// table and writes bench/results/latest.{json,svg} (quick.{json,svg} with --quick; the JSON
// lists the scenarios that ran).
//
// Options: --quick          one run each with small counts (a smoke test: seconds, no judging)
//          --only B1,B4     run only these scenarios
//          --runs N         runs per cell (default 3; --quick: 1)
//          --progress       a progress line on a terminal (`enet-ts bench` passes it)
//          --cross          also run the mixed pairs (C server + enet-ts client, enet-ts server +
//                           C client) of B1-B5, to tell which side costs what; a second table
//          --pin            server on CPU 0, clients on CPU 1 (taskset): steadier on an idle
//                           machine, worse when something else holds CPU 1 (so off by default)
// Every child is killed when this process exits; each role also exits on stdin EOF and has its
// own watchdog.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes('--quick');
const progress = args.includes('--progress') && process.stdout.isTTY === true;
const cross = args.includes('--cross');
const pin = args.includes('--pin') && os.cpus().length >= 2;
const CROSS = ['C/enet-ts', 'enet-ts/C'];
const RUNS = Number(option('--runs') ?? (quick ? 1 : 3));
const ALL = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6'];
const only = option('--only')
  ? option('--only')
      .split(',')
      .map((s) => s.trim().toUpperCase())
  : ALL;
const unknown = only.filter((id) => !ALL.includes(id));
if (unknown.length > 0 || !(RUNS >= 1)) {
  console.error(
    `usage: node bench/run.mjs [--quick] [--only ${ALL.join(',')}] [--runs N]${unknown.length ? ` (unknown: ${unknown})` : ''}`,
  );
  process.exit(2);
}

// ------------------------------------------------------------------ children and watchdogs

const children = new Set();
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));
process.on('uncaughtException', (err) => {
  console.error(err);
  process.exit(1);
});
const LIMIT_S = quick ? 80 : 600;
setTimeout(() => {
  console.error(`bench: gave up after ${LIMIT_S} s`);
  process.exit(1);
}, LIMIT_S * 1000).unref();
const ROLE_WATCHDOG_S = 60;

/** Starts one role; lines of its stdout can be awaited by prefix. */
function start(file, argv, nice, cpu = null) {
  let [cmd, list] = nice ? ['nice', ['-n', '5', file, ...argv]] : [file, argv];
  if (cpu !== null) [cmd, list] = ['taskset', ['-c', String(cpu), cmd, ...list]];
  const child = spawn(cmd, list, { stdio: ['pipe', 'pipe', 'pipe'], cwd: root });
  children.add(child);
  const name = `${file === process.execPath ? 'node' : file.split('/').pop()} ${argv.filter((a) => !a.startsWith('/')).join(' ')}`;
  const lines = [];
  const errors = [];
  const waiters = new Set();
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    for (const w of waiters) w();
  });
  child.stderr.on('data', (d) => errors.push(String(d)));
  child.stdin.on('error', () => {}); // EPIPE from a role that already exited
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      for (const w of waiters) w();
      resolve(code ?? signal);
    }),
  );
  const wait = (prefix, ms) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const l = lines.find((x) => x.startsWith(prefix));
        if (l !== undefined) done(null, l);
        else if (child.exitCode !== null || child.signalCode !== null)
          done(
            new Error(
              `${name} exited (${child.exitCode ?? child.signalCode}) before ${prefix}${errors.length ? `: ${errors.join('').trim()}` : ''}`,
            ),
          );
      };
      const timer = setTimeout(() => done(new Error(`${name}: no ${prefix} within ${ms} ms`)), ms);
      const done = (err, l) => {
        clearTimeout(timer);
        waiters.delete(check);
        err ? reject(err) : resolve(l);
      };
      waiters.add(check);
      check();
    });
  const send = (line) => child.stdin.write(`${line}\n`);
  /** Ends stdin (the role exits by itself), SIGKILL after 1 s; resolves when it is gone. */
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 1000);
      exited.then(() => clearTimeout(t));
    }
    return exited;
  };
  return { wait, send, stop };
}

// ------------------------------------------------------------------ implementations

const cSource = join(root, 'bench', 'c', 'enet_bench.c');
const cBin = join(root, 'bench', 'c', 'bin', 'enet_bench');
/** Extra node flags for the node roles (e.g. BENCH_NODE_FLAGS=--max-semi-space-size=1). */
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const nodeRole = (script) => (role, sc, kv) => [
  process.execPath,
  [...nodeFlags, '--expose-gc', join(root, 'bench', 'roles', script), role, sc, ...kv],
];
const IMPLS = {
  'enet-ts': nodeRole('ts.mjs'),
  C: (role, sc, kv) => [cBin, [role, sc, ...kv]],
  dgram: nodeRole('dgram.mjs'),
};

// ------------------------------------------------------------------ scenarios

const MiB = 1 << 20;
const B5_TOTAL = quick ? 200 : 2000;
const B5_PROCS = 2;
const scenarios = [
  {
    id: 'B1',
    sc: 'b1',
    impls: ['enet-ts', 'C', 'dgram'],
    reporter: 'server',
    params: { count: quick ? 20000 : 500000, size: 64, batch: 100, pack: 17 },
    rows: [{ metric: 'unreliable 64 B one way: messages/s received', better: 'higher', value: (r) => r.received / (r.ms / 1000) }],
  },
  {
    id: 'B2',
    sc: 'b2',
    impls: ['enet-ts', 'C', 'dgram'],
    reporter: 'server',
    params: { count: quick ? 2000 : 50000, size: 1024, window: 64, credit: 16 },
    rows: [{ metric: 'reliable 1 KiB, 64 in flight: MB/s received', better: 'higher', value: (r) => r.bytes / r.ms / 1000 }],
  },
  {
    id: 'B3',
    sc: 'b3',
    impls: ['enet-ts', 'C', 'dgram'],
    reporter: 'client',
    params: { size: quick ? MiB : 8 * MiB, warmup: quick ? 0 : 2 },
    rows: [{ metric: `one ${quick ? 1 : 8} MiB reliable packet: ms until received`, better: 'lower', value: (r) => r.ms }],
  },
  {
    id: 'B4',
    sc: 'b4',
    impls: ['enet-ts', 'C', 'dgram'],
    reporter: 'client',
    params: { count: quick ? 300 : 5000, warmup: quick ? 30 : 5000, size: 32 },
    rows: [
      { metric: '32 B reliable ping-pong: RTT median µs', better: 'lower', value: (r) => r.median_us },
      { metric: '32 B reliable ping-pong: RTT p99 µs', better: 'lower', value: (r) => r.p99_us },
    ],
  },
  {
    id: 'B5',
    sc: 'b5',
    impls: ['enet-ts', 'C'],
    reporter: 'server',
    // Round 1 (the clients connect, then the server drops them) warms the server up; round 2 is
    // timed and its memory is measured above the host idle again; the cold rows are round 1
    // against the fresh host.
    params: { total: B5_TOTAL, rounds: 2 },
    procs: B5_PROCS,
    rows: [
      { metric: `${B5_TOTAL} clients connect: ms until the server saw all`, better: 'lower', value: (r) => r.ms },
      { metric: '… to a fresh server (first round)', better: 'lower', value: (r) => r.cold_ms },
      { metric: 'server RSS bytes per connected peer', better: 'lower', value: (r) => r.per_peer_bytes },
      { metric: '… above a fresh host (first round)', better: 'lower', value: (r) => r.cold_per_peer_bytes },
      { metric: 'server heap bytes per connected peer', better: 'lower', value: (r) => r.heap_per_peer_bytes },
      { metric: 'idle host (4095 slots): server RSS KiB', better: 'lower', value: (r) => r.idle_kb },
    ],
  },
]
  .filter((s) => only.includes(s.id))
  .map((s) => (cross ? { ...s, impls: [...s.impls, ...CROSS] } : s));

const parse = (line) =>
  Object.fromEntries(
    line
      .replace(/^RESULT /, '')
      .split(' ')
      .map((kv) => kv.split('='))
      .map(([k, v]) => [k, Number(v)]),
  );

/** One run of scenario `s` on `impl` ("server/client" for a mixed pair): the RESULT fields of the reporting side. */
async function runOnce(impl, s) {
  const [serverImpl, clientImpl] = impl.includes('/') ? impl.split('/') : [impl, impl];
  const kv = (p) => Object.entries({ ...p, watchdog: ROLE_WATCHDOG_S }).map(([k, v]) => `${k}=${v}`);
  const server = start(...IMPLS[serverImpl]('server', s.sc, kv(s.params)), false, pin ? 0 : null);
  const make = IMPLS[clientImpl];
  const clients = [];
  try {
    const port = Number((await server.wait('READY', 15000)).split(' ')[1]);
    if (s.procs) {
      for (let k = 0; k < s.procs; k++) {
        const n = Math.floor(B5_TOTAL / s.procs) + (k < B5_TOTAL % s.procs ? 1 : 0);
        clients.push(start(...make('client', s.sc, kv({ ...s.params, port, clients: n })), true, pin ? 1 : null));
      }
      await Promise.all(clients.map((c) => c.wait('CREATED', 40000)));
      for (let round = 1; round <= (s.params.rounds ?? 1); round++) {
        // Each round after the first starts once the server has dropped the previous round's clients.
        if (round > 1) await server.wait(`IDLE round=${round - 1} `, 40000);
        server.send('GO');
        for (const c of clients) c.send('GO');
      }
    } else clients.push(start(...make('client', s.sc, kv({ ...s.params, port })), true, pin ? 1 : null));
    const reporter = s.reporter === 'client' ? clients[0] : server;
    return parse(await reporter.wait('RESULT', 50000));
  } finally {
    await Promise.all([...clients, server].map((p) => p.stop()));
  }
}

// ------------------------------------------------------------------ run

const started = Date.now();
try {
  mkdirSync(dirname(cBin), { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-o', cBin, cSource, '-lenet', '-lpthread'], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (err) {
  console.error(
    `bench: cannot build ${cSource} against libenet (apt-get install libenet-dev; scripts/setup-system.sh does it): ${err.stderr ?? err.message}`,
  );
  process.exit(1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rows = [];
const notes = [];
let failedCells = 0;
const steps = scenarios.reduce((n, s) => n + s.impls.length * RUNS, 0) + (only.includes('B6') ? 1 : 0);
let step = 0;
const tick = (what) => {
  if (!progress) return;
  const w = 30;
  const f = Math.round((step++ / steps) * w);
  process.stdout.write(`\r[${'#'.repeat(f)}${'.'.repeat(w - f)}] ${step}/${steps} ${what.padEnd(24)}`);
};
for (const s of scenarios) {
  const results = Object.fromEntries(s.impls.map((i) => [i, []]));
  for (let run = 0; run < RUNS; run++)
    for (const impl of s.impls) {
      tick(`${s.id} ${impl} run ${run + 1}`);
      try {
        results[impl].push(await runOnce(impl, s));
      } catch (err) {
        console.error(`${progress ? '\n' : ''}${s.id} ${impl} run ${run + 1}: ${err.message}`);
      }
    }
  for (const impl of s.impls)
    if (results[impl].length === 0) {
      failedCells++;
      notes.push(`${s.id} ${impl}: every run failed`);
    }
  for (const r of s.rows) {
    const cell = (impl) => {
      const xs = (results[impl] ?? []).map(r.value).filter((x) => Number.isFinite(x));
      return xs.length ? { median: median(xs), runs: xs } : null;
    };
    const ts = cell('enet-ts');
    const c = cell('C');
    const dg = s.impls.includes('dgram') ? cell('dgram') : null;
    rows.push({
      scenario: s.id,
      metric: r.metric,
      better: r.better,
      'enet-ts': ts?.median ?? null,
      C: c?.median ?? null,
      ratio: ts && c?.median ? ts.median / c.median : null,
      dgram: dg?.median ?? null,
      runs: { 'enet-ts': ts?.runs ?? [], C: c?.runs ?? [], ...(dg ? { dgram: dg.runs } : {}) },
      params: s.params,
      ...(cross ? { cross: Object.fromEntries(CROSS.map((pair) => [pair, cell(pair)?.median ?? null])) } : {}),
    });
  }
  if (s.id === 'B1')
    for (const impl of s.impls) {
      const rs = results[impl];
      if (rs.length)
        notes.push(
          `B1 ${impl}: ${Math.round(median(rs.map((r) => r.received / s.params.count)) * 100)} % of ${s.params.count} messages arrived, ${median(rs.map((r) => r.received / r.datagrams)).toFixed(1)} messages per datagram`,
        );
    }
}

if (only.includes('B6')) {
  tick('B6 codecs');
  const codecs = start(process.execPath, [join(root, 'bench', 'roles', 'codecs.mjs'), String(quick ? 100 : 1000)], false);
  try {
    const line = await codecs.wait('', 58000);
    if (!/^(RESULT|SKIP) /.test(line)) throw new Error(`unexpected output: ${line}`);
    if (line.startsWith('SKIP')) {
      const reason = line.slice(5);
      console.log(`B6 skipped: ${reason}`);
      rows.push({
        scenario: 'B6',
        metric: `skipped: ${reason}`,
        better: 'higher',
        'enet-ts': null,
        C: null,
        ratio: null,
        dgram: null,
        skipped: reason,
      });
    } else
      for (const r of JSON.parse(line.slice(7)))
        rows.push({
          scenario: 'B6',
          metric: `${r.mode}: datagrams/s compress+decompress (size ×${Number(r.ratio).toFixed(2)})`,
          better: 'higher',
          'enet-ts': r.datagramsPerSecond,
          C: null,
          ratio: null,
          dgram: null,
          compressionRatio: r.ratio,
        });
  } catch (err) {
    failedCells++;
    console.error(`B6: ${err.message}`);
    notes.push('B6: failed');
  } finally {
    await codecs.stop();
  }
}

// ------------------------------------------------------------------ report

if (progress) process.stdout.write(`\r${' '.repeat(70)}\r`);

const fmt = (v) =>
  v === null || v === undefined ? '-' : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 10 ? 1 : 2);
/** Prints rows of cells in columns: the first two left-aligned, the numbers right-aligned. */
const printTable = (table) => {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) console.log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
};
console.log('');
printTable([
  ['scenario', 'metric', 'enet-ts', 'C ENet', 'enet-ts / C', 'raw dgram'],
  ...rows.map((r) => [r.scenario, r.metric, fmt(r['enet-ts']), fmt(r.C), r.ratio === null ? '-' : r.ratio.toFixed(2), fmt(r.dgram)]),
]);
const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(
  `\n${RUNS} run(s) per cell, medians; enet-ts / C: higher is better for rates, lower for times and bytes; ${os.cpus().length} cores, node ${process.version}, ${seconds} s`,
);
for (const n of notes) console.log(`  ${n}`);
if (cross) {
  console.log('\nmixed pairs (which side costs what):');
  printTable([
    ['scenario', 'metric', 'enet-ts', 'C server + enet-ts client', 'enet-ts server + C client', 'C ENet'],
    ...rows
      .filter((r) => r.cross)
      .map((r) => [r.scenario, r.metric, fmt(r['enet-ts']), fmt(r.cross[CROSS[0]]), fmt(r.cross[CROSS[1]]), fmt(r.C)]),
  ]);
}

const dir = join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const name = quick ? 'quick' : 'latest';
writeFileSync(
  join(dir, `${name}.json`),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.cpus().length, quick, pinned: pin, scenarios: only, runsPerCell: RUNS, seconds: Number(seconds), rows, notes }, null, 2)}\n`,
);
writeFileSync(join(dir, `${name}.svg`), chart(rows.filter((r) => r.ratio !== null)));
console.log(`wrote bench/results/${name}.json and bench/results/${name}.svg`);
process.exit(failedCells > 0 ? 1 : 0);

/** A bar chart of enet-ts against C on a log scale, oriented so that a bar to the right is better. */
function chart(bars) {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const W = 820;
  const labelW = 390;
  const plotW = W - labelW - 70;
  const H = 70 + bars.length * 26;
  const lo = Math.log2(1 / 128);
  const hi = Math.log2(4);
  const x = (v) => labelW + ((Math.min(Math.max(Math.log2(v), lo), hi) - lo) / (hi - lo)) * plotW;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
  svg += `<rect width="${W}" height="${H}" fill="#fff"/>\n`;
  svg += `<text x="10" y="20" font-weight="bold">enet-ts relative to C ENet 1.3.17 (log scale; 1 = parity, right of the line = enet-ts better)</text>\n`;
  for (const t of [1 / 128, 1 / 32, 1 / 8, 1 / 2, 1, 2, 4]) {
    svg += `<line x1="${x(t).toFixed(1)}" y1="32" x2="${x(t).toFixed(1)}" y2="${H - 24}" stroke="${t === 1 ? '#333' : '#ddd'}"${t === 1 ? '' : ' stroke-dasharray="3"'}/>\n`;
    svg += `<text x="${x(t).toFixed(1)}" y="${H - 8}" text-anchor="middle" fill="#555">${t >= 1 ? `${t}×` : `1/${1 / t}`}</text>\n`;
  }
  bars.forEach((r, i) => {
    const v = r.better === 'lower' ? 1 / r.ratio : r.ratio;
    const y = 40 + i * 26;
    const x0 = x(1);
    const x1 = x(v);
    svg += `<text x="10" y="${y + 13}">${esc(`${r.scenario} ${r.metric}`.slice(0, 58))}</text>\n`;
    svg += `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y}" width="${Math.max(Math.abs(x1 - x0), 1).toFixed(1)}" height="17" fill="${v >= 1 ? '#3a7' : '#d64'}"/>\n`;
    svg += `<text x="${(Math.max(x0, x1) + 4).toFixed(1)}" y="${y + 13}">${v >= 1 ? `${v.toFixed(2)}×` : `1/${(1 / v).toFixed(1)}`}</text>\n`;
  });
  return `${svg}</svg>\n`;
}
