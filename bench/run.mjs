// `npm run bench`: the same scenarios on enet-ts (once per socket backend), on C ENet 1.3.17
// (bench/c/enet_bench.c, built here against Debian's libenet) and, where it applies, on raw
// node:dgram. B7-B9 put C's load generator against a C ENet server and an enet-ts server (B9
// also against C ENet's server a second time, as a control of the run-to-run spread). Each
// role is its own process (the load generator under `nice -n 5`); every cell is the median of
// several runs, the implementations interleaved run by run so that background load hits them
// alike. Prints one table and writes bench/results/latest.{json,svg} (quick.{json,svg} with
// --quick; the JSON lists the scenarios that ran and every run's value).
//
// Options: --quick          one run each with small counts (a smoke test: seconds, no judging)
//          --only B1,B4     run only these scenarios
//          --runs N         runs per cell (default 3; --quick: 1; B8 always at least 10, quick 2)
//          --backends native,dgram
//                           the enet-ts socket backends to run, each its own rows' column (the
//                           roles get it as ENET_TS_SOCKET); default: both when the native addon
//                           is built (nativeAddonPath()), else dgram only
//          --progress       a progress line on a terminal (`enet-ts bench` passes it)
//          --cross          also run the mixed pairs (C server + enet-ts client, enet-ts server +
//                           C client) of B1-B5, to tell which side costs what; a second table
//          --pin            server on CPU 0, clients on CPU 1 (taskset): steadier on an idle
//                           machine, worse when something else holds CPU 1 (so off by default)
// Every child is killed when this process exits; each role also exits on stdin EOF and has its
// own watchdog.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
const RUNS = Number(option('--runs') ?? (quick ? 1 : 3));
const ALL = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B9'];
const list = (value) => value.split(',').map((s) => s.trim());
const only = option('--only') ? list(option('--only')).map((s) => s.toUpperCase()) : ALL;
const unknown = only.filter((id) => !ALL.includes(id));
const BACKENDS = ['native', 'dgram'];

/** Where the native socket addon is when it is built, or null (then only the dgram backend runs by default). */
function nativeAddonPath() {
  const candidates = [join(root, 'build', 'Release', 'enet_udp.node'), join(root, 'native', 'build', 'Release', 'enet_udp.node')];
  return candidates.find((path) => existsSync(path)) ?? null;
}

const addon = nativeAddonPath();
const backends = option('--backends') ? list(option('--backends')).map((s) => s.toLowerCase()) : addon ? BACKENDS : ['dgram'];
const badBackends = backends.filter((b) => !BACKENDS.includes(b));
if (unknown.length > 0 || badBackends.length > 0 || backends.length === 0 || !(RUNS >= 1)) {
  console.error(
    `usage: node bench/run.mjs [--quick] [--only ${ALL.join(',')}] [--runs N] [--backends ${BACKENDS.join(',')}]${unknown.length ? ` (unknown: ${unknown})` : ''}${badBackends.length ? ` (unknown backend: ${badBackends})` : ''}`,
  );
  process.exit(2);
}
/** What the output says about the backends: which ran, and why when native did not or may not work. */
const backendNote = option('--backends')
  ? `enet-ts socket backends: ${backends.join(', ')} (as asked)${backends.includes('native') && !addon ? '; the native addon was not found built (build/Release/enet_udp.node or native/build/Release/enet_udp.node)' : ''}`
  : addon
    ? `enet-ts socket backends: native (${addon.slice(root.length + 1)}) and dgram`
    : 'enet-ts socket backends: dgram only (the native addon is not built: no build/Release/enet_udp.node or native/build/Release/enet_udp.node)';
console.log(`bench: ${backendNote}`);
/** The enet-ts column of each backend, e.g. "enet-ts (dgram)". */
const TS = backends.map((b) => `enet-ts (${b})`);
const C = 'C';
/**
 * B9's control: C ENet's server once more in each round, right after the first. Its rate against
 * the first run's shows how far two runs of one server, seconds apart, differ.
 */
