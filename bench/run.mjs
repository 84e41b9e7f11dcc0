// `npm run bench`: the scenarios side by side on enet-ts, C ENet 1.3.17 and (where it applies)
// raw node:dgram, each role a separate process (the load generator at lower priority); medians
// of several runs; one table, bench/results/latest.json and bench/results/latest.svg.
// Options: --quick (one short run each, for smoke tests), --only B1,B4, --progress (a progress bar).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { benchCodecs } from './codecs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const progress = args.includes('--progress') && process.stdout.isTTY;
const onlyArg = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
const only = onlyArg ? new Set(onlyArg.split(',').map((s) => s.trim().toUpperCase())) : null;
const RUNS = quick ? 1 : 3;
const B5_CLIENTS = quick ? 200 : 2000;
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

const cBin = join(root, 'bench', 'c', 'bin', 'enet_bench');
mkdirSync(dirname(cBin), { recursive: true });
execFileSync('gcc', ['-O2', '-o', cBin, join(root, 'bench', 'c', 'enet_bench.c'), '-lenet']);

const impls = {
  'enet-ts': (role, sc, ...rest) => [process.execPath, ['--expose-gc', join(root, 'bench', 'roles', 'ts.mjs'), role, sc, ...rest]],
  C: (role, sc, ...rest) => [cBin, [role, sc, ...rest]],
  dgram: (role, sc, ...rest) => [process.execPath, [join(root, 'bench', 'roles', 'dgram.mjs'), role, sc, ...rest]],
};

function start(cmd, argv, nice) {
  const [file, list] = nice ? ['nice', ['-n', '5', cmd, ...argv]] : [cmd, argv];
  const child = spawn(file, list, { stdio: ['pipe', 'pipe', 'inherit'], cwd: root });
  children.add(child);
  const lines = [];
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
  child.on('exit', () => {
    children.delete(child);
    for (const w of waiters) w();
  });
  const wait = (prefix, ms) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const l = lines.find((x) => x.startsWith(prefix));
        if (l) done(null, l);
        else if (child.exitCode !== null) done(new Error(`${cmd} exited before ${prefix}`));
      };
      const timer = setTimeout(() => done(new Error(`timeout waiting for ${prefix} from ${cmd} ${argv.join(' ')}`)), ms);
      const done = (err, l) => {
        clearTimeout(timer);
        waiters.delete(check);
        err ? reject(err) : resolve(l);
      };
      waiters.add(check);
      check();
    });
  const stop = () => {
    child.stdin.end();
    setTimeout(() => child.kill('SIGKILL'), 1000).unref();
  };
  return { wait, stop };
}

const parse = (line) =>
  Object.fromEntries(
    line
      .replace(/^RESULT /, '')
      .split(' ')
      .map((kv) => kv.split('='))
      .map(([k, v]) => [k, Number(v)]),
  );

