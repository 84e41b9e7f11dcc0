import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ENetConnection, ENetPacketPeer, type ENetWarning, EventType, type ENetPacketPeer as Peer } from '../../src/index.js';
import { CPeer, generated } from '../support/c-peer.js';
import { EventPump } from '../support/pump.js';

const crc = (b: Uint8Array) => ((zlib as unknown as { crc32(b: Uint8Array): number }).crc32(b) >>> 0).toString(16).padStart(8, '0');
const SIZES = [0, 1, 1364, 1365, 100_000, 4_000_000];
const RELIABLE = ENetPacketPeer.FLAG_RELIABLE;

/** Waits for `n` RECEIVE events of `conn` beyond `base`, then returns the peer's packets with their channels. */
async function takePackets(
  pump: EventPump,
  peer: Peer,
  n: number,
  ms = 30000,
): Promise<Array<{ data: Uint8Array; channel: number; flags: number }>> {
  await pump.waitFor(() => peer.getAvailablePacketCount() >= n, ms, `${n} packets`);
  const out = [];
  for (let i = 0; i < n; i++) {
    const flags = peer.getPacketFlags();
    const data = peer.getPacket();
    out.push({ data, channel: peer.getPacketChannel(), flags });
  }
  return out;
}

/**
 * Records the connection's drop warnings. A peer reset at disconnect may still have an
 * acknowledgement, ping or retransmitted DISCONNECT from its C side on the way, which then names
 * a peer this host no longer has: C drops it silently, we count and warn. Returns a check that
 * no other kind of drop was warned about.
 */
function tolerateStaleDatagrams(conn: ENetConnection): () => void {
  const warnings: ENetWarning[] = [];
  conn.onWarning = (w) => warnings.push(w);
  return () =>
    assert.deepEqual(
      warnings.filter((w) => w.reason !== 'unknownPeer').map((w) => w.message),
      [],
    );
}

