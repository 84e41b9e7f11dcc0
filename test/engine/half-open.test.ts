import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedNetwork, type SimulatedNode } from '../../src/transport/simulated-network.js';
import { PeerState } from '../../src/api/enums.js';
import { encodeDatagram } from '../../src/protocol/codec.js';
import { payload } from './harness.js';
import { spoofedConnect } from '../support/spoofed-connect.js';

const RELIABLE = 1;

/** Spoofed senders: address 192.0.2.x / 198.51.100.x, a port per connect id (no node answers them). */
function spoof(server: SimulatedNode, net: SimulatedNetwork, n: number): void {
  server.host.setTime(net.now);
  server.host.receive(spoofedConnect(n), `192.0.${2 + (n % 200)}.${n % 251}`, 1024 + (n % 60000));
}

const halfOpen = (node: SimulatedNode) => node.host.peers.filter((p) => p.state === PeerState.ACKNOWLEDGING_CONNECT);

test('a CONNECT that finds the half-open cap full replaces the oldest half-open handshake', () => {
  const net = new SimulatedNetwork();
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 16, maximumHalfOpen: 4 });
  for (let n = 1; n <= 4; n++) spoof(server, net, n);
  assert.deepEqual(
    halfOpen(server).map((p) => p.connectID),
    [1, 2, 3, 4],
  );
  spoof(server, net, 5);
  assert.deepEqual(
    halfOpen(server).map((p) => p.connectID),
    [1, 2, 3, 4],
    'no VERIFY_CONNECT has left yet: none is evicted (its acknowledgement could not rebuild it); the CONNECT waits for its retransmission',
  );
  net.run(1);
  spoof(server, net, 5);
  assert.deepEqual(
    halfOpen(server)
      .map((p) => p.connectID)
      .sort(),
    [2, 3, 4, 5],
    'the first (oldest) handshake made room',
  );
  // 5's VERIFY_CONNECT has not left yet: 2 and 3 make room.
  spoof(server, net, 6);
  spoof(server, net, 7);
  assert.deepEqual(
    halfOpen(server)
      .map((p) => p.connectID)
      .sort(),
    [4, 5, 6, 7],
  );
  assert.equal(server.host.halfOpenEvictions, 3);
  assert.equal(server.host.active.length, 4, 'never more than the cap');
  net.run(50);
  assert.equal(server.events.length, 0, 'an evicted handshake never produces an event');
});

test('an unacknowledged VERIFY_CONNECT is given up after halfOpenTimeout, well before an established peer times out', () => {
  const net = new SimulatedNetwork();
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 8 });
  const client = net.addHost('10.0.0.2', 5000, { peerCount: 1 });
  client.host.connect('10.0.0.1', 7000, 2, 0);
  assert.ok(
    net.runUntil(() => server.events.some((e) => e.type === 'connect'), 2000),
    'the real client connects',
  );
  const established = server.events.find((e) => e.type === 'connect')!.peer;
  assert.equal(established.timeoutMaximum, 30000, 'a completed handshake gets the ordinary timeouts back');
  spoof(server, net, 99);
  const start = net.now;
  const spoofed = halfOpen(server)[0]!;
  assert.equal(spoofed.connectID, 99);
  // The client vanishes at the same moment: its peer keeps ENet's 5–30 s timeout.
  net.setConditions({ lossPercent: 100 });
  established.send(0, new Uint8Array([1]), RELIABLE);
  assert.ok(
    net.runUntil(() => spoofed.state === PeerState.DISCONNECTED, 10000),
    'the half-open handshake is given up',
  );
  const gaveUpAfter = net.now - start;
  assert.ok(gaveUpAfter >= 3000 && gaveUpAfter < 5000, `given up after ${gaveUpAfter} ms`);
  assert.equal(established.state, PeerState.CONNECTED, 'the established peer is still waiting for its acknowledgement');
  assert.ok(net.runUntil(() => server.events.some((e) => e.type === 'disconnect'), 40000));
  assert.ok(net.now - start >= 5000, 'the established peer timed out on ENet’s schedule');
  assert.equal(server.events.filter((e) => e.type === 'disconnect').length, 1, 'no event for the given-up handshake');
});

