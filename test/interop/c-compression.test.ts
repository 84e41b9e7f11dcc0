import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { CompressionMode, ENetConnection, ENetPacketPeer, EventType, type ENetWarning } from '../../src/index.js';
import { CPeer, generated } from '../support/c-peer.js';
import { EventPump } from '../support/pump.js';

const crc = (b: Uint8Array) => ((zlib as unknown as { crc32(b: Uint8Array): number }).crc32(b) >>> 0).toString(16).padStart(8, '0');

for (const checksum of [false, true]) {
  test(`range coder with C ENet both ways${checksum ? ' and checksum' : ''}`, async () => {
    const cArgs = ['--range-coder', ...(checksum ? ['--checksum'] : [])];
    // enet-ts client → C server
    const c = await CPeer.start(['--server', '0', ...cArgs]);
    const conn = new ENetConnection();
    await conn.createHost(1);
    conn.compress(CompressionMode.RANGE_CODER);
    if (checksum) conn.setChecksum(true);
    const pump = new EventPump([conn]);
    try {
      const peer = await conn.connectToHost('127.0.0.1', c.port, 2, 9);
      await pump.waitFor(() => pump.of(conn, EventType.CONNECT).length === 1, 5000, 'connect');
      const text = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(200));
      peer.send(0, text, ENetPacketPeer.FLAG_RELIABLE);
      peer.send(1, generated(3000, 4), ENetPacketPeer.FLAG_RELIABLE);
      for (let i = 0; i < 200; i++) peer.send(0, Buffer.from(`position ${i} ${i * 2} ${i * 3}`), ENetPacketPeer.FLAG_RELIABLE);
      await c.until(() => c.count('receive') >= 202, 10000, 'C receives');
      const rx = c.all('receive');
      assert.equal(rx[0]!.crc, crc(text));
      assert.equal(rx.find((e) => e.channel === 1)!.crc, crc(generated(3000, 4)));
      c.command('send 0 0 1 5000 3');
      await pump.waitFor(() => peer.getAvailablePacketCount() === 1, 5000, 'C → us');
      assert.ok(Buffer.from(peer.getPacket()).equals(generated(5000, 3)));
      const drops = conn.engine!.drops;
      assert.equal(drops.decompress + drops.checksum + drops.compressedWithoutCodec, 0);
      assert.ok(conn.engine!.totalSentData < text.length, 'datagrams really were compressed');
    } finally {
      conn.destroy();
      await pump.stop();
      await c.close();
    }
    // C client → enet-ts server
    const server = new ENetConnection();
    await server.createHostBound('127.0.0.1', 0, 4);
    server.compress(CompressionMode.RANGE_CODER);
    if (checksum) server.setChecksum(true);
    const spump = new EventPump([server]);
    const client = await CPeer.start(['--connect', `127.0.0.1:${server.getLocalPort()}`, ...cArgs]);
    try {
      await spump.waitFor(() => spump.of(server, EventType.CONNECT).length === 1, 5000, 'C connects');
      const sp = spump.of(server, EventType.CONNECT)[0]!.peer!;
      client.command('send 0 1 1 20000 1');
      await spump.waitFor(() => sp.getAvailablePacketCount() === 1, 5000, 'C packet');
      assert.ok(Buffer.from(sp.getPacket()).equals(generated(20000, 1)));
      sp.send(0, Buffer.alloc(2000, 0x41), ENetPacketPeer.FLAG_RELIABLE);
      const r = await client.waitFor((e) => e.event === 'receive', 5000, 'C receives');
      assert.equal(r.crc, crc(Buffer.alloc(2000, 0x41)));
    } finally {
      await client.close();
      server.destroy();
      await spump.stop();
    }
  });
}

test('a compression mismatch is counted and warned about instead of failing silently', async () => {
  const c = await CPeer.start(['--server', '0', '--range-coder']);
  const conn = new ENetConnection();
  await conn.createHost(1);
  const warnings: ENetWarning[] = [];
  conn.onWarning = (w) => warnings.push(w);
  try {
    const peer = await conn.connectToHost('127.0.0.1', c.port);
    peer.setTimeout(4, 500, 1500);
    await new Promise<void>((resolve) => {
      const loop = async () => {
        for (;;) {
          const e = await conn.service(100);
          if (e.type === EventType.DISCONNECT || e.type === EventType.ERROR) return resolve();
        }
      };
      void loop();
    });
    assert.ok(conn.engine!.drops.compressedWithoutCodec > 0);
    assert.equal(warnings.filter((w) => w.reason === 'compressedWithoutCodec').length, 1, 'warned once');
    assert.match(warnings[0]!.message, /^127\.0\.0\.1:\d+ sends compressed datagrams but this host has compression NONE/);
  } finally {
    conn.destroy();
    await c.close();
  }
});

test('empty packets with the range coder work between enet-ts hosts', async () => {
  const a = new ENetConnection();
  const b = new ENetConnection();
  await a.createHostBound('127.0.0.1', 0);
  await b.createHost(1);
  for (const x of [a, b]) x.compress(CompressionMode.RANGE_CODER);
  const pump = new EventPump([a, b]);
  try {
    const peer = await b.connectToHost('127.0.0.1', a.getLocalPort());
    await pump.waitFor(() => pump.of(a, EventType.CONNECT).length === 1, 5000, 'connect');
    for (const flags of [0, 1, 2]) peer.send(0, new Uint8Array(0), flags);
    const sp = pump.of(a, EventType.CONNECT)[0]!.peer!;
    await pump.waitFor(() => sp.getAvailablePacketCount() === 3, 5000, 'three empty packets');
    for (let i = 0; i < 3; i++) assert.equal(sp.getPacket().length, 0);
  } finally {
    a.destroy();
    b.destroy();
    await pump.stop();
  }
});
