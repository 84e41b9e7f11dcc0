import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedPair, payload, neverTimeOut } from './harness.js';
import { SimulatedNetwork } from '../../src/transport/simulated-network.js';
import { PeerState } from '../../src/api/enums.js';
import { decodeDatagram } from '../../src/protocol/codec.js';
import { Command } from '../../src/protocol/constants.js';
import { DISCARDED } from '../../src/engine/peer.js';

const RELIABLE = 1;
/** Byte equality whatever the view type (the engine hands out Buffers). */
function same(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined, msg?: string): void {
  assert.ok(a && b && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), msg);
}
const UNSEQUENCED = 2;
const UNRELIABLE_FRAGMENT = 8;

for (const [name, conditions, seed, count] of [
  ['perfect link', {}, 1, 600],
  ['10% loss with jitter', { lossPercent: 10, latencyMs: 20, jitterMs: 15 }, 2, 600],
  // At 30 % loss each way ENet's exponential backoff makes progress slow: fewer packets.
  [
    '30% loss, duplication and reordering',
    { lossPercent: 30, latencyMs: 10, jitterMs: 30, duplicatePercent: 10, reorderPercent: 20 },
    3,
    150,
  ],
] as const) {
  test(`reliable streams arrive complete, in order and byte-exact: ${name}`, () => {
    const { net, server, clientPeer, serverPeer } = connectedPair(conditions, seed);
    // At 30 % loss each way a command fails 7 times in a row now and then, and ENet's default
    // timeouts (as in C ENet) then drop the connection; raise them as a user would with setTimeout.
    neverTimeOut(clientPeer, serverPeer);
    const sizes = count > 200 ? [0, 1, 100, 1363, 1364, 1365, 5000, 30000] : [0, 1, 100, 1363, 1364, 1365, 5000];
    const sent: Uint8Array[][] = [[], [], []];
    let n = 0;
    for (let i = 0; i < count; i++) {
      const channel = i % 3;
      const p = payload(n++, sizes[i % sizes.length]! + (i % 5));
      sent[channel]!.push(p);
      assert.ok(clientPeer.send(channel, p, RELIABLE));
    }
    const done = () => server.events.filter((e) => e.type === 'receive').length === count;
    assert.ok(net.runUntil(done, 3_600_000, 10), `received ${server.events.filter((e) => e.type === 'receive').length}/${count}`);
    for (let channel = 0; channel < 3; channel++) {
      const got = server.events.filter((e) => e.type === 'receive' && e.channelID === channel).map((e) => e.packet!);
      assert.equal(got.length, sent[channel]!.length);
      for (const [i, g] of got.entries()) same(g, sent[channel]![i], `channel ${channel} packet ${i}`);
    }
    assert.equal(clientPeer.state, PeerState.CONNECTED);
  });
}

test('unreliable sequenced packets never arrive twice or out of order; unsequenced never twice', () => {
  const { net, server, clientPeer } = connectedPair(
    { lossPercent: 20, latencyMs: 5, jitterMs: 40, duplicatePercent: 25, reorderPercent: 30 },
    9,
  );
  for (let i = 0; i < 2000; i++) {
    assert.ok(clientPeer.send(0, payload(i, 16), 0));
    assert.ok(clientPeer.send(1, payload(100000 + i, 16), UNSEQUENCED));
    if (i % 50 === 0) net.run(20);
  }
  net.run(3000, 5);
  const seqs = (ch: number) =>
    server.events
      .filter((e) => e.type === 'receive' && e.channelID === ch)
      .map((e) => new DataView(e.packet!.buffer, e.packet!.byteOffset).getUint32(0));
  const sequenced = seqs(0);
  assert.ok(sequenced.length > 500, `some unreliable packets arrive (${sequenced.length})`);
  assert.ok(sequenced.length < 2000, 'and some are lost');
  for (let i = 1; i < sequenced.length; i++) assert.ok(sequenced[i]! > sequenced[i - 1]!, `increasing at ${i}`);
  const unsequenced = seqs(1);
  assert.equal(new Set(unsequenced).size, unsequenced.length, 'no duplicate unsequenced packet');
  assert.ok(unsequenced.length > 500);
  const flags = server.events.filter((e) => e.type === 'receive').map((e) => e.packetFlags);
  assert.ok(flags.includes(0) && flags.includes(UNSEQUENCED));
});

