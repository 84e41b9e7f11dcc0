import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import {
  CompressionMode,
  ENetConnection,
  ENetError,
  ENetPacketPeer,
  EventType,
  HostStatistic,
  PeerState,
  PeerStatistic,
} from '../../src/index.js';
import { EventPump } from '../support/pump.js';

function throwsCode(fn: () => unknown, code: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ENetError && e.code === code && (!re || re.test(e.message)), `expected ${code}`);
}
async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof ENetError && e.code === code);
}

/** A connected server/client pair of enet-ts hosts on loopback, with an event pump. */
async function pair(serverOpts: { peers?: number; channels?: number } = {}, address = '127.0.0.1') {
  const server = new ENetConnection();
  const client = new ENetConnection();
  await server.createHostBound(address, 0, serverOpts.peers ?? 8, serverOpts.channels ?? 0);
  await client.createHost(1);
  const pump = new EventPump([server, client]);
  const clientPeer = await client.connectToHost(address, server.getLocalPort(), 4, 77);
  await pump.waitFor(
    () => pump.of(server, EventType.CONNECT).length === 1 && pump.of(client, EventType.CONNECT).length === 1,
    5000,
    'connect',
  );
  const serverPeer = pump.of(server, EventType.CONNECT)[0]!.peer!;
  const close = async () => {
    client.destroy();
    server.destroy();
    await pump.stop();
  };
  return { server, client, clientPeer, serverPeer, pump, close };
}

test('enums and constants carry Godot values', () => {
  assert.equal(EventType.ERROR, -1);
  assert.equal(EventType.RECEIVE, 3);
  assert.equal(PeerState.ZOMBIE, 9);
  assert.equal(CompressionMode.ZSTD, 4);
  assert.equal(HostStatistic.TOTAL_RECEIVED_PACKETS, 3);
  assert.equal(PeerStatistic.PACKET_THROTTLE_INTERVAL, 13);
  assert.equal(PeerStatistic.ROUND_TRIP_TIME, 3);
  assert.equal(ENetPacketPeer.PACKET_LOSS_SCALE, 65536);
  assert.equal(ENetPacketPeer.PACKET_THROTTLE_SCALE, 32);
  assert.equal(ENetPacketPeer.FLAG_RELIABLE, 1);
  assert.equal(ENetPacketPeer.FLAG_UNSEQUENCED, 2);
  assert.equal(ENetPacketPeer.FLAG_UNRELIABLE_FRAGMENT, 8);
});

test('createHostBound / createHost validate their arguments in Godot order', async () => {
  const c = new ENetConnection();
  await rejectsCode(c.createHostBound('localhost', 0), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHostBound('1.2.3', 0), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHostBound('127.0.0.1', 65536), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHostBound('127.0.0.1', -1), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHost(0), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHost(4096), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHost(1, 256), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHost(1, -1), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHost(1, 0, -1), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHost(1, 0, 0, -5), 'ERR_INVALID_PARAMETER');
  await rejectsCode(c.createHost(1.5), 'ERR_INVALID_PARAMETER');
  await c.createHost(4095, 255);
  try {
    assert.ok(c.getLocalPort() > 0);
    assert.equal(c.getMaxChannels(), 255);
    await rejectsCode(c.createHost(), 'ERR_ALREADY_IN_USE');
    const other = new ENetConnection();
    await other.createHostBound('127.0.0.1', 0);
    const taken = other.getLocalPort();
    const third = new ENetConnection();
    await rejectsCode(third.createHostBound('127.0.0.1', taken), 'ERR_CANT_CREATE');
    other.destroy();
  } finally {
    c.destroy();
  }
});

