import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetConnection, ENetPacketPeer, EventType, PeerState, type ServiceEvent } from '../../src/index.js';
import { EventPump } from '../support/pump.js';

test('enet-ts client and server exchange reliable, unreliable and fragmented packets over loopback', async () => {
  const server = new ENetConnection();
  const client = new ENetConnection();
  let pump: EventPump | undefined;
  try {
    await server.createHostBound('127.0.0.1', 0, 8);
    await client.createHost(1);
    pump = new EventPump([server, client]);
    const port = server.getLocalPort();
    assert.ok(port > 0);
    const peer = await client.connectToHost('127.0.0.1', port, 4, 1234);
    assert.equal(peer.getState(), PeerState.CONNECTING);
    await pump!.waitFor(
      () => pump!.of(server, EventType.CONNECT).length === 1 && pump!.of(client, EventType.CONNECT).length === 1,
      5000,
      'connect',
    );
    const sc = pump!.of(server, EventType.CONNECT)[0]!;
    assert.equal(sc.data, 1234);
    assert.equal(pump!.of(client, EventType.CONNECT)[0]!.data, 0);
    const serverPeer = sc.peer!;
    assert.equal(serverPeer.getRemoteAddress(), '127.0.0.1');
    assert.equal(serverPeer.getRemotePort() > 0, true);
    assert.equal(peer.getChannels(), 4);
    assert.equal(peer.getState(), PeerState.CONNECTED);
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    peer.send(0, new TextEncoder().encode('hello'), ENetPacketPeer.FLAG_RELIABLE);
    peer.send(1, big, ENetPacketPeer.FLAG_RELIABLE);
    peer.send(2, new Uint8Array([9, 9]), 0);
    await pump!.waitFor(() => serverPeer.getAvailablePacketCount() >= 3, 5000, 'three packets');
    const received = pump!.of(server, EventType.RECEIVE).map((e) => e.channel);
    assert.deepEqual(received.sort(), [0, 1, 2]);
    const byChannel = new Map<number, Uint8Array>();
    for (let i = 0; i < 3; i++) {
      const p = serverPeer.getPacket();
      byChannel.set(serverPeer.getPacketChannel(), p);
    }
    assert.equal(new TextDecoder().decode(byChannel.get(0)), 'hello');
    assert.deepEqual(byChannel.get(1), big);
    assert.deepEqual([...byChannel.get(2)!], [9, 9]);
    assert.equal(serverPeer.getPacket().length, 0);
    assert.equal(serverPeer.getPacketError(), 'ERR_UNAVAILABLE');
    peer.peerDisconnect(42);
    await pump!.waitFor(
      () => pump!.of(server, EventType.DISCONNECT).length === 1 && pump!.of(client, EventType.DISCONNECT).length === 1,
      5000,
      'disconnect',
    );
    assert.equal(pump!.of(server, EventType.DISCONNECT)[0]!.data, 42);
    assert.equal(peer.isActive(), false);
    assert.equal(server.getPeers().length, 0);
  } finally {
    client.destroy();
    server.destroy();
    await pump?.stop();
  }
});

test('a peer disconnected right in its CONNECT reaction still acknowledges the handshake (the server sees CONNECT then DISCONNECT)', async () => {
  const server = new ENetConnection();
  const client = new ENetConnection();
  let serverPump: EventPump | undefined;
  try {
    await server.createHostBound('127.0.0.1', 0, 4);
    await client.createHost(1);
    serverPump = new EventPump([server]);
    const peer = await client.connectToHost('127.0.0.1', server.getLocalPort(), 1);
    const deadline = Date.now() + 5000;
    let connected = false;
    while (!connected && Date.now() < deadline) {
      const e = await client.service(100);
      if (e.type === EventType.CONNECT) {
        // No await between the event and the disconnect: the VERIFY_CONNECT acknowledgement
        // received in the same datagram must still reach the server.
        peer.peerDisconnect(7);
        connected = true;
      }
    }
    assert.ok(connected, 'the client connected');
    let clientDisconnected = false;
    while (!clientDisconnected && Date.now() < deadline) clientDisconnected = (await client.service(100)).type === EventType.DISCONNECT;
    assert.ok(clientDisconnected, 'the server acknowledged the DISCONNECT');
    await serverPump.waitFor(() => serverPump!.of(server, EventType.DISCONNECT).length === 1, 5000, 'server DISCONNECT');
    assert.deepEqual(
      serverPump.of(server).map((e) => [e.type, e.data]),
      [
        [EventType.CONNECT, 0],
        [EventType.DISCONNECT, 7],
      ],
    );
  } finally {
    client.destroy();
    server.destroy();
    await serverPump?.stop();
  }
});

