import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ENetConnection, ENetMultiplayerPeer, EventType, SceneMultiplayer, TransferMode } from '../../src/index.js';
import { Journal } from './support.js';

test('ENetMultiplayerPeer server: ids from CONNECT data, invalid and duplicate ids refused, transfer modes and channels', {
  timeout: 30000,
}, async () => {
  const server = new ENetMultiplayerPeer();
  await server.createServer(0, 8, 0, 0, 0);
  const port = server.host!.getLocalPort();
  // The refused (reset) remotes keep talking to a peer the server no longer has: expected here.
  const stale: string[] = [];
  server.host!.onWarning = (w) => stale.push(w.reason);
  const joined: number[] = [];
  server.on('peerConnected', (id) => joined.push(id));
  const raw: ENetConnection[] = [];
  try {
    // Refused: id 1, id 0, id ≥ 2^31 — each is reset silently, as Godot does.
    for (const data of [1, 0, 0x80000000]) {
      const c = new ENetConnection();
      raw.push(c);
      await c.createHost(1);
      await c.connectToHost('127.0.0.1', port, 0, data);
      assert.equal((await c.service(5000)).type, EventType.CONNECT);
    }
    const client = new ENetMultiplayerPeer();
    await client.createClient('127.0.0.1', port);
    const [first] = await once(client, 'peerConnected');
    assert.equal(first, 1);
    const id = client.getUniqueId();
    if (joined.length === 0) await once(server, 'peerConnected');
    assert.deepEqual(joined, [id]);
    // Same id again: refused.
    const dup = new ENetConnection();
    raw.push(dup);
    await dup.createHost(1);
    await dup.connectToHost('127.0.0.1', port, 0, id);
    assert.equal((await dup.service(5000)).type, EventType.CONNECT);

    // Unreliable on transfer channel 3 → ENet channel 4, reported back as channel 3 / UNRELIABLE.
    client.transferMode = TransferMode.UNRELIABLE;
    client.transferChannel = 3;
    client.putPacket(Uint8Array.of(7));
    client.transferMode = TransferMode.RELIABLE;
    client.transferChannel = 0;
    client.putPacket(Uint8Array.of(8));
    const got: [number, number, TransferMode, number][] = [];
    while (got.length < 2) {
      if (server.getAvailablePacketCount() === 0) await once(server, 'packet');
      while (server.getAvailablePacketCount() > 0) {
        const from = server.getPacketPeer();
        const ch = server.getPacketChannel();
        const mode = server.getPacketMode();
        got.push([from, ch, mode, server.getPacket()[0]!]);
      }
    }
    assert.deepEqual(
      got.sort((a, b) => a[3] - b[3]),
      [
        [id, 3, TransferMode.UNRELIABLE, 7],
        [id, 0, TransferMode.RELIABLE, 8],
      ],
    );
    assert.deepEqual(joined, [id]); // nobody else was admitted
    assert.throws(
      () => {
        server.setTargetPeer(12345);
        server.putPacket(Uint8Array.of(1));
      },
      { code: 'ERR_INVALID_PARAMETER' },
    );
    server.setTargetPeer(0);
    // Closing the client: the server sees it leave.
    const left = once(server, 'peerDisconnected');
    client.close();
    assert.deepEqual(await left, [id]);
  } finally {
    for (const c of raw) c.destroy();
    server.close();
  }
});

