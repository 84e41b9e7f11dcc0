import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MultiplayerAPI, NetworkedMultiplayerENet, RpcMode3, Vector2, Color, PackedStringArray } from '../../src/index.js';
import { REPO_ROOT } from '../support/cbuild.js';
import { GodotProcess, freeUdpPort } from '../support/godot.js';
import { Journal } from './support.js';

function godot3Peer(role: 'client' | 'server', port: number): GodotProcess {
  return new GodotProcess('test/godot/mp_peer.gd', [
    `--role=${role}`,
    `--port=${port}`,
    `--node=${join(REPO_ROOT, 'test/godot/mp_node.gd')}`,
  ]);
}

/** The first JSON line of `g` containing `key` and satisfying `match`. */
function line(g: GodotProcess, key: string, match: (o: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
  const re = {
    test: (s: string) => {
      if (!s.includes(`"${key}"`)) return false;
      try {
        return match(JSON.parse(s));
      } catch {
        return false;
      }
    },
  } as RegExp;
  return g.waitFor(re).then((l) => JSON.parse(l));
}

function errors(g: GodotProcess): string[] {
  return g.lines.filter((l) => /ERROR/.test(l) && !/locale/i.test(l));
}

/** A Godot 3 MultiplayerAPI whose events, RPCs and warnings go to `journal`, with /root/Main declared. */
function recordedApi(journal: Journal) {
  const api = new MultiplayerAPI();
  api.onWarning = (w) => journal.add('warning', w.peer, [w.message]);
  api.on('networkPeerConnected', (id) => journal.add('peerConnected', id));
  api.on('networkPeerDisconnected', (id) => journal.add('peerDisconnected', id));
  api.on('networkPeerPacket', (id, b) => journal.add('bytes', id, [new TextDecoder().decode(b)]));
  api.on('connectedToServer', () => journal.add('connectedToServer', 1));
  const rec =
    (name: string) =>
    (...args: unknown[]) =>
      journal.add(name, api.getRpcSenderId(), args);
  const main = api.addNode('Main', {
    hello: { mode: RpcMode3.REMOTE, call: rec('hello') },
    to_client: { mode: RpcMode3.PUPPET, call: rec('to_client') },
    many: { mode: RpcMode3.REMOTE, call: rec('many') },
  });
  return { api, main };
}

/**
 * Collects the host's drop warnings instead of printing them: a Godot client's last
 * acknowledgement may arrive after its peer is gone ("stale or spoofed"), which C ENet drops
 * silently. The test checks at its end that nothing else was warned about.
 */
function staleOnly(peer: NetworkedMultiplayerENet): { check: () => void } {
  const seen: string[] = [];
  peer.host!.onWarning = (w) => seen.push(w.message);
  return {
    check: () =>
      assert.deepEqual(
        seen.filter((m) => !/stale or spoofed/.test(m)),
        [],
      ),
  };
}

test('Godot 3.2 MultiplayerAPI client ↔ enet-ts server: send_bytes both ways, RPCs both ways', { timeout: 60000 }, async () => {
  const journal = new Journal();
  const { api, main } = recordedApi(journal);
  const peer = new NetworkedMultiplayerENet();
  const port = await freeUdpPort();
  await peer.createServer(port);
  const warnings = staleOnly(peer);
  api.networkPeer = peer;
  api.on('networkPeerConnected', (id) => {
    api.sendBytes(new TextEncoder().encode('hi from ts'), id);
    main.rpcId(id, 'to_client', 42, 'héllo', 1.5, true);
  });
  const godot = godot3Peer('client', port);
  try {
    const id = (await journal.waitFor((s) => s.kind === 'peerConnected', 'a Godot 3 client')).from;
    assert.equal((await line(godot, 'bytes')).bytes, 'hi from ts');
    assert.deepEqual(await journal.waitFor((s) => s.kind === 'bytes', "Godot's echo"), {
      kind: 'bytes',
      from: id,
      args: ['echo:hi from ts'],
    });
    const call = await line(godot, 'rpc', (o) => o.rpc === 'to_client');
    assert.deepEqual(call.types, [2, 4, 3, 1]);
    assert.deepEqual(call.args, ['42', '"héllo"', '1.5', 'true']);
    const hello = await journal.waitFor((s) => s.kind === 'hello', "Godot's hello");
    assert.deepEqual(hello, { kind: 'hello', from: id, args: [42, 'héllo', 1.5, true] });
    const many = [new Vector2(1.5, -2), [1, 'x'], new Map([['k', 3]]), new Color(1, 0.5, 0, 1), new PackedStringArray(['a', 'b'])];
    main.rpcId(id, 'many', ...many);
    const seen = await line(godot, 'rpc', (o) => o.rpc === 'many');
    assert.deepEqual(seen.types, [5, 19, 18, 14, 23]); // Godot 3 type ids
    const back = await journal.waitFor((s) => s.kind === 'many', 'the echoed arguments');
    assert.deepEqual(back.args, many);
    assert.deepEqual(
      journal.entries.filter((s) => s.kind === 'warning'),
      [],
    );
    assert.deepEqual(errors(godot), []);
    warnings.check();
  } finally {
    await godot.close();
    peer.close();
  }
});

test('two Godot 3.2 clients reach each other through the enet-ts server (ADD/REMOVE system messages, forwarding)', {
  timeout: 60000,
}, async () => {
  const journal = new Journal();
  const { api } = recordedApi(journal);
  const peer = new NetworkedMultiplayerENet();
  const port = await freeUdpPort();
  await peer.createServer(port);
  const warnings = staleOnly(peer);
  api.networkPeer = peer;
  const a = godot3Peer('client', port);
  let b: GodotProcess | null = null;
  try {
    const idA = (await journal.waitFor((s) => s.kind === 'peerConnected', 'client A')).from;
    b = godot3Peer('client', port);
    const idB = (await journal.waitFor((s) => s.kind === 'peerConnected' && s.from !== idA, 'client B')).from;
    assert.equal((await line(a, 'peer_connected', (o) => o.peer_connected === idB)).me, idA);
    assert.equal((await line(b, 'bytes', (o) => o.from === idA)).bytes, `from ${idA}`);
    assert.equal((await line(a, 'bytes', (o) => o.from === idB)).bytes, `from ${idB}`);
    const hello = await line(b, 'rpc', (o) => o.rpc === 'hello');
    assert.equal(hello.from, idA);
    assert.deepEqual(hello.args, ['7', '"relay"', '2.5', 'false']);
    assert.equal((await line(a, 'rpc', (o) => o.rpc === 'hello')).from, idB);
    peer.disconnectPeer(idA, true);
    await line(b, 'peer_disconnected', (o) => o.peer_disconnected === idA);
    assert.deepEqual([...errors(a), ...errors(b)], []);
    warnings.check();
  } finally {
    await a.close();
    await b?.close();
    peer.close();
  }
});

test('enet-ts MultiplayerAPI client ↔ Godot 3.2 server: send_bytes both ways, RPCs both ways', { timeout: 60000 }, async () => {
  const port = await freeUdpPort();
  const godot = godot3Peer('server', port);
  const journal = new Journal();
  const { api, main } = recordedApi(journal);
  const peer = new NetworkedMultiplayerENet();
  try {
    await line(godot, 'started');
    await peer.createClient('127.0.0.1', port);
    const warnings = staleOnly(peer);
    api.networkPeer = peer;
    await journal.waitFor((s) => s.kind === 'connectedToServer', 'the connection');
    const me = api.getNetworkUniqueId();
    assert.deepEqual(await journal.waitFor((s) => s.kind === 'bytes', 'welcome'), { kind: 'bytes', from: 1, args: ['welcome'] });
    assert.deepEqual(await journal.waitFor((s) => s.kind === 'to_client', "the server's RPC"), {
      kind: 'to_client',
      from: 1,
      args: [42, 'héllo', 1.5, true],
    });
    main.rpcId(1, 'hello', -70000, 'back', 0.25, false);
    const hello = await line(godot, 'rpc', (o) => o.rpc === 'hello');
    assert.equal(hello.from, me);
    assert.deepEqual(hello.args, ['-70000', '"back"', '0.25', 'false']);
    api.sendBytes(new TextEncoder().encode('to everyone'));
    assert.equal((await line(godot, 'bytes')).from, me);
    assert.deepEqual(errors(godot), []);
    warnings.check();
  } finally {
    peer.close();
    await godot.close();
  }
});
