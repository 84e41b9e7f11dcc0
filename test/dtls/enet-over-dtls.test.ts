import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionMode, ENetConnection, ENetError, ENetPacketPeer, EventType, TLSOptions } from '../../src/index.js';
import { EventPump } from '../support/pump.js';
import { makePki } from '../support/pki.js';

const pki = makePki();
after(() => pki.cleanup());

async function dtlsServer(key = pki.ecKey, cert = pki.ecCert) {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 128);
  server.dtlsServerSetup(TLSOptions.server(key, cert));
  return server;
}

test('ENet over DTLS between enet-ts hosts: connect, reliable and unreliable data, compression, disconnect', async () => {
  const server = await dtlsServer();
  server.compress(CompressionMode.ZSTD);
  const client = new ENetConnection();
  await client.createHost(1);
  client.compress(CompressionMode.ZSTD);
  client.dtlsClientSetup('localhost', TLSOptions.client(pki.ca));
  const pump = new EventPump([server, client]);
  try {
    const peer = await client.connectToHost('127.0.0.1', server.getLocalPort(), 2, 5);
    await pump.waitFor(
      () => pump.of(server, EventType.CONNECT).length === 1 && pump.of(client, EventType.CONNECT).length === 1,
      10000,
      'connect',
    );
    assert.equal(pump.of(server, EventType.CONNECT)[0]!.data, 5);
    const sp = pump.of(server, EventType.CONNECT)[0]!.peer!;
    const big = Buffer.alloc(50_000, 'game state ');
    peer.send(0, big, ENetPacketPeer.FLAG_RELIABLE);
    peer.send(1, Buffer.from('position'), 0);
    await pump.waitFor(() => sp.getAvailablePacketCount() === 2, 5000, 'data');
    const got = [sp.getPacket(), sp.getPacket()].map((p) => Buffer.from(p));
    assert.ok(got.some((p) => p.equals(big)));
    assert.ok(got.some((p) => p.toString() === 'position'));
    sp.send(0, Buffer.from('welcome'), ENetPacketPeer.FLAG_RELIABLE);
    await pump.waitFor(() => peer.getAvailablePacketCount() === 1, 5000, 'reply');
    assert.equal(Buffer.from(peer.getPacket()).toString(), 'welcome');
    assert.equal(server.dtlsSessionCount, 1);
    peer.peerDisconnect(3);
    await pump.waitFor(() => pump.of(server, EventType.DISCONNECT).length === 1, 5000, 'disconnect');
    assert.equal(pump.of(server, EventType.DISCONNECT)[0]!.data, 3);
    assert.equal(server.dtlsSessionCount, 0, 'the session is freed with its peer');
  } finally {
    client.destroy();
    server.destroy();
    await pump.stop();
  }
});

test('100 DTLS clients connect and leave; no session or timer is left behind', async () => {
  const server = await dtlsServer(pki.rsaKey, pki.rsaCert);
  const pump = new EventPump([server]);
  try {
    for (let round = 0; round < 10; round++) {
      const clients = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const c = new ENetConnection();
          await c.createHost(1);
          c.dtlsClientSetup('localhost', TLSOptions.client(pki.ca));
          return c;
        }),
      );
      const cp = new EventPump(clients);
      const peers = await Promise.all(clients.map((c) => c.connectToHost('127.0.0.1', server.getLocalPort(), 1)));
      await cp.waitFor(() => cp.events.filter((e) => e.type === EventType.CONNECT).length === 10, 20000, 'round connects');
      for (const p of peers) p.peerDisconnect(0);
      await cp.waitFor(() => cp.events.filter((e) => e.type === EventType.DISCONNECT).length === 10, 10000, 'round disconnects');
      for (const c of clients) c.destroy();
      await cp.stop();
    }
    await pump.waitFor(() => pump.of(server, EventType.DISCONNECT).length === 100, 10000, 'server saw 100 disconnects');
    assert.equal(pump.of(server, EventType.CONNECT).length, 100);
    assert.equal(server.dtlsSessionCount, 0);
    assert.equal(server.getPeers().length, 0);
    assert.equal(server.engine!.nextTimeout(), -1);
  } finally {
    server.destroy();
    await pump.stop();
  }
});