test('an inactive connection: actions throw ERR_UNCONFIGURED, queries return Godot neutral values', async () => {
  const c = new ENetConnection();
  assert.deepEqual(await c.service(0), { type: EventType.ERROR, peer: null, data: 0, channel: 0 });
  assert.deepEqual(c.getPeers(), []);
  assert.equal(c.getLocalPort(), 0);
  assert.equal(c.getMaxChannels(), 0);
  assert.equal(c.popStatistic(HostStatistic.TOTAL_SENT_DATA), 0);
  await rejectsCode(c.connectToHost('127.0.0.1', 1000), 'ERR_UNCONFIGURED');
  throwsCode(() => c.flush(), 'ERR_UNCONFIGURED');
  throwsCode(() => c.broadcast(0, new Uint8Array(1), 0), 'ERR_UNCONFIGURED');
  throwsCode(() => c.bandwidthLimit(), 'ERR_UNCONFIGURED');
  throwsCode(() => c.channelLimit(3), 'ERR_UNCONFIGURED');
  throwsCode(() => c.refuseNewConnections(true), 'ERR_UNCONFIGURED');
  throwsCode(() => c.setChecksum(true), 'ERR_UNCONFIGURED');
  await rejectsCode(c.socketSend('127.0.0.1', 9, new Uint8Array(1)), 'ERR_UNCONFIGURED');
  c.destroy();
  c.destroy();
  await c.createHost();
  c.destroy();
  assert.equal((await c.service(10)).type, EventType.ERROR);
});

test('connectToHost validates port, channels, data and refuses a second connection', async () => {
  const c = new ENetConnection();
  await c.createHost(2);
  try {
    await rejectsCode(c.connectToHost('127.0.0.1', 0), 'ERR_INVALID_PARAMETER');
    await rejectsCode(c.connectToHost('127.0.0.1', 65536), 'ERR_INVALID_PARAMETER');
    await rejectsCode(c.connectToHost('127.0.0.1', 9, 256), 'ERR_INVALID_PARAMETER');
    await rejectsCode(c.connectToHost('127.0.0.1', 9, 0, -1), 'ERR_INVALID_PARAMETER');
    await rejectsCode(c.connectToHost('no-such-host.invalid', 9), 'ERR_CANT_RESOLVE');
    const p = await c.connectToHost('localhost', 9, 0, 5);
    assert.equal(p.getState(), PeerState.CONNECTING);
    assert.equal(p.getChannels(), 255);
    await rejectsCode(c.connectToHost('127.0.0.1', 9), 'ERR_ALREADY_IN_USE');
    throwsCode(() => p.send(0, new Uint8Array(1), 1), 'FAILED', /CONNECTED/);
  } finally {
    c.destroy();
  }
});

test('send validates channel and flags the Godot way', async () => {
  const t = await pair();
  try {
    const p = t.clientPeer;
    throwsCode(() => p.send(-1, new Uint8Array(1), 0), 'ERR_INVALID_PARAMETER');
    throwsCode(() => p.send(5, new Uint8Array(1), 0), 'ERR_INVALID_PARAMETER');
    throwsCode(() => p.send(4, new Uint8Array(1), 0), 'FAILED', /max channels: 4/);
    throwsCode(() => p.send(0, new Uint8Array(1), 4), 'ERR_INVALID_PARAMETER', /flags/);
    throwsCode(() => p.send(0, 'x' as unknown as Uint8Array, 0), 'ERR_INVALID_PARAMETER');
    throwsCode(() => t.server.broadcast(255, new Uint8Array(1), 0), 'ERR_INVALID_PARAMETER');
    throwsCode(() => t.server.broadcast(0, new Uint8Array(1), 16), 'ERR_INVALID_PARAMETER');
    const buf = new Uint8Array([1, 2, 3]);
    p.send(0, buf, ENetPacketPeer.FLAG_RELIABLE);
    buf[0] = 99; // the bytes were copied
    p.putPacket(new Uint8Array([4]));
    p.putPacket(new Uint8Array(0));
    p.send(1, new Uint8Array([5]), ENetPacketPeer.FLAG_UNSEQUENCED);
    await t.pump.waitFor(() => t.serverPeer.getAvailablePacketCount() === 3, 5000, 'packets');
    const flags = t.serverPeer.getPacketFlags();
    const first = t.serverPeer.getPacket();
    const rest = [t.serverPeer.getPacket(), t.serverPeer.getPacket()];
    const all = [first, ...rest].map((x) => [...x]);
    assert.ok(all.some((x) => x.join() === '1,2,3'));
    assert.ok(all.some((x) => x.join() === '4'));
    assert.ok(all.some((x) => x.join() === '5'));
    assert.ok(flags === 1 || flags === 2);
    t.server.broadcast(2, new Uint8Array([7]), 0);
    await t.pump.waitFor(() => t.clientPeer.getAvailablePacketCount() === 1, 5000, 'broadcast');
    assert.deepEqual([...t.clientPeer.getPacket()], [7]);
    assert.equal(t.clientPeer.getPacketChannel(), 2);
  } finally {
    await t.close();
  }
});

