import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetPacketPeer, EventType, HostStatistic } from '../../src/index.js';
import { loopbackPair } from '../support/loopback-pair.js';

// What an application sends in reaction to an event leaves with that event's acknowledgement in
// one datagram, at the latest when the application starts waiting for its next event (the
// reaction is then complete), without waiting for the end of the event-loop turn.

test('a reply leaves with its acknowledgement, in one datagram, as soon as the application waits again', async () => {
  const { server, client, peer, close } = await loopbackPair();
  try {
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
    close();
  }
});