for (const checksum of [false, true]) {
  const opts = checksum ? ['--checksum'] : [];
  const label = checksum ? 'with checksum' : 'plain';

  test(`enet-ts client ↔ C ENet server (${label}): data both ways, every size, ordered streams, disconnect data`, async () => {
    const c = await CPeer.start(['--server', '0', '--channels', '4', ...opts]);
    const conn = new ENetConnection();
    await conn.createHost(1);
    if (checksum) conn.setChecksum(true);
    const noOtherDrops = tolerateStaleDatagrams(conn);
    const pump = new EventPump([conn]);
    try {
      const peer = await conn.connectToHost('127.0.0.1', c.port, 3, 0x11223344);
      await pump.waitFor(() => pump.of(conn, EventType.CONNECT).length === 1, 5000, 'connect');
      const cc = await c.waitFor((e) => e.event === 'connect', 5000, 'C connect');
      assert.equal(cc.data, 0x11223344);
      assert.equal(cc.channels, 3);
      // enet-ts → C: every size, reliable, plus unreliable and unsequenced on other channels.
      const mark = c.events.length;
      for (const [i, size] of SIZES.entries()) peer.send(0, generated(size, i), RELIABLE);
      peer.send(1, generated(50, 77), 0);
      peer.send(2, generated(60, 78), ENetPacketPeer.FLAG_UNSEQUENCED);
      const got = async (n: number) => {
        await c.until(() => c.events.slice(mark).filter((e) => e.event === 'receive').length >= n, 30000, `${n} C receives`);
        return c.events.slice(mark).filter((e) => e.event === 'receive');
      };
      const recv = await got(SIZES.length + 2);
      const ch0 = recv.filter((e) => e.channel === 0);
      assert.deepEqual(
        ch0.map((e) => e.length),
        SIZES,
      );
      for (const [i, e] of ch0.entries()) assert.equal(e.crc, crc(generated(SIZES[i]!, i)), `size ${SIZES[i]} intact`);
      assert.equal(ch0[4]!.flags, 1);
      const un = recv.find((e) => e.channel === 1)!;
      assert.equal(un.crc, crc(generated(50, 77)));
      assert.equal(un.flags, 0);
      const unseq = recv.find((e) => e.channel === 2)!;
      assert.equal(unseq.flags, 2);
      // 10 000 small reliable messages in order.
      for (let i = 0; i < 10_000; i++) {
        const m = Buffer.alloc(8);
        m.writeUInt32BE(i, 0);
        peer.send(2, m, RELIABLE);
      }
      await c.until(() => c.all('receive').filter((e) => e.channel === 2 && e.flags === 1).length >= 10_000, 30000, '10000 messages');
      const seqs = c
        .all('receive')
        .filter((e) => e.channel === 2 && e.flags === 1)
        .map((e) => e.seq);
      assert.deepEqual(seqs, [...Array(10_000).keys()]);
      // C → enet-ts: an unsequenced packet first (while the C peer's throttle is untouched: after
      // bulk traffic ENet may legitimately drop unreliable data), then every size reliably, then
      // 10 000 ordered messages.
      c.command('send 0 2 2 40 5');
      const [u] = await takePackets(pump, peer, 1);
      assert.equal(u!.flags, 2);
      assert.equal(u!.channel, 2);
      for (const [i, size] of SIZES.entries()) c.command(`send 0 0 1 ${size} ${i + 10}`);
      const back = await takePackets(pump, peer, SIZES.length);
      for (const [i, p] of back.entries())
        assert.ok(Buffer.from(p.data).equals(generated(SIZES[i]!, i + 10)), `C packet of ${SIZES[i]} bytes intact`);
      c.command('sendseq 0 1 1 10000 8');
      const stream = await takePackets(pump, peer, 10_000);
      for (const [i, p] of stream.entries()) assert.equal(Buffer.from(p.data).readUInt32BE(0), i);
      // Disconnect data both ways.
      peer.peerDisconnect(0x55667788);
      await pump.waitFor(() => pump.of(conn, EventType.DISCONNECT).length === 1, 5000, 'disconnect');
      const cd = await c.waitFor((e) => e.event === 'disconnect', 5000, 'C disconnect');
      assert.equal(cd.data, 0x55667788);
      noOtherDrops();
    } finally {
      conn.destroy();
      await pump.stop();
      await c.close();
    }
  });

  test(`C ENet client ↔ enet-ts server (${label}): connect data, data both ways, disconnect data`, async () => {
    const conn = new ENetConnection();
    await conn.createHostBound('127.0.0.1', 0, 8, 4);
    if (checksum) conn.setChecksum(true);
    const noOtherDrops = tolerateStaleDatagrams(conn);
    const pump = new EventPump([conn]);
    const c = await CPeer.start(['--connect', `127.0.0.1:${conn.getLocalPort()}`, '--channels', '4', '--data', '0xcafe', ...opts]);
    try {
      await pump.waitFor(() => pump.of(conn, EventType.CONNECT).length === 1, 5000, 'connect');
      const e = pump.of(conn, EventType.CONNECT)[0]!;
      assert.equal(e.data, 0xcafe);
      const peer = e.peer!;
      assert.equal(peer.getChannels(), 4);
      await c.waitFor((x) => x.event === 'connect', 5000, 'C connect');
      for (const [i, size] of SIZES.entries()) c.command(`send 0 ${i % 4} 1 ${size} ${i}`);
      const got = await takePackets(pump, peer, SIZES.length);
      for (const [i, size] of SIZES.entries()) {
        const p = got.find((g) => g.data.length === size && g.channel === i % 4);
        assert.ok(p && Buffer.from(p.data).equals(generated(size, i)), `C → enet-ts ${size} bytes`);
      }
      c.command('sendseq 0 3 1 10000 4');
      const stream = await takePackets(pump, peer, 10_000);
      for (const [i, p] of stream.entries()) assert.equal(Buffer.from(p.data).readUInt32BE(0), i);
      const mark = c.events.length;
      for (const [i, size] of SIZES.entries()) peer.send(1, generated(size, i + 3), RELIABLE);
      peer.send(0, generated(10, 1), 0);
      await c.until(() => c.events.slice(mark).filter((x) => x.event === 'receive').length >= SIZES.length + 1, 30000, 'C receives');
      const rel = c.events.slice(mark).filter((x) => x.event === 'receive' && x.channel === 1);
      for (const [i, x] of rel.entries()) assert.equal(x.crc, crc(generated(SIZES[i]!, i + 3)));
      c.command('disconnect 0 4242');
      await pump.waitFor(() => pump.of(conn, EventType.DISCONNECT).length === 1, 5000, 'disconnect');
      assert.equal(pump.of(conn, EventType.DISCONNECT)[0]!.data, 4242);
      noOtherDrops();
    } finally {
      await c.close();
      conn.destroy();
      await pump.stop();
    }
  });
}

