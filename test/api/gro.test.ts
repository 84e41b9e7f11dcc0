import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ENetConnection, ENetPacketPeer, EventType } from '../../src/index.js';
import { nativeAddonStatus } from '../../src/transport/native-addon.js';
import type { NativeDatagramSocket } from '../../src/transport/native-socket.js';
import { payload } from '../engine/harness.js';
import { loopbackPair } from '../support/loopback-pair.js';

// On the native backend a host of several peer slots receives with UDP_GRO: the GSO runs an
// enet-ts sender sends arrive coalesced and are split again before the engine. A one-slot host
// does not. This test checks both, and that every packet of a burst of trains arrives
// byte-exact and in order through the coalesced path.

const native = nativeAddonStatus();
const skip = native.addon === null ? `native addon unavailable: ${native.reason}` : false;

const statsOf = (conn: ENetConnection) => (conn.socket as NativeDatagramSocket).stats();

test('a server host receives GSO trains coalesced (GRO) and hands out every packet intact, in order', {
  skip,
  timeout: 60_000,
}, async () => {
  const { server, client, peer, serverPeer, close } = await loopbackPair({
    serverSlots: 8,
    channels: 2,
    backend: 'native',
    watchdogMs: 50_000,
  });
  try {
    assert.equal(statsOf(server).groEnabled, true, 'a host of 8 slots receives with GRO');
    assert.equal(statsOf(client).groEnabled, false, 'a one-slot host does not');
    // Trains of equal-size datagrams: 1 KiB reliable packets on channel 0 (one a datagram), then
    // 64 B unreliable ones on channel 1 (packed by the MTU), all queued before one flush.
    const RELIABLE_COUNT = 200;
    const UNRELIABLE_COUNT = 300;
    for (let i = 0; i < RELIABLE_COUNT; i++) peer.send(0, payload(i, 1024), ENetPacketPeer.FLAG_RELIABLE);
    for (let i = 0; i < UNRELIABLE_COUNT; i++) peer.send(1, payload(10_000 + i, 64), 0);
    client.flush();

    const reliable: number[] = [];
    let unreliable = 0;
    const clientLoop = (async () => {
      while (reliable.length < RELIABLE_COUNT) if ((await client.service(20)).type === EventType.ERROR) return;
    })();
    while (reliable.length < RELIABLE_COUNT) {
      const e = await server.service(1000);
      if (e.type !== EventType.RECEIVE) {
        assert.equal(e.type, EventType.NONE, 'no other event while the burst arrives');
        continue;
      }
      const bytes = serverPeer.getPacket();
      const seed = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
      assert.deepEqual(bytes, payload(seed, bytes.length));
      if (e.channel === 0) reliable.push(seed);
      else unreliable++;
    }
    await clientLoop;
    assert.deepEqual(
      reliable,
      Array.from({ length: RELIABLE_COUNT }, (_, i) => i),
      'every reliable packet, in order',
    );
    // Loopback loses nothing here; unreliable packets may still be dropped by ENet's own rules.
    assert.ok(unreliable > 0, 'unreliable packets arrived too');
    assert.ok(statsOf(server).groDatagrams > 0, `${statsOf(server).groDatagrams} datagrams arrived coalesced`);
  } finally {
    close();
  }
});