test('on one channel, reliable and unreliable packets mixed arrive in the order sent, every reliable one, under loss and reordering', () => {
  const { net, server, clientPeer, serverPeer } = connectedPair(
    { lossPercent: 10, latencyMs: 5, duplicatePercent: 20, reorderPercent: 30 },
    12,
  );
  neverTimeOut(clientPeer, serverPeer);
  const reliable: number[] = [];
  for (let i = 0; i < 3000; i++) {
    // Every 25th reliable, the rest unreliable; unsequenced ones on the same channel in between.
    const flags = i % 25 === 0 ? RELIABLE : 0;
    if (flags === RELIABLE) reliable.push(i);
    assert.ok(clientPeer.send(0, payload(i, 16), flags));
    if (i % 7 === 0) assert.ok(clientPeer.send(0, payload(100000 + i, 16), UNSEQUENCED));
    if (i % 40 === 0) net.run(10);
  }
  net.run(20_000, 5);
  const got = server.events
    .filter((e) => e.type === 'receive' && e.packetFlags !== UNSEQUENCED)
    .map((e) => new DataView(e.packet!.buffer, e.packet!.byteOffset).getUint32(0));
  for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, `in order at ${i}: ${got[i - 1]} then ${got[i]}`);
  assert.deepEqual(
    got.filter((n) => n % 25 === 0),
    reliable,
    'every reliable packet, once',
  );
  assert.ok(got.length > reliable.length + 100, `unreliable ones arrive too (${got.length - reliable.length})`);
  const unsequenced = server.events.filter((e) => e.type === 'receive' && e.packetFlags === UNSEQUENCED);
  assert.ok(unsequenced.length > 10, `unsequenced ones arrive (${unsequenced.length})`);
});

test('unreliable packets sent after a reliable one wait for it; large unreliable packets need UNRELIABLE_FRAGMENT to stay unreliable', () => {
  const { net, server, clientPeer } = connectedPair({}, 4);
  const big = payload(7, 5000);
  assert.ok(clientPeer.send(0, big, 0));
  assert.ok(clientPeer.send(1, big, UNRELIABLE_FRAGMENT));
  net.run(200);
  const got = server.events.filter((e) => e.type === 'receive');
  assert.equal(got.length, 2);
  assert.equal(got.find((e) => e.channelID === 0)!.packetFlags, RELIABLE, 'unflagged large packet went as reliable fragments');
  assert.equal(got.find((e) => e.channelID === 1)!.packetFlags, UNRELIABLE_FRAGMENT);
  for (const e of got) same(e.packet, big);
});

test('unreliable fragments: an incomplete packet is dropped, complete ones delivered whole', () => {
  const { net, server, clientPeer } = connectedPair({ lossPercent: 15 }, 11);
  for (let i = 0; i < 200; i++) assert.ok(clientPeer.send(0, payload(i, 4000), UNRELIABLE_FRAGMENT));
  net.run(3000, 5);
  const got = server.events.filter((e) => e.type === 'receive');
  assert.ok(got.length > 20 && got.length < 200, `${got.length} of 200 arrive`);
  let last = -1;
  for (const e of got) {
    const id = new DataView(e.packet!.buffer, e.packet!.byteOffset).getUint32(0);
    same(e.packet, payload(id, 4000));
    assert.ok(id > last);
    last = id;
  }
});

