/**
 * The fuzzer behind `npm run fuzz`: feeds a host random datagrams and mutations of valid ones
 * (captured vectors and traffic recorded from peers with valid sessions), plain, compressed and
 * checksummed, from many source addresses, while a legitimate client keeps a reliable stream
 * going. Checks after every datagram that no exception escapes, and that memory stays bounded
 * and the legitimate stream arrives complete and in order.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Host, type HostOptions } from '../engine/host.js';
import type { Compressor } from '../compress/compressor.js';
import { mulberry32 } from '../transport/link-shaper.js';
import { PeerState } from '../api/enums.js';
import { putU32BE } from '../protocol/big-endian.js';
import { crc32 } from '../protocol/crc32.js';
import { createCompressor } from '../compress/registry.js';
import { runDtlsFuzz } from './fuzz-dtls.js';
import { loadVariantCorpus, runVariantFuzz } from './fuzz-variant.js';
import { CAPTURED_DATAGRAMS } from './fuzz-corpus.js';
import { ExceptionGuard } from './exception-guard.js';

/** What to fuzz and for how long. */
export interface FuzzOptions {
  /** Datagrams to feed the server. */
  count: number;
  seed?: number;
  /** Stop after this many ms of wall time even if `count` is not reached. */
  timeLimitMs?: number;
  checksum?: boolean;
  /** Makes the compressor every host uses (null = no compression). */
  compressor?: () => Compressor | null;
  /** Extra datagrams to mutate (e.g. captured vectors). */
  corpus?: Uint8Array[];
  /** Host options for the server (caps). */
  server?: Partial<HostOptions>;
}

/** What a fuzz run found. */
export interface FuzzReport {
  datagrams: number;
  exceptions: number;
  firstException?: string;
  peakRssMB: number;
  peakHeapMB: number;
  peakReassemblyBytes: number;
  peakWaitingData: number;
  legitSent: number;
  legitReceived: number;
  legitInOrder: boolean;
  legitConnected: boolean;
  elapsedMs: number;
  /** Datagrams the server dropped before processing, by reason. */
  drops: Record<string, number>;
  /** Events the hostile traffic produced on the server (connects, disconnects, packets). */
  hostileEvents: number;
}

interface Wire {
  to: string;
  data: Uint8Array;
  fromAddress: string;
  fromPort: number;
}