for (const [what, setup, reason] of [
  ['wrong hostname', () => ['evil.test', TLSOptions.client(pki.ca)] as const, /does not match 'evil\.test'/],
  ['untrusted root', () => ['localhost', TLSOptions.client()] as const, /not signed by a trusted root/],
] as const) {
  test(`a DTLS client refuses a server with a ${what}: EventType.ERROR with a readable reason`, async () => {
    const server = await dtlsServer();
    const client = new ENetConnection();
    await client.createHost(1);
    const [host, options] = setup();
    client.dtlsClientSetup(host, options);
    try {
      await client.connectToHost('127.0.0.1', server.getLocalPort());
      const sPump = new EventPump([server]);
      let e = await client.service(5000);
      while (e.type === EventType.NONE) e = await client.service(5000);
      assert.equal(e.type, EventType.ERROR);
      assert.match(client.lastError ?? '', reason);
      await sPump.stop();
      assert.equal(pumpConnects(server), 0);
    } finally {
      client.destroy();
      server.destroy();
    }
  });
}

function pumpConnects(server: ENetConnection): number {
  return server.getPeers().length;
}

test('expired certificates and certificates from another CA are refused; clientUnsafe without a chain accepts them', async () => {
  for (const [key, cert, re] of [
    [pki.expiredKey, pki.expiredCert, /expired/],
    [pki.otherKey, pki.otherCert, /not signed by a trusted root/],
  ] as const) {
    const server = await dtlsServer(key, cert);
    const client = new ENetConnection();
    await client.createHost(1);
    client.dtlsClientSetup('localhost', TLSOptions.client(pki.ca));
    const sp = new EventPump([server]);
    try {
      await client.connectToHost('127.0.0.1', server.getLocalPort());
      let e = await client.service(5000);
      while (e.type === EventType.NONE) e = await client.service(5000);
      assert.equal(e.type, EventType.ERROR);
      assert.match(client.lastError ?? '', re);
    } finally {
      client.destroy();
      server.destroy();
      await sp.stop();
    }
  }
  const server = await dtlsServer(pki.otherKey, pki.otherCert);
  const client = new ENetConnection();
  await client.createHost(1);
  client.dtlsClientSetup('anything', TLSOptions.clientUnsafe());
  const pump = new EventPump([server, client]);
  try {
    await client.connectToHost('127.0.0.1', server.getLocalPort());
    await pump.waitFor(() => pump.of(client, EventType.CONNECT).length === 1, 10000, 'unsafe client connects');
  } finally {
    client.destroy();
    server.destroy();
    await pump.stop();
  }
});

test('dtls setup validation; plaintext ENet never connects to a DTLS server', async () => {
  const c = new ENetConnection();
  assert.throws(
    () => c.dtlsClientSetup('x'),
    (e: unknown) => e instanceof ENetError && e.code === 'ERR_UNCONFIGURED',
  );
  await c.createHost(1);
  assert.throws(
    () => c.dtlsServerSetup(TLSOptions.client()),
    (e: unknown) => e instanceof ENetError && e.code === 'ERR_INVALID_PARAMETER',
  );
  assert.throws(
    () => c.dtlsClientSetup('x', TLSOptions.server(pki.ecKey, pki.ecCert)),
    (e: unknown) => e instanceof ENetError && e.code === 'ERR_INVALID_PARAMETER',
  );
  c.dtlsClientSetup('x');
  assert.throws(
    () => c.dtlsClientSetup('x'),
    (e: unknown) => e instanceof ENetError && e.code === 'FAILED',
  );
  c.destroy();
  assert.throws(() => TLSOptions.server(pki.rsaKey, pki.ecCert), /key does not match/);

  const server = await dtlsServer();
  const plain = new ENetConnection();
  await plain.createHost(1);
  const pump = new EventPump([server, plain]);
  try {
    const p = await plain.connectToHost('127.0.0.1', server.getLocalPort());
    p.setTimeout(4, 500, 1500);
    await pump.waitFor(() => pump.of(plain, EventType.DISCONNECT).length === 1, 5000, 'plain client gives up');
    assert.equal(pump.of(server, EventType.CONNECT).length, 0);
    assert.equal(server.dtlsSessionCount, 0);
  } finally {
    plain.destroy();
    server.destroy();
    await pump.stop();
  }
});