test('a real client connects and streams byte-exact while 4000 spoofed CONNECTs a second keep the half-open cap full', () => {
  const net = new SimulatedNetwork({ latencyMs: 2, jitterMs: 1 });
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 64 });
  const client = net.addHost('10.0.0.2', 5000, { peerCount: 1 });
  let n = 1;
  const flood = (ms: number) => {
    for (let t = 0; t < ms; t++) {
      for (let k = 0; k < 4; k++) spoof(server, net, n++);
      net.run(1);
    }
  };
  flood(500);
  assert.equal(halfOpen(server).length, server.host.maximumHalfOpen, 'the flood holds every half-open place');
  const peer = client.host.connect('10.0.0.1', 7000, 2, 0)!;
  let waited = 0;
  while (!server.events.some((e) => e.type === 'connect') && waited < 5000) {
    flood(10);
    waited += 10;
  }
  assert.ok(
    server.events.some((e) => e.type === 'connect'),
    `the real client connects during the flood (evictions ${server.host.halfOpenEvictions})`,
  );
  assert.ok(waited <= 100, `at the first attempt (${waited} ms)`);
  assert.equal(peer.state, PeerState.CONNECTED);
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) {
    sent.push(payload(i, 1 + (i % 300)));
    assert.ok(peer.send(i % 2, sent[i]!, RELIABLE));
  }
  const received = () => server.events.filter((e) => e.type === 'receive');
  for (let t = 0; t < 10000 && received().length < 1000; t += 10) flood(10);
  const got = received();
  assert.equal(got.length, 1000);
  for (const channel of [0, 1]) {
    const want = sent.filter((_, i) => i % 2 === channel);
    const have = got.filter((e) => e.channelID === channel);
    want.forEach((w, i) => {
      assert.ok(Buffer.from(have[i]!.packet!).equals(Buffer.from(w)), `message ${i} on channel ${channel}`);
    });
  }
  assert.ok(server.host.halfOpenEvictions > 1000, `${server.host.halfOpenEvictions} spoofed handshakes evicted`);
  assert.equal(server.events.filter((e) => e.type === 'connect').length, 1, 'no spoofed handshake ever completed');
});

test('established peers are never evicted: a flood only cycles the free slots, and is refused when none is free', () => {
  const net = new SimulatedNetwork();
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 8, maximumHalfOpen: 8 });
  const clients = [1, 2, 3, 4, 5].map((i) => net.addHost(`10.0.1.${i}`, 5000, { peerCount: 1 }));
  const peers = clients.map((c) => c.host.connect('10.0.0.1', 7000, 1, 0)!);
  assert.ok(net.runUntil(() => server.events.filter((e) => e.type === 'connect').length === 5, 2000));
  const established = server.events.filter((e) => e.type === 'connect').map((e) => e.peer);
  for (let n = 1; n <= 1000; n++) {
    spoof(server, net, n);
    if (n % 10 === 0) net.run(1);
  }
  assert.equal(halfOpen(server).length, 3, 'the flood holds only the three free slots');
  for (const p of established) assert.equal(p.state, PeerState.CONNECTED);
  peers.forEach((p, i) => {
    p.send(0, payload(i, 10), RELIABLE);
  });
  assert.ok(
    net.runUntil(() => server.events.filter((e) => e.type === 'receive').length === 5, 2000),
    'every established peer is served',
  );

  // With every slot established, a CONNECT has nothing to replace.
  const more = [6, 7, 8].map((i) => net.addHost(`10.0.1.${i}`, 5000, { peerCount: 1 }));
  for (const c of more) c.host.connect('10.0.0.1', 7000, 1, 0);
  assert.ok(
    net.runUntil(() => server.events.filter((e) => e.type === 'connect').length === 8, 2000),
    'real clients take the rest',
  );
  const evictions = server.host.halfOpenEvictions;
  for (let n = 2000; n < 2100; n++) spoof(server, net, n);
  assert.equal(server.host.halfOpenEvictions, evictions);
  assert.equal(halfOpen(server).length, 0);
  assert.ok(server.host.peers.every((p) => p.state === PeerState.CONNECTED));
});