const SERVER = '10.0.0.1:7000';
const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** Runs one fuzz campaign; deterministic for a given seed and count (wall-time limit aside). */
export function runFuzz(options: FuzzOptions): FuzzReport {
  const rnd = mulberry32(options.seed ?? 1);
  const int = (n: number) => Math.floor(rnd() * n);
  const makeCompressor = options.compressor ?? (() => null);
  const start = Date.now();
  let now = 1000;
  const wire: Wire[] = [];
  const hosts = new Map<string, Host>();
  const recorded: Array<{ data: Uint8Array; address: string; port: number }> = [];
  let recording = true;

  const addHost = (address: string, port: number, opts: HostOptions): Host => {
    const from = `${address}:${port}`;
    const h = new Host({ random: () => int(0x100000000) >>> 0, ...opts }, (lent, start, end, to, toPort) => {
      const data = lent.slice(start, end); // the engine lends its scratch buffer
      const dest = `${to}:${toPort}`;
      wire.push({ to: dest, data, fromAddress: address, fromPort: port });
      if (recording && dest === SERVER && from !== '10.9.9.9:5000' && recorded.length < 4000) recorded.push({ data, address, port });
    });
    h.checksum = !!options.checksum;
    h.compressor = makeCompressor();
    h.setTime(now);
    hosts.set(from, h);
    return h;
  };

  const server = addHost('10.0.0.1', 7000, { peerCount: 64, channelLimit: 4, ...options.server });
  const legit = addHost('10.9.9.9', 5000, { peerCount: 1 });
  const attackers: Host[] = [];
  for (let i = 0; i < 6; i++) attackers.push(addHost(`10.0.1.${i + 1}`, 6000 + i, { peerCount: 1 }));

  const escaped = new ExceptionGuard();
  const guard = escaped.run;
  const legitReceived: number[] = [];
  let hostileEvents = 0;
  const step = (ms: number) => {
    now += ms;
    for (const h of hosts.values()) h.setTime(now);
    const batch = wire.splice(0);
    for (const w of batch) {
      const h = hosts.get(w.to);
      if (h) guard(() => h.receive(w.data, w.fromAddress, w.fromPort));
    }
    for (const h of hosts.values()) guard(() => h.service());
    for (;;) {
      let e = null;
      guard(() => {
        e = server.checkEvents();
      });
      if (e === null) break;
      const ev = e as { type: string; peer: { address: string }; packet: Uint8Array | null };
      if (ev.type === 'receive' && ev.peer.address === '10.9.9.9' && ev.packet && ev.packet.length >= 4)
        legitReceived.push(new DataView(ev.packet.buffer, ev.packet.byteOffset).getUint32(0));
      else if (ev.peer.address !== '10.9.9.9') hostileEvents++;
    }
    for (const h of hosts.values()) if (h !== server) while (h.checkEvents() !== null);
  };

  const connect = (h: Host, data: number) => h.connect('10.0.0.1', 7000, 4, data);
  const legitPeer = connect(legit, 1)!;
  for (const a of attackers) connect(a, 2);
  for (let t = 0; t < 300; t++) step(1);
  // Warm-up traffic from the attackers: every kind of command, recorded as the mutation corpus.
  for (const a of attackers) {
    const p = a.peerAt(0);
    if (p.state !== PeerState.CONNECTED) continue;
    p.send(0, new Uint8Array(10).fill(1), 1);
    p.send(1, new Uint8Array(3000).fill(2), 1);
    p.send(2, new Uint8Array(20).fill(3), 0);
    p.send(3, new Uint8Array(20).fill(4), 2);
    p.send(1, new Uint8Array(5000).fill(5), 8);
    p.ping();
    p.throttleConfigure(5000, 2, 2);
  }
  for (let t = 0; t < 200; t++) step(1);
  recording = false;
  const codec = makeCompressor();
  const corpus = recorded.concat((options.corpus ?? []).map((data) => ({ data, address: '10.0.2.1', port: 4000 })));

  let legitSent = 0;
  let peakRss = 0;
  let peakHeap = 0;
  let peakReassembly = 0;
  let peakWaiting = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const deadline = options.timeLimitMs ? start + options.timeLimitMs : Infinity;
  let n = 0;
  for (; n < options.count; n++) {
    const { data, address, port } = makeDatagram();
    guard(() => server.receive(data, address, port));
    if ((n & 63) === 63) {
      step(1 + int(4));
      peakReassembly = Math.max(peakReassembly, server.reassemblyBytes);
      for (const p of server.active) peakWaiting = Math.max(peakWaiting, p.totalWaitingData);
    }
    if (n % 500 === 0 && legitPeer.state === PeerState.CONNECTED) {
      const msg = new Uint8Array(32);
      putU32BE(msg, 0, legitSent);
      if (legitPeer.send(legitSent % 4, msg, 1)) legitSent++;
    }
    if ((n & 0x3ff) === 0) for (const a of attackers) if (a.peerAt(0).state === PeerState.DISCONNECTED) connect(a, 3);
    if ((n & 0x3fff) === 0) {
      sample();
      if (Date.now() > deadline) break;
    }
  }
  for (let t = 0; t < 3000; t++) step(1);
  sample();
  // Each channel is ordered on its own: check order per channel (messages went round-robin).
  let inOrder = true;
  const lastPerChannel = [-1, -1, -1, -1];
  for (const id of legitReceived) {
    const ch = id % 4;
    if (id <= lastPerChannel[ch]!) inOrder = false;
    lastPerChannel[ch] = id;
  }
  return {
    datagrams: n,
    exceptions: escaped.count,
    firstException: escaped.first,
    peakRssMB: Math.round(peakRss / 1048576),
    peakHeapMB: Math.round(peakHeap / 1048576),
    peakReassemblyBytes: peakReassembly,
    peakWaitingData: peakWaiting,
    legitSent,
    legitReceived: legitReceived.length,
    legitInOrder: inOrder && new Set(legitReceived).size === legitReceived.length,
    legitConnected: legitPeer.state === PeerState.CONNECTED,
    elapsedMs: Date.now() - start,
    drops: { ...server.drops },
    hostileEvents,
  };

  function randomAddress(): { address: string; port: number } {
    const r = int(10);
    if (r < 6) return { address: `10.0.1.${1 + int(6)}`, port: 6000 + int(6) };
    return { address: `10.${int(256)}.${int(256)}.${int(256)}`, port: int(65536) };
  }

  function makeDatagram(): { data: Uint8Array; address: string; port: number } {
    const kind = int(100);
    if (kind < 12 || corpus.length === 0) {
      const d = new Uint8Array(int(kind < 2 ? 5000 : 200));
      for (let i = 0; i < d.length; i++) d[i] = int(256);
      return { data: d, ...randomAddress() };
    }
    if (kind < 22) {
      // A forged header for a random slot and session, with a corpus body.
      const base = corpus[int(corpus.length)]!;
      const d = Uint8Array.prototype.slice.call(base.data);
      if (d.length >= 2) {
        const word = (int(65) | (int(4) << 12) | (int(4) << 14)) & 0xffff;
        d[0] = word >>> 8;
        d[1] = word & 0xff;
      }
      return { data: d, ...randomAddress() };
    }
    const src = corpus[int(corpus.length)]!;
    const plain = toPlain(src.data);
    let d: Uint8Array = plain ?? Uint8Array.prototype.slice.call(src.data);
    const mutations = 1 + int(4);
    for (let m = 0; m < mutations; m++) d = mutate(d);
    // Mostly re-apply what the server expects (checksum, compression) so the mutation reaches
    // the command handlers; sometimes leave it raw to hit the envelope checks.
    return { data: plain && int(10) < 8 ? fromPlain(d, src.address, src.port) : d, address: src.address, port: src.port };
  }

  /** Header (2 or 4 bytes) + plain commands of a datagram, without checksum or compression. */
  function toPlain(d: Uint8Array): Uint8Array | null {
    if (d.length < 2) return null;
    const hs = d[0]! & 0x80 ? 4 : 2;
    const cs = options.checksum ? 4 : 0;
    if (d.length < hs + cs) return null;
    let body = d.subarray(hs + cs);
    if (d[0]! & 0x40) {
      if (!codec) return null;
      const out = new Uint8Array(4096);
      const n = codec.decompress(body, out);
      if (n === 0) return null;
      body = out.subarray(0, n);
    }
    const plain = new Uint8Array(hs + body.length);
    plain.set(d.subarray(0, hs));
    plain[0] = plain[0]! & ~0x40;
    plain.set(body, hs);
    return plain;
  }

  /** Inverse of toPlain: adds the checksum (seeded as ENet does) and compresses when it shrinks. */
  function fromPlain(p: Uint8Array, address: string, port: number): Uint8Array {
    if (p.length < 2) return p;
    const hs = p[0]! & 0x80 ? 4 : 2;
    if (p.length < hs) return p;
    const header = Uint8Array.prototype.slice.call(p, 0, hs);
    // Address the sender's current slot and session on the server, as a real peer would.
    const slot = server.active.find((x) => x.address === address && x.port === port && x.state !== PeerState.DISCONNECTED);
    if (slot && int(10) < 9) {
      const word = ((header[0]! & 0xc0) << 8) | ((slot.incomingSessionID & 3) << 12) | slot.incomingPeerID;
      header[0] = word >>> 8;
      header[1] = word & 0xff;
    }
    let body = p.subarray(hs);
    const cs = options.checksum ? 4 : 0;
    let crc = 0;
    if (cs) {
      const id = ((header[0]! << 8) | header[1]!) & 0xfff;
      const seed = id < 0xfff && id < server.peerCount ? (server.peerIfCreated(id)?.connectID ?? 0) : 0;
      const seedBytes = new Uint8Array([seed >>> 24, (seed >>> 16) & 0xff, (seed >>> 8) & 0xff, seed & 0xff]);
      crc = crc32(body, crc32(seedBytes, crc32(header.subarray(0, hs))));
    }
    if (codec && body.length > 0) {
      const out = new Uint8Array(body.length);
      const n = codec.compress(body, out);
      if (n > 0 && n < body.length) {
        body = out.subarray(0, n);
        header[0] = header[0]! | 0x40;
        if (cs) {
          // The checksum covers the header as sent (with the COMPRESSED flag) and the plain body.
          const id = ((header[0]! << 8) | header[1]!) & 0xfff;
          const seed = id < 0xfff && id < server.peerCount ? (server.peerIfCreated(id)?.connectID ?? 0) : 0;
          const seedBytes = new Uint8Array([seed >>> 24, (seed >>> 16) & 0xff, (seed >>> 8) & 0xff, seed & 0xff]);
          crc = crc32(p.subarray(hs), crc32(seedBytes, crc32(header)));
        }
      }
    }
    const out = new Uint8Array(hs + cs + body.length);
    out.set(header);
    if (cs) putU32BE(out, hs, crc >>> 0);
    out.set(body, hs + cs);
    return out;
  }

  function mutate(d: Uint8Array): Uint8Array {
    const r = int(9);
    if (d.length === 0) return new Uint8Array([int(256)]);
    switch (r) {
      case 0: {
        const i = int(d.length);
        d[i] = d[i]! ^ (1 << int(8));
        return d;
      }
      case 1:
        d[int(d.length)] = int(256);
        return d;
      case 2:
        return d.subarray(0, int(d.length));
      case 3: {
        const e = new Uint8Array(d.length + 1 + int(64));
        e.set(d);
        for (let i = d.length; i < e.length; i++) e[i] = int(256);
        return e;
      }
      case 4:
      case 5: {
        const v = INTERESTING[int(INTERESTING.length)]!;
        const i = int(d.length);
        const width = r === 4 ? 2 : 4;
        for (let k = 0; k < width && i + k < d.length; k++) d[i + k] = (v >>> (8 * (width - 1 - k))) & 0xff;
        return d;
      }
      case 6: {
        const other = corpus[int(corpus.length)]!.data;
        const cut = int(d.length);
        const e = new Uint8Array(cut + other.length);
        e.set(d.subarray(0, cut));
        e.set(other, cut);
        return e.length > 4200 ? e.subarray(0, 4200) : e;
      }
      case 7: {
        // Set the command byte at a plausible command boundary to another command.
        const i = Math.min(d.length - 1, 2 + int(Math.max(1, d.length - 2)));
        d[i] = (int(13) | (int(4) << 6)) & 0xff;
        return d;
      }
      default: {
        // Copy a run of bytes inside the datagram.
        const a = int(d.length);
        const b = int(d.length);
        const len = int(Math.min(32, d.length - Math.max(a, b)) + 1);
        d.copyWithin(a, b, b + len);
        return d;
      }
    }
  }
}