test("a CONNECT to nowhere is retransmitted at ENet's times and fails at about 31.5 s", () => {
  const net = new SimulatedNetwork({}, 1, 1000);
  net.logDatagrams = true;
  const client = net.addHost('10.0.0.2', 5000, { peerCount: 1 });
  const peer = client.host.connect('10.0.0.9', 7000, 2, 0)!;
  assert.ok(net.runUntil(() => client.events.length > 0, 40_000, 10));
  const sends = net.log.map((l) => l.at - 1000);
  assert.deepEqual(
    sends.map((t) => Math.round(t / 100) * 100),
    [0, 500, 1500, 3500, 7500, 15500],
  );
  assert.equal(client.events[0]!.type, 'disconnect');
  const at = net.now - 1000;
  assert.ok(at >= 31_500 && at <= 31_520, `failed at ${at}`);
  assert.equal(peer.state, PeerState.DISCONNECTED);
});

test('a vanished peer is reported by timeout; setTimeout-style limits shorten it', () => {
  for (const [limit, min, max, lo, hi] of [
    [32, 5000, 30000, 5000, 31000],
    [4, 500, 2000, 500, 2100],
  ] as const) {
    const { net, client, clientPeer, serverPeer } = connectedPair({}, 5);
    clientPeer.timeoutLimit = limit;
    clientPeer.timeoutMinimum = min;
    clientPeer.timeoutMaximum = max;
    net.run(2000);
    net.setConditions({ lossPercent: 100 });
    serverPeer.host.peers.forEach(() => {});
    const start = net.now;
    assert.ok(clientPeer.send(0, payload(1, 10), RELIABLE));
    assert.ok(net.runUntil(() => client.events.some((e) => e.type === 'disconnect'), 40_000, 5));
    const took = net.now - start;
    assert.ok(took >= lo && took <= hi, `timeout after ${took} ms (limit ${limit}, ${min}..${max})`);
    assert.equal(client.events.find((e) => e.type === 'disconnect')!.data, 0);
  }
});

test('an idle connection pings every 500 ms and the RTT follows the link latency', () => {
  const { net, clientPeer } = connectedPair({ latencyMs: 40 }, 6);
  net.run(15_000);
  net.logDatagrams = true;
  net.run(5000);
  const pings = net.log.filter((l) => {
    const d = decodeDatagram(l.data);
    return d.ok && d.commands.some((c) => c.name === 'PING') && l.from === '10.0.0.2:5000';
  });
  assert.ok(pings.length >= 8 && pings.length <= 11, `${pings.length} pings in 5 s`);
  // ENet's integer smoothing (RTT += diff / 8, truncated) settles within 8 ms below the true 80 ms.
  assert.ok(clientPeer.roundTripTime >= 72 && clientPeer.roundTripTime <= 95, `rtt ${clientPeer.roundTripTime}`);
});

test('disconnect later delivers everything queued first; disconnect now notifies only the remote', () => {
  const p = connectedPair({ lossPercent: 10 }, 7);
  for (let i = 0; i < 50; i++) p.clientPeer.send(0, payload(i, 3000), RELIABLE);
  p.clientPeer.disconnectLater(99);
  assert.equal(p.clientPeer.state, PeerState.DISCONNECT_LATER);
  assert.ok(p.net.runUntil(() => p.server.events.some((e) => e.type === 'disconnect'), 30_000, 5));
  assert.equal(p.server.events.filter((e) => e.type === 'receive').length, 50);
  assert.equal(p.server.events.find((e) => e.type === 'disconnect')!.data, 99);
  assert.ok(p.net.runUntil(() => p.client.events.some((e) => e.type === 'disconnect'), 30_000, 5));

  const q = connectedPair({}, 8);
  q.clientPeer.disconnectNow(5);
  assert.equal(q.clientPeer.state, PeerState.DISCONNECTED);
  assert.ok(q.net.runUntil(() => q.server.events.some((e) => e.type === 'disconnect'), 1000));
  assert.equal(q.server.events.find((e) => e.type === 'disconnect')!.data, 5);
  q.net.run(1000);
  assert.equal(q.client.events.filter((e) => e.type === 'disconnect').length, 0);
});