test('peer methods: ping, pingInterval, setTimeout, throttleConfigure, statistics, reset', async () => {
  const t = await pair();
  try {
    const p = t.clientPeer;
    p.ping();
    p.pingInterval(100);
    p.pingInterval(0);
    throwsCode(() => p.pingInterval(-1), 'ERR_INVALID_PARAMETER');
    throwsCode(() => p.setTimeout(100, 50, 200), 'ERR_INVALID_PARAMETER');
    throwsCode(() => p.setTimeout(1, 3000, 2000), 'ERR_INVALID_PARAMETER');
    p.setTimeout(0, 0, 0);
    p.setTimeout(8, 2000, 4000);
    p.throttleConfigure(3000, 3, 4);
    assert.equal(p.getStatistic(PeerStatistic.PACKET_THROTTLE_INTERVAL), 3000);
    assert.equal(p.getStatistic(PeerStatistic.PACKET_THROTTLE_ACCELERATION), 3);
    assert.equal(p.getStatistic(PeerStatistic.PACKET_THROTTLE_DECELERATION), 4);
    await t.pump.waitFor(
      () => t.serverPeer.getStatistic(PeerStatistic.PACKET_THROTTLE_INTERVAL) === 3000,
      5000,
      'throttle configure reaches the remote',
    );
    assert.equal(t.serverPeer.getStatistic(PeerStatistic.PACKET_THROTTLE_DECELERATION), 4);
    for (let s = 0; s <= 13; s++) assert.equal(typeof p.getStatistic(s as PeerStatistic), 'number');
    assert.ok(p.getStatistic(PeerStatistic.ROUND_TRIP_TIME) < 500);
    assert.equal(p.getStatistic(PeerStatistic.PACKET_THROTTLE), 32);
    throwsCode(() => p.getStatistic(14 as PeerStatistic), 'ERR_INVALID_PARAMETER');
    assert.equal(p.getChannels(), 4);
    assert.ok(t.server.popStatistic(HostStatistic.TOTAL_RECEIVED_PACKETS) > 0);
    assert.equal(t.server.popStatistic(HostStatistic.TOTAL_RECEIVED_PACKETS), 0);
    assert.ok(t.server.popStatistic(HostStatistic.TOTAL_SENT_DATA) > 0);
    throwsCode(() => t.server.popStatistic(4 as HostStatistic), 'ERR_INVALID_PARAMETER');
    p.reset();
    assert.equal(p.isActive(), false);
    assert.equal(p.getState(), PeerState.DISCONNECTED);
    assert.equal(p.getStatistic(PeerStatistic.ROUND_TRIP_TIME), 0);
    throwsCode(() => p.ping(), 'ERR_UNCONFIGURED');
    throwsCode(() => p.send(0, new Uint8Array(1), 0), 'ERR_UNCONFIGURED');
    throwsCode(() => p.getChannels(), 'ERR_UNCONFIGURED');
    assert.equal(p.getPacket().length, 0);
    assert.equal(p.getPacketError(), 'ERR_UNCONFIGURED');
    assert.deepEqual(t.client.getPeers(), []);
  } finally {
    await t.close();
  }
});

test('peerDisconnectNow notifies only the remote; channelLimit applies to new connections', async () => {
  const t = await pair({ channels: 2 });
  try {
    assert.equal(t.clientPeer.getChannels(), 2, 'server channel limit 2 wins over the 4 requested');
    // The server may still acknowledge the client's first ping after the client's peer is gone:
    // the client host then drops that datagram, which would print a warning.
    t.client.onWarning = null;
    t.clientPeer.peerDisconnectNow(9);
    assert.equal(t.clientPeer.isActive(), false);
    await t.pump.waitFor(() => t.pump.of(t.server, EventType.DISCONNECT).length === 1, 5000, 'server disconnect');
    assert.equal(t.pump.of(t.server, EventType.DISCONNECT)[0]!.data, 9);
    assert.equal(t.pump.of(t.client, EventType.DISCONNECT).length, 0);
    t.server.channelLimit(0);
    assert.equal(t.server.getMaxChannels(), 255);
    t.server.channelLimit(300);
    assert.equal(t.server.getMaxChannels(), 255);
  } finally {
    await t.close();
  }
});

