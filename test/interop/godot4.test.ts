import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CompressionMode, ENetConnection, ENetPacketPeer, EventType, HostStatistic, TLSOptions } from '../../src/index.js';
import { GodotProcess, godot4Missing } from '../support/godot.js';
import { EchoChecker, FLAG_MASK, MARKER, markerPacket } from '../support/marker-packets.js';
import { type Pki, makePki } from '../support/pki.js';

// Live interop with Godot 4.3's own ENetConnection / ENetPacketPeer (bundled ENet 1.3.18, mbedTLS 3.6):
// test/godot4/echo_server.gd and echo_client.gd run in the headless Godot 4 binary, which exists only
// beside the checkout (../shared/peers/godot4) or where ENET_TS_GODOT4 points; without it every test
// here is reported as skipped with the reason.

const MODES = ['NONE', 'RANGE_CODER', 'FASTLZ', 'ZLIB', 'ZSTD'] as const;
type Mode = (typeof MODES)[number];
/** Bound of one case; each wait inside is bounded more tightly. */
const CASE_MS = 90_000;
const RELIABLE = ENetPacketPeer.FLAG_RELIABLE;

/**
 * Reliable sizes the enet-ts client sends: tiny, around the MTU (1392), fragmented, and one of
 * 100 000 bytes. Packet i has random bytes when i % 3 is 0, else text or zeros (mostly compressible).
 */
const SIZES = [6, 7, 64, 200, 511, 1000, 1380, 1392, 1400, 2000, 4000, 10000, 16384, 33000, 65535, 300, 100000, 5000];
/** Below this ratio of ENet datagram bytes to payload bytes, the datagrams were compressed (NONE: above 1). */
const COMPRESSED_RATIO = 0.7;
/** Unreliable kinds, cycled: plain unreliable, unsequenced, unreliable fragments (3000 bytes). */
const UNRELIABLE = [0, ENetPacketPeer.FLAG_UNSEQUENCED, ENetPacketPeer.FLAG_UNRELIABLE_FRAGMENT];

/** A DTLS server's PEM key and certificate. */
interface ServerDtls {
  key: string;
  cert: string;
}
/** What a DTLS client verifies: the root it trusts (PEM) and the server's name. */
interface ClientDtls {
  ca: string;
  hostname: string;
}

/** The last line of an echo script: its counters, `ok`, and why it ended. */
interface Summary {
  summary: Record<string, unknown>;
  ok: boolean;
  reason?: string;
  exit_reason?: string;
}

let pki: Pki;
/** A key and self-signed certificate (CN=localhost, no subjectAltName) made by Godot's Crypto. */
let godotMade: ServerDtls;

let fileCount = 0;
/** Writes a PEM string to a new file in the PKI folder, for the Godot scripts; returns its absolute path. */
function pemFile(text: string): string {
  return pki.write(`pem-${++fileCount}.pem`, text);
}

