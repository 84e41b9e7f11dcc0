import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetConnection, ENetPacketPeer, EventType } from '../../src/index.js';
import type { Host } from '../../src/engine/host.js';
import { payload } from '../engine/harness.js';
import { loopbackPair } from '../support/loopback-pair.js';

// takePacket() hands out a packet's bytes without a copy of their own (packetBytes at
// packetOffset); small packets that arrive in order are then lent from the host's lend area. These
// tests take packets that way over loopback on both socket backends, mixed with getPacket() and
// events(), with packets left queued across event-loop turns and peers that leave with packets
// unread, and check every byte and that every lent packet is given back.

const RELIABLE = ENetPacketPeer.FLAG_RELIABLE;
const UNSEQUENCED = ENetPacketPeer.FLAG_UNSEQUENCED;
const SIZES = [0, 1, 3, 4, 63, 64, 65, 512, 1024, 1025, 4000];

/** The seed payload() wrote into the first 4 bytes, or -1 for a shorter packet. */
const seedAt = (bytes: Uint8Array, at: number, length: number): number =>
  length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset + at, length).getUint32(0) : -1;

/** Checks a received packet against what payload() made for its seed. */
function checkPacket(bytes: Uint8Array, at: number, length: number, what: string): number {
  const seed = seedAt(bytes, at, length);
  if (length >= 4) assert.deepEqual(Buffer.from(bytes.subarray(at, at + length)), Buffer.from(payload(seed, length)), what);
  return seed;
}

const hostOf = (conn: ENetConnection): Host => (conn as unknown as { host: Host }).host;