test('remote addresses are formatted as Godot does for IPv4, IPv6 and IPv4-mapped peers', async () => {
  const v4 = await pair({}, '127.0.0.1');
  try {
    assert.equal(v4.serverPeer.getRemoteAddress(), '127.0.0.1');
    assert.equal(v4.clientPeer.getRemoteAddress(), '127.0.0.1');
  } finally {
    await v4.close();
  }
  const v6 = await pair({}, '::1');
  try {
    assert.equal(v6.serverPeer.getRemoteAddress(), '0:0:0:0:0:0:0:1');
  } finally {
    await v6.close();
  }
  const server = new ENetConnection();
  const client = new ENetConnection();
  await server.createHostBound('*', 0);
  await client.createHost(1);
  const pump = new EventPump([server, client]);
  try {
    await client.connectToHost('::ffff:127.0.0.1', server.getLocalPort());
    await pump.waitFor(() => pump.of(server, EventType.CONNECT).length === 1, 5000, 'mapped connect');
    assert.equal(pump.of(server, EventType.CONNECT)[0]!.peer!.getRemoteAddress(), '127.0.0.1');
  } finally {
    client.destroy();
    server.destroy();
    await pump.stop();
  }
});

test('socketSend delivers a raw datagram to a plain dgram socket, outside the statistics', async () => {
  const c = new ENetConnection();
  await c.createHost(1);
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  try {
    const got = once(sock, 'message');
    await c.socketSend('127.0.0.1', sock.address().port, new Uint8Array([0xde, 0xad]));
    const [msg, rinfo] = (await got) as [Buffer, dgram.RemoteInfo];
    assert.deepEqual([...msg], [0xde, 0xad]);
    assert.equal(rinfo.port, c.getLocalPort());
    assert.equal(c.popStatistic(HostStatistic.TOTAL_SENT_PACKETS), 0);
    await rejectsCode(c.socketSend('127.0.0.1', 0, new Uint8Array(1)), 'ERR_INVALID_PARAMETER');
  } finally {
    sock.close();
    c.destroy();
  }
});

test('events() and service() share one event stream without losing packets', async () => {
  const t = await pair();
  try {
    await t.pump.stop();
    const it = t.server.events();
    for (let i = 0; i < 20; i++) t.clientPeer.send(0, new Uint8Array([i]), ENetPacketPeer.FLAG_RELIABLE);
    const seen: number[] = [];
    const end = Date.now() + 5000;
    while (seen.length < 20 && Date.now() < end) {
      if (seen.length % 2 === 0) {
        const r = await it.next();
        assert.equal(r.value!.type, EventType.RECEIVE);
        seen.push(r.value!.packet![0]!);
      } else {
        const e = await t.server.service(1000);
        if (e.type === EventType.RECEIVE) seen.push(e.peer!.getPacket()[0]!);
      }
    }
    assert.deepEqual(seen, [...Array(20).keys()]);
    await it.return(undefined);
  } finally {
    await t.close();
  }
});

test('refuseNewConnections ignores new CONNECTs on a plain host and keeps existing peers', async () => {
  const t = await pair();
  const late = new ENetConnection();
  await late.createHost(1);
  const pump = new EventPump([late]);
  try {
    t.server.onWarning = null;
    t.server.refuseNewConnections(true);
    const p = await late.connectToHost('127.0.0.1', t.server.getLocalPort());
    p.setTimeout(4, 500, 1500);
    await pump.waitFor(() => pump.of(late, EventType.DISCONNECT).length === 1, 5000, 'refused client times out');
    t.clientPeer.send(0, new Uint8Array([1]), 1);
    await t.pump.waitFor(() => t.serverPeer.getAvailablePacketCount() === 1, 5000, 'existing peer still served');
    assert.equal(t.server.engine!.drops.refused > 0, true);
  } finally {
    late.destroy();
    await pump.stop();
    await t.close();
  }
});
