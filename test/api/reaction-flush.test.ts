import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetConnection, ENetPacketPeer, EventType, HostStatistic, PeerState } from '../../src/index.js';

// What an application sends in reaction to an event leaves with that event's acknowledgement in
// one datagram, at the latest when the application starts waiting for its next event (the
// reaction is then complete), without waiting for the end of the event-loop turn.

test('a reply leaves with its acknowledgement, in one datagram, as soon as the application waits again', async () => {
  const server = new ENetConnection();
  const client = new ENetConnection();
  const watchdog = setTimeout(() => {
    server.destroy();
    client.destroy();
  }, 30_000);
  try {
    await server.createHostBound('127.0.0.1', 0, 1, 1);
    await client.createHost(1, 1);
    const peer = await client.connectToHost('127.0.0.1', server.getLocalPort(), 1);
    let serverPeer: ENetPacketPeer | null = null;
    while (serverPeer === null || peer.getState() !== PeerState.CONNECTED) {
      const e = await server.service(5);
      if (e.type === EventType.CONNECT) serverPeer = e.peer;
      await client.service(5);
    }
    // Let the handshake's last datagrams go by before counting.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
    server.popStatistic(HostStatistic.TOTAL_SENT_PACKETS);
    peer.send(0, new Uint8Array([1, 2, 3]), ENetPacketPeer.FLAG_RELIABLE);
    client.flush();
    let e = await server.service(5000);
    while (e.type !== EventType.RECEIVE) e = await server.service(5000);
    const sentBefore = server.popStatistic(HostStatistic.TOTAL_SENT_PACKETS);
    assert.equal(sentBefore, 0, 'nothing sent before the application reacted');
    e.peer!.send(0, e.peer!.getPacket(), ENetPacketPeer.FLAG_RELIABLE);
    const next = server.service(200); // the reaction is complete: the reply goes now
    assert.equal(server.popStatistic(HostStatistic.TOTAL_SENT_PACKETS), 1, 'one datagram: the acknowledgement and the reply');
    // The client gets the echo.
    let r = await client.service(5000);
    while (r.type !== EventType.RECEIVE) r = await client.service(5000);
    assert.deepEqual([...peer.getPacket()], [1, 2, 3]);
    await next;
  } finally {
    clearTimeout(watchdog);
    server.destroy();
    client.destroy();
  }
});