for (const backend of ['auto', 'dgram'] as const) {
  test(`takePacket() lends byte-exact packets, mixed with getPacket(), queued ones and peers leaving (${backend} backend)`, async () => {
    const server = new ENetConnection();
    const a = new ENetConnection();
    const b = new ENetConnection();
    for (const c of [server, a, b]) c.setSocketBackend(backend);
    const watchdog = setTimeout(() => {
      for (const c of [server, a, b]) c.destroy();
    }, 60_000);
    try {
      await server.createHostBound('127.0.0.1', 0, 4, 3);
      await a.createHost(1, 3);
      await b.createHost(1, 3);
      const port = server.getLocalPort();
      const peerA = await a.connectToHost('127.0.0.1', port, 3, 1);
      const peerB = await b.connectToHost('127.0.0.1', port, 3, 2);
      // The clients' own loops: they only need to run their hosts.
      const clientLoops = [a, b].map(async (c) => {
        for (let e = await c.service(50); e.type !== EventType.ERROR; e = await c.service(50))
          if (e.type === EventType.RECEIVE) e.peer!.getPacket();
      });
      const COUNT_A = 2000;
      const COUNT_B = 300;
      const reliableA: number[] = [];
      const gotReliableA: number[] = [];
      const gotB: number[] = [];
      let unreliableA = 0;
      let lentTaken = 0;
      let serverB: ENetPacketPeer | null = null;
      let connects = 0;
      let bLeft = false;
      // The server: A's packets taken at once (takePacket, every third through getPacket); B's
      // left queued, across event-loop turns: every 50th event takes all but the newest 50.
      const serverLoop = (async () => {
        let eventsSinceB = 0;
        for (let e = await server.service(50); e.type !== EventType.ERROR; e = await server.service(50)) {
          if (e.type === EventType.CONNECT) {
            connects++;
            if (e.data === 2) serverB = e.peer;
          } else if (e.type === EventType.DISCONNECT && e.peer === serverB) bLeft = true;
          else if (e.type === EventType.RECEIVE && e.peer !== serverB) {
            const p = e.peer!;
            let seed: number;
            if ((gotReliableA.length + unreliableA) % 3 === 2) {
              const packet = p.getPacket();
              seed = checkPacket(packet, 0, packet.length, `A packet (getPacket), ${packet.length} B`);
            } else {
              const length = p.takePacket();
              assert.ok(length >= 0);
              if (p.packetBytes === hostOf(server).lendArea) lentTaken++;
              seed = checkPacket(p.packetBytes, p.packetOffset, length, `A packet (takePacket), ${length} B`);
            }
            if (p.getPacketChannel() === 0) gotReliableA.push(seed);
            else unreliableA++;
          } else if (e.type === EventType.RECEIVE && ++eventsSinceB === 50) {
            eventsSinceB = 0;
            const p = e.peer!;
            while (p.getAvailablePacketCount() > 50) {
              const length = p.takePacket();
              gotB.push(checkPacket(p.packetBytes, p.packetOffset, length, `B packet, ${length} B`));
            }
          }
        }
      })();
      while (connects < 2) await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < COUNT_A; i++) {
        const size = SIZES[i % SIZES.length]!;
        const channel = i % 3;
        if (channel === 0 && size >= 4) reliableA.push(i);
        peerA.send(channel, payload(i, size), channel === 0 ? RELIABLE : channel === 2 ? UNSEQUENCED : 0);
        if (i < COUNT_B) peerB.send(0, payload(100_000 + i, 100), RELIABLE);
        if (i % 100 === 99) {
          a.flush();
          b.flush();
          await new Promise((r) => setImmediate(r));
        }
      }
      a.flush();
      b.flush();
      const until = async (what: string, done: () => boolean): Promise<void> => {
        for (let t = 0; !done(); t++) {
          assert.ok(t < 2000, `timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      await until('A reliable packets', () => gotReliableA.filter((s) => s >= 0).length === reliableA.length);
      await until("B's packets", () => gotB.length === 250);
      assert.deepEqual(
        gotReliableA.filter((s) => s >= 0),
        reliableA,
        'A reliable packets, in order',
      );
      assert.deepEqual(
        gotB,
        Array.from({ length: 250 }, (_, i) => 100_000 + i),
        'B packets, in order',
      );
      assert.ok(lentTaken > 100, `only ${lentTaken} packets were lent`);
      // B's last 50 packets wait in its queue, unread; B leaves and they go back to the host.
      assert.equal(serverB!.getAvailablePacketCount(), 50);
      assert.equal(hostOf(server).lentPacketCount, 50);
      peerB.peerDisconnect();
      await until('B to leave', () => bLeft);
      assert.equal(serverB!.takePacket(), -1);
      assert.equal(serverB!.getPacketError(), 'ERR_UNCONFIGURED');
      assert.equal(hostOf(server).lentPacketCount, 0);
      for (const c of [server, a, b]) c.destroy(); // ends the service loops
      await Promise.all([serverLoop, ...clientLoops]);
    } finally {
      clearTimeout(watchdog);
      for (const c of [server, a, b]) c.destroy();
    }
  });
}

test('events() and getPacket() give packets of their own once packets are lent; takePacket() with none waiting', async () => {
  const { server, client, peer, serverPeer, close } = await loopbackPair();
  try {
    assert.equal(serverPeer.takePacket(), -1); // none waiting; lending is on from here
    assert.equal(serverPeer.getPacketError(), 'ERR_UNAVAILABLE');
    for (let i = 0; i < 20; i++) peer.send(0, payload(i, 64), RELIABLE);
    client.flush();
    const kept: Uint8Array[] = [];
    for await (const e of server.events()) {
      if (e.type !== EventType.RECEIVE) continue;
      kept.push(e.packet!);
      if (kept.length === 10) break;
    }
    for (let i = 10; i < 20; ) {
      const e = await server.service(50);
      if (e.type !== EventType.RECEIVE) continue;
      kept.push(e.peer!.getPacket());
      i++;
    }
    // Kept across turns, while the area was reused: every packet its own bytes.
    for (const [i, p] of kept.entries()) assert.deepEqual(Buffer.from(p), Buffer.from(payload(i, 64)), `packet ${i}`);
    assert.equal(hostOf(server).lentPacketCount, 0);
  } finally {
    close();
  }
});
