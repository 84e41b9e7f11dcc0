/**
 * The soak test behind `npm run soak`: one enet-ts server (its own process, sampled every second
 * for RSS, heap, event-loop delay and connected peers) and hundreds of clients (this process)
 * joining and leaving continuously over a lossy, jittery simulated link. Each client keeps a
 * reliable stream going that the server checks and echoes and the client checks again, byte for
 * byte and in order, and sends unreliable traffic beside it. The run fails when a byte is wrong
 * or when memory or event-loop delay trends upward (see soak-report.ts); it writes the samples
 * (soak.json) and a chart (soak.svg).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ENetConnection } from '../api/connection.js';
import { ENetPacketPeer } from '../api/packet-peer.js';
import { EventType } from '../api/enums.js';
import type { LinkConditions } from '../transport/link-shaper.js';
import { mulberry32 } from '../transport/link-shaper.js';
import { type SoakSample, type Trend, soakChart, trends } from './soak-report.js';

/** What to run. */
export interface SoakOptions {
  seconds: number;
  /** Clients connected at any time (each replaced by a new one when it leaves). */
  clients: number;
  /** Seconds of samples ignored by the trend check (V8 and the peer population settle). */
  warmupSeconds: number;
  /** The link both ways (applied to everything the server and each client send). */
  link: LinkConditions;
  /** Apply the trend check (off for smoke runs too short to have one). */
  checkTrend: boolean;
  seed: number;
  /** Progress lines (none when omitted). */
  log?: (line: string) => void;
}

/** What a soak run found. */
export interface SoakReport {
  samples: SoakSample[];
  trends: Trend[] | null;
  /** Client sessions that ran to their planned end (graceful leave or deliberate vanishing). */
  sessions: number;
  /** Sessions whose connection failed or broke before their planned end. */
  brokenSessions: number;
  /** Why they broke, with counts. */
  brokenReasons: Record<string, number>;
  reliableMessages: number;
  unreliableSent: number;
  unreliableReceived: number;
  /** Reliable messages or echoes that differed from what was sent, or arrived out of order. */
  byteErrors: number;
  ok: boolean;
  failures: string[];
}

/** Default link: 2 % loss, 20 ms ± 15 ms each way, 1 % duplicated, 2 % reordered. */
export const SOAK_LINK: LinkConditions = { lossPercent: 2, latencyMs: 20, jitterMs: 15, duplicatePercent: 1, reorderPercent: 2 };

/** Content of reliable message `seq` of client `id`: id and seq, then bytes derived from both. */
export function soakMessage(id: number, seq: number): Buffer {
  const size = 8 + ((seq * 37 + id) % 4 === 0 ? 2000 + ((id * 131 + seq) % 1500) : (id * 7 + seq * 13) % 300);
  const b = Buffer.allocUnsafe(size);
  b.writeUInt32BE(id >>> 0, 0);
  b.writeUInt32BE(seq >>> 0, 4);
  let x = (Math.imul(id, 2654435761) ^ seq) >>> 0;
  for (let i = 8; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const RELIABLE_CHANNEL = 0;
const UNRELIABLE_CHANNEL = 1;
const SEND_INTERVAL_MS = 100;

/** The server role: echoes reliable messages after checking them, counts unreliable ones, prints a sample a second. */
async function serverRole(link: LinkConditions): Promise<void> {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 2048, 2);
  server.onWarning = null;
  server.simulateLink(link);
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const start = performance.now();
  const expected = new Map<ENetPacketPeer, number>();
  let byteErrors = 0;
  let unreliable = 0;
  process.stdout.write(`port ${server.getLocalPort()}\n`);
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    const sample: SoakSample & { byteErrors: number; unreliable: number } = {
      t: Math.round((performance.now() - start) / 1000),
      rssMB: m.rss / 1048576,
      heapMB: m.heapUsed / 1048576,
      eventLoopDelayP99Ms: eld.percentile(99) / 1e6,
      peers: server.engine!.connectedPeers,
      byteErrors,
      unreliable,
    };
    eld.reset();
    process.stdout.write(`sample ${JSON.stringify(sample)}\n`);
  }, 1000);
  process.stdin.on('end', () => {
    clearInterval(sampler);
    server.destroy();
  });
  process.stdin.resume();
  for await (const e of server.events()) {
    const peer = e.peer!;
    if (e.type === EventType.CONNECT) expected.set(peer, 0);
    else if (e.type === EventType.DISCONNECT) expected.delete(peer);
    else if (e.type === EventType.RECEIVE && e.channel === UNRELIABLE_CHANNEL) unreliable++;
    else if (e.type === EventType.RECEIVE) {
      const packet = Buffer.from(e.packet!.buffer, e.packet!.byteOffset, e.packet!.byteLength);
      const seq = expected.get(peer) ?? 0;
      if (packet.length < 8 || !packet.equals(soakMessage(packet.readUInt32BE(0), seq))) byteErrors++;
      expected.set(peer, seq + 1);
      peer.send(RELIABLE_CHANNEL, packet, ENetPacketPeer.FLAG_RELIABLE);
    }
  }
}