test('a retransmitted CONNECT does not create a second peer; the same address with another port does', () => {
  const net = new SimulatedNetwork({ duplicatePercent: 100 }, 3);
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 8 });
  const a = net.addHost('10.0.0.2', 5000, { peerCount: 1 });
  const b = net.addHost('10.0.0.2', 5001, { peerCount: 1 });
  a.host.connect('10.0.0.1', 7000, 2, 1);
  b.host.connect('10.0.0.1', 7000, 2, 2);
  net.run(2000);
  assert.deepEqual(
    server.events
      .filter((e) => e.type === 'connect')
      .map((e) => e.data)
      .sort(),
    [1, 2],
  );
  assert.equal(server.host.connectedPeers, 2);
});

test('each side sends BANDWIDTH_LIMIT about a second after connecting; a bandwidth-limited host shapes the window', () => {
  const net = new SimulatedNetwork({}, 3);
  net.logDatagrams = true;
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 4, incomingBandwidth: 100000, outgoingBandwidth: 50000 });
  const client = net.addHost('10.0.0.2', 5000, { peerCount: 1, incomingBandwidth: 20000 });
  client.host.connect('10.0.0.1', 7000, 2, 0);
  net.run(2500);
  const limits = net.log.flatMap((l) => {
    const d = decodeDatagram(l.data);
    return d.ok ? d.commands.filter((c) => c.name === 'BANDWIDTH_LIMIT').map((c) => ({ from: l.from, ...c.fields })) : [];
  });
  assert.deepEqual(
    limits.find((l) => l.from === '10.0.0.1:7000'),
    { from: '10.0.0.1:7000', incomingBandwidth: 0, outgoingBandwidth: 50000 },
  );
  assert.deepEqual(
    limits.find((l) => l.from === '10.0.0.2:5000'),
    { from: '10.0.0.2:5000', incomingBandwidth: 20000, outgoingBandwidth: 0 },
  );
  // The server sends to a client that accepts 20000 B/s and itself may send 50000 B/s: window 4096.
  const serverPeer = server.events.find((e) => e.type === 'connect')!.peer;
  assert.equal(serverPeer.windowSize, 4096);
});

test('packet throttle falls under loss and recovers; packet loss statistic rises with loss', () => {
  const { net, clientPeer } = connectedPair({ latencyMs: 20 }, 12);
  let lowest = 32;
  const send = (ms: number) => {
    lowest = clientPeer.packetThrottle;
    for (let t = 0; t < ms; t += 20) {
      clientPeer.send(0, payload(t, 200), RELIABLE);
      net.run(20);
      lowest = Math.min(lowest, clientPeer.packetThrottle);
    }
  };
  send(6000);
  assert.equal(clientPeer.packetThrottle, 32);
  assert.equal(clientPeer.packetLoss, 0);
  // ENet's throttle reacts to round trips well above the lowest recent one: a congested,
  // lossy link (latency jumps, jitter) makes it fall.
  net.setConditions({ latencyMs: 150, jitterMs: 150, lossPercent: 25 });
  send(25_000);
  assert.ok(clientPeer.packetLoss > 0, `packet loss ${clientPeer.packetLoss}`);
  assert.ok(lowest <= 24, `throttle fell to ${lowest}`);
  net.setConditions({ latencyMs: 20 });
  send(20_000);
  assert.equal(clientPeer.packetThrottle, 32, 'throttle recovered');
});

test('unreliable packets waiting behind a missing reliable one stop queueing once the peer has a 256 KiB backlog', () => {
  const { serverPeer } = connectedPair();
  const channel = serverPeer.channel(0);
  const ahead = (channel.incomingReliableSequenceNumber + 1) & 0xffff;
  let queued = 0;
  let discarded = 0;
  for (let i = 1; i <= 10000; i++) {
    const r = serverPeer.queueIncomingCommand(Command.SEND_UNRELIABLE, 0, ahead, i, new Uint8Array(64), 0, 64, 0, 0);
    if (r === DISCARDED) discarded++;
    else if (r !== null) queued++;
  }
  assert.equal(queued, (256 * 1024) / 64);
  assert.equal(discarded, 10000 - queued);
  // Packets that need no missing reliable one are still taken.
  const now = serverPeer.queueIncomingCommand(
    Command.SEND_UNRELIABLE,
    0,
    channel.incomingReliableSequenceNumber,
    1,
    new Uint8Array(64),
    0,
    64,
    0,
    0,
  );
  assert.ok(now !== null && now !== DISCARDED);
});

