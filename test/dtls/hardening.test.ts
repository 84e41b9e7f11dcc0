import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { DtlsServer, DtlsSession, TLSOptions } from '../../src/transport/dtls/index.js';
import { addressGroup } from '../../src/transport/dtls/server.js';
import { makePki } from '../support/pki.js';
import { runDtlsClient, serveDtlsEcho } from '../support/dtls-driver.js';
import { Proc } from '../support/spawn.js';
import { ENetConnection, EventType } from '../../src/index.js';
import { EventPump } from '../support/pump.js';

const pki = makePki();
after(() => pki.cleanup());
const serverOptions = TLSOptions.server(pki.ecKey, pki.ecCert);

/** The 15-byte forged fatal alert of the report: epoch 0, sequence 5000, handshake_failure. */
const FORGED_ALERT = Buffer.from('15fefd00000000000013880002' + '0228', 'hex');

/** Completes a handshake between `client` and `server` (as `key`) in memory from time `now`; returns the time it took. */
function handshake(server: DtlsServer, client: DtlsSession, key: string, now: number, limitMs = 60_000): number {
  const start = now;
  client.start(now);
  while (client.state === 'handshaking' && now - start < limitMs) {
    for (const d of client.takeDatagrams()) server.receive(key, d, now);
    for (const d of server.takeDatagrams()) if (d.addressKey === key) client.receive(d.data, now);
    if (client.state !== 'handshaking') break;
    now += 50;
    client.handleTimeout(now);
    server.handleTimeout(now);
  }
  server.takeDatagrams();
  return now - start;
}

/** Sends one record each way between a connected client and the server's session for `key`; true when both arrive intact. */
function exchange(server: DtlsServer, client: DtlsSession, key: string, text: string, now: number): boolean {
  client.sendApplicationData(Buffer.from(`${text} up`));
  for (const d of client.takeDatagrams()) server.receive(key, d, now);
  const up = server.readApplicationData();
  server.sendApplicationData(key, Buffer.from(`${text} down`));
  let down: Buffer | undefined;
  for (const d of server.takeDatagrams()) if (d.addressKey === key) client.receive(d.data, now);
  for (let a = client.readApplicationData(); a; a = client.readApplicationData()) down = a;
  return up?.addressKey === key && up.data.toString() === `${text} up` && down?.toString() === `${text} down`;
}

/** The datagrams of a client's second ClientHello (the one with the cookie), after the cookie exchange from `key`; not yet sent. */
function helloWithCookie(server: DtlsServer, key: string, now: number): ReturnType<DtlsSession['takeDatagrams']> {
  const a = new DtlsSession('client', TLSOptions.clientUnsafe(), 'x');
  a.start(now);
  for (const d of a.takeDatagrams()) server.receive(key, d, now);
  for (const d of server.takeDatagrams()) if (d.addressKey === key) a.receive(d.data, now);
  return a.takeDatagrams();
}

/** A client that completes the cookie exchange from `key` and then goes silent (its handshake stays pending). */
function stall(server: DtlsServer, key: string, now: number): void {
  for (const d of helloWithCookie(server, key, now)) server.receive(key, d, now);
  server.takeDatagrams();
}

test('addressGroup: IPv4 address, IPv4-mapped IPv6 as IPv4, IPv6 by /64', () => {
  assert.equal(addressGroup('10.1.2.3|99'), '10.1.2.3');
  assert.equal(addressGroup('::ffff:10.1.2.3|99'), '10.1.2.3');
  assert.equal(addressGroup('2001:db8:0:1::5|7'), '2001:db8:0:1::/64');
  assert.equal(addressGroup('2001:db8:0:1:aa:bb:cc:dd|7'), '2001:db8:0:1::/64');
  assert.equal(addressGroup('::1|7'), '0:0:0:0::/64');
});