/** Loads the captured datagrams of a vectors folder (hex in the *.json captures, e.g. test/vectors) as a corpus. */
export function loadVectorCorpus(dir: string): Uint8Array[] {
  if (!existsSync(dir)) return [];
  const out: Uint8Array[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json') || /\.(client|server)\.json$/.test(f)) continue;
    try {
      const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { datagrams?: Array<{ hex: string }> };
      for (const d of j.datagrams ?? []) out.push(Buffer.from(d.hex, 'hex'));
    } catch {
      /* not a capture */
    }
  }
  return out;
}

/** The captured datagrams compiled into the package (the default corpus when no --vectors folder is given). */
export function defaultCorpus(): Uint8Array[] {
  return CAPTURED_DATAGRAMS.map((b) => Buffer.from(b, 'base64'));
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : def;
  };
  if (argv.includes('--help')) {
    console.log(
      'usage: npm run fuzz -- [--count N (default 10000000)] [--seconds S (default 1200)] [--seed N] [--vectors DIR (default: the captures compiled in)]',
    );
    console.log('       npm run fuzz -- --dtls [--count N (default 1000000)] [--seconds S (default 1200)] [--seed N]');
    console.log('       npm run fuzz -- --variant [--count N] [--seconds S] [--seed N]   (the Variant decoder)');
    return 0;
  }
  const dtls = argv.includes('--dtls');
  const count = Number(arg('--count', dtls ? '1000000' : '10000000'));
  const seconds = Number(arg('--seconds', '1200'));
  const seed = Number(arg('--seed', String(Date.now() % 100000)));
  if (dtls) return mainDtls(count, seconds, seed);
  const here = dirname(fileURLToPath(import.meta.url));
  if (argv.includes('--variant')) {
    const corpus = loadVariantCorpus(resolve(here, '..', '..', 'test', 'vectors', 'variant'));
    const r = runVariantFuzz({ count, seed, corpus, timeLimitMs: seconds * 1000 });
    const ok = r.exceptions === 0 && r.mismatches === 0;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} variant decoder: ${r.inputs} inputs in ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.decoded} decoded, errors ${JSON.stringify(r.errors)}, exceptions ${r.exceptions}, mismatches ${r.mismatches}, peak heap ${r.peakHeapMB} MB (seed ${seed})`,
    );
    if (r.firstException) console.log(r.firstException);
    if (r.firstMismatch) console.log(r.firstMismatch);
    return ok ? 0 : 1;
  }
  const vectors = argv.includes('--vectors') ? arg('--vectors', '') : null;
  const corpus = vectors !== null ? loadVectorCorpus(resolve(vectors)) : defaultCorpus();

  const variants: Array<[string, FuzzOptions]> = [
    ['plain', { count: 0 }],
    ['checksum', { count: 0, checksum: true }],
  ];
  for (const mode of [1, 2, 3, 4]) {
    variants.push([`compress ${mode}`, { count: 0, compressor: () => createCompressor(mode) }]);
    variants.push([`compress ${mode} + checksum`, { count: 0, checksum: true, compressor: () => createCompressor(mode) }]);
  }
  let failed = false;
  let total = 0;
  for (const [name, v] of variants) {
    const r = runFuzz({ ...v, count: Math.ceil(count / variants.length), seed, corpus, timeLimitMs: (seconds * 1000) / variants.length });
    total += r.datagrams;
    const ok = r.exceptions === 0 && r.legitConnected && r.legitInOrder && r.legitReceived === r.legitSent;
    failed ||= !ok;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(24)} ${r.datagrams} datagrams in ${(r.elapsedMs / 1000).toFixed(1)} s, exceptions ${r.exceptions}, peak RSS ${r.peakRssMB} MB, heap ${r.peakHeapMB} MB, reassembly ${r.peakReassemblyBytes} B, legit ${r.legitReceived}/${r.legitSent} ${r.legitInOrder ? 'in order' : 'OUT OF ORDER'}${r.legitConnected ? '' : ' DISCONNECTED'}`,
    );
    if (r.firstException) console.log(r.firstException);
  }
  console.log(`${total} datagrams fuzzed (seed ${seed})`);
  return failed ? 1 : 0;
}

