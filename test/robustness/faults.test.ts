import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ENetConnection, ENetPacketPeer, EventType, type ENetWarning } from '../../src/index.js';
import { EventPump } from '../support/pump.js';
import { REPO_ROOT } from '../support/cbuild.js';

test('a peer process killed mid-transfer is reported as DISCONNECT at the timeout while others are served', async () => {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 8);
  const other = new ENetConnection();
  await other.createHost(1);
  const pump = new EventPump([server, other]);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'test/support/child-client.ts'), String(server.getLocalPort())],
    {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  try {
    const otherPeer = await other.connectToHost('127.0.0.1', server.getLocalPort());
    await pump.waitFor(() => pump.of(server, EventType.CONNECT).length === 2, 20000, 'both clients connected');
    await pump.waitFor(() => pump.of(server, EventType.RECEIVE).length > 50, 10000, 'transfer under way');
    const childPeer = pump
      .of(server, EventType.CONNECT)
      .map((e) => e.peer!)
      .find((p) => p !== pump.of(server, EventType.CONNECT).find((e) => e.peer!.getRemotePort() === other.getLocalPort())?.peer)!;
    childPeer.setTimeout(8, 1000, 3000);
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await pump.waitFor(() => pump.of(server, EventType.DISCONNECT).length === 1, 10000, 'timeout disconnect');
    const d = pump.of(server, EventType.DISCONNECT)[0]!;
    assert.equal(d.peer, childPeer);
    assert.equal(d.data, 0);
    const took = Date.now() - killedAt;
    assert.ok(took >= 900, `reported after the timeout, not at once (${took} ms)`);
    const before = pump.of(other, EventType.RECEIVE).length;
    for (const p of server.getPeers()) p.send(0, new Uint8Array([1]), ENetPacketPeer.FLAG_RELIABLE);
    await pump.waitFor(() => pump.of(other, EventType.RECEIVE).length > before, 5000, 'other client still served');
    assert.equal(otherPeer.isActive(), true);
  } finally {
    child.kill('SIGKILL');
    other.destroy();
    server.destroy();
    await pump.stop();
  }
});

test('1000 connect/disconnect cycles leave no peer, timer or memory behind', async () => {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 16);
  // Datagrams a client sends after the server reset its slot (late acknowledgements) are dropped as stale.
  const warnings: ENetWarning[] = [];
  server.onWarning = (w) => warnings.push(w);
  const started = performance.now();
  const serverLoop = new EventPump([server]);
  const heapBefore = process.memoryUsage().heapUsed;
  try {
    for (let round = 0; round < 100; round++) {
      const clients = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const c = new ENetConnection();
          await c.createHost(1);
          return c;
        }),
      );
      const pump = new EventPump(clients);
      const peers = await Promise.all(clients.map((c) => c.connectToHost('127.0.0.1', server.getLocalPort(), 1)));
      await pump.waitFor(() => pump.events.filter((e) => e.type === EventType.CONNECT).length === 10, 10000, 'round connects');
      for (const [i, p] of peers.entries()) {
        if (i % 2) p.peerDisconnect(i);
        else p.peerDisconnectLater(i);
      }
      await pump.waitFor(() => pump.events.filter((e) => e.type === EventType.DISCONNECT).length === 10, 10000, 'round disconnects');
      for (const c of clients) c.destroy();
      await pump.stop();
    }
    await serverLoop.waitFor(() => serverLoop.of(server, EventType.DISCONNECT).length === 1000, 10000, 'server saw every disconnect');
    assert.equal(serverLoop.of(server, EventType.CONNECT).length, 1000);
    assert.equal(server.getPeers().length, 0);
    const host = server.engine!;
    assert.equal(host.connectedPeers, 0);
    assert.ok(host.peers.every((p) => p.state === 0 && p.outgoingCommands.isEmpty() && p.sentReliableCommands.isEmpty()));
    assert.equal(host.reassemblyBytes, 0);
    assert.equal(host.nextTimeout(), -1, 'no timer is needed any more');
    // Rate-limited: a line and a summary a minute at most, accounting for no more than the exact counter.
    assert.ok(
      warnings.every((w) => w.reason === 'unknownPeer'),
      JSON.stringify(warnings),
    );
    const minutes = Math.ceil((performance.now() - started) / 60000);
    assert.ok(warnings.length <= 2 * minutes, `${warnings.length} warning lines in ${minutes} min`);
    const reported = warnings.reduce((n, w) => n + (w.counts?.unknownPeer ?? 1), 0);
    assert.ok(reported <= host.drops.unknownPeer, `${reported} reported of ${host.drops.unknownPeer} dropped`);
    global.gc?.();
    const grown = (process.memoryUsage().heapUsed - heapBefore) / 1048576;
    assert.ok(grown < 64, `heap grew ${grown.toFixed(1)} MB`);
  } finally {
    server.destroy();
    await serverLoop.stop();
  }
});