for (const count of [24, 1000])
  for (const spread of ['one address', 'many addresses'] as const)
    test(`in memory: ${count} handshakes stalled after the cookie exchange from ${spread} do not keep a real client out (connects within 5 s)`, () => {
      const server = new DtlsServer({ options: serverOptions });
      let now = 0;
      for (let i = 0; i < count; i++) {
        const key = spread === 'one address' ? `10.66.0.1|${10000 + i}` : `10.${66 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}|4000`;
        stall(server, key, now);
        now += 1;
      }
      assert.equal(server.pendingCount, server.maxPending, 'the attack fills the pending table');
      const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
      const took = handshake(server, client, '10.9.9.9|5000', now);
      assert.equal(client.state, 'connected', client.failureReason);
      assert.ok(took < 5000, `connected after ${took} ms of simulated time`);
      assert.ok(server.pendingCount <= server.maxPending);
      assert.ok(exchange(server, client, '10.9.9.9|5000', 'after the attack', now + took));
    });

test('in memory: a real client from the attacking address itself still connects within 5 s', () => {
  const server = new DtlsServer({ options: serverOptions });
  for (let i = 0; i < 24; i++) stall(server, `10.66.0.1|${10000 + i}`, i);
  const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
  const took = handshake(server, client, '10.66.0.1|9999', 24);
  assert.equal(client.state, 'connected', client.failureReason);
  assert.ok(took < 5000, `connected after ${took} ms`);
});

test('in memory: young handshakes fairly shared are not evicted (a 17th newcomer waits for a slot instead)', () => {
  const server = new DtlsServer({ options: serverOptions });
  for (let i = 0; i < 16; i++) stall(server, `10.70.0.${i}|4000`, 0);
  stall(server, '10.70.1.1|4000', 10);
  assert.equal(server.evictions, 0);
  assert.equal(server.pendingCount, 16);
  assert.equal(server.isConnected('10.70.1.1|4000'), false);
});

/** Binds a UDP socket on `address`, port chosen by the system. */
async function socketOn(address: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(0, address);
  await once(s, 'listening');
  return s;
}

/**
 * Starts `count` stalling clients over loopback, 50 at a time (a first ClientHello lost in a
 * full socket buffer is sent again); resolves once every one has sent its ClientHello with the
 * cookie. The sockets are pushed to `sockets` as they open, for the caller to close.
 */
async function stallOverLoopback(
  port: number,
  count: number,
  spread: 'one address' | 'many addresses',
  sockets: dgram.Socket[],
): Promise<void> {
  for (let first = 0; first < count; first += 50) {
    const chunk: Array<{ done: Promise<void>; kick(): void; finished: () => boolean }> = [];
    for (let i = first; i < Math.min(count, first + 50); i++) {
      const address = spread === 'one address' ? '127.0.0.1' : `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`;
      const s = await socketOn(address);
      sockets.push(s);
      const a = new DtlsSession('client', TLSOptions.clientUnsafe(), 'x');
      a.start(0);
      const hello = a.takeDatagrams();
      let finished = false;
      const done = new Promise<void>((resolve) => {
        s.on('message', (m) => {
          if (a.state !== 'handshaking') return;
          a.receive(m, 0);
          // The ClientHello with the cookie goes out once; everything after it is ignored.
          for (const d of a.takeDatagrams())
            s.send(d, port, '127.0.0.1', () => {
              finished = true;
              resolve();
            });
          a.close();
        });
      });
      const kick = () => {
        for (const d of hello) s.send(d, port, '127.0.0.1');
      };
      kick();
      chunk.push({ done, kick, finished: () => finished });
    }
    for (let attempt = 0; ; attempt++) {
      const all = Promise.all(chunk.map((c) => c.done));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), 2000);
      });
      const outcome = await Promise.race([all, late]);
      clearTimeout(timer);
      if (outcome !== 'late') break;
      if (attempt === 5) throw new Error('stalling clients got no HelloVerifyRequest');
      for (const c of chunk) if (!c.finished()) c.kick();
    }
  }
}

