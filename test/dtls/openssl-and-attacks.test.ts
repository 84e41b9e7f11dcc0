import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsServer, DtlsSession, TLSOptions } from '../../src/transport/dtls/index.js';
import { makePki } from '../support/pki.js';
import { freeUdpPort } from '../support/godot.js';
import { runDtlsClient, serveDtlsEcho } from '../support/dtls-driver.js';
import { Proc, startOnFreePort } from '../support/spawn.js';

const pki = makePki();
after(() => pki.cleanup());

for (const [suite, kind] of [
  ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ec'],
  ['ECDHE-RSA-AES128-GCM-SHA256', 'rsa'],
  ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ec'],
  ['ECDHE-RSA-AES256-GCM-SHA384', 'rsa'],
] as const) {
  test(`our DTLS client ↔ openssl s_server -dtls1_2 -listen, ${suite}: verified, data both ways`, async () => {
    const [key, cert] = kind === 'ec' ? [pki.ecKey, pki.ecCert] : [pki.rsaKey, pki.rsaCert];
    // s_server prints ACCEPT once it listens.
    const { proc: server, port } = await startOnFreePort(
      freeUdpPort,
      (port) =>
        new Proc(
          [
            's_server',
            '-dtls1_2',
            '-listen',
            '-accept',
            String(port),
            '-cert',
            pki.write(`${kind}.crt.pem`, cert),
            '-key',
            pki.write(`${kind}.key.pem`, key),
            '-cipher',
            suite,
            '-naccept',
            '1',
          ],
          { command: 'openssl', mergeStderr: true },
        ),
      /ACCEPT/,
    );
    try {
      const session = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
      let replied = false;
      await runDtlsClient(
        session,
        port,
        () => {
          if (session.state === 'connected' && !replied) {
            replied = true;
            session.sendApplicationData(Buffer.from('hello from enet-ts\n'));
            server.child.stdin!.write('reply from openssl\n');
          }
          const a = session.readApplicationData();
          return a?.toString().includes('reply from openssl') === true;
        },
        8000,
      );
      assert.equal(session.state, 'connected', session.failureReason);
      const iana: Record<string, string> = {
        'ECDHE-ECDSA-AES128-GCM-SHA256': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
        'ECDHE-RSA-AES128-GCM-SHA256': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
        'ECDHE-ECDSA-AES256-GCM-SHA384': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
        'ECDHE-RSA-AES256-GCM-SHA384': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      };
      assert.equal(session.suite!.name, iana[suite]);
      await server.waitFor(/hello from enet-ts/, 5000);
    } finally {
      await server.close();
    }
  });
}

test('openssl s_client -dtls1_2 -verify_hostname ↔ our DTLS server sending leaf + intermediate: verified, data both ways', async () => {
  const echo = await serveDtlsEcho(new DtlsServer({ options: TLSOptions.server(pki.chainKey, pki.chainCert) }));
  const got = echo.got;
  const client = new Proc(
    [
      's_client',
      '-dtls1_2',
      '-connect',
      `127.0.0.1:${echo.port}`,
      '-CAfile',
      pki.write('ca.pem', pki.ca),
      '-verify_hostname',
      'localhost',
      '-verify_return_error',
    ],
    { command: 'openssl', mergeStderr: true },
  );
  try {
    await client.waitFor(/Verify return code: 0 \(ok\)/, 8000);
    client.child.stdin!.write('hello from openssl\n');
    await client.waitFor(/echo: hello from openssl/, 8000);
    assert.match(client.out.join('\n'), /depth=1 CN = intermediate/);
    assert.deepEqual(got, ['hello from openssl\n']);
  } finally {
    await client.close();
    echo.close();
  }
});

/** Runs a client and a server in memory, passing datagrams through `relay` (which may alter them). */
function inMemory(relay: (d: Buffer, toServer: boolean) => Buffer | null, serverOptions = TLSOptions.server(pki.ecKey, pki.ecCert)) {
  const server = new DtlsServer({ options: serverOptions });
  const client = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
  let now = 0;
  client.start(now);
  for (let i = 0; i < 400 && client.state === 'handshaking'; i++) {
    for (const d of client.takeDatagrams()) {
      const r = relay(d, true);
      if (r) server.receive('c|1', r, now);
    }
    for (const d of server.takeDatagrams()) {
      const r = relay(d.data, false);
      if (r) client.receive(r, now);
    }
    now += 100;
    client.handleTimeout(now);
    server.handleTimeout(now);
  }
  return { server, client };
}

