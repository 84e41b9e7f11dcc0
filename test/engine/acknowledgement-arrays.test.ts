// Acknowledgement queues are lent to peers by their host while acknowledgements are pending:
// reused from pass to pass, given back once sent, and never the shared empty queue itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ACKNOWLEDGEMENTS } from '../../src/engine/acknowledgement-arrays.js';
import { Host } from '../../src/engine/host.js';
import { PACKET_FLAG_RELIABLE } from '../../src/protocol/constants.js';
import { payload } from './harness.js';

test('acknowledgement queues are lent while acknowledgements are pending and given back once sent', () => {
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  let id = 0;
  const random = () => ++id;
  const server = new Host({ peerCount: 4, random }, (d, start, end) => toClient.push(d.slice(start, end)));
  const client = new Host({ peerCount: 1, random }, (d, start, end) => toServer.push(d.slice(start, end)));
  let now = 1;
  /** Hands `to` what was sent to it; the host then services (and so sends its acks) only when asked. */
  const deliver = (queue: Uint8Array[], to: Host, from: string) => {
    to.setTime(now);
    for (const d of queue.splice(0)) to.receive(d, from, from === '10.0.0.2' ? 5000 : 7000);
  };
  const both = () => {
    for (let i = 0; i < 10; i++) {
      now++;
      deliver(toServer, server, '10.0.0.2');
      server.service();
      deliver(toClient, client, '10.0.0.1');
      client.setTime(now);
      client.service();
    }
  };
  const clientPeer = client.connect('10.0.0.1', 7000, 2, 0)!;
  client.setTime(now);
  client.service();
  both();
  const serverPeer = server.active[0]!;
  assert.equal(serverPeer.acknowledgements, NO_ACKNOWLEDGEMENTS, 'connected and quiet: no queue held');
  const queues = new Set<number[]>();
  let received = 0;
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 5; i++) assert.ok(clientPeer.send(0, payload(round * 5 + i, 100), PACKET_FLAG_RELIABLE));
    client.setTime(++now);
    client.flush();
    deliver(toServer, server, '10.0.0.2');
    assert.equal(serverPeer.acknowledgements.length, 5 * 4, 'five acknowledgements pending');
    queues.add(serverPeer.acknowledgements);
    server.flush();
    assert.equal(serverPeer.acknowledgements, NO_ACKNOWLEDGEMENTS, 'sent: the queue went back');
    for (let e = server.checkEvents(); e !== null; e = server.checkEvents()) if (e.type === 'receive') received++;
    both();
  }
  assert.equal(received, 100);
  assert.equal(queues.size, 1, 'one queue went round and round');
  assert.equal(NO_ACKNOWLEDGEMENTS.length, 0, 'the shared empty queue was never written');
});