/** Resolves once `cond()` holds, checking at every datagram-sized turn; rejects after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

for (const [count, spread] of [
  [24, 'one address'],
  [24, 'many addresses'],
  [1000, 'one address'],
  [1000, 'many addresses'],
] as const)
  test(`loopback: ${count} sockets from ${spread} stalling after the cookie exchange; our client connects within 5 s`, async () => {
    const server = new DtlsServer({ options: serverOptions });
    const echo = await serveDtlsEcho(server);
    const sockets: dgram.Socket[] = [];
    try {
      await stallOverLoopback(echo.port, count, spread, sockets);
      await until(() => server.pendingCount >= server.maxPending, 10_000, 'the pending table to fill');
      const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
      const start = performance.now();
      let connectedAfter = -1;
      let sent = false;
      let reply = '';
      await runDtlsClient(
        client,
        echo.port,
        () => {
          if (client.state === 'connected' && !sent) {
            connectedAfter = performance.now() - start;
            sent = true;
            client.sendApplicationData(Buffer.from('hello'));
          }
          reply ||= client.readApplicationData()?.toString() ?? '';
          return reply !== '';
        },
        5000,
      );
      assert.equal(client.state, 'connected', client.failureReason ?? 'still handshaking after 5 s');
      assert.ok(connectedAfter >= 0 && connectedAfter < 5000, `connected after ${connectedAfter} ms`);
      assert.equal(reply, 'echo: hello');
    } finally {
      for (const s of sockets) s.close();
      echo.close();
    }
  });

test('loopback: 24 stalled sockets from 127.0.0.1; openssl s_client connects within 5 s', async () => {
  const server = new DtlsServer({ options: serverOptions });
  const echo = await serveDtlsEcho(server);
  const sockets: dgram.Socket[] = [];
  let client: Proc | null = null;
  try {
    await stallOverLoopback(echo.port, 24, 'one address', sockets);
    await until(() => server.pendingCount >= server.maxPending, 10_000, 'the pending table to fill');
    client = new Proc(
      ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${echo.port}`, '-CAfile', pki.write('ca.pem', pki.ca), '-verify_return_error'],
      { command: 'openssl', mergeStderr: true },
    );
    await client.waitFor(/Verify return code: 0 \(ok\)/, 5000);
    client.child.stdin!.write('hello from openssl\n');
    await client.waitFor(/echo: hello from openssl/, 5000);
  } finally {
    await client?.close();
    for (const s of sockets) s.close();
    echo.close();
  }
});

test('ENet over DTLS: 24 sockets stalling after the cookie exchange; an ENet client still gets CONNECT within 5 s', async () => {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 32);
  server.dtlsServerSetup(TLSOptions.server(pki.ecKey, pki.ecCert));
  const client = new ENetConnection();
  await client.createHost(1);
  client.dtlsClientSetup('localhost', TLSOptions.client(pki.ca));
  const pump = new EventPump([server, client]);
  const sockets: dgram.Socket[] = [];
  try {
    await stallOverLoopback(server.getLocalPort(), 24, 'one address', sockets);
    await until(() => server.dtlsSessionCount >= 16, 10_000, 'the pending table to fill');
    const start = performance.now();
    await client.connectToHost('127.0.0.1', server.getLocalPort(), 1);
    await pump.waitFor(
      () => pump.of(server, EventType.CONNECT).length === 1 && pump.of(client, EventType.CONNECT).length === 1,
      5000,
      'CONNECT on both sides within 5 s',
    );
    assert.ok(performance.now() - start < 5000);
  } finally {
    client.destroy();
    server.destroy();
    await pump.stop();
    for (const s of sockets) s.close();
  }
});

/** A connected client and server in memory (the client is "c|1"). */
function connectedPair(): { server: DtlsServer; client: DtlsSession } {
  const server = new DtlsServer({ options: serverOptions });
  const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
  handshake(server, client, 'c|1', 0);
  assert.equal(client.state, 'connected', client.failureReason);
  assert.ok(server.isConnected('c|1'));
  return { server, client };
}

test('the forged epoch-0 fatal alert sent to the client ends nothing; the session keeps carrying data', () => {
  const { server, client } = connectedPair();
  client.receive(FORGED_ALERT, 1000);
  assert.equal(client.state, 'connected', client.failureReason);
  assert.ok(exchange(server, client, 'c|1', 'after the alert', 1000));
});

test('the forged epoch-0 fatal alert sent to the server ends nothing; the session keeps carrying data', () => {
  const { server, client } = connectedPair();
  server.receive('c|1', FORGED_ALERT, 1000);
  assert.ok(server.isConnected('c|1'), 'the server keeps the session');
  assert.ok(exchange(server, client, 'c|1', 'after the alert', 1000));
});