/** One run of scenario `sc` on `impl`: returns the RESULT fields of whichever side reports. */
async function runOnce(impl, sc) {
  const make = impls[impl];
  const server = start(...make('server', sc), false);
  let client;
  try {
    const port = Number((await server.wait('READY', 10000)).split(' ')[1]);
    client = start(...make('client', sc, String(port), String(B5_CLIENTS)), true);
    const reporter = sc === 'b3' || sc === 'b4' ? client : server;
    return parse(await reporter.wait('RESULT', 55000));
  } finally {
    client?.stop();
    server.stop();
    await new Promise((r) => setTimeout(r, 300));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const scenarios = [
  {
    id: 'B1',
    sc: 'b1',
    metric: 'messages/s received',
    better: 'higher',
    impls: ['enet-ts', 'C', 'dgram'],
    value: (r) => r.received / (r.ms / 1000),
  },
  { id: 'B2', sc: 'b2', metric: 'MB/s received', better: 'higher', impls: ['enet-ts', 'C'], value: (r) => r.bytes / r.ms / 1000 },
  { id: 'B3', sc: 'b3', metric: 'ms for 8 MiB', better: 'lower', impls: ['enet-ts', 'C'], value: (r) => r.ms },
  {
    id: 'B4',
    sc: 'b4',
    metric: 'RTT median µs',
    better: 'lower',
    impls: ['enet-ts', 'C', 'dgram'],
    value: (r) => r.median_us,
    extra: { metric: 'RTT p99 µs', value: (r) => r.p99_us },
  },
  {
    id: 'B5',
    sc: 'b5',
    metric: `ms until ${B5_CLIENTS} clients seen`,
    better: 'lower',
    impls: ['enet-ts', 'C'],
    value: (r) => r.ms,
    extra: { metric: 'bytes per connected peer (RSS)', value: (r) => r.per_peer_bytes },
  },
].filter((s) => !only || only.has(s.id));

const total = scenarios.reduce((n, s) => n + s.impls.length * RUNS, 0) + (!only || only.has('B6') ? 1 : 0);
let done = 0;
const tick = (what) => {
  done++;
  if (progress) {
    const w = 30;
    const f = Math.round((done / total) * w);
    process.stdout.write(`\r[${'#'.repeat(f)}${'.'.repeat(w - f)}] ${done}/${total} ${what.padEnd(20)}`);
  }
};

const rows = [];
const started = Date.now();
for (const s of scenarios) {
  const results = {};
  for (const impl of s.impls) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      try {
        runs.push(await runOnce(impl, s.sc));
      } catch (err) {
        console.error(`\n${s.id} ${impl}: ${err.message}`);
      }
      tick(`${s.id} ${impl}`);
    }
    results[impl] = runs;
  }
  const med = (impl, f) => (results[impl]?.length ? median(results[impl].map(f)) : null);
  const add = (metric, f) => {
    const ts = med('enet-ts', f);
    const c = med('C', f);
    rows.push({
      scenario: s.id,
      metric,
      better: s.better,
      'enet-ts': ts,
      C: c,
      dgram: s.impls.includes('dgram') ? med('dgram', f) : null,
      ratio: ts !== null && c ? ts / c : null,
      runs: RUNS,
    });
  };
  add(s.metric, s.value);
  if (s.extra) add(s.extra.metric, s.extra.value);
}
if (!only || only.has('B6')) {
  for (const r of benchCodecs(quick ? 100 : 1000))
    rows.push({
      scenario: 'B6',
      metric: `${r.mode} datagrams/s (ratio ${r.ratio})`,
      better: 'higher',
      'enet-ts': r.datagramsPerSecond,
      C: null,
      dgram: null,
      ratio: null,
      runs: 1,
    });
  tick('B6');
}
if (progress) process.stdout.write('\n');

const fmt = (v) => (v === null || v === undefined ? '-' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
const header = ['scenario', 'metric', 'enet-ts', 'C ENet', 'raw dgram', 'enet-ts / C'];
const table = [
  header,
  ...rows.map((r) => [r.scenario, r.metric, fmt(r['enet-ts']), fmt(r.C), fmt(r.dgram), r.ratio === null ? '-' : r.ratio.toFixed(2)]),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
for (const row of table) console.log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
console.log(
  `\n${RUNS} run(s) per cell, medians; ${os.cpus().length} cores, node ${process.version}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
);

const dir = join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const name = quick ? 'quick' : 'latest';
writeFileSync(
  join(dir, `${name}.json`),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs: RUNS, rows }, null, 2)}\n`,
);
// A bar chart of enet-ts / C (higher-is-better rows as is, lower-is-better rows inverted so that
// a longer bar is always better; 1.0 = parity).
const bars = rows.filter((r) => r.ratio !== null);
const W = 640;
const H = 40 + bars.length * 28;
const scale = (v) => Math.min(v, 3) * ((W - 260) / 3);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
svg += `<text x="10" y="20" font-weight="bold">enet-ts vs C ENet 1.3.17 (1.0 = parity, longer is better)</text>\n`;
bars.forEach((r, i) => {
  const v = r.better === 'lower' ? 1 / r.ratio : r.ratio;
  const y = 36 + i * 28;
  svg += `<text x="10" y="${y + 14}">${r.scenario} ${r.metric.replace(/&/g, '&amp;').replace(/</g, '&lt;').slice(0, 30)}</text>\n`;
  svg += `<rect x="240" y="${y}" width="${scale(v).toFixed(1)}" height="18" fill="${v >= 1 ? '#3a7' : '#d64'}"/>\n`;
  svg += `<text x="${(245 + scale(v)).toFixed(1)}" y="${y + 14}">${v.toFixed(2)}</text>\n`;
});
svg += `<line x1="${240 + scale(1)}" y1="30" x2="${240 + scale(1)}" y2="${H - 4}" stroke="#333" stroke-dasharray="4"/>\n</svg>\n`;
writeFileSync(join(dir, `${name}.svg`), svg);
console.log(`wrote bench/results/${name}.json and bench/results/${name}.svg`);
process.exit(0);