test('a C peer that vanishes is reported by timeout; disconnect-now and disconnect-later behave as in C', async () => {
  const conn = new ENetConnection();
  await conn.createHostBound('127.0.0.1', 0, 8, 2);
  const noOtherDrops = tolerateStaleDatagrams(conn);
  const pump = new EventPump([conn]);
  const peers: CPeer[] = [];
  try {
    const connectOne = async (data: number) => {
      const c = await CPeer.start(['--connect', `127.0.0.1:${conn.getLocalPort()}`, '--data', String(data)]);
      peers.push(c);
      await pump.waitFor(() => pump.of(conn, EventType.CONNECT).some((e) => e.data === data), 5000, `connect ${data}`);
      await c.waitFor((e) => e.event === 'connect');
      return { c, peer: pump.of(conn, EventType.CONNECT).find((e) => e.data === data)!.peer! };
    };
    // Vanished: the C process is killed; our side sees DISCONNECT (data 0) after its timeout.
    const a = await connectOne(1);
    a.peer.setTimeout(4, 500, 1500);
    const killedAt = Date.now();
    (a.c as unknown as { child: { kill(s: string): void } }).child.kill('SIGKILL');
    a.peer.send(0, new Uint8Array([1]), RELIABLE);
    await pump.waitFor(() => pump.of(conn, EventType.DISCONNECT).some((e) => e.peer === a.peer), 5000, 'timeout');
    assert.ok(Date.now() - killedAt >= 400);
    // Disconnect now from our side: C sees the data, we see no event.
    const b = await connectOne(2);
    b.peer.peerDisconnectNow(77);
    assert.equal(b.peer.isActive(), false);
    assert.equal((await b.c.waitFor((e) => e.event === 'disconnect')).data, 77);
    // Disconnect now from the C side: we see its data.
    const d = await connectOne(3);
    d.c.command('disconnect_now 0 88');
    await pump.waitFor(() => pump.of(conn, EventType.DISCONNECT).some((e) => e.peer === d.peer), 5000, 'C disconnect_now');
    assert.equal(pump.of(conn, EventType.DISCONNECT).find((e) => e.peer === d.peer)!.data, 88);
    // Disconnect later: what was queued arrives first.
    const f = await connectOne(4);
    f.peer.send(0, generated(300_000, 9), RELIABLE);
    f.peer.peerDisconnectLater(99);
    const dc = await f.c.waitFor((e) => e.event === 'disconnect', 10000);
    const rx = f.c.all('receive');
    assert.equal(rx.length, 1);
    assert.equal(rx[0]!.crc, crc(generated(300_000, 9)));
    assert.ok(f.c.events.indexOf(rx[0]!) < f.c.events.indexOf(dc));
    assert.equal(dc.data, 99);
    // C disconnect later: its queued packet arrives before its disconnect.
    const g = await connectOne(5);
    g.c.command('send 0 0 1 50000 3');
    g.c.command('disconnect_later 0 55');
    await pump.waitFor(() => pump.of(conn, EventType.DISCONNECT).some((e) => e.peer === g.peer), 10000, 'C disconnect_later');
    const rxs = pump.of(conn, EventType.RECEIVE).filter((e) => e.peer === g.peer);
    assert.equal(rxs.length, 1);
    const gone = pump.of(conn, EventType.DISCONNECT).find((e) => e.peer === g.peer)!;
    assert.ok(pump.events.indexOf(rxs[0]!) < pump.events.indexOf(gone), 'the packet arrived before the disconnect');
    assert.equal(pump.of(conn, EventType.DISCONNECT).find((e) => e.peer === g.peer)!.data, 55);
    noOtherDrops();
  } finally {
    for (const c of peers) await c.close();
    conn.destroy();
    await pump.stop();
  }
});