test('other forged epoch-0 records after the handshake (close_notify, data, handshake messages, garbage fragments) end and change nothing', () => {
  const { server, client } = connectedPair();
  const record = (type: number, seq: number, body: Buffer) => {
    const h = Buffer.alloc(13);
    h[0] = type;
    h.writeUInt16BE(0xfefd, 1);
    h.writeUInt32BE(seq, 7);
    h.writeUInt16BE(body.length, 11);
    return Buffer.concat([h, body]);
  };
  const fragment = (type: number, length: number, seq: number, offset: number, bytes: Buffer) => {
    const f = Buffer.alloc(12);
    f[0] = type;
    f.writeUIntBE(length, 1, 3);
    f.writeUInt16BE(seq, 4);
    f.writeUIntBE(offset, 6, 3);
    f.writeUIntBE(bytes.length, 9, 3);
    return Buffer.concat([f, bytes]);
  };
  const forged = [
    record(21, 6000, Buffer.from([1, 0])), // close_notify
    record(21, 6001, Buffer.from([2, 20])), // bad_record_mac
    record(23, 6002, Buffer.from('injected')),
    record(20, 6003, Buffer.from([1])),
    ...[0, 1, 2, 3, 4, 5, 6, 9].map((seq) => record(22, 7000 + seq, fragment(20, 12, seq, 0, Buffer.alloc(12, 7)))),
    ...[1, 2, 3, 4, 5, 6].map((seq) => record(22, 7100 + seq, fragment(0, 100, seq, 90, Buffer.alloc(50)))),
    record(22, 7200, fragment(1, 40, 0, 0, Buffer.alloc(40, 1))),
  ];
  let now = 1000;
  for (const d of forged) {
    client.receive(d, now);
    server.receive('c|1', d, now);
    now += 300;
  }
  assert.equal(client.state, 'connected', client.failureReason);
  assert.ok(server.isConnected('c|1'));
  assert.equal(client.readApplicationData(), undefined, 'no epoch-0 data delivered');
  assert.equal(server.readApplicationData(), undefined);
  // At most our last flight was sent again.
  for (const d of client.takeDatagrams()) assert.ok([20, 22].includes(d[0]!), 'the client only resent its flight');
  for (const d of server.takeDatagrams()) assert.ok([20, 22].includes(d.data[0]!), 'the server only resent its flight');
  assert.ok(exchange(server, client, 'c|1', 'after the forgeries', now));
});

test('a lost final server flight is still recovered: the client retransmits its flight and the server resends CCS + Finished', () => {
  const server = new DtlsServer({ options: serverOptions });
  const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
  let now = 0;
  client.start(now);
  let dropped = false;
  for (let i = 0; i < 200 && client.state === 'handshaking'; i++) {
    for (const d of client.takeDatagrams()) server.receive('c|1', d, now);
    for (const d of server.takeDatagrams()) {
      if (server.isConnected('c|1') && !dropped) {
        dropped = true; // the server's CCS + Finished are lost once
        continue;
      }
      client.receive(d.data, now);
    }
    now += 100;
    client.handleTimeout(now);
    server.handleTimeout(now);
  }
  assert.ok(dropped);
  assert.equal(client.state, 'connected', client.failureReason);
  assert.ok(exchange(server, client, 'c|1', 'recovered', now));
});

test('a server certificate whose public key does not parse fails as a bad certificate (alert 42), not an internal error', () => {
  const server = new DtlsServer({ options: serverOptions });
  const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
  const der = new X509Certificate(pki.ecCert).raw;
  // The EC point follows the BIT STRING header 03 42 00 04: spoil its X coordinate.
  const point = der.indexOf(Buffer.from('03420004', 'hex'));
  assert.ok(point > 0);
  let spoiled = 0;
  let now = 0;
  const fromClient: Buffer[] = [];
  client.start(now);
  for (let i = 0; i < 50 && client.state === 'handshaking'; i++) {
    for (const d of client.takeDatagrams()) {
      fromClient.push(d);
      server.receive('c|1', d, now);
    }
    for (const d of server.takeDatagrams()) {
      const at = d.data.indexOf(der);
      const copy = Buffer.from(d.data);
      if (at >= 0) {
        for (let k = 4; k < 12; k++) copy[at + point + k]! ^= 0xff;
        spoiled++;
      }
      client.receive(copy, now);
    }
    now += 100;
    client.handleTimeout(now);
  }
  fromClient.push(...client.takeDatagrams());
  assert.ok(spoiled > 0, 'the certificate was found in the flight');
  assert.equal(client.state, 'failed');
  assert.match(client.failureReason!, /^bad certificate: the public key of certificate 'CN=localhost' cannot be parsed$/);
  const alert = fromClient.at(-1);
  assert.deepEqual([...(alert ?? [])].slice(-2), [2, 42], 'a fatal bad_certificate alert is sent');
});