/** Offset of a handshake message of `type` in a plaintext datagram, or -1. */
function findHandshake(d: Buffer, type: number): number {
  for (let pos = 0; pos + 13 <= d.length; pos += 13 + d.readUInt16BE(pos + 11)) {
    if (d[pos] !== 22 || d.readUInt16BE(pos + 3) !== 0) continue;
    if (d[pos + 13] === type) return pos + 13;
  }
  return -1;
}

test('a byte flipped in the ServerKeyExchange signature by a relaying proxy fails the handshake', () => {
  const { client, server } = inMemory((d, toServer) => {
    if (toServer) return d;
    const at = findHandshake(d, 12);
    if (at < 0) return d;
    const copy = Buffer.from(d);
    const len = copy.readUIntBE(at + 1, 3);
    copy[at + 12 + len - 1]! ^= 0x01;
    return copy;
  });
  assert.equal(client.state, 'failed');
  assert.match(client.failureReason!, /ServerKeyExchange signature does not verify/);
  assert.equal(server.isConnected('c|1'), false);
});

test('a tampered Finished never completes the handshake; a clean handshake does', () => {
  const clean = inMemory((d) => d);
  assert.equal(clean.client.state, 'connected');
  assert.ok(clean.server.isConnected('c|1'));
  const tampered = inMemory((d, toServer) => {
    // The client's Finished travels in an epoch-1 record: flip a byte of it.
    for (let pos = 0; pos + 13 <= d.length; pos += 13 + d.readUInt16BE(pos + 11))
      if (toServer && d[pos] === 22 && d.readUInt16BE(pos + 3) === 1) {
        const copy = Buffer.from(d);
        copy[pos + 13 + 10]! ^= 0x40;
        return copy;
      }
    return d;
  });
  assert.notEqual(tampered.client.state, 'connected');
  assert.equal(tampered.server.isConnected('c|1'), false);
});

test('replayed records are dropped; records failing authentication are dropped silently', () => {
  const { client, server } = inMemory((d) => d);
  assert.equal(client.state, 'connected');
  client.sendApplicationData(Buffer.from('once'));
  const [record] = client.takeDatagrams();
  server.receive('c|1', record!, 0);
  server.receive('c|1', record!, 0);
  const corrupt = Buffer.from(record!);
  corrupt[corrupt.length - 1]! ^= 1;
  server.receive('c|1', corrupt, 0);
  const got = [];
  for (let a = server.readApplicationData(); a; a = server.readApplicationData()) got.push(a.data.toString());
  assert.deepEqual(got, ['once']);
  assert.ok(server.isConnected('c|1'), 'the session survives');
});

test('a ClientHello flood from 2000 addresses keeps pending sessions capped while an existing session works', () => {
  const { client, server } = inMemory((d) => d);
  const attacker = () => new DtlsSession('client', TLSOptions.clientUnsafe(), 'x');
  // Plain ClientHellos without cookies: no state at all.
  for (let i = 0; i < 2000; i++) {
    const a = attacker();
    a.start(0);
    for (const d of a.takeDatagrams()) server.receive(`10.0.${i >> 8}.${i & 255}|9`, d, 0);
  }
  assert.equal(server.sessionCount, 1);
  // Attackers that complete the cookie exchange from their own addresses: capped at maxPending.
  for (let i = 0; i < 2000; i++) {
    const key = `10.1.${i >> 8}.${i & 255}|9`;
    const a = attacker();
    a.start(0);
    for (const d of a.takeDatagrams()) server.receive(key, d, 0);
    for (const d of server.takeDatagrams()) if (d.addressKey === key) a.receive(d.data, 0);
    for (const d of a.takeDatagrams()) server.receive(key, d, 0);
  }
  server.takeDatagrams();
  assert.ok(server.pendingCount <= server.maxPending, `${server.pendingCount} pending`);
  assert.ok(server.sessionCount <= server.maxPending + 1);
  client.sendApplicationData(Buffer.from('still here'));
  for (const d of client.takeDatagrams()) server.receive('c|1', d, 1);
  assert.equal(server.readApplicationData()?.data.toString(), 'still here');
  server.handleTimeout(20_000);
  assert.equal(server.sessionCount, 1, 'half-open sessions expire after the handshake timeout');
});
