import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { ENetConnection, ENetPacketPeer, EventType, PeerStatistic } from '../../src/index.js';
import { encodeDatagram, type DecodedCommand } from '../../src/protocol/codec.js';
import { EventPump } from '../support/pump.js';
import { connectCommand } from '../support/spoofed-connect.js';

/** Ping-pongs `count` reliable messages between the legitimate client and the echoing server. */
async function exchange(pump: EventPump, client: ENetConnection, peer: ENetPacketPeer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const before = pump.of(client, EventType.RECEIVE).length;
    peer.send(0, new Uint8Array([i & 0xff, 1, 2, 3]), ENetPacketPeer.FLAG_RELIABLE);
    await pump.waitFor(() => pump.of(client, EventType.RECEIVE).length > before, 5000, `echo ${i}`);
  }
}

test('floods of spoofed CONNECTs, never-completing fragments, oversized and misaddressed datagrams leave existing peers served', async () => {
  const server = new ENetConnection();
  const client = new ENetConnection();
  const attacker = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 64, 4);
  await client.createHost(1);
  await attacker.createHost(1);
  server.onWarning = null;
  const port = server.getLocalPort();
  const pump = new EventPump([server, client, attacker]);
  const sockets: dgram.Socket[] = [];
  // The server echoes what it receives.
  const echo = setInterval(() => {
    for (const p of server.getPeers())
      while (p.getAvailablePacketCount() > 0) {
        const pkt = p.getPacket();
        if (p.getRemotePort() === client.getLocalPort()) p.send(0, pkt, ENetPacketPeer.FLAG_RELIABLE);
      }
  }, 1);
  try {
    const peer = await client.connectToHost('127.0.0.1', port, 2);
    await attacker.connectToHost('127.0.0.1', port, 2);
    await pump.waitFor(
      () => pump.of(client, EventType.CONNECT).length === 1 && pump.of(attacker, EventType.CONNECT).length === 1,
      5000,
      'connect',
    );
    await exchange(pump, client, peer, 20);
    const rttBefore = peer.getStatistic(PeerStatistic.ROUND_TRIP_TIME);

    // 1. 10 000 spoofed CONNECTs from 50 source ports.
    for (let s = 0; s < 50; s++) {
      const sock = dgram.createSocket('udp4');
      sock.bind(0, '127.0.0.1');
      await once(sock, 'listening');
      sockets.push(sock);
    }
    let sent = 0;
    for (let round = 0; round < 200; round++) {
      for (const sock of sockets) {
        sock.send(
          encodeDatagram({ peerID: 0xfff, sessionID: 0, compressed: false, sentTime: round }, [connectCommand(sent++ + 1)]),
          port,
          '127.0.0.1',
        );
      }
      if (round % 5 === 0) await exchange(pump, client, peer, 1);
    }
    await exchange(pump, client, peer, 5);
    const connectsSeen = server.engine!.totalReceivedPackets;
    // 2. Oversized datagrams and datagrams for slots and sessions that do not exist.
    for (let i = 0; i < 500; i++) {
      const sock = sockets[i % sockets.length]!;
      sock.send(Buffer.alloc(5000, i), port, '127.0.0.1');
      sock.send(Buffer.from([0x80 | ((i % 4) << 4), i % 64, 0, 0, 0x86, 0, 0, 1, 0, 1, 7]), port, '127.0.0.1');
      if (i % 25 === 24) await exchange(pump, client, peer, 1);
    }
    await exchange(pump, client, peer, 5);
    // 3. Fragment floods through the attacker's real session: first fragments of huge packets that never complete.
    const engine = attacker.engine!;
    const ep = engine.peers[0]!;
    for (let i = 0; i < 2000; i++) {
      const frag: DecodedCommand = {
        command: 12,
        name: 'SEND_UNRELIABLE_FRAGMENT',
        acknowledge: false,
        unsequenced: false,
        channelID: i % 2,
        reliableSequenceNumber: 0,
        fields: {
          startSequenceNumber: (i + 1) & 0xffff,
          dataLength: 1000,
          fragmentCount: 30000,
          fragmentNumber: i % 7,
          totalLength: 30_000_000,
          fragmentOffset: 1000 * (i % 7),
        },
        data: new Uint8Array(1000).fill(i & 0xff),
      };
      const rel: DecodedCommand = {
        ...frag,
        command: 8,
        name: 'SEND_FRAGMENT',
        acknowledge: true,
        reliableSequenceNumber: 2000 + i,
        fields: { ...frag.fields, startSequenceNumber: 2000 + (i - (i % 7)) },
      };
      const d = encodeDatagram({ peerID: ep.outgoingPeerID, sessionID: ep.outgoingSessionID, compressed: false, sentTime: i }, [
        i % 2 ? frag : rel,
      ]);
      await attacker.socketSend('127.0.0.1', port, d);
      if (i % 200 === 0) await exchange(pump, client, peer, 1);
    }
    await exchange(pump, client, peer, 20);
    const host = server.engine!;
    const rttAfter = peer.getStatistic(PeerStatistic.ROUND_TRIP_TIME);
    const heapMB = process.memoryUsage().heapUsed / 1048576;
    console.log(
      `floods: ${sent} spoofed CONNECTs (${connectsSeen} datagrams reached the server socket), 500 oversized + 500 misaddressed, 2000 fragments; ` +
        `legit RTT ${rttBefore} -> ${rttAfter} ms; server reassembly ${host.reassemblyBytes} B; heap ${heapMB.toFixed(0)} MB; drops ${JSON.stringify(host.drops)}`,
    );
    assert.equal(peer.isActive(), true);
    assert.ok(rttAfter < 200, `RTT stays sane (${rttAfter} ms)`);
    assert.ok(host.drops.oversized >= 400, 'oversized datagrams dropped');
    assert.ok(host.drops.unknownPeer >= 400, 'misaddressed datagrams dropped');
    assert.ok(host.reassemblyBytes <= host.maximumReassemblyPerPeer, 'reassembly within the per-peer cap');
    assert.ok(host.peers.filter((p) => p.state !== 0).length <= 64);
  } finally {
    clearInterval(echo);
    for (const s of sockets) s.close();
    client.destroy();
    attacker.destroy();
    server.destroy();
    await pump.stop();
  }
});