test('checkEvents() hands out the rest of a burst synchronously, NONE when nothing is queued, ERROR when inactive', async () => {
  const server = new ENetConnection();
  const client = new ENetConnection();
  assert.equal(server.checkEvents().type, EventType.ERROR);
  try {
    await server.createHostBound('127.0.0.1', 0, 2);
    await client.createHost(1);
    assert.equal(server.checkEvents().type, EventType.NONE);
    const peer = await client.connectToHost('127.0.0.1', server.getLocalPort(), 1);
    const deadline = Date.now() + 5000;
    let serverConnected = false;
    let clientConnected = false;
    while (!(serverConnected && clientConnected) && Date.now() < deadline) {
      const [s, c] = await Promise.all([server.service(20), client.service(20)]);
      serverConnected ||= s.type === EventType.CONNECT;
      clientConnected ||= c.type === EventType.CONNECT;
    }
    assert.ok(serverConnected && clientConnected, 'connected');
    // Ten packets in one flush arrive in one datagram: service() hands out the first, checkEvents() the other nine.
    for (let i = 0; i < 10; i++) peer.send(0, new Uint8Array([i]), ENetPacketPeer.FLAG_RELIABLE);
    client.flush();
    let first = await server.service(100);
    while (first.type === EventType.NONE && Date.now() < deadline) first = await server.service(100);
    assert.equal(first.type, EventType.RECEIVE);
    const bytes = [first.peer!.getPacket()[0]];
    for (let e = server.checkEvents(); e.type !== EventType.NONE; e = server.checkEvents()) {
      assert.equal(e.type, EventType.RECEIVE);
      bytes.push(e.peer!.getPacket()[0]);
    }
    assert.deepEqual(bytes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // checkEvents(into) fills the caller's object, as C fills its ENetEvent.
    for (let i = 0; i < 5; i++) peer.send(0, new Uint8Array([10 + i]), ENetPacketPeer.FLAG_UNSEQUENCED);
    client.flush();
    first = await server.service(100);
    while (first.type === EventType.NONE && Date.now() < deadline) first = await server.service(100);
    const reused: ServiceEvent = { type: EventType.ERROR, peer: null, data: 7, channel: 9 };
    const more = [first.peer!.getPacket()[0]];
    for (let e = server.checkEvents(reused); e.type !== EventType.NONE; e = server.checkEvents(reused)) {
      assert.equal(e, reused);
      assert.deepEqual([e.type, e.peer, e.data, e.channel], [EventType.RECEIVE, first.peer, 0, 0]);
      more.push(e.peer!.getPacket()[0]);
    }
    assert.deepEqual([reused.type, reused.peer], [EventType.NONE, null]);
    assert.deepEqual(more, [10, 11, 12, 13, 14]);
  } finally {
    client.destroy();
    server.destroy();
  }
  assert.equal(server.checkEvents().type, EventType.ERROR);
});

test('setSocketBackend() chooses the backend of the next host; socketBackend shows the one in use', async () => {
  const conn = new ENetConnection();
  assert.equal(conn.socketBackend, null);
  assert.throws(() => conn.setSocketBackend('quic' as never), { code: 'ERR_INVALID_PARAMETER' });
  conn.setSocketBackend('dgram');
  await conn.createHostBound('127.0.0.1', 0, 1);
  try {
    assert.equal(conn.socketBackend, 'dgram');
  } finally {
    conn.destroy();
  }
});