/** `--dtls`: one DTLS campaign; prints its report; 1 when anything is wrong. */
function mainDtls(count: number, seconds: number, seed: number): number {
  const r = runDtlsFuzz({ count, seed, timeLimitMs: seconds * 1000 });
  const ok =
    r.exceptions === 0 &&
    r.acceptedForgeries === 0 &&
    r.legitConnected &&
    r.legitIntact &&
    r.peakServerSessions <= r.maxPending + 1 &&
    r.heapAfterMB - r.heapBeforeMB < 64;
  const rate = Math.round(r.inputs / (r.elapsedMs / 1000));
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} dtls: ${r.inputs} hostile datagrams in ${(r.elapsedMs / 1000).toFixed(1)} s (${rate}/s), exceptions ${r.exceptions}, accepted forgeries ${r.acceptedForgeries}, legit ${r.legitReceived}/${r.legitSent} each way ${r.legitIntact ? 'intact' : 'NOT INTACT'}${r.legitConnected ? '' : ' DISCONNECTED'}`,
  );
  console.log(
    `     heap ${r.heapBeforeMB} MB before, ${r.heapAfterMB} MB after, peak ${r.peakHeapMB} MB, peak RSS ${r.peakRssMB} MB; server sessions peak ${r.peakServerSessions} (cap ${r.maxPending} pending + 1), ${r.hostileSessionsOpened} hostile sessions opened, ${r.evictions} evicted`,
  );
  console.log(
    `     handshake targets: ${r.targetsBuilt} built, ${r.targetsFailed} failed, ${r.targetsCompleted} completed and verified with their genuine peer, ${r.targetsStalled} stalled (a forged plaintext message was taken before keys could tell)`,
  );
  for (const [where, n] of Object.entries(r.byTarget)) console.log(`     ${String(n).padStart(9)} to ${where}`);
  for (const [state, n] of Object.entries(r.targetStates).sort()) console.log(`     ${String(n).padStart(9)} targets ${state}`);
  if (r.firstException) console.log(r.firstException);
  if (r.firstForgery) console.log(r.firstForgery);
  console.log(`${r.inputs} DTLS datagrams fuzzed (seed ${seed})`);
  return ok ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