test('SceneMultiplayer over ENet, TypeScript only: relay between two clients, RPC through the relay, DEL_PEER', {
  timeout: 30000,
}, async () => {
  const journal = new Journal();
  const make = (name: string) => {
    const mp = new SceneMultiplayer();
    mp.onWarning = (w) => journal.add(`${name}:warning`, w.peer, [w.message]);
    mp.on('peerConnected', (id) => journal.add(`${name}:joined`, id));
    mp.on('peerDisconnected', (id) => journal.add(`${name}:left`, id));
    mp.on('peerPacket', (id, b) => journal.add(`${name}:bytes`, id, [new TextDecoder().decode(b)]));
    const node = mp.addNode('Main', { say: { mode: 'any_peer', call: (...a) => journal.add(`${name}:say`, mp.getRemoteSenderId(), a) } });
    return { mp, node };
  };
  const s = make('server');
  const a = make('a');
  const b = make('b');
  const sp = new ENetMultiplayerPeer();
  const ap = new ENetMultiplayerPeer();
  const bp = new ENetMultiplayerPeer();
  try {
    await sp.createServer(0);
    s.mp.multiplayerPeer = sp;
    const port = sp.host!.getLocalPort();
    await ap.createClient('127.0.0.1', port);
    a.mp.multiplayerPeer = ap;
    await bp.createClient('127.0.0.1', port);
    b.mp.multiplayerPeer = bp;
    const idA = ap.getUniqueId();
    const idB = bp.getUniqueId();
    await journal.waitFor((e) => e.kind === 'a:joined' && e.from === idB, 'A learns of B');
    await journal.waitFor((e) => e.kind === 'b:joined' && e.from === idA, 'B learns of A');
    a.mp.sendBytes(new TextEncoder().encode('to all'));
    a.node.rpcId(idB, 'say', 'psst', 3);
    assert.deepEqual((await journal.waitFor((e) => e.kind === 'b:bytes', 'relayed bytes')).args, ['to all']);
    assert.equal((await journal.waitFor((e) => e.kind === 'server:bytes', 'bytes at the server')).from, idA);
    const said = await journal.waitFor((e) => e.kind === 'b:say', 'relayed RPC');
    assert.deepEqual([said.from, said.args], [idA, ['psst', 3]]);
    assert.equal(
      journal.entries.some((e) => e.kind === 'server:say'),
      false,
    );
    s.mp.disconnectPeer(idA);
    await journal.waitFor((e) => e.kind === 'b:left' && e.from === idA, 'DEL_PEER');
    assert.deepEqual(
      journal.entries.filter((e) => e.kind.endsWith(':warning')),
      [],
    );
  } finally {
    ap.close();
    bp.close();
    sp.close();
  }
});

test('ENetMultiplayerPeer mesh: ids chosen by the application, packets both ways', { timeout: 30000 }, async () => {
  const left = new ENetConnection();
  const right = new ENetConnection();
  const m1 = new ENetMultiplayerPeer();
  const m2 = new ENetMultiplayerPeer();
  try {
    await left.createHostBound('127.0.0.1', 0, 1);
    await right.createHost(1);
    await right.connectToHost('127.0.0.1', left.getLocalPort());
    assert.equal((await left.service(5000)).type, EventType.CONNECT);
    assert.equal((await right.service(5000)).type, EventType.CONNECT);
    m1.createMesh(10);
    m2.createMesh(20);
    m1.addMeshPeer(20, left);
    m2.addMeshPeer(10, right);
    m1.setTargetPeer(20);
    m1.putPacket(Uint8Array.of(1, 2));
    await once(m2, 'packet');
    assert.equal(m2.getPacketPeer(), 10);
    assert.deepEqual([...m2.getPacket()], [1, 2]);
    assert.equal(m1.isServerRelaySupported(), false);
  } finally {
    m1.close();
    m2.close();
  }
});

test('clients leaving all at once: the relaying server skips the ones already gone and keeps serving', { timeout: 30000 }, async () => {
  const mp = new SceneMultiplayer();
  const journal = new Journal();
  mp.on('peerConnected', (id) => journal.add('joined', id));
  mp.on('peerDisconnected', (id) => journal.add('left', id));
  const server = new ENetMultiplayerPeer();
  const clients: ENetMultiplayerPeer[] = [];
  try {
    await server.createServer(0);
    mp.multiplayerPeer = server;
    const port = server.host!.getLocalPort();
    for (let i = 0; i < 6; i++) {
      const c = new ENetMultiplayerPeer();
      clients.push(c);
      await c.createClient('127.0.0.1', port);
    }
    for (const c of clients) await journal.waitFor((s) => s.kind === 'joined' && s.from === c.getUniqueId(), 'a client');
    // All close in one turn: the server sends DEL_PEER notices to peers whose DISCONNECT it has not handled yet.
    const ids = clients.map((c) => c.getUniqueId());
    for (const c of clients) c.close();
    for (const id of ids) await journal.waitFor((s) => s.kind === 'left' && s.from === id, `client ${id} leaving`);
    const late = new ENetMultiplayerPeer();
    clients.push(late);
    await late.createClient('127.0.0.1', port);
    await journal.waitFor((s) => s.kind === 'joined' && s.from === late.getUniqueId(), 'a client after that');
  } finally {
    for (const c of clients) c.close();
    server.close();
  }
});
