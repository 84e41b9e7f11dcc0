import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedPair, payload, neverTimeOut } from './harness.js';
import type { Host, HostEvent } from '../../src/engine/host.js';

// With lendPackets set, a host copies the small packets that arrive in order into its lend area
// and hands them out by offset (HostEvent.lent); every other packet keeps bytes of its own. The
// area is reused from its start only once every lent packet has been given back. These tests
// check that a lent packet's bytes stay intact until it is given back, whatever arrives
// meanwhile, and that the count of lent packets comes back to zero on every path that drops one.

const RELIABLE = 1;
const UNSEQUENCED = 2;
const SIZES = [0, 4, 40, 64, 65, 700, 1024, 1025, 3000];

/**
 * Options and a patch that receive as the native backend does: every datagram into the same
 * slot of one ArrayBuffer whose tail is the lend area (so lending copies within it, and a slot
 * overwritten by the next datagram shows any packet lent from a stale copy).
 */
function nativeLikeReceive(): { options: { lendArea: Uint8Array }; patch: (host: Host) => void } {
  const buffer = new ArrayBuffer(4352 + 128 * 1024);
  const slot = Buffer.from(buffer, 0, 4352);
  return {
    options: { lendArea: new Uint8Array(buffer, 4352) },
    patch: (host) => {
      host.receive = (data, address, port) => {
        slot.fill(0xcc);
        slot.set(data);
        host.receiveAt(slot, 0, data.length, address, port);
      };
    },
  };
}

/** The seed payload() wrote into the first 4 bytes (the whole packet for shorter ones). */
const seedOf = (p: Uint8Array): number => (p.length >= 4 ? new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(0) : -1);

for (const shared of [false, true])
  test(`lent packets stay byte-exact until given back, under loss, duplication, reordering and packets held back (${shared ? 'one receive buffer with the lend area' : 'a lend area of its own'})`, () => {
    const native = nativeLikeReceive();
    const { net, server, clientPeer, serverPeer } = connectedPair(
      { lossPercent: 10, latencyMs: 5, jitterMs: 20, duplicatePercent: 5, reorderPercent: 20 },
      11,
      shared ? native.options : {},
    );
    neverTimeOut(clientPeer, serverPeer);
    const host = server.host;
    if (shared) native.patch(host);
    host.lendPackets = true;
    const COUNT = 3000;
    const reliableSizes: number[] = [];
    for (let i = 0; i < COUNT; i++) {
      const size = SIZES[i % SIZES.length]!;
      const channel = i % 3;
      if (channel === 0) reliableSizes.push(size);
      assert.ok(clientPeer.send(channel, payload(i, size), channel === 0 ? RELIABLE : channel === 2 ? UNSEQUENCED : 0, true));
    }
    // Events are read after every step, before the next datagram arrives (as an application reads
    // them before it returns to the event loop); one lent packet in five is held back for a while.
    let rng = 5;
    const held: Array<{ event: HostEvent; until: number }> = [];
    let lentSeen = 0;
    let ownSeen = 0;
    const reliableGot: number[] = [];
    const check = (e: HostEvent): void => {
      const bytes = e.lent >= 0 ? host.lendArea.subarray(e.lent, e.lent + e.packetLength) : e.packet!;
      assert.equal(bytes.length, e.packetLength);
      const seed = seedOf(bytes);
      if (bytes.length >= 4) {
        assert.deepEqual(Buffer.from(bytes), Buffer.from(payload(seed, bytes.length)), `packet ${seed} (lent: ${e.lent >= 0})`);
        assert.equal(seed % 3, e.channelID);
      }
      if (e.lent >= 0) {
        host.giveBackLent();
        lentSeen++;
      } else ownSeen++;
    };
    const step = (): void => {
      net.run(1);
      for (const e of server.events.splice(0)) {
        if (e.type !== 'receive') continue;
        if (e.channelID === 0) reliableGot.push(e.packetLength);
        rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
        if (e.lent >= 0 && rng % 5 === 0) held.push({ event: { ...e }, until: net.now + (rng % 40) });
        else check(e);
      }
      for (let i = held.length - 1; i >= 0; i--)
        if (held[i]!.until <= net.now) {
          check(held[i]!.event);
          held.splice(i, 1);
        }
    };
    for (let t = 0; t < 600_000 && (reliableGot.length < reliableSizes.length || held.length > 0); t++) step();
    for (let t = 0; t < 300; t++) step();
    assert.deepEqual(reliableGot, reliableSizes, 'every reliable packet, in order');
    assert.ok(lentSeen > 300, `only ${lentSeen} packets were lent`);
    assert.ok(ownSeen > 100, `only ${ownSeen} packets had bytes of their own`);
    assert.equal(host.lentPacketCount, 0);
  });

test('a full lend area hands out packets with bytes of their own until the lent ones are given back', () => {
  const native = nativeLikeReceive();
  const { net, server, clientPeer } = connectedPair({}, 1, native.options);
  const host = server.host;
  native.patch(host);
  host.lendPackets = true;
  const kept: HostEvent[] = [];
  // 1000-byte packets, never given back: the 128 KiB area holds about 130 of them.
  for (let round = 0; round < 10; round++) {
    for (let k = 0; k < 50; k++) assert.ok(clientPeer.send(1, payload(round * 50 + k, 1000), 0, true));
    net.run(2);
    for (const e of server.events.splice(0)) if (e.type === 'receive') kept.push({ ...e });
  }
  assert.equal(kept.length, 500);
  const lent = kept.filter((e) => e.lent >= 0).length;
  assert.ok(lent > 100 && lent < 500, `${lent} of 500 lent`);
  assert.equal(host.lentPacketCount, lent);
  for (const [i, e] of kept.entries()) {
    const bytes = e.lent >= 0 ? host.lendArea.subarray(e.lent, e.lent + e.packetLength) : e.packet!;
    assert.deepEqual(Buffer.from(bytes), Buffer.from(payload(i, 1000)), `packet ${i}`);
  }
  for (const e of kept) if (e.lent >= 0) host.giveBackLent();
  assert.equal(host.lentPacketCount, 0);
  // The area is reused from its start.
  assert.ok(clientPeer.send(1, payload(9999, 100), 0, true));
  net.run(2);
  const next = server.events.splice(0).find((e) => e.type === 'receive')!;
  assert.equal(next.lent, 0);
});

test('lent packets the application never read are given back when the peer is reset', () => {
  const { net, server, clientPeer, serverPeer } = connectedPair({}, 1, {}, 2);
  const host = server.host;
  host.lendPackets = true;
  // The server reads no event: the packets stay in the peer's dispatched queue.
  const checkEvents = host.checkEvents;
  host.checkEvents = () => null;
  for (let i = 0; i < 20; i++) assert.ok(clientPeer.send(i % 2, payload(i, 64), i % 2 === 0 ? RELIABLE : 0, true));
  net.run(5);
  assert.equal(host.lentPacketCount, 20);
  host.checkEvents = checkEvents;
  serverPeer.reset();
  assert.equal(host.lentPacketCount, 0);
});