/** A server whose half-open cap (2) a spoofed CONNECT a millisecond keeps full, and a client 40 ms away. */
function floodedHandshake(dropFirstFromClient: boolean) {
  const net = new SimulatedNetwork({ latencyMs: 20 });
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 8, maximumHalfOpen: 2 });
  const client = net.addHost('10.0.0.2', 5000, { peerCount: 1 });
  let dropped: Uint8Array | null = null;
  if (dropFirstFromClient) {
    const receive = server.host.receive.bind(server.host);
    server.host.receive = (data, address, port) => {
      if (dropped === null && address === '10.0.0.2') dropped = data;
      else receive(data, address, port);
    };
  }
  const peer = client.host.connect('10.0.0.1', 7000, 2, 0)!;
  let n = 1;
  const connected = () => server.events.some((e) => e.type === 'connect');
  for (let t = 0; t < 3000 && !connected(); t++) {
    spoof(server, net, n++);
    net.run(1);
  }
  return { net, server, client, peer, connected: connected(), dropped: dropped as Uint8Array | null };
}

test('a handshake evicted before its acknowledgement arrives is rebuilt by that acknowledgement', () => {
  const { server, peer, connected } = floodedHandshake(false);
  assert.ok(connected, 'the server reports the client connected');
  assert.equal(peer.state, PeerState.CONNECTED);
  assert.ok(server.host.halfOpenEvictions > 0);
  assert.equal(server.host.revivedHandshakes, 1, 'through the remembered handshake');
  const serverPeer = server.events.find((e) => e.type === 'connect')!.peer;
  assert.equal(serverPeer.address, '10.0.0.2');
  assert.equal(serverPeer.timeoutMaximum, 30000);
});

test('when that acknowledgement is lost, the next datagram from the client gets the VERIFY_CONNECT sent again', () => {
  const { net, server, client, peer, connected, dropped } = floodedHandshake(true);
  assert.ok(dropped, 'the acknowledgement was dropped');
  assert.ok(connected, 'the client got connected on the server too');
  assert.equal(server.host.revivedHandshakes >= 1, true);
  assert.equal(peer.state, PeerState.CONNECTED);
  peer.send(0, payload(1, 100), RELIABLE);
  assert.ok(
    net.runUntil(() => server.events.some((e) => e.type === 'receive'), 2000),
    'and data flows',
  );
  assert.equal(client.events.filter((e) => e.type === 'disconnect').length, 0);
});

test('an acknowledgement that does not echo the time VERIFY_CONNECT left completes no handshake', () => {
  const net = new SimulatedNetwork();
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 4 });
  spoof(server, net, 77);
  net.run(5);
  const half = halfOpen(server)[0]!;
  const address = half.address;
  const port = half.port;
  for (let guess = 0; guess < 64; guess++) {
    const ack = encodeDatagram({ peerID: half.incomingPeerID, sessionID: half.incomingSessionID, compressed: false, sentTime: 1 }, [
      {
        command: 1,
        name: 'ACKNOWLEDGE',
        acknowledge: false,
        unsequenced: false,
        channelID: 0xff,
        reliableSequenceNumber: 0,
        fields: { receivedReliableSequenceNumber: 1, receivedSentTime: (net.now + 1000 + guess) & 0xffff },
      },
    ]);
    server.host.receive(ack, address, port);
  }
  net.run(5);
  assert.equal(half.state, PeerState.ACKNOWLEDGING_CONNECT, 'still half-open');
  assert.equal(server.events.length, 0);
});