test('a spoofed-CONNECT flood fills at most the half-open cap: a legitimate client still connects, and limits are configurable', async () => {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 32);
  server.onWarning = null;
  assert.throws(() => server.setResourceLimits({ halfOpen: 0 }), /halfOpen must be between 1/);
  server.setResourceLimits({ halfOpen: 8, peersPerAddress: 4095 });
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const client = new ENetConnection();
  await client.createHost(1);
  const pump = new EventPump([server, client]);
  try {
    for (let i = 0; i < 200; i++)
      sock.send(
        encodeDatagram({ peerID: 0xfff, sessionID: 0, compressed: false, sentTime: i }, [connectCommand(i + 1)]),
        server.getLocalPort(),
        '127.0.0.1',
      );
    await pump.waitFor(() => server.engine!.peers.filter((p) => p.state !== 0).length >= 8, 5000, 'half-open slots taken');
    assert.equal(server.engine!.peers.filter((p) => p.state !== 0).length, 8, 'only the half-open cap is taken');
    // The cap is full of spoofed handshakes; a real client's CONNECT replaces the oldest of them
    // (test/engine/half-open.test.ts and admission-flood.test.ts go further): 24 of 32 slots were
    // never touched by the flood.
    server.setResourceLimits({ halfOpen: 9 });
    await client.connectToHost('127.0.0.1', server.getLocalPort());
    await pump.waitFor(() => pump.of(server, EventType.CONNECT).length === 1, 5000, 'legitimate client connects');
  } finally {
    sock.close();
    client.destroy();
    server.destroy();
    await pump.stop();
  }
});