/** One client session: connect, stream for `lifetimeMs`, then leave gracefully (after every echo) or vanish. */
async function clientSession(
  id: number,
  port: number,
  lifetimeMs: number,
  vanish: boolean,
  link: LinkConditions,
  stats: SoakReport,
): Promise<void> {
  const conn = new ENetConnection();
  await conn.createHost(1, 2);
  conn.onWarning = null;
  conn.simulateLink(link);
  let sent = 0;
  let echoed = 0;
  let broken: string | null = null;
  let sender: NodeJS.Timeout | null = null;
  try {
    const peer = await conn.connectToHost('127.0.0.1', port, 2);
    peer.setTimeout(32, 5000, 15000);
    const deadline = performance.now() + lifetimeMs;
    let connected = false;
    let disconnected = false;
    sender = setInterval(() => {
      if (!connected || disconnected || performance.now() >= deadline) return;
      peer.send(RELIABLE_CHANNEL, soakMessage(id, sent++), ENetPacketPeer.FLAG_RELIABLE);
      peer.send(UNRELIABLE_CHANNEL, new Uint8Array(64).fill(id & 0xff), 0);
      stats.unreliableSent++;
    }, SEND_INTERVAL_MS);
    const until = async (done: () => boolean, ms: number) => {
      const end = performance.now() + ms;
      while (!done() && !disconnected && performance.now() < end) {
        const e = await conn.service(Math.max(1, Math.min(250, Math.ceil(end - performance.now()))));
        if (e.type === EventType.CONNECT) connected = true;
        else if (e.type === EventType.DISCONNECT || e.type === EventType.ERROR) disconnected = true;
        else if (e.type === EventType.RECEIVE) {
          const packet = peer.getPacket();
          if (!Buffer.from(packet).equals(soakMessage(id, echoed))) stats.byteErrors++;
          echoed++;
          stats.reliableMessages++;
        }
      }
      return done();
    };
    if (!(await until(() => connected, 10000))) broken = 'no connection within 10 s';
    else {
      await until(() => false, lifetimeMs);
      if (!vanish) {
        const allEchoed = await until(() => echoed === sent, 20000);
        // A peer already disconnected (a timeout on the lossy link) has nothing left to disconnect.
        if (disconnected) broken = allEchoed ? 'disconnected before leaving' : 'disconnected early';
        else {
          if (!allEchoed) broken = `${sent - echoed} echoes missing`;
          peer.peerDisconnect(0);
          // A lost acknowledgement of the DISCONNECT leaves it to the peer timeout (as in ENet): up to 15 s here.
          if (!broken && !(await until(() => disconnected, 20000))) broken = 'no DISCONNECT event within 20 s';
        }
      }
    }
  } catch (err) {
    broken = String(err);
  } finally {
    if (sender) clearInterval(sender);
    conn.destroy();
  }
  if (broken !== null) {
    stats.brokenSessions++;
    stats.brokenReasons[broken] = (stats.brokenReasons[broken] ?? 0) + 1;
  } else stats.sessions++;
}