const C_AGAIN = 'C (again)';
const RAW = 'raw dgram';
/** The mixed pairs of --cross ("server/client"), per backend. */
const CROSS = TS.flatMap((ts) => [`${C}/${ts}`, `${ts}/${C}`]);

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

/** Starts one role (with `env` added to this process's environment); lines of its stdout can be awaited by prefix. */
function start(file, argv, env, nice, cpu = null) {
  let [cmd, list] = nice ? ['nice', ['-n', '5', file, ...argv]] : [file, argv];
  if (cpu !== null) [cmd, list] = ['taskset', ['-c', String(cpu), cmd, ...list]];
  const child = spawn(cmd, list, { stdio: ['pipe', 'pipe', 'pipe'], cwd: root, env: { ...process.env, ...env } });
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
const rangeCoderSource = join(root, 'bench', 'c', 'range_coder_bench.c');
const rangeCoderBin = join(root, 'bench', 'c', 'bin', 'range_coder_bench');
/** Extra node flags for the node roles (e.g. BENCH_NODE_FLAGS=--max-semi-space-size=1). */
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const nodeRole =
  (script, env = {}) =>
  (role, sc, kv) => [process.execPath, [...nodeFlags, '--expose-gc', join(root, 'bench', 'roles', script), role, sc, ...kv], env];
/** C ENet's command line for a role. */
const cRole = (role, sc, kv) => [cBin, [role, sc, ...kv], {}];
/** Each implementation's command line for a role: [file, argv, env]. */
const IMPLS = {
  ...Object.fromEntries(backends.map((b, i) => [TS[i], nodeRole('ts.mjs', { ENET_TS_SOCKET: b })])),
  [C]: cRole,
  [C_AGAIN]: cRole,
  [RAW]: nodeRole('dgram.mjs'),
};

// ------------------------------------------------------------------ scenarios

const MiB = 1 << 20;
const B5_TOTAL = quick ? 200 : 2000;
const B5_PROCS = 2;
const B8 = { count: quick ? 20 : 200, unreliable: 100, unsequenced: 50 };
const B8_RUNS = quick ? 2 : Math.max(RUNS, 10);
const B8_SENT_AFTER = B8.unreliable + B8.unsequenced;
/** B8: 1 when every unreliable and unsequenced message sent after connection k's burst arrived, else 0. */
const allArrived = (k) => (r) => (r[`arrived_${k}`] === undefined ? Number.NaN : r[`arrived_${k}`] === B8_SENT_AFTER ? 1 : 0);
// A scenario: `impls` are its columns (a "server/client" pair for the mixed runs), `client` the
// client implementation when it is not the server's own (B7-B9: C's load generator), `reporter`
// the side whose RESULT line holds the figures ('both': the two lines' fields together), `runs`
// when it is not RUNS. Each row turns one run's RESULT fields into a value, and the runs into a
// cell by `aggregate` (default: the median; 'max'; 'sum').
const scenarios = [
  {
    id: 'B1',
    sc: 'b1',
    impls: [...TS, C, RAW],
    reporter: 'server',
    // A warm-up phase of the same traffic first (as B3 and B4 do): the timed phase is the steady
    // state of a running server; the warm-up phase is reported as the fresh process's row.
    params: { count: quick ? 20000 : 500000, size: 64, batch: 100, pack: 17, warmup: quick ? 5000 : 200000 },
    rows: [
      { metric: 'unreliable 64 B one way: messages/s received', better: 'higher', value: (r) => r.received / (r.ms / 1000) },
      {
        metric: `… in a fresh process (the ${quick ? 5000 : 200000} messages of the warm-up phase)`,
        better: 'higher',
        value: (r) => r.cold_received / (r.cold_ms / 1000),
      },
    ],
  },
  {
    id: 'B2',
    sc: 'b2',
    impls: [...TS, C, RAW],
    reporter: 'server',
    params: { count: quick ? 2000 : 50000, size: 1024, window: 64, credit: 16, warmup: quick ? 1000 : 50000 },
    rows: [
      { metric: 'reliable 1 KiB, 64 in flight: MB/s received', better: 'higher', value: (r) => r.bytes / r.ms / 1000 },
      {
        metric: `… in a fresh process (the ${quick ? 1000 : 50000} messages of the warm-up phase)`,
        better: 'higher',
        value: (r) => r.cold_bytes / r.cold_ms / 1000,
      },
    ],
  },
  {
    id: 'B3',
    sc: 'b3',
    impls: [...TS, C, RAW],
    reporter: 'client',
    // Three warm-up transfers, then the median of five timed ones: one transfer is a noisy
    // sample, and a fresh enet-ts process's transfers go about 110, 60, 35, then 20-35 ms while
    // V8 compiles the fragment paths on both sides. The first transfer is the cold row.
    params: { size: quick ? MiB : 8 * MiB, warmup: quick ? 1 : 3, timed: quick ? 1 : 5 },
    rows: [
      {
        metric: `one ${quick ? 1 : 8} MiB reliable packet: ms until received (median of the timed transfers)`,
        better: 'lower',
        value: (r) => r.ms,
      },
      { metric: '… in a fresh process (its first transfer, of the warm-up): ms', better: 'lower', value: (r) => r.cold_ms },
    ],
  },
  {
    id: 'B4',
    sc: 'b4',
    impls: [...TS, C, RAW],
    reporter: 'client',
    // The timed round trips follow a warm-up of 20 000 (about half a second): a long-running
    // server's steady state, after V8 has compiled the path (in a fresh enet-ts process the medians
    // of successive blocks of 2 000 round trips go about 90, 35, 22, 17 µs, level from the sixth).
    // The first 5 000 round trips of the process are reported as the cold row.
    params: { count: quick ? 300 : 5000, warmup: quick ? 30 : 20000, cold: quick ? 30 : 5000, size: 32 },
    rows: [
      { metric: '32 B reliable ping-pong: RTT median µs', better: 'lower', value: (r) => r.median_us },
      { metric: '32 B reliable ping-pong: RTT p99 µs', better: 'lower', value: (r) => r.p99_us },
      {
        metric: `… in a fresh process (its first ${quick ? 30 : 5000} round trips, of the warm-up): RTT median µs`,
        better: 'lower',
        value: (r) => r.cold_median_us,
      },
    ],
  },
  {
    id: 'B5',
    sc: 'b5',
    impls: [...TS, C],
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
  {
    id: 'B7',
    sc: 'b7',
    impls: [...TS, C],
    client: C,
    reporter: 'both',
    // One load-generator process opens every client at once against a fresh server (4095 slots);
    // both sides stamp CLOCK_MONOTONIC (process.hrtime in node), so the time spans the processes.
    params: { clients: quick ? 50 : 500 },
    rows: [
      {
        metric: `${quick ? 50 : 500} C clients connect at once to a fresh server: ms from the first CONNECT sent until it saw all`,
        better: 'lower',
        value: (r) => r.seen_at - r.sent_at,
      },
    ],
  },
  {
    id: 'B8',
    sc: 'b8',
    impls: [...TS, C],
    client: C,
    reporter: 'both',
    runs: B8_RUNS,
    // Connection 1 meets a fresh server, connection 2 (a new client host) the same server after it.
    params: { ...B8, size: 64, connections: 2 },
    rows: [
      {
        metric: `C client's own RTT estimate after a ${B8.count}-message reliable burst is acknowledged: ms, median`,
        better: 'lower',
        value: (r) => r.rtt_ms_1,
      },
      { metric: '… the highest of the runs', better: 'lower', value: (r) => r.rtt_ms_1, aggregate: 'max' },
      { metric: '… its packet throttle then (of 32), median', better: 'higher', value: (r) => r.throttle_1 },
      {
        metric: `… runs where all ${B8_SENT_AFTER} unreliable + unsequenced sent right after arrived (of ${B8_RUNS})`,
        better: 'higher',
        value: allArrived(1),
        aggregate: 'sum',
      },
      { metric: '… second connection to the same server: RTT estimate ms, median', better: 'lower', value: (r) => r.rtt_ms_2 },
      {
        metric: `… second connection: runs where all ${B8_SENT_AFTER} arrived (of ${B8_RUNS})`,
        better: 'higher',
        value: allArrived(2),
        aggregate: 'sum',
      },
    ],
  },
  {
    id: 'B9',
    sc: 'b9',
    impls: [...TS, C, C_AGAIN],
    client: C,
    reporter: 'both',
    params: { clients: quick ? 2 : 4, ms: quick ? 1000 : 3000, size: 64, batch: 100 },
    rows: [
      {
        metric: `overload, ${quick ? 2 : 4} C clients flooding unreliable 64 B: messages/s offered`,
        better: 'higher',
        value: (r) => r.offered / (r.offer_ms / 1000),
      },
      { metric: '… messages/s delivered to the server', better: 'higher', value: (r) => r.received / (r.ms / 1000) },
    ],
  },
]
  .filter((s) => only.includes(s.id))
  .map((s) => (cross && ['B1', 'B2', 'B3', 'B4', 'B5'].includes(s.id) ? { ...s, impls: [...s.impls, ...CROSS] } : s));

const parse = (line) =>
  Object.fromEntries(
    line
      .replace(/^RESULT /, '')
      .split(' ')
      .map((kv) => kv.split('='))
      .map(([k, v]) => [k, Number(v)]),
  );

/** One run of scenario `s` on `impl` ("server/client" for a mixed pair): the RESULT fields of the reporting side(s). */
async function runOnce(impl, s) {
  const [serverImpl, clientImpl] = impl.includes('/') ? impl.split('/') : [impl, s.client ?? impl];
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
    const reporters = s.reporter === 'both' ? [server, clients[0]] : [s.reporter === 'client' ? clients[0] : server];
    const lines = await Promise.all(reporters.map((p) => p.wait('RESULT', 50000)));
    return Object.assign({}, ...lines.map(parse));
  } finally {
    await Promise.all([...clients, server].map((p) => p.stop()));
  }
}

// ------------------------------------------------------------------ run

const started = Date.now();
for (const [source, bin, libs] of [
  [cSource, cBin, ['-lenet', '-lpthread']],
  [rangeCoderSource, rangeCoderBin, ['-lenet']],
])
  try {
    mkdirSync(dirname(bin), { recursive: true });
    execFileSync('gcc', ['-O2', '-Wall', '-o', bin, source, ...libs], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    console.error(
      `bench: cannot build ${source} against libenet (apt-get install libenet-dev; scripts/setup-system.sh does it): ${err.stderr ?? err.message}`,
    );
    process.exit(1);
  }

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** A table cell: whole numbers as they are, others to 3 significant-ish digits, '-' for none. */
const fmt = (v) =>
  v === null || v === undefined
    ? '-'
    : Math.abs(v) >= 100 || Number.isInteger(v)
      ? Math.round(v).toLocaleString('en-US')
      : v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
const AGGREGATE = { median, max: (xs) => Math.max(...xs), sum: (xs) => xs.reduce((a, b) => a + b, 0) };
const rows = [];
const notes = [];
let failedCells = 0;
const steps = scenarios.reduce((n, s) => n + s.impls.length * (s.runs ?? RUNS), 0) + (only.includes('B6') ? 2 * RUNS : 0);
let step = 0;
const tick = (what) => {
  if (!progress) return;
  const w = 30;
  const f = Math.round((step++ / steps) * w);
  process.stdout.write(`\r[${'#'.repeat(f)}${'.'.repeat(w - f)}] ${step}/${steps} ${what.padEnd(32)}`);
};
/** Each enet-ts column's ratio to C's value (null where either is missing or C's is 0). */
const ratiosOf = (values) =>
  Object.fromEntries(TS.filter((t) => t in values).map((t) => [t, values[t] !== null && values[C] ? values[t] / values[C] : null]));
for (const s of scenarios) {
  const runs = s.runs ?? RUNS;
  // results[impl][run]: that run's RESULT fields, or null when it failed.
  const results = Object.fromEntries(s.impls.map((i) => [i, []]));
  for (let run = 0; run < runs; run++)
    for (const impl of s.impls) {
      tick(`${s.id} ${impl} run ${run + 1}`);
      try {
        results[impl][run] = await runOnce(impl, s);
      } catch (err) {
        results[impl][run] = null;
        console.error(`${progress ? '\n' : ''}${s.id} ${impl} run ${run + 1}: ${err.message}`);
      }
    }
  for (const impl of s.impls)
    if (results[impl].every((r) => r === null)) {
      failedCells++;
      notes.push(`${s.id} ${impl}: every run failed`);
    }
  for (const r of s.rows) {
    /** The row's value in each run of `impl` (null: the run failed or gave no number). */
    const perRun = (impl) =>
      (results[impl] ?? []).map((x) => {
        const v = x ? r.value(x) : null;
        return Number.isFinite(v) ? v : null;
      });
    const cell = (impl) => {
      const xs = perRun(impl).filter((x) => x !== null);
      return xs.length ? AGGREGATE[r.aggregate ?? 'median'](xs) : null;
    };
    const values = Object.fromEntries(s.impls.filter((i) => !i.includes('/')).map((i) => [i, cell(i)]));
    rows.push({
      scenario: s.id,
      metric: r.metric,
      better: r.better,
      aggregate: r.aggregate ?? 'median',
      values,
      ratios: ratiosOf(values),
      runs: Object.fromEntries(s.impls.map((i) => [i, perRun(i)])),
      params: s.params,
      ...(s.impls.some((i) => i.includes('/')) ? { cross: Object.fromEntries(CROSS.map((pair) => [pair, cell(pair)])) } : {}),
    });
  }
  const done = (impl) => results[impl].filter((r) => r !== null);
  if (s.id === 'B1')
    for (const impl of s.impls) {
      const rs = done(impl);
      if (rs.length)
        notes.push(
          `B1 ${impl}: ${Math.round(median(rs.map((r) => r.received / s.params.count)) * 100)} % of ${s.params.count} messages arrived, ${median(rs.map((r) => r.received / r.datagrams)).toFixed(1)} messages per datagram`,
        );
    }
  if (s.id === 'B8')
    for (const impl of s.impls) {
      const rs = done(impl);
      const field = (key) => rs.map((r) => r[key] ?? '?').join(' ');
      if (rs.length)
        notes.push(
          `B8 ${impl}, per run: RTT estimate ms ${field('rtt_ms_1')}; throttle ${field('throttle_1')}; of ${B8_SENT_AFTER} arrived ${field('arrived_1')}; second connection: RTT ms ${field('rtt_ms_2')}, throttle ${field('throttle_2')}, arrived ${field('arrived_2')}`,
        );
    }
  if (s.id === 'B9') {
    const rate = (r) => (r ? `${fmt(r.offered / (r.offer_ms / 1000))} → ${fmt(r.received / (r.ms / 1000))}` : 'failed');
    for (let run = 0; run < runs; run++)
      notes.push(`B9 run ${run + 1}, messages/s offered → delivered: ${s.impls.map((i) => `${i} ${rate(results[i][run])}`).join('; ')}`);
    for (const impl of [...TS, C_AGAIN]) {
      let atLeast = 0;
      for (let run = 0; run < runs; run++) {
        const [t, c] = [results[impl][run], results[C][run]];
        if (t && c && t.received / t.ms >= c.received / c.ms) atLeast++;
      }
      notes.push(
        impl === C_AGAIN
          ? `B9 control: C ENet's server run again right after delivered at least its first run's rate in ${atLeast} of ${runs} runs`
          : `B9 ${impl} delivered at least C ENet's rate in ${atLeast} of ${runs} runs`,
      );
    }
    // Whether a server kept up: the share of the messages offered that it received, per run.
    const share = (r) => (r && r.offered > 0 ? `${((100 * r.received) / r.offered).toFixed(1)} %` : 'failed');
    notes.push(
      `B9 share of the offered messages delivered, per run: ${s.impls.map((i) => `${i} ${results[i].map(share).join(' / ')}`).join('; ')}`,
    );
  }
}

/** Runs a one-shot role and returns its first line starting with `prefix` (or a SKIP line); stops it after. */
async function oneShot(file, argv, prefix, ms) {
  const role = start(file, argv, {}, false);
  try {
    const line = await role.wait('', ms);
    if (!line.startsWith(prefix) && !line.startsWith('SKIP ')) throw new Error(`unexpected output: ${line}`);
    return line;
  } finally {
    await role.stop();
  }
}

if (only.includes('B6')) {
  // RUNS rounds, each enet-ts's four codecs then C ENet's range coder over the same corpus (the
  // codecs role writes it out first); medians of the rounds.
  const codecs = join(root, 'bench', 'roles', 'codecs.mjs');
  const corpus = join(dirname(rangeCoderBin), 'b6-corpus.bin');
  const ms = String(quick ? 100 : 1000);
  const ours = [];
  const theirs = [];
  let skipped = null;
  try {
    const line = await oneShot(process.execPath, [codecs, 'corpus', corpus], 'CORPUS ', 20000);
    if (line.startsWith('SKIP ')) skipped = line.slice(5);
  } catch (err) {
    console.error(`B6 corpus: ${err.message}`);
  }
  for (let run = 0; run < RUNS && skipped === null; run++) {
    tick(`B6 enet-ts codecs run ${run + 1}`);
    try {
      const line = await oneShot(process.execPath, [codecs, ms], 'RESULT ', 58000);
      if (line.startsWith('SKIP ')) skipped = line.slice(5);
      else ours.push(JSON.parse(line.slice(7)));
    } catch (err) {
      console.error(`B6 enet-ts run ${run + 1}: ${err.message}`);
    }
    if (skipped !== null || !existsSync(corpus)) continue;
    tick(`B6 C range coder run ${run + 1}`);
    try {
      theirs.push(parse(await oneShot(rangeCoderBin, [corpus, ms], 'RESULT ', 30000)));
    } catch (err) {
      console.error(`B6 C range coder run ${run + 1}: ${err.message}`);
    }
  }
  if (skipped !== null) {
    console.log(`B6 skipped: ${skipped}`);
    rows.push({ scenario: 'B6', metric: `skipped: ${skipped}`, better: 'higher', values: {}, ratios: {}, skipped });
  } else {
    if (ours.length === 0) {
      failedCells++;
      notes.push('B6 enet-ts: every run failed');
    }
    if (theirs.length === 0) {
      failedCells++;
      notes.push('B6 C range coder: every run failed');
    }
    const c = theirs.length ? median(theirs.map((r) => r.datagrams_per_s)) : null;
    for (const mode of ours[0]?.map((r) => r.mode) ?? []) {
      const mine = ours.map((round) => round.find((r) => r.mode === mode));
      const isRange = mode === 'RANGE_CODER';
      const ts = median(mine.map((r) => r.datagramsPerSecond));
      const values = { ...Object.fromEntries(TS.map((t) => [t, ts])), [C]: isRange ? c : null };
      rows.push({
        scenario: 'B6',
        metric: `${mode}: datagrams/s compress+decompress (size ×${Number(mine[0].ratio).toFixed(2)})`,
        better: 'higher',
        values,
        ratios: ratiosOf(values),
        runs: { 'enet-ts': mine.map((r) => r.datagramsPerSecond), ...(isRange ? { [C]: theirs.map((r) => r.datagrams_per_s) } : {}) },
        compressionRatio: mine[0].ratio,
        ...(isRange && theirs.length ? { cCompressionRatio: theirs[0].ratio } : {}),
      });
    }
    const range = ours[0]?.find((r) => r.mode === 'RANGE_CODER');
    if (ours.length)
      notes.push(
        `B6 runs no sockets: ${TS.length > 1 ? 'every enet-ts column shows the same measurement' : 'one measurement per round'}${theirs.length && range ? `; C ENet's range coder left the corpus at size ×${theirs[0].ratio.toFixed(3)}, enet-ts's at ×${Number(range.ratio).toFixed(3)}` : ''}`,
      );
  }
}

// ------------------------------------------------------------------ report

if (progress) process.stdout.write(`\r${' '.repeat(80)}\r`);

/** Prints rows of cells in columns: the first two left-aligned, the numbers right-aligned. */
const printTable = (table) => {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) console.log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
};
const ratioText = (v) => (v === null || v === undefined ? '-' : v.toFixed(2));
console.log('');
printTable([
  ['scenario', 'metric', ...TS, 'C ENet', ...TS.map((t) => `${t} / C`), 'raw dgram'],
  ...rows.map((r) => [
    r.scenario,
    r.metric,
    ...TS.map((t) => fmt(r.values[t])),
    fmt(r.values[C]),
    ...TS.map((t) => ratioText(r.ratios[t])),
    fmt(r.values[RAW]),
  ]),
]);
const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(
  `\n${RUNS} run(s) per cell${only.includes('B8') ? ` (B8: ${B8_RUNS})` : ''}, medians unless the metric says otherwise; enet-ts / C: higher is better for rates, counts and the throttle, lower for times and bytes; ${os.cpus().length} cores, node ${process.version}, ${seconds} s`,
);
console.log(`  ${backendNote}`);
for (const n of notes) console.log(`  ${n}`);
if (rows.some((r) => r.cross)) {
  console.log('\nmixed pairs (which side costs what):');
  printTable([
    ['scenario', 'metric', ...TS.flatMap((t) => [t, `C server + ${t} client`, `${t} server + C client`]), 'C ENet'],
    ...rows
      .filter((r) => r.cross)
      .map((r) => [
        r.scenario,
        r.metric,
        ...TS.flatMap((t) => [fmt(r.values[t]), fmt(r.cross[`${C}/${t}`]), fmt(r.cross[`${t}/${C}`])]),
        fmt(r.values[C]),
      ]),
  ]);
}

const dir = join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const name = quick ? 'quick' : 'latest';
writeFileSync(
  join(dir, `${name}.json`),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.cpus().length, quick, pinned: pin, backends, nativeAddon: addon?.slice(root.length + 1) ?? null, scenarios: only, runsPerCell: RUNS, b8Runs: B8_RUNS, seconds: Number(seconds), rows, notes }, null, 2)}\n`,
);
writeFileSync(
  join(dir, `${name}.svg`),
  chart(
    rows.flatMap((r) =>
      TS.filter((t) => r.ratios[t] > 0 && Number.isFinite(r.ratios[t])).map((t) => ({
        label: TS.length > 1 ? `${r.scenario} ${t.slice(8)} ${r.metric}` : `${r.scenario} ${r.metric}`,
        better: r.better,
        ratio: r.ratios[t],
      })),
    ),
  ),
);
console.log(`wrote bench/results/${name}.json and bench/results/${name}.svg`);
process.exit(failedCells > 0 ? 1 : 0);

/** A bar chart of enet-ts against C on a log scale ({label, better, ratio} per bar), oriented so that a bar to the right is better. */
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
    svg += `<text x="10" y="${y + 13}">${esc(r.label.slice(0, 58))}</text>\n`;
    svg += `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y}" width="${Math.max(Math.abs(x1 - x0), 1).toFixed(1)}" height="17" fill="${v >= 1 ? '#3a7' : '#d64'}"/>\n`;
    svg += `<text x="${(Math.max(x0, x1) + 4).toFixed(1)}" y="${y + 13}">${v >= 1 ? `${v.toFixed(2)}×` : `1/${(1 / v).toFixed(1)}`}</text>\n`;
  });
  return `${svg}</svg>\n`;
}
