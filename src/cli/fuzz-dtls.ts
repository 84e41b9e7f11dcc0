/**
 * The DTLS fuzzer behind `npm run fuzz -- --dtls`: drives our DtlsServer and DtlsSession in
 * process (sans-I/O, simulated clock) with mutations of records recorded from real handshakes
 * between them, aimed at
 * - handshake targets: a fresh client or server stopped at each handshake state (awaiting the
 *   HelloVerifyRequest, before each record of the server's flight, before each record of the
 *   client's flight, before ChangeCipherSpec and Finished), fed mutations of the genuine next
 *   records; a target that still gets connected must then exchange data with its genuine peer
 *   (else a mutated flight was accepted);
 * - the server's stateless ClientHello path and its pending handshakes, from many addresses
 *   (ClientHellos that keep a valid cookie open sessions that are then attacked);
 * - both ends of a connected session, with forged records from the peer's address,
 * while that connected session carries numbered application data that must arrive intact.
 * Counts exceptions escaping, samples memory, and reports throughput.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { DtlsServer, DtlsSession, TLSOptions } from '../transport/dtls/index.js';
import { mulberry32 } from '../transport/link-shaper.js';
import { DtlsMutator, makeRecord, splitRecords } from './dtls-mutator.js';
import { selfSigned } from './self-signed.js';
import { ExceptionGuard } from './exception-guard.js';

/** What to fuzz and for how long. */
export interface DtlsFuzzOptions {
  /** Hostile datagrams to deliver. */
  count: number;
  seed?: number;
  /** Stop after this many ms of wall time even if `count` is not reached. */
  timeLimitMs?: number;
  /** Extra datagrams to mutate and splice in (e.g. flights captured from other implementations). */
  corpus?: Uint8Array[];
}

/** What a DTLS fuzz run found. */
export interface DtlsFuzzReport {
  inputs: number;
  exceptions: number;
  firstException?: string;
  /** Hostile datagrams by destination. */
  byTarget: Record<string, number>;
  /** Handshake targets built, failed (by hostile input, or on the genuine records after it), and completed afterwards with the genuine records. */
  targetsBuilt: number;
  targetsFailed: number;
  targetsCompleted: number;
  /**
   * Targets left neither failed nor connected after the genuine records and timers: a forged
   * plaintext message (a ClientKeyExchange, ServerHello extensions) was taken for the genuine
   * one before any key could tell (as in any DTLS), so the peers' keys differ, their Finished
   * records do not authenticate and are dropped; the handshake then times out.
   */
  targetsStalled: number;
  /** Handshake targets fed hostile input, by state. */
  targetStates: Record<string, number>;
  /** Targets that got connected but could not talk to their genuine peer: a mutated flight was accepted (must be 0). */
  acceptedForgeries: number;
  firstForgery?: string;
  /** Pending sessions the fuzzed server opened from mutated ClientHellos that kept a valid cookie. */
  hostileSessionsOpened: number;
  /** Peak sessions on the fuzzed server (its cap: maxPending pending + the connected one), and its cap. */
  peakServerSessions: number;
  maxPending: number;
  /** Pending handshakes the fuzzed server evicted to admit newer ones. */
  evictions: number;
  legitSent: number;
  legitReceived: number;
  legitIntact: boolean;
  legitConnected: boolean;
  heapBeforeMB: number;
  heapAfterMB: number;
  peakHeapMB: number;
  peakRssMB: number;
  elapsedMs: number;
}

interface Identity {
  name: string;
  server: TLSOptions;
  client: TLSOptions;
}

/** A handshake stopped at one state: `feed` delivers to the side under test, `finish` completes it with the genuine records. */
interface Target {
  state: string;
  next: Buffer[];
  flight: Buffer[];
  feed(d: Buffer): void;
  failed(): boolean;
  connected(): boolean;
  finish(): void;
  talks(): boolean;
}

const LEGIT = '10.9.9.9|5000';

