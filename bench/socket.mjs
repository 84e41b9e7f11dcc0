// Micro-benchmark of the two DatagramSocket backends (not a test): floods datagrams of 64 and
// 1200 bytes from one process to another on 127.0.0.1 and prints, per backend and size, the
// datagrams received per second and the CPU time (user + system) per datagram on each side.
//
// Usage: npx tsc -p tsconfig.build.json && node bench/socket.mjs [--count N] [--runs R] [--pin]
//   --count N  datagrams per flood (default 200000)
//   --runs R   floods per cell, interleaved (default 1)
//   --pin      sender on CPU 0, receiver on CPU 1 (taskset)
// Rows: native (sendmmsg with GSO: each batch is one run to one address), native-nogso (plain
// sendmmsg), native-gro (GSO into a UDP_GRO receiver, split back per datagram), dgram. Senders
// hand the socket batches of 64 datagrams and yield to the event loop every 4 batches.
// The receiver times from its first batch to its last and stops after 300 ms of silence; it also
// counts the garbage collections in that window (recv GCs).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const openSocketJs = join(root, 'dist', 'transport', 'open-socket.js');
const META_WORDS = 8;
const BATCH = 64;
const SILENCE_MS = 300;

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);

async function openSocket(backend, receiveBufferSize, gro = false) {
  if (!existsSync(openSocketJs)) throw new Error(`${openSocketJs} missing: run npx tsc -p tsconfig.build.json first`);
  const { openDatagramSocket } = await import(pathToFileURL(openSocketJs).href);
  return openDatagramSocket({ bindAddress: '127.0.0.1', port: 0, receiveBufferSize, sendBufferSize: 4 << 20, gro }, backend);
}

/** Child role: receives until silence, then prints one JSON line. */
async function receive(backend) {
  const socket = await openSocket(backend.startsWith('native') ? 'native' : backend, 4 << 20, backend === 'native-gro');
  let count = 0;
  let first = 0;
  let last = 0;
  let cpuAtFirst = null;
  let cpuAtLast = null;
  let countAtFirst = 0;
  let silence = null;
  let collections = 0; // garbage collections while datagrams came in
  const gc = new PerformanceObserver((list) => {
    if (cpuAtFirst !== null) collections += list.getEntries().length;
  });
  gc.observe({ entryTypes: ['gc'] });
  const finish = () => {
    gc.disconnect();
    socket.close();
    const cpu = cpuAtLast && cpuAtFirst ? cpuAtLast.user + cpuAtLast.system - cpuAtFirst.user - cpuAtFirst.system : 0;
    const timed = count - countAtFirst;
    const seconds = Number(last - first) / 1e9;
    console.log(
      JSON.stringify({
        received: count,
        rate: seconds > 0 ? timed / seconds : 0,
        cpuPerDatagram: timed > 0 ? cpu / timed : 0,
        collections,
      }),
    );
    process.exit(0);
  };
  socket.onReceive = (batch) => {
    count += batch.count;
    last = process.hrtime.bigint();
    if (cpuAtFirst === null) {
      first = last;
      cpuAtFirst = process.cpuUsage();
      countAtFirst = count;
    }
    cpuAtLast = process.cpuUsage();
    if (silence === null) silence = setInterval(() => Number(process.hrtime.bigint() - last) / 1e6 > SILENCE_MS && finish(), 50);
  };
  console.log(`PORT ${socket.localPort()}`);
}

/** Child role: floods `total` datagrams of `size` bytes to `port`, then prints one JSON line. */
async function send(backend, size, port, total) {
  const socket = await openSocket(backend.startsWith('native') ? 'native' : backend, 0);
  if (backend === 'native-nogso') socket.setGso(false);
  const data = new Uint8Array(size * BATCH);
  const meta = new Uint32Array(META_WORDS * BATCH);
  for (let i = 0; i < BATCH; i++) {
    data.fill(i, i * size, (i + 1) * size);
    meta.set([i * size, size, 0, 0, 0xffff, 0x7f000001, port, 0], i * META_WORDS);
  }
  const batch = { data, meta, count: BATCH };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let sent = 0;
  while (sent < total) {
    for (let k = 0; k < 4 && sent < total; k++) {
      batch.count = Math.min(BATCH, total - sent);
      socket.send(batch);
      sent += batch.count;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const stats = typeof socket.stats === 'function' ? socket.stats() : null;
  socket.close();
  console.log(JSON.stringify({ sent, rate: sent / seconds, cpuPerDatagram: (used.user + used.system) / sent, stats }));
  setTimeout(() => process.exit(0), 1100); // dgram's close waits for libuv's queue (up to 1 s)
}

/** Spawns a role of this script (optionally pinned) and resolves with its output lines as they come. */
function role(cpu, roleArgs) {
  const command = cpu === null ? process.execPath : 'taskset';
  const argv = cpu === null ? roleArgs : ['-c', String(cpu), process.execPath, ...roleArgs];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let wake = null;
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop();
    lines.push(...parts);
    wake?.();
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const line = async (test) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = lines.find(test);
      if (found !== undefined) return found;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`role ${roleArgs.join(' ')} ended without output`);
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
  };
  return { child, line, exited };
}

async function cell(backend, size, count, pin) {
  const script = fileURLToPath(import.meta.url);
  const receiver = role(pin ? 1 : null, [script, 'receive', backend]);
  const port = Number((await receiver.line((l) => l.startsWith('PORT '))).slice(5));
  const sender = role(pin ? 0 : null, [script, 'send', backend, String(size), String(port), String(count)]);
  const sent = JSON.parse(await sender.line((l) => l.startsWith('{')));
  const received = JSON.parse(await receiver.line((l) => l.startsWith('{')));
  await Promise.all([sender.exited, receiver.exited]);
  return { sent, received };
}

async function main() {
  const count = option('--count', 200_000);
  const runs = option('--runs', 1);
  const pin = args.includes('--pin');
  const rows = [];
  for (let run = 0; run < runs; run++) {
    for (const size of [64, 1200]) {
      for (const backend of ['native', 'native-nogso', 'native-gro', 'dgram']) {
        const { sent, received } = await cell(backend, size, count, pin);
        rows.push({ backend, size, run, sent, received });
      }
    }
  }
  console.log('backend       size  sent/s     recv/s     lost %  send µs/dgram  recv µs/dgram  GSO msgs  recv GCs');
  for (const r of rows) {
    const lost = (100 * (r.sent.sent - r.received.received)) / r.sent.sent;
    console.log(
      [
        r.backend.padEnd(12),
        String(r.size).padStart(5),
        Math.round(r.sent.rate).toString().padStart(9),
        Math.round(r.received.rate).toString().padStart(9),
        lost.toFixed(1).padStart(7),
        r.sent.cpuPerDatagram.toFixed(2).padStart(13),
        r.received.cpuPerDatagram.toFixed(2).padStart(13),
        String(r.sent.stats?.gsoMessages ?? '-').padStart(9),
        String(r.received.collections).padStart(8),
      ].join('  '),
    );
  }
}

const [mode, ...rest] = args;
if (mode === 'receive') await receive(rest[0]);
else if (mode === 'send') await send(rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3]));
else await main();