test('a replayed final flight is answered once, and does not start an endless echo of flights between the peers', () => {
  const server = new DtlsServer({ options: serverOptions });
  const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
  const fromClient: Buffer[] = [];
  let now = 0;
  client.start(now);
  for (let i = 0; i < 20 && client.state === 'handshaking'; i++) {
    for (const d of client.takeDatagrams()) {
      fromClient.push(d);
      server.receive('c|1', d, now);
    }
    for (const d of server.takeDatagrams()) client.receive(d.data, now);
  }
  assert.equal(client.state, 'connected', client.failureReason);
  // The client's last flight (ClientKeyExchange, ChangeCipherSpec, Finished), replayed by anyone.
  server.receive('c|1', fromClient.at(-1)!, 1000);
  let datagrams = 0;
  for (now = 1000; now < 20_000; now += 100) {
    for (const d of server.takeDatagrams()) {
      datagrams++;
      client.receive(d.data, now);
    }
    for (const d of client.takeDatagrams()) {
      datagrams++;
      server.receive('c|1', d, now);
    }
    client.handleTimeout(now);
    server.handleTimeout(now);
  }
  assert.equal(datagrams, 1, 'the server resends its final flight once; the client does not answer it');
  assert.ok(exchange(server, client, 'c|1', 'after the replay', now));
});

test('a ClientHello whose record sequence number is at the 48-bit end opens nothing and throws nothing', () => {
  const server = new DtlsServer({ options: serverOptions });
  const [hello] = helloWithCookie(server, '10.1.1.1|1', 0);
  const last = Buffer.from(hello!);
  last.writeUIntBE(2 ** 48 - 1, 5, 6);
  assert.doesNotThrow(() => server.receive('10.1.1.1|1', last, 0));
  assert.equal(server.sessionCount, 0);
});

test('a forged plaintext record with a huge sequence number during the handshake does not shut out the genuine flight', () => {
  const server = new DtlsServer({ options: serverOptions });
  const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
  let now = 0;
  client.start(now);
  let forged = false;
  for (let i = 0; i < 20 && client.state === 'handshaking'; i++) {
    for (const d of client.takeDatagrams()) server.receive('c|1', d, now);
    for (const d of server.takeDatagrams()) {
      if (!forged) {
        // Ahead of the server's first reply: an epoch-0 record at the end of the sequence space.
        const h = Buffer.alloc(13 + 12);
        h[0] = 22;
        h.writeUInt16BE(0xfefd, 1);
        h.writeUIntBE(2 ** 48 - 1, 5, 6);
        h.writeUInt16BE(12, 11);
        h[13] = 0; // a HelloRequest: ignored here
        h.writeUInt16BE(200, 17);
        client.receive(h, now);
        forged = true;
      }
      client.receive(d.data, now);
    }
    now += 100;
  }
  assert.equal(client.state, 'connected', client.failureReason ?? 'stalled');
  assert.ok(exchange(server, client, 'c|1', 'after the forgery', now));
});

test('a second ClientHello message in the middle of the handshake fails it as unexpected (it no longer takes a message number silently)', () => {
  const server = new DtlsServer({ options: serverOptions });
  const [hello] = helloWithCookie(server, '10.1.1.1|1', 0);
  server.receive('10.1.1.1|1', hello!, 0);
  assert.equal(server.pendingCount, 1);
  const again = Buffer.from(hello!);
  again.writeUInt16BE(again.readUInt16BE(13 + 4) + 1, 13 + 4); // the next message number
  server.receive('10.1.1.1|1', again, 1);
  assert.equal(server.sessionCount, 0);
  const alert = server.takeDatagrams().at(-1)!.data;
  assert.deepEqual([...alert.subarray(-2)], [2, 10], 'unexpected_message');
});