/** Runs one DTLS fuzz campaign; deterministic for a given seed and count (wall-time limit aside). */
export function runDtlsFuzz(options: DtlsFuzzOptions): DtlsFuzzReport {
  const random = mulberry32(options.seed ?? 1);
  const int = (n: number) => Math.floor(random() * n);
  const start = Date.now();
  let now = 1000;
  const escaped = new ExceptionGuard();
  const guard = escaped.run;

  // Identities: an ECDSA leaf sent with three more certificates (a Certificate message larger
  // than a datagram, so fragmented), and an RSA leaf.
  const ec = selfSigned('ec', 'localhost');
  const padding = ['pad-one', 'pad-two', 'pad-three'].map((cn) => selfSigned('ec', cn).certificate);
  const rsa = selfSigned('rsa', 'localhost');
  const identity = (name: string, id: { key: KeyObject; certificate: X509Certificate }, extra: X509Certificate[]): Identity => ({
    name,
    server: TLSOptions.server(id.key, [id.certificate, ...extra]),
    client: TLSOptions.client(id.certificate),
  });
  const identities = [identity('ecdsa, fragmented chain', ec, padding), identity('rsa', rsa, [])];

  // ---------------------------------------------------------------- corpus from real handshakes
  const pool: Buffer[] = [];
  const record = (datagrams: Buffer[]) => {
    for (const d of datagrams) for (const r of splitRecords(d)) if (pool.length < 4000) pool.push(r);
    return datagrams;
  };
  for (let i = 0; i < 6; i++) {
    const id = identities[i % identities.length]!;
    const server = new DtlsServer({ options: id.server });
    const client = new DtlsSession('client', id.client, 'localhost');
    client.start(now);
    for (let k = 0; k < 20 && client.state === 'handshaking'; k++) {
      for (const d of record(client.takeDatagrams())) server.receive('c|1', d, now);
      for (const d of record(server.takeDatagrams().map((x) => x.data))) client.receive(d, now);
    }
    client.sendApplicationData(Buffer.from(`recorded ${i}`));
    server.sendApplicationData('c|1', Buffer.from(`recorded ${i}`));
    client.close();
    record(client.takeDatagrams());
    record(server.takeDatagrams().map((x) => x.data));
  }
  for (const d of options.corpus ?? []) pool.push(...splitRecords(d));
  // Forged alerts of every level and description, epoch 0 and 1.
  for (const level of [1, 2])
    for (const desc of [0, 10, 20, 40, 42, 50, 80, 90, 255]) pool.push(makeRecord(21, int(2), int(10000), Buffer.from([level, desc])));
  const mutator = new DtlsMutator(random, () => pool[int(pool.length)]!);

  // ---------------------------------------------------------------- the connected session
  const server = new DtlsServer({ options: identities[0]!.server });
  const legit = new DtlsSession('client', identities[0]!.client, 'localhost');
  const legitRecords: { up: Buffer[]; down: Buffer[] } = { up: [], down: [] };
  /** Routes the fuzzed server's output: to the legit client, or nowhere (attackers do not answer). */
  const routeServer = () => {
    for (const d of server.takeDatagrams()) {
      if (d.addressKey !== LEGIT) continue;
      if (legitRecords.down.length < 200) legitRecords.down.push(...splitRecords(d.data));
      guard(() => legit.receive(d.data, now));
    }
  };
  const routeLegit = () => {
    for (const d of legit.takeDatagrams()) {
      if (legitRecords.up.length < 200) legitRecords.up.push(...splitRecords(d));
      guard(() => server.receive(LEGIT, d, now));
    }
    routeServer();
  };
  legit.start(now);
  for (let k = 0; k < 20 && legit.state === 'handshaking'; k++) routeLegit();
  let legitSent = 0;
  let legitReceived = 0;
  let legitIntact = legit.state === 'connected';
  const legitExchange = () => {
    const n = legitSent++;
    const up = Buffer.from(`up ${n}`);
    const down = Buffer.from(`down ${n}`);
    guard(() => {
      legit.sendApplicationData(up);
      routeLegit();
      const got = server.readApplicationData();
      server.sendApplicationData(LEGIT, down);
      routeServer();
      const back = legit.readApplicationData();
      if (got?.addressKey === LEGIT && got.data.equals(up) && back?.equals(down)) legitReceived++;
      else legitIntact = false;
      // Nothing else may be delivered (a forged record accepted as data).
      if (server.readApplicationData() !== undefined || legit.readApplicationData() !== undefined) legitIntact = false;
    });
  };
  legitExchange();

  // Valid-cookie ClientHellos for the fuzzed server, from attacker addresses (renewed as the cookie secret rotates).
  let cookieHellos: Array<{ key: string; records: Buffer[] }> = [];
  let cookieHellosAt = -Infinity;
  const renewCookieHellos = () => {
    cookieHellos = [];
    cookieHellosAt = now;
    // 24 addresses on three hosts: more than the pending cap, so eviction is exercised too.
    for (let i = 0; i < 24; i++) {
      const key = `10.0.${1 + (i % 3)}.${i + 1}|${6000 + i}`;
      const a = new DtlsSession('client', TLSOptions.clientUnsafe(), 'x');
      a.start(now);
      for (const d of a.takeDatagrams()) guard(() => server.receive(key, d, now));
      for (const d of server.takeDatagrams()) if (d.addressKey === key) a.receive(d.data, now);
      routeServer();
      cookieHellos.push({ key, records: a.takeDatagrams().flatMap((d) => splitRecords(d)) });
    }
  };

  // ---------------------------------------------------------------- handshake targets
  let targetsBuilt = 0;
  let targetsFailed = 0;
  let targetsCompleted = 0;
  let targetsStalled = 0;
  let acceptedForgeries = 0;
  let firstForgery: string | undefined;
  const targetStates: Record<string, number> = {};

  /** States a handshake of each identity walks through (learnt from its first walk). */
  const positions = new Map<string, number>();
  /** A fresh handshake between our client and a fresh server, stopped at a random state. */
  const buildTarget = (): Target => {
    targetsBuilt++;
    const id = identities[int(identities.length)]!;
    const srv = new DtlsServer({ options: id.server });
    const cli = new DtlsSession('client', id.client, 'localhost');
    const key = `10.5.${int(256)}.${int(256)}|${1024 + int(60000)}`;
    // The target's own clock: a millisecond per hostile datagram, seconds when timers are run.
    let clock = now;
    const toServer = (ds: Buffer[]) => {
      for (const d of ds) srv.receive(key, d, clock);
      return srv.takeDatagrams().map((x) => x.data);
    };
    const toClient = (ds: Buffer[]) => {
      for (const d of ds) cli.receive(d, clock);
      return cli.takeDatagrams();
    };
    /** Delivers everything each side sends to the other until neither has more (bounded). */
    const pump = (toC: Buffer[], toS: Buffer[]) => {
      for (let k = 0; k < 12 && (toC.length > 0 || toS.length > 0); k++) {
        const s = toServer(toS);
        toS = toClient(toC);
        toC = s;
      }
    };
    /** Then lets the retransmission timers run (1, 2, 4 s: within the server's 8 s handshake limit). */
    const settle = () => {
      for (let r = 0; r < 3 && cli.state === 'handshaking'; r++) {
        clock += 1000 << r;
        cli.handleTimeout(clock);
        srv.handleTimeout(clock);
        pump(toServer([]), toClient([]));
      }
    };
    const clientTarget = (state: string, next: Buffer[], flight: Buffer[]): Target => ({
      state,
      next,
      flight,
      feed: (d) => cli.receive(d, ++clock),
      failed: () => cli.state === 'failed' || cli.state === 'closed',
      connected: () => cli.state === 'connected',
      finish: () => {
        pump([], toClient(next));
        settle();
      },
      talks: () => talks(srv, cli, key, clock),
    });
    const serverTarget = (state: string, next: Buffer[], flight: Buffer[]): Target => ({
      state,
      next,
      flight,
      feed: (d) => srv.receive(key, d, ++clock),
      failed: () => srv.sessionCount === 0,
      connected: () => srv.isConnected(key),
      finish: () => {
        pump(toServer(next), []);
        settle();
      },
      talks: () => talks(srv, cli, key, clock),
    });
    // Walk the genuine handshake record by record; stop at a state chosen evenly among this identity's.
    let stop = int(positions.get(id.name) ?? 10);
    let position = 0;
    cli.start(now);
    const hvr = toServer(cli.takeDatagrams()).flatMap((d) => splitRecords(d));
    position++;
    if (stop-- === 0) return clientTarget('client awaiting HelloVerifyRequest', hvr, hvr);
    const flight4 = toServer(toClient(hvr)).flatMap((d) => splitRecords(d));
    let flight5: Buffer[] = [];
    for (let j = 0; j < flight4.length; j++) {
      position++;
      if (stop-- === 0) return clientTarget(`client before server flight record ${j + 1}/${flight4.length}`, flight4.slice(j), flight4);
      flight5 = flight5.concat(toClient([flight4[j]!]).flatMap((d) => splitRecords(d)));
    }
    let flight6: Buffer[] = [];
    for (let j = 0; j < flight5.length; j++) {
      position++;
      if (stop-- === 0) return serverTarget(`server before client flight record ${j + 1}/${flight5.length}`, flight5.slice(j), flight5);
      flight6 = flight6.concat(toServer([flight5[j]!]).flatMap((d) => splitRecords(d)));
    }
    for (let j = 0; j < flight6.length; j++) {
      position++;
      if (j === flight6.length - 1) positions.set(id.name, position);
      if (stop-- === 0 || j === flight6.length - 1)
        return clientTarget(`client before server final record ${j + 1}/${flight6.length}`, flight6.slice(j), flight6);
      toClient([flight6[j]!]);
    }
    return clientTarget('client awaiting HelloVerifyRequest', hvr, hvr);
  };

  /** True when a pair, once what each side has queued is delivered, is connected and exchanges one record each way. */
  const talks = (srv: DtlsServer, cli: DtlsSession, key: string, now: number): boolean => {
    for (let k = 0; k < 4; k++) {
      for (const d of srv.takeDatagrams()) if (d.addressKey === key) cli.receive(d.data, now);
      for (const d of cli.takeDatagrams()) srv.receive(key, d, now);
    }
    if (!srv.isConnected(key) || cli.state !== 'connected') return false;
    while (cli.readApplicationData() !== undefined);
    while (srv.readApplicationData() !== undefined);
    cli.sendApplicationData(Buffer.from('probe up'));
    for (const d of cli.takeDatagrams()) srv.receive(key, d, now);
    srv.sendApplicationData(key, Buffer.from('probe down'));
    for (const d of srv.takeDatagrams()) if (d.addressKey === key) cli.receive(d.data, now);
    return srv.readApplicationData()?.data.toString() === 'probe up' && cli.readApplicationData()?.toString() === 'probe down';
  };

  let target: Target | null = null;
  let targetBudget = 0;
  const retireTarget = (t: Target) => {
    if (t.failed()) {
      targetsFailed++;
      return;
    }
    guard(() => {
      if (!t.connected()) t.finish();
      if (t.failed()) {
        // A forged message was taken for a genuine one and the genuine rest revealed it.
        targetsFailed++;
        return;
      }
      if (!t.connected()) {
        targetsStalled++;
        return;
      }
      targetsCompleted++;
      if (!t.talks()) {
        acceptedForgeries++;
        firstForgery ??= `${t.state}: connected but cannot exchange data with its genuine peer`;
      }
    });
  };

  // ---------------------------------------------------------------- the campaign
  const byTarget: Record<string, number> = {
    'handshake targets': 0,
    'server, new addresses': 0,
    'server, as the connected client': 0,
    'connected client, as the server': 0,
  };
  let hostileSessionsOpened = 0;
  let peakServerSessions = 0;
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const deadline = options.timeLimitMs ? start + options.timeLimitMs : Infinity;
  let n = 0;
  for (; n < options.count; n++) {
    now += 1;
    const kind = int(100);
    if (kind < 40) {
      byTarget['handshake targets']!++;
      if (target === null) {
        let t: Target | null = null;
        guard(() => {
          t = buildTarget();
        });
        if (t === null) continue;
        target = t as Target;
        targetBudget = 1 + int(24);
        targetStates[target.state] = (targetStates[target.state] ?? 0) + 1;
      }
      const t = target;
      const d = int(20) === 0 ? mutator.randomDatagram() : mutator.datagram(int(4) === 0 ? t.flight : t.next);
      guard(() => t.feed(d));
      if (t.connected()) {
        guard(() => {
          if (!t.talks()) {
            acceptedForgeries++;
            firstForgery ??= `${t.state}: connected after a hostile datagram ${d.toString('hex')} but cannot exchange data with its genuine peer`;
          }
        });
        targetsCompleted++;
        target = null;
      } else if (t.failed() || --targetBudget === 0) {
        retireTarget(t);
        target = null;
      }
    } else if (kind < 70) {
      byTarget['server, new addresses']!++;
      if (now - cookieHellosAt > 20_000) renewCookieHellos();
      let key: string;
      let d: Buffer;
      const r = int(10);
      if (r < 5 && cookieHellos.length > 0) {
        const h = cookieHellos[int(cookieHellos.length)]!;
        key = h.key;
        // Mostly the ClientHello with its valid cookie, mutated; sometimes a client flight to a session it opened.
        d = int(3) === 0 ? mutator.datagram(pool) : mutator.datagram(h.records);
      } else {
        key = `10.${1 + int(200)}.${int(256)}.${int(256)}|${int(65536)}`;
        d = r < 9 ? mutator.datagram(pool) : mutator.randomDatagram();
      }
      const before = server.sessionCount;
      guard(() => server.receive(key, d, now));
      if (server.sessionCount > before) hostileSessionsOpened++;
    } else if (kind < 85) {
      byTarget['server, as the connected client']!++;
      const d = mutator.datagram(int(2) === 0 ? legitRecords.up : pool);
      guard(() => server.receive(LEGIT, d, now));
    } else {
      byTarget['connected client, as the server']!++;
      const d = mutator.datagram(int(2) === 0 ? legitRecords.down : pool);
      guard(() => legit.receive(d, now));
    }
    routeServer();
    routeLegit();
    peakServerSessions = Math.max(peakServerSessions, server.sessionCount);
    if ((n & 63) === 63) {
      legitExchange();
      guard(() => {
        server.handleTimeout(now);
        legit.handleTimeout(now);
      });
      routeServer();
      routeLegit();
    }
    if ((n & 0x3fff) === 0) {
      sample();
      if (Date.now() > deadline) break;
    }
  }
  if (target !== null) retireTarget(target);
  target = null;
  legitExchange();
  sample();
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const mb = (x: number) => Math.round(x / 1048576);
  return {
    inputs: n,
    exceptions: escaped.count,
    firstException: escaped.first,
    byTarget,
    targetsBuilt,
    targetsFailed,
    targetsCompleted,
    targetsStalled,
    targetStates,
    acceptedForgeries,
    firstForgery,
    hostileSessionsOpened,
    peakServerSessions,
    maxPending: server.maxPending,
    evictions: server.evictions,
    legitSent,
    legitReceived,
    legitIntact: legitIntact && legitReceived === legitSent,
    legitConnected: legit.state === 'connected' && server.isConnected(LEGIT),
    heapBeforeMB: mb(heapBefore),
    heapAfterMB: mb(heapAfter),
    peakHeapMB: mb(peakHeap),
    peakRssMB: mb(peakRss),
    elapsedMs: Date.now() - start,
  };
}