/** Godot's summary line (the script's last), parsed. */
function summaryOf(godot: GodotProcess, ms: number): Promise<Summary> {
  return godot.waitFor(/"summary":\{/, ms).then((l) => JSON.parse(l) as Summary);
}

/** Starts test/godot4/echo_server.gd on a free port (a line per received packet unless `quiet`); resolves with the process and its port. */
async function godotServer(mode: Mode, dtls?: ServerDtls, quiet = true): Promise<{ godot: GodotProcess; port: number }> {
  const args = ['--port', '0', '--compression', mode, '--seconds', '60', '--exit-after-disconnects', '1'];
  if (quiet) args.push('--quiet-receive');
  if (dtls) args.push('--dtls-key', pemFile(dtls.key), '--dtls-cert', pemFile(dtls.cert));
  const godot = new GodotProcess('test/godot4/echo_server.gd', args, 4);
  try {
    const line = await godot.waitFor(/^\{"listening"/, 20000);
    return { godot, port: (JSON.parse(line) as { listening: number }).listening };
  } catch (e) {
    await godot.close();
    throw e;
  }
}

/** Starts test/godot4/echo_client.gd against `port`. */
function godotClient(port: number, mode: Mode, dtls?: ClientDtls, extra: string[] = []): GodotProcess {
  const args = ['--port', String(port), '--compression', mode, '--seconds', '40', ...extra];
  if (dtls) args.push('--dtls-hostname', dtls.hostname, '--dtls-ca', pemFile(dtls.ca));
  return new GodotProcess('test/godot4/echo_client.gd', args, 4);
}

/** What an enet-ts client saw in one run against an echo server. */
interface ClientRun {
  connected: boolean;
  /** Set when service() gave EventType.ERROR: the connection's lastError. */
  error: string | null;
  /** Set when the server side ended the connection (or the connect attempt timed out) before we did. */
  lostBeforeDone: boolean;
  /** Our DISCONNECT was acknowledged. */
  disconnectAcked: boolean;
  checker: EchoChecker;
  warnings: string[];
  /** ENet datagram bytes sent and received (HostStatistic: after compression, inside DTLS). */
  wireSent: number;
  wireReceived: number;
}

/**
 * An enet-ts client against an echo server: connects with data 42 on 4 channels, sends SIZES
 * reliably round-robin over the channels with an unreliable packet after every third, checks every
 * echo (EchoChecker), then disconnects with data 7 and waits for the acknowledgement. With
 * `failFast`, the connect attempt gives up after a few seconds (ENet's own timeout, shortened).
 */
async function enetTsClient(port: number, mode: Mode, dtls?: ClientDtls, failFast = false): Promise<ClientRun> {
  const conn = new ENetConnection();
  const run: ClientRun = {
    connected: false,
    error: null,
    lostBeforeDone: false,
    disconnectAcked: false,
    checker: new EchoChecker(),
    warnings: [],
    wireSent: 0,
    wireReceived: 0,
  };
  conn.onWarning = (w) => run.warnings.push(w.message);
  try {
    await conn.createHost(1, 4);
    conn.compress(CompressionMode[mode]);
    if (dtls) conn.dtlsClientSetup(dtls.hostname, TLSOptions.client(dtls.ca));
    const peer = await conn.connectToHost('127.0.0.1', port, 4, 42);
    if (failFast) peer.setTimeout(32, 1000, 3000);
    const deadline = Date.now() + (failFast ? 8000 : 40000);
    let doneAt = 0;
    while (Date.now() < deadline) {
      const { checker } = run;
      if (checker.reliableDone && run.connected) {
        doneAt ||= Date.now();
        // Unreliable echoes may be dropped (ENet's throttle after the bulk): wait a little for them, no more.
        if (checker.unreliableBack === checker.unreliableSent || Date.now() - doneAt > 500) break;
      }
      const e = await conn.service(50);
      if (e.type === EventType.CONNECT) {
        run.connected = true;
        sendAll(peer, run.checker);
      } else if (e.type === EventType.RECEIVE) {
        const flags = peer.getPacketFlags();
        run.checker.echo(peer.getPacket(), e.channel, flags);
      } else if (e.type === EventType.DISCONNECT) {
        run.lostBeforeDone = true;
        break;
      } else if (e.type === EventType.ERROR) {
        run.error = conn.lastError ?? 'EventType.ERROR without lastError';
        break;
      }
    }
    if (run.connected && !run.lostBeforeDone) {
      peer.peerDisconnect(7);
      const end = Date.now() + 5000;
      while (Date.now() < end && !run.disconnectAcked) {
        const e = await conn.service(100);
        if (e.type === EventType.RECEIVE) peer.getPacket(); // a late unreliable echo
        if (e.type === EventType.DISCONNECT) run.disconnectAcked = true;
      }
    }
    run.wireSent = conn.popStatistic(HostStatistic.TOTAL_SENT_DATA);
    run.wireReceived = conn.popStatistic(HostStatistic.TOTAL_RECEIVED_DATA);
    return run;
  } finally {
    conn.destroy();
  }
}

/** Sends SIZES reliably round-robin over 4 channels, an unreliable kind after every third, noting each in `checker`. */
function sendAll(peer: ENetPacketPeer, checker: EchoChecker): void {
  let id = 1;
  let u = 0;
  SIZES.forEach((size, i) => {
    const p = markerPacket(id++, RELIABLE, size, i % 3);
    peer.send(i % 4, p, RELIABLE);
    checker.sentPacket(p, i % 4, RELIABLE);
    if (i % 3 === 2) {
      const flags = UNRELIABLE[u % 3]!;
      const q = markerPacket(id++, flags, flags === ENetPacketPeer.FLAG_UNRELIABLE_FRAGMENT ? 3000 : 300, (u + 1) % 3);
      peer.send(u % 4, q, flags);
      checker.sentPacket(q, u % 4, flags);
      u++;
    }
  });
}

/** An enet-ts echo server (every packet back on its channel with its flags), recording CONNECT/DISCONNECT data. */
class EnetTsEchoServer {
  readonly conn = new ENetConnection();
  readonly connectData: number[] = [];
  readonly disconnectData: number[] = [];
  readonly warnings: string[] = [];
  received = 0;
  /** Packets whose received ENet flags differ from the flags Godot's client sent them with. */
  readonly flagMismatches: string[] = [];
  /** Payload bytes received (and echoed), and ENet datagram bytes received and sent (HostStatistic) once stopped. */
  payloadReceived = 0;
  wireReceived = 0;
  wireSent = 0;
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private readonly changed = new Set<() => void>();

  /** Binds to a free loopback port, starts echoing, and resolves with the port. */
  async start(mode: Mode, dtls?: ServerDtls): Promise<number> {
    this.conn.onWarning = (w) => this.warnings.push(w.message);
    await this.conn.createHostBound('127.0.0.1', 0, 8);
    this.conn.compress(CompressionMode[mode]);
    if (dtls) this.conn.dtlsServerSetup(TLSOptions.server(dtls.key, dtls.cert));
    this.loop = this.serve();
    return this.conn.getLocalPort();
  }

  private async serve(): Promise<void> {
    while (this.running) {
      const e = await this.conn.service(100);
      if (e.type === EventType.ERROR) return;
      if (e.type === EventType.CONNECT) this.connectData.push(e.data);
      else if (e.type === EventType.DISCONNECT) this.disconnectData.push(e.data);
      else if (e.type === EventType.RECEIVE) {
        const flags = e.peer!.getPacketFlags() & FLAG_MASK;
        const packet = e.peer!.getPacket();
        e.peer!.send(e.channel, packet, flags);
        this.received++;
        this.payloadReceived += packet.length;
        // Godot's client writes the flags it sent with into byte 1: they must arrive as sent.
        if (packet[0] === MARKER && packet[1] !== flags) this.flagMismatches.push(`sent with ${packet[1]}, received with ${flags}`);
      }
      for (const f of this.changed) f();
    }
  }

  /** Resolves once `predicate` holds (checked after every event); rejects after `ms`. */
  until(predicate: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.changed.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.changed.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.changed.add(check);
      check();
    });
  }

  /** Ends the service loop, reads the datagram byte counters, and destroys the host. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.wireReceived = this.conn.popStatistic(HostStatistic.TOTAL_RECEIVED_DATA);
    this.wireSent = this.conn.popStatistic(HostStatistic.TOTAL_SENT_DATA);
    this.conn.destroy();
  }
}

/** Runs Godot's echo client against an enet-ts echo server to the end: Godot's summary and our server's record. */
async function godotClientRun(
  mode: Mode,
  serverDtls?: ServerDtls,
  clientDtls?: ClientDtls,
  clientMode: Mode = mode,
  extra: string[] = [],
): Promise<{ summary: Summary; server: EnetTsEchoServer; lines: string[] }> {
  const server = new EnetTsEchoServer();
  let godot: GodotProcess | null = null;
  try {
    const port = await server.start(mode, serverDtls);
    godot = godotClient(port, clientMode, clientDtls, extra);
    const summary = await summaryOf(godot, 60000);
    // Godot prints its summary after our acknowledgement: let our loop take the DISCONNECT event.
    if (summary.summary.disconnect_acked) await server.until(() => server.disconnectData.length > 0, 5000, 'DISCONNECT');
    return { summary, server, lines: godot.lines };
  } finally {
    await godot?.close();
    await server.stop();
  }
}

/**
 * Warnings about datagrams that could not be decoded (compression, checksum, DTLS). Left out: an
 * acknowledgement that crosses the DISCONNECT and arrives after the peer is gone ("stale"), which
 * C ENet drops silently too.
 */
function dropWarnings(warnings: string[]): string[] {
  return warnings.filter((w) => !/for a peer or session this host does not have/.test(w));
}

/**
 * Asserts that the datagrams one way were compressed (`mode` other than NONE: fewer ENet bytes than
 * payload bytes, by far) or not (NONE: more ENet bytes than payload bytes, for the headers).
 */
function assertOnWire(mode: Mode, wire: number, payload: number, way: string): void {
  const ratio = wire / payload;
  if (mode === 'NONE') assert.ok(ratio > 1, `${way}: ${wire} datagram bytes for ${payload} payload bytes, uncompressed`);
  else assert.ok(ratio < COMPRESSED_RATIO, `${way}: ${wire} datagram bytes for ${payload} payload bytes, ${mode}-compressed`);
}

/** Asserts a complete, clean echo run of the enet-ts client, and Godot's server summary of it. */
function assertGoodClientRun(run: ClientRun, summary: Summary): void {
  const { checker } = run;
  assert.equal(run.error, null);
  assert.ok(run.connected, 'connected to Godot');
  assert.deepEqual(checker.problems, []);
  assert.equal(checker.reliableBack, SIZES.length, 'every reliable echo came back');
  assert.ok(run.disconnectAcked, 'our DISCONNECT was acknowledged');
  assert.deepEqual(dropWarnings(run.warnings), [], 'no datagram dropped as undecodable');
  const mode = summary.summary.compression as Mode;
  assertOnWire(mode, run.wireSent, checker.bytesSent, 'enet-ts → Godot');
  assertOnWire(mode, run.wireReceived, checker.bytesBack, 'Godot → enet-ts');
  const s = summary.summary;
  assert.equal(summary.ok, true, JSON.stringify(summary));
  assert.equal(summary.exit_reason, 'disconnects');
  assert.deepEqual(s.connect_data, [42], 'Godot saw CONNECT data 42');
  assert.deepEqual(s.disconnect_data, [7], 'Godot saw DISCONNECT data 7');
  assert.equal(s.echo_errors, 0);
  assert.ok((s.packets as number) >= SIZES.length, `Godot received ${s.packets} packets`);
  assert.equal((s.by_flags as Record<string, number>)[String(RELIABLE)], SIZES.length, 'Godot read the reliable flag of each');
}

/** Asserts Godot's echo client finished cleanly against our server, which saw its CONNECT and DISCONNECT data. */
async function assertGoodGodotClientRun(summary: Summary, server: EnetTsEchoServer): Promise<void> {
  const s = summary.summary;
  assertOnWire(s.compression as Mode, server.wireReceived, server.payloadReceived, 'Godot → enet-ts');
  assertOnWire(s.compression as Mode, server.wireSent, server.payloadReceived, 'enet-ts → Godot');
  assert.equal(summary.ok, true, JSON.stringify(summary));
  assert.equal(s.reliable_ok, s.reliable_sent);
  assert.equal(s.reliable_sent, 40);
  assert.equal(s.disconnect_acked, true);
  assert.ok((s.unreliable_ok as number) >= 1, `${s.unreliable_ok} of ${s.unreliable_sent} unreliable echoes (ENet may drop some)`);
  assert.deepEqual(server.connectData, [42]);
  assert.deepEqual(server.disconnectData, [7]);
  assert.deepEqual(server.flagMismatches, [], 'each packet arrived with the flags Godot sent it with');
  assert.deepEqual(dropWarnings(server.warnings), [], 'no datagram dropped as undecodable');
}

const missing = godot4Missing();
/** Options of every case: bounded, and skipped (each one visibly, with the reason) without the Godot 4 binary. */
const CASE = { timeout: CASE_MS, skip: missing ?? false };

describe('Godot 4.3 ENetConnection interop', { concurrency: 3 }, () => {
  before(async () => {
    if (missing) return;
    pki = makePki();
    // A Godot-made RSA-2048 key and self-signed certificate (CN=localhost, no subjectAltName).
    const keyPath = `${pki.dir}/godot.key`;
    const certPath = `${pki.dir}/godot.crt`;
    const gen = new GodotProcess('test/godot4/self_test.gd', ['--cn', 'localhost', '--write-key', keyPath, '--write-cert', certPath], 4);
    try {
      const line = await gen.waitFor(/"steps":\{/, 30000);
      assert.equal((JSON.parse(line) as { ok: boolean }).ok, true, line);
    } finally {
      await gen.close();
    }
    godotMade = { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
  });
  after(() => pki?.cleanup());

  for (const mode of MODES) {
    test(`enet-ts client → Godot 4 echo server, ${mode}: every echo exact, in order, on its channel, with its flags`, CASE, async () => {
      const { godot, port } = await godotServer(mode);
      try {
        const run = await enetTsClient(port, mode);
        assertGoodClientRun(run, await summaryOf(godot, 10000));
      } finally {
        await godot.close();
      }
    });

    test(`Godot 4 client → enet-ts echo server, ${mode}: Godot checks every echo`, CASE, async () => {
      const { summary, server } = await godotClientRun(mode);
      await assertGoodGodotClientRun(summary, server);
    });
  }

  /** The server certificates of the DTLS cases, and the root a client trusts for each. */
  const CERTS: Array<[string, () => ServerDtls & { ca: string }]> = [
    ['openssl RSA-2048', () => ({ key: pki.rsaKey, cert: pki.rsaCert, ca: pki.ca })],
    ['openssl ECDSA P-256', () => ({ key: pki.ecKey, cert: pki.ecCert, ca: pki.ca })],
    ['Godot-made RSA-2048 (CN only, self-signed)', () => ({ ...godotMade, ca: godotMade.cert })],
  ];
  for (const [certName, certOf] of CERTS) {
    for (const mode of ['NONE', 'ZSTD'] as const) {
      test(`DTLS, ${certName}, ${mode}: enet-ts client (verifying chain and name localhost) → Godot 4 server`, CASE, async () => {
        const c = certOf();
        const { godot, port } = await godotServer(mode, c);
        try {
          const run = await enetTsClient(port, mode, { ca: c.ca, hostname: 'localhost' });
          assertGoodClientRun(run, await summaryOf(godot, 10000));
          assert.equal((await summaryOf(godot, 1)).summary.dtls, true);
        } finally {
          await godot.close();
        }
      });

      test(`DTLS, ${certName}, ${mode}: Godot 4 client (verifying chain and name localhost) → enet-ts server`, CASE, async () => {
        const c = certOf();
        const { summary, server } = await godotClientRun(mode, c, { ca: c.ca, hostname: 'localhost' });
        await assertGoodGodotClientRun(summary, server);
        assert.equal(summary.summary.dtls, true);
      });
    }
  }

  // Must-fail cases: each side has to notice, within a bounded time. The enet-ts client gives up
  // a connect attempt after about 3 s here (peer.setTimeout), the Godot client after 4 s.
  const GODOT_FAIL_FAST = ['--connect-timeout', '4', '--seconds', '5'];
  const connectLines = (godot: GodotProcess) => godot.lines.filter((l) => l.includes('"event":"connect"'));

  test(
    'compression mismatch, enet-ts client ZSTD → Godot 4 server NONE: Godot drops every data datagram, the client times out',
    CASE,
    async () => {
      const { godot, port } = await godotServer('NONE', undefined, false);
      try {
        const run = await enetTsClient(port, 'ZSTD', undefined, true);
        // The handshake datagrams are too small to shrink, so they go uncompressed and connect; every
        // datagram carrying data is compressed, and Godot (compression NONE) drops it.
        assert.ok(run.connected, 'the uncompressed handshake completes');
        assert.equal(run.checker.reliableBack, 0, 'no echo');
        assert.ok(run.lostBeforeDone, 'the unacknowledged data ends the connection at the timeout');
        assert.deepEqual(connectLines(godot).length, 1);
        assert.equal(godot.lines.filter((l) => l.includes('"event":"receive"')).length, 0, 'Godot received no packet');
      } finally {
        await godot.close();
      }
    },
  );

  test(
    'compression mismatch, Godot 4 client ZSTD → enet-ts server NONE: we warn and drop, Godot reports the missing echoes',
    CASE,
    async () => {
      const { summary, server } = await godotClientRun('NONE', undefined, undefined, 'ZSTD', GODOT_FAIL_FAST);
      assert.equal(summary.ok, false);
      assert.match(summary.reason ?? '', /40 of 40 reliable echoes missing/);
      assert.equal(server.received, 0);
      // The first warning names the mismatch (a datagram arriving after the disconnect may add a "stale peer" one).
      assert.match(server.warnings[0] ?? 'no warning', /sends compressed datagrams but this host has compression NONE/);
    },
  );

  const FAILING_DTLS: Array<[string, () => ServerDtls, () => ClientDtls, RegExp]> = [
    [
      'wrong host name',
      () => ({ key: pki.ecKey, cert: pki.ecCert }),
      () => ({ ca: pki.ca, hostname: 'evil.example' }),
      /does not match 'evil\.example'/,
    ],
    [
      'untrusted root',
      () => ({ key: pki.otherKey, cert: pki.otherCert }),
      () => ({ ca: pki.ca, hostname: 'localhost' }),
      /not signed by a trusted root/,
    ],
  ];
  for (const [what, serverOf, clientOf, reason] of FAILING_DTLS) {
    test(`DTLS ${what}: the enet-ts client refuses the Godot 4 server (EventType.ERROR with the reason)`, CASE, async () => {
      const { godot, port } = await godotServer('NONE', serverOf());
      try {
        const run = await enetTsClient(port, 'NONE', clientOf(), true);
        assert.equal(run.connected, false);
        assert.match(run.error ?? 'no EventType.ERROR', reason);
        assert.deepEqual(connectLines(godot), [], "no connection on Godot's side");
        // Godot's mbedTLS got our fatal alert (42, bad_certificate) and ends the handshake with its error.
        await godot.waitFor(/fatal alert message \(msg 42\)/, 5000);
        await godot.waitFor(/TLS handshake error: -30592/, 5000);
      } finally {
        await godot.close();
      }
    });

    test(`DTLS ${what}: the Godot 4 client refuses the enet-ts server (handshake error)`, CASE, async () => {
      const { summary, server, lines } = await godotClientRun('NONE', serverOf(), clientOf(), 'NONE', GODOT_FAIL_FAST);
      assert.equal(summary.ok, false);
      assert.match(summary.reason ?? '', /service error before CONNECT/);
      assert.ok(
        lines.some((l) => /x509_verify_cert\(\) returned -9984/.test(l)),
        "Godot's mbedTLS refused our certificate (X509_CERT_VERIFY_FAILED)",
      );
      assert.deepEqual(server.connectData, []);
    });
  }

  test('plaintext enet-ts client → Godot 4 DTLS server: Godot rejects the datagrams, the connect attempt times out', CASE, async () => {
    const { godot, port } = await godotServer('NONE', { key: pki.ecKey, cert: pki.ecCert });
    try {
      const run = await enetTsClient(port, 'NONE', undefined, true);
      assert.equal(run.connected, false);
      assert.equal(run.error, null);
      assert.ok(run.lostBeforeDone, 'DISCONNECT at the connect timeout');
      await godot.waitFor(/TLS handshake error/, 5000);
      assert.deepEqual(connectLines(godot), []);
    } finally {
      await godot.close();
    }
  });

  test('plaintext Godot 4 client → enet-ts DTLS server: no connection, Godot reports it', CASE, async () => {
    const { summary, server } = await godotClientRun('NONE', { key: pki.ecKey, cert: pki.ecCert }, undefined, 'NONE', GODOT_FAIL_FAST);
    assert.equal(summary.ok, false);
    assert.match(summary.reason ?? '', /no CONNECT within 4 s/);
    assert.deepEqual(server.connectData, []);
  });
});