test('real clients that evict each other all connect: the newcomer takes another free slot, the evicted one is rebuilt in its own', () => {
  const net = new SimulatedNetwork({ latencyMs: 20 });
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 16, maximumHalfOpen: 2 });
  const clients = [1, 2, 3, 4].map((i) => net.addHost(`10.0.1.${i}`, 5000, { peerCount: 1 }));
  clients.forEach((c, i) => {
    net.run(2);
    c.host.connect('10.0.0.1', 7000, 1, i);
  });
  assert.ok(
    net.runUntil(() => server.events.filter((e) => e.type === 'connect').length === 4, 3000),
    'every client connects',
  );
  assert.ok(server.host.halfOpenEvictions >= 1, `${server.host.halfOpenEvictions} evictions`);
  assert.equal(server.host.revivedHandshakes, server.host.halfOpenEvictions, 'every evicted handshake was rebuilt');
  assert.equal(server.host.drops.unknownPeer, 0, 'no client was left talking to a slot it lost');
  assert.equal(new Set(server.events.map((e) => e.peer.incomingPeerID)).size, 4);
});

/** The server's endpoint index lists exactly its active peers, each under its remote endpoint. */
function assertEndpointIndex(node: SimulatedNode, where: string): void {
  const host = node.host;
  type Indexed = { activeIndex: number; address: string; port: number };
  const index = (host as unknown as { endpointPeers: Map<string, Indexed | Indexed[]> }).endpointPeers;
  let entries = 0;
  for (const [key, there] of index) {
    // One peer is kept as itself, several (a reconnection from the same port) in an array.
    if (Array.isArray(there)) assert.ok(there.length > 1, `an array only for several peers (${where})`);
    for (const p of Array.isArray(there) ? there : [there]) {
      entries++;
      assert.ok(p.activeIndex >= 0, `only active peers (${where})`);
      assert.equal(key, `${p.port}|${p.address}`, `filed under its endpoint (${where})`);
    }
  }
  assert.equal(entries, host.active.length, `every active peer once (${where})`);
  for (const p of host.active) assert.ok(host.peersAtEndpoint(p.address, p.port).includes(p), `found by its endpoint (${where})`);
}

test('the endpoint index holds exactly the active peers through handshakes, duplicates, evictions, timeouts and connections', () => {
  const net = new SimulatedNetwork();
  const server = net.addHost('10.0.0.1', 7000, { peerCount: 64, maximumHalfOpen: 8 });
  const at = (n: number): [string, number] => [`192.0.2.${n % 5}`, 2000 + (n % 7)];
  const send = (n: number, connectID = n) => {
    server.host.setTime(net.now);
    server.host.receive(spoofedConnect(connectID), ...at(n));
  };
  // Below every limit (the index answers): a retransmitted CONNECT finds its handshake.
  for (let n = 1; n <= 5; n++) send(n);
  assertEndpointIndex(server, 'five handshakes');
  send(3);
  assert.equal(server.host.active.length, 5, 'a retransmitted CONNECT opens no second handshake');
  send(3 + 35, 99); // same endpoint as 3, another connectID: a new handshake
  assert.equal(server.host.active.length, 6);
  assertEndpointIndex(server, 'same endpoint, two handshakes');
  // Up to the cap and past it (the full scan answers, evicting the oldest sent ones).
  net.run(1);
  for (let n = 6; n <= 30; n++) {
    send(n);
    if (n % 4 === 0) net.run(1);
    assertEndpointIndex(server, `CONNECT ${n}`);
  }
  assert.ok(server.host.halfOpenEvictions > 0, 'the cap evicted handshakes');
  assert.ok(server.host.active.length <= 8);
  // Real clients connect among them; the half-open ones time out.
  const clients = [1, 2, 3].map((k) => net.addHost(`10.0.1.${k}`, 5000, { peerCount: 1 }));
  for (const c of clients) c.host.connect('10.0.0.1', 7000, 2, 0);
  assert.ok(
    net.runUntil(() => clients.every((c) => c.events.some((e) => e.type === 'connect')), 5000),
    'the clients connect',
  );
  assertEndpointIndex(server, 'clients connected');
  net.run(server.host.halfOpenTimeout + 2000);
  assertEndpointIndex(server, 'half-open handshakes timed out');
  assert.equal(server.host.active.length, 3, 'only the three clients are left');
  for (const c of clients) c.host.peers[0]!.disconnect(0);
  assert.ok(
    net.runUntil(() => server.host.active.length === 0, 5000),
    'the clients leave',
  );
  assertEndpointIndex(server, 'everyone gone');
});