test('large packets arrive byte-exact under loss and reordering (in place from 1 MiB); the reassembly budget returns to zero', () => {
  const { net, server, clientPeer, serverPeer } = connectedPair(
    { lossPercent: 5, latencyMs: 5, jitterMs: 10, reorderPercent: 20, duplicatePercent: 5 },
    11,
  );
  neverTimeOut(clientPeer, serverPeer);
  // The last two are assembled in place once an eighth has arrived (IN_PLACE_ASSEMBLY_MIN).
  const sizes = [65_537, 300_000, 1_048_576, 2_100_007];
  const sent = sizes.map((size, i) => payload(500 + i, size));
  for (const p of sent) assert.ok(clientPeer.send(0, p, RELIABLE));
  let peak = 0;
  const done = () => {
    peak = Math.max(peak, server.host.reassemblyBytes);
    return server.events.filter((e) => e.type === 'receive').length === sent.length;
  };
  assert.ok(net.runUntil(done, 600_000, 5), 'all large packets arrived');
  const got = server.events.filter((e) => e.type === 'receive').map((e) => e.packet!);
  for (const [i, g] of got.entries()) same(g, sent[i], `packet ${i} (${sizes[i]} bytes)`);
  // The budget held the largest packet in reassembly, and not much more.
  assert.ok(peak >= 2_100_007 && peak < 2_100_007 + 600_000, `peak reassembly ${peak}`);
  assert.equal(server.host.reassemblyBytes, 0);
  assert.equal(serverPeer.reassemblyBytes, 0);
});

test('a large packet is assembled in place, in storage from allocateLarge, only once an eighth of it has arrived', () => {
  const allocated: Uint8Array[] = [];
  const allocateLarge = (size: number) => {
    const a = new Uint8Array(size);
    allocated.push(a);
    return a;
  };
  const { serverPeer } = connectedPair({}, 1, { allocateLarge });
  const total = 16 * 1024 * 1024;
  const size = 1024;
  const count = total / size;
  const sent = payload(77, total);
  const cmd = serverPeer.queueIncomingCommand(Command.SEND_FRAGMENT, 0, 1, 0, null, 0, total, RELIABLE, count);
  assert.ok(cmd !== null && cmd !== DISCARDED, 'the first fragment opens a reassembly');
  const add = (n: number) => serverPeer.addFragment(cmd, n, n * size, sent.subarray(n * size, (n + 1) * size));
  // The last eighth first, less one fragment: still in chunks, charged about what arrived.
  for (let n = count - 1; n > count - count / 8; n--) assert.equal(add(n), 'stored');
  assert.equal(cmd.assembly, null, 'no packet-sized storage before an eighth arrived');
  assert.ok(cmd.reserved < total / 8 + 128 * 1024, `charged ${cmd.reserved}`);
  assert.equal(add(count - count / 8), 'stored');
  const assembly = cmd.assembly as Uint8Array | null;
  assert.ok(assembly !== null && assembly.length === total, 'assembled in place from an eighth on');
  assert.equal(cmd.chunks, null, 'the chunks went back to the host');
  assert.equal(allocated.length, 1, 'the storage came from allocateLarge');
  assert.equal(assembly, allocated[0]);
  assert.ok(cmd.reserved >= total, `the whole packet is charged once its storage is taken (${cmd.reserved})`);
  for (let n = 0; n < count - count / 8; n++) {
    assert.equal(add(n), n === count - count / 8 - 1 ? 'done' : 'stored');
    if (n === 10) assert.equal(add(n), 'duplicate');
  }
  same(cmd.packet, sent, 'byte-exact');
  assert.equal(cmd.packet, allocated[0], 'delivered in that storage');
  assert.equal(cmd.assembly, null);
  assert.equal(serverPeer.reassemblyBytes, 0, 'budget returned');
});