/** Runs a soak test; resolves with what it found. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const rnd = mulberry32(options.seed);
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, self, '--role', 'server', '--link', JSON.stringify(options.link)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const report: SoakReport = {
    samples: [],
    trends: null,
    sessions: 0,
    brokenSessions: 0,
    brokenReasons: {},
    reliableMessages: 0,
    unreliableSent: 0,
    unreliableReceived: 0,
    byteErrors: 0,
    ok: false,
    failures: [],
  };
  let serverByteErrors = 0;
  let buffered = '';
  let onPort: ((port: number) => void) | null = null;
  const port = new Promise<number>((r) => {
    onPort = r;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('port ')) onPort?.(Number(line.slice(5)));
      else if (line.startsWith('sample ')) {
        const s = JSON.parse(line.slice(7)) as SoakSample & { byteErrors: number; unreliable: number };
        serverByteErrors = s.byteErrors;
        report.unreliableReceived = s.unreliable;
        report.samples.push({ t: s.t, rssMB: s.rssMB, heapMB: s.heapMB, eventLoopDelayP99Ms: s.eventLoopDelayP99Ms, peers: s.peers });
        if (s.t % 10 === 0)
          log(
            `${s.t}s: ${s.peers} peers, RSS ${s.rssMB.toFixed(0)} MB, heap ${s.heapMB.toFixed(0)} MB, event-loop p99 ${s.eventLoopDelayP99Ms.toFixed(1)} ms, sessions ${report.sessions} (+${report.brokenSessions} broken), messages ${report.reliableMessages}`,
          );
      }
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const serverPort = await Promise.race([
      port,
      exited.then(() => {
        throw new Error('the soak server exited before reporting its port');
      }),
    ]);
    const end = performance.now() + options.seconds * 1000;
    let nextId = 1;
    const running = new Set<Promise<void>>();
    const launch = () => {
      const remaining = end - performance.now();
      if (remaining < 2000) return;
      const lifetime = Math.min(remaining - 1000, 5000 + rnd() * 25000);
      const p = clientSession(nextId++, serverPort, lifetime, rnd() < 0.2, options.link, report).finally(() => {
        running.delete(p);
        launch();
      });
      running.add(p);
    };
    // Ramp up over the first seconds rather than all at once.
    for (let i = 0; i < options.clients; i++) setTimeout(launch, (i * 3000) / options.clients);
    await new Promise((r) => setTimeout(r, options.seconds * 1000));
    while (running.size > 0) await Promise.race(running);
  } finally {
    child.stdin!.end();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(kill);
  }
  report.byteErrors += serverByteErrors;
  // The samples of the run proper: not those of the last sessions leaving afterwards.
  report.trends = trends(
    report.samples.filter((s) => s.t <= options.seconds),
    options.warmupSeconds,
  );
  if (report.byteErrors > 0) report.failures.push(`${report.byteErrors} reliable messages differed or arrived out of order`);
  if (options.checkTrend) {
    if (report.trends === null) report.failures.push('too few samples after warm-up for a trend');
    for (const t of report.trends ?? [])
      if (t.rising)
        report.failures.push(`${t.metric} trends upward: ${t.first.toFixed(1)} -> ${t.last.toFixed(1)} (limit ${t.limit.toFixed(1)})`);
  }
  const started = report.sessions + report.brokenSessions;
  if (started === 0 || report.brokenSessions > started * 0.05)
    report.failures.push(`${report.brokenSessions} of ${started} client sessions broke: ${JSON.stringify(report.brokenReasons)}`);
  report.ok = report.failures.length === 0;
  return report;
}

const HELP = `usage: npm run soak -- [--seconds S (default 600)] [--clients N (default 300)] [--warmup S] [--seed N] [--out DIR (default soak-results)]

One server, N clients joining and leaving continuously over a lossy, jittery simulated link
(2 % loss, 20 ± 15 ms, duplication, reordering), each checking a reliable stream byte for byte.
Fails when a byte is wrong or the server's RSS, heap or event-loop delay trends upward.`;

async function main(argv: string[]): Promise<number> {
  const arg = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : def;
  };
  if (argv.includes('--role')) {
    await serverRole(JSON.parse(arg('--link', '{}')) as LinkConditions);
    return 0;
  }
  if (argv.includes('--help')) {
    console.log(HELP);
    return 0;
  }
  const seconds = Number(arg('--seconds', '600'));
  const options: SoakOptions = {
    seconds,
    clients: Number(arg('--clients', '300')),
    warmupSeconds: Number(arg('--warmup', String(Math.min(60, Math.round(seconds / 4))))),
    link: SOAK_LINK,
    checkTrend: true,
    seed: Number(arg('--seed', String(Date.now() % 100000))),
    log: (line) => console.log(line),
  };
  console.log(`soak: ${options.clients} clients for ${seconds} s (warm-up ${options.warmupSeconds} s, seed ${options.seed})`);
  const r = await runSoak(options);
  const out = resolve(arg('--out', 'soak-results'));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'soak.json'), `${JSON.stringify({ options: { ...options, log: undefined }, ...r }, null, 1)}\n`);
  const first = r.samples.find((s) => s.t >= options.warmupSeconds) ?? r.samples[0];
  const last = r.samples[r.samples.length - 1];
  writeFileSync(
    join(out, 'soak.svg'),
    soakChart(r.samples, `enet-ts soak: ${options.clients} clients joining and leaving for ${seconds} s over a lossy, jittery link`),
  );
  console.log(
    `${r.ok ? 'ok' : 'FAIL'}: ${r.sessions} sessions (+${r.brokenSessions} broken), ${r.reliableMessages} reliable messages echoed byte-exact (${r.byteErrors} errors), unreliable ${r.unreliableReceived}/${r.unreliableSent}`,
  );
  if (first && last)
    console.log(
      `server after warm-up -> end: RSS ${first.rssMB.toFixed(0)} -> ${last.rssMB.toFixed(0)} MB, heap ${first.heapMB.toFixed(0)} -> ${last.heapMB.toFixed(0)} MB, event-loop p99 ${first.eventLoopDelayP99Ms.toFixed(1)} -> ${last.eventLoopDelayP99Ms.toFixed(1)} ms, peers ${first.peers} -> ${last.peers}`,
    );
  for (const t of r.trends ?? [])
    console.log(
      `trend ${t.metric}: median first third ${t.first.toFixed(1)}, last third ${t.last.toFixed(1)} (limit ${t.limit.toFixed(1)})`,
    );
  for (const f of r.failures) console.log(`failure: ${f}`);
  console.log(`wrote ${join(out, 'soak.json')} and ${join(out, 'soak.svg')}`);
  return r.ok ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
