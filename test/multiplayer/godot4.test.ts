import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Color,
  ENetMultiplayerPeer,
  PackedStringArray,
  StringName,
  type Variant,
  Vector2,
  decodeVariant,
  encodeVariant,
} from '../../src/index.js';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cbuild.js';
import { GodotProcess, freeUdpPort, godot4Missing } from '../support/godot.js';
import { Journal, declareMain, recordedMultiplayer } from './support.js';

const skip = godot4Missing() ?? false;
const NODE = 'test/godot4/mp_node.gd';
const PEER = 'test/godot4/mp_peer.gd';

function godotPeer(role: 'client' | 'server', port: number, extra: string[] = []): GodotProcess {
  return new GodotProcess(PEER, ['--role', role, '--port', String(port), '--node', join(REPO_ROOT, NODE), ...extra], 4);
}

/** Godot's error lines, without the two it prints at every start. */
function godotErrors(g: GodotProcess): string[] {
  return g.lines.filter((l) => /ERROR/.test(l) && !/No renderers available|Could not load global script cache/.test(l));
}

/** The JSON line of a Godot peer that satisfies `match`. */
async function line(
  g: GodotProcess,
  re: RegExp,
  match: (o: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  const l = await g.waitFor({
    test: (s: string) => {
      if (!re.test(s)) return false;
      try {
        return match(JSON.parse(s));
      } catch {
        return false;
      }
    },
  } as RegExp);
  return JSON.parse(l);
}

test('Godot 4 SceneMultiplayer client ↔ enet-ts server: send_bytes both ways (relay unwrap), RPCs both ways', {
  skip,
  timeout: 60000,
}, async () => {
  const journal = new Journal();
  const mp = recordedMultiplayer(journal);
  const main = declareMain(mp, journal);
  const peer = new ENetMultiplayerPeer();
  await peer.createServer(0);
  mp.multiplayerPeer = peer;
  const port = peer.host!.getLocalPort();
  mp.on('peerConnected', (id) => {
    mp.sendBytes(new TextEncoder().encode('hi from ts'), id);
    main.rpcId(id, 'to_client', 42, 'héllo', 1.5, true);
  });
  const godot = godotPeer('client', port);
  try {
    const joined = await journal.waitFor((s) => s.kind === 'peerConnected', 'a Godot client');
    const id = joined.from;
    assert.ok(id >= 2 && id < 2 ** 31, `Godot's id ${id}`);
    // Our RAW reached Godot's peer_packet from peer 1.
    const got = await line(godot, /"bytes"/, (o) => o.bytes === 'hi from ts');
    assert.equal(got.from, 1);
    // Godot's send_bytes() to everyone came as a SYS RELAY to peer 0, unwrapped here.
    const echo = await journal.waitFor((s) => s.kind === 'bytes', "Godot's echo");
    assert.deepEqual(echo, { kind: 'bytes', from: id, args: ['echo:hi from ts'] });
    // Our RPC ran on Godot with the right types (int 2, String 4, float 3, bool 1)...
    const call = await line(godot, /"to_client"/);
    assert.deepEqual(call.types, [2, 4, 3, 1]);
    assert.deepEqual(call.args, ['42', '"héllo"', '1.5', 'true']);
    assert.equal(call.from, 1);
    // ...and Godot's hello.rpc_id(1, ...) ran here with the same values.
    const hello = await journal.waitFor((s) => s.kind === 'hello', "Godot's hello RPC");
    assert.equal(hello.from, id);
    assert.deepEqual(hello.args, [42, 'héllo', 1.5, true]);
    // An unreliable RPC on a transfer channel, and the byte-only form.
    main.rpcId(id, 'ping', 300);
    main.rpcId(id, 'blob', new Uint8Array([1, 2, 3]));
    const blob = await line(godot, /"blob"/);
    assert.deepEqual(blob.args, ['PackedByteArray(1, 2, 3)']);
    // Several Variant types: Godot sees their types, and sends them back unchanged.
    const many = [
      new Vector2(1.5, -2),
      new StringName('nm'),
      [1, 'x', true],
      new Map<Variant, Variant>([['k', 3]]),
      new Color(1, 0.5, 0, 1),
      5000000000n,
      Int32Array.of(1, -2),
      new PackedStringArray(['a', 'b']),
    ];
    main.rpcId(id, 'many', ...many);
    const seen = await line(godot, /"many"/);
    assert.deepEqual(seen.types, [5, 21, 28, 27, 20, 2, 30, 34]);
    assert.deepEqual((seen.args as string[]).slice(0, 3), ['Vector2(1.5, -2)', '&"nm"', '[1, "x", true]']);
    assert.equal((seen.args as string[])[5], '5000000000');
    const back = await journal.waitFor((s) => s.kind === 'many', 'the echoed arguments');
    assert.deepEqual(
      back.args,
      many.map((v) => decodeVariant(encodeVariant(v))),
    );
    assert.deepEqual(
      journal.entries.filter((s) => s.kind === 'warning'),
      [],
    );
    assert.deepEqual(godotErrors(godot), []);
  } finally {
    await godot.close();
    peer.close();
  }
});

/** A server SceneMultiplayer on a free port, with /root/Main declared. */
async function tsServer(journal: Journal, setup: (mp: ReturnType<typeof recordedMultiplayer>) => void = () => {}) {
  const mp = recordedMultiplayer(journal);
  const main = declareMain(mp, journal);
  setup(mp);
  const peer = new ENetMultiplayerPeer();
  await peer.createServer(0);
  mp.multiplayerPeer = peer;
  return { mp, main, peer, port: peer.host!.getLocalPort() };
}

test('two Godot 4 clients see each other through the enet-ts server: ADD_PEER, relayed send_bytes and RPCs, DEL_PEER', {
  skip,
  timeout: 60000,
}, async () => {
  const journal = new Journal();
  const { mp, peer, port } = await tsServer(journal);
  const a = godotPeer('client', port);
  let b: GodotProcess | null = null;
  try {
    const idA = (await journal.waitFor((s) => s.kind === 'peerConnected', 'client A')).from;
    b = godotPeer('client', port);
    const idB = (await journal.waitFor((s) => s.kind === 'peerConnected' && s.from !== idA, 'client B')).from;
    // Each learns of the other from the server (ADD_PEER), then talks to it through the relay.
    assert.equal((await line(a, /"peer_connected"/, (o) => o.peer_connected === idB)).me, idA);
    assert.equal((await line(b, /"peer_connected"/, (o) => o.peer_connected === idA)).me, idB);
    assert.equal((await line(a, /"bytes"/, (o) => o.from === idB)).bytes, `from ${idB}`);
    assert.equal((await line(b, /"bytes"/, (o) => o.from === idA)).bytes, `from ${idA}`);
    const helloAtA = await line(a, /"hello"/);
    assert.equal(helloAtA.from, idB);
    assert.deepEqual(helloAtA.args, ['7', '"relay"', '2.5', 'false']);
    assert.equal((await line(b, /"hello"/)).from, idA);
    // The server saw none of the client-to-client traffic as its own.
    assert.deepEqual(
      journal.entries.filter((s) => s.kind === 'hello' || s.kind === 'bytes' || s.kind === 'warning'),
      [],
    );
    // Dropping A tells B (DEL_PEER).
    mp.disconnectPeer(idA);
    await line(b, /"peer_disconnected"/, (o) => o.peer_disconnected === idA);
    assert.deepEqual([...godotErrors(a), ...godotErrors(b)], []);
  } finally {
    await a.close();
    await b?.close();
    peer.close();
  }
});

for (const answer of ['good', 'bad'] as const) {
  test(`authentication with a Godot 4 client: ${answer === 'good' ? 'accepted' : 'refused'}`, { skip, timeout: 60000 }, async () => {
    const journal = new Journal();
    const { peer, port } = await tsServer(journal, (mp) => {
      mp.on('peerAuthenticating', (id) => mp.sendAuth(id, new TextEncoder().encode('challenge')));
      mp.authCallback = (id, data) => {
        journal.add('auth', id, [new TextDecoder().decode(data)]);
        if (new TextDecoder().decode(data) === 'secret') mp.completeAuth(id);
        else mp.disconnectPeer(id);
      };
      mp.on('peerConnected', (id) => mp.sendBytes(new TextEncoder().encode('admitted'), id));
    });
    const godot = godotPeer('client', port, ['--auth', answer]);
    try {
      const pending = await journal.waitFor((s) => s.kind === 'peerAuthenticating', 'a pending peer');
      assert.equal((await line(godot, /"auth_data"/)).auth_data, 'challenge');
      const auth = await journal.waitFor((s) => s.kind === 'auth', "the client's answer");
      assert.equal(auth.from, pending.from);
      if (answer === 'good') {
        await journal.waitFor((s) => s.kind === 'peerConnected' && s.from === pending.from, 'admission');
        await line(godot, /"connected_to_server"/);
        assert.equal((await line(godot, /"bytes"/)).bytes, 'admitted');
      } else {
        await line(godot, /"server_disconnected"|"auth_failed"/);
        assert.equal(
          journal.entries.some((s) => s.kind === 'peerConnected'),
          false,
        );
        assert.equal(
          godot.lines.some((l) => l.includes('connected_to_server')),
          false,
        );
      }
    } finally {
      await godot.close();
      peer.close();
    }
  });
}

test('a Godot 4 client without authentication times out on an enet-ts server that requires it', { skip, timeout: 60000 }, async () => {
  const journal = new Journal();
  const { peer, port } = await tsServer(journal, (mp) => {
    mp.authCallback = () => {};
    mp.authTimeout = 0.5;
  });
  const godot = godotPeer('client', port);
  try {
    const pending = await journal.waitFor((s) => s.kind === 'peerAuthenticating', 'a pending peer');
    await journal.waitFor((s) => s.kind === 'peerAuthenticationFailed' && s.from === pending.from, 'the timeout');
    assert.equal(
      journal.entries.some((s) => s.kind === 'peerConnected'),
      false,
    );
  } finally {
    await godot.close();
    peer.close();
  }
});

test('enet-ts SceneMultiplayer client ↔ Godot 4 server: send_bytes both ways, RPCs both ways', { skip, timeout: 60000 }, async () => {
  const port = await freeUdpPort();
  const godot = godotPeer('server', port);
  const journal = new Journal();
  const mp = recordedMultiplayer(journal);
  const main = declareMain(mp, journal);
  const peer = new ENetMultiplayerPeer();
  try {
    await line(godot, /"started"/);
    await peer.createClient('127.0.0.1', port);
    mp.multiplayerPeer = peer;
    await journal.waitFor((s) => s.kind === 'connectedToServer', 'the connection');
    const me = mp.getUniqueId();
    assert.equal((await line(godot, /"peer_connected"/)).peer_connected, me);
    const welcome = await journal.waitFor((s) => s.kind === 'bytes', "the server's send_bytes");
    assert.deepEqual(welcome, { kind: 'bytes', from: 1, args: ['welcome'] });
    const call = await journal.waitFor((s) => s.kind === 'to_client', "the server's RPC");
    assert.deepEqual(call, { kind: 'to_client', from: 1, args: [42, 'héllo', 1.5, true] });
    main.rpcId(1, 'hello', -70000, 'back', 0.25, false);
    const hello = await line(godot, /"hello"/);
    assert.equal(hello.from, me);
    assert.deepEqual(hello.types, [2, 4, 3, 1]);
    assert.deepEqual(hello.args, ['-70000', '"back"', '0.25', 'false']);
    mp.sendBytes(new TextEncoder().encode('to everyone')); // relay-wrapped to 0: the server keeps it
    assert.equal((await line(godot, /"bytes"/)).from, me);
    assert.deepEqual(godotErrors(godot), []);
    assert.deepEqual(
      journal.entries.filter((s) => s.kind === 'warning'),
      [],
    );
  } finally {
    peer.close();
    await godot.close();
  }
});

test('an RPC table that differs from the Godot node is reported (checksum), both directions', { skip, timeout: 60000 }, async () => {
  const journal = new Journal();
  const mp = recordedMultiplayer(journal);
  const rec = (...args: unknown[]) => journal.add('hello', mp.getRemoteSenderId(), args);
  // One method too many: ids and md5 differ from mp_node.gd.
  const main = mp.addNode('Main', { blob: {}, extra: {}, hello: { mode: 'any_peer', call: rec }, ping: {}, to_client: {} });
  const peer = new ENetMultiplayerPeer();
  await peer.createServer(0);
  mp.multiplayerPeer = peer;
  mp.on('peerConnected', (id) => main.rpcId(id, 'to_client', 1, 'x', 0.5, true));
  const godot = godotPeer('client', peer.host!.getLocalPort());
  try {
    // Godot confirms our path with checksum 0: reported here.
    const w = await journal.waitFor((s) => s.kind === 'warning' && /checksum/.test(String(s.args[0])), 'a checksum warning');
    assert.match(String(w.args[0]), /Main.*blob, extra, hello, ping, to_client/);
    await godot.waitFor(/checksum failed|rpc node checksum/i);
  } finally {
    await godot.close();
    peer.close();
  }
});

test('authentication as a client: an enet-ts client authenticates with a Godot 4 server', { skip, timeout: 60000 }, async () => {
  const port = await freeUdpPort();
  const godot = godotPeer('server', port, ['--auth', 'good']);
  const journal = new Journal();
  const mp = recordedMultiplayer(journal);
  declareMain(mp, journal);
  mp.on('peerAuthenticating', (id) => mp.sendAuth(id, new TextEncoder().encode('let me in')));
  mp.authCallback = (id, data) => {
    journal.add('auth', id, [new TextDecoder().decode(data)]);
    mp.completeAuth(id);
  };
  const peer = new ENetMultiplayerPeer();
  try {
    await line(godot, /"started"/);
    await peer.createClient('127.0.0.1', port);
    mp.multiplayerPeer = peer;
    // The Godot server got our data, answered and completed; we complete: both admit.
    assert.equal((await line(godot, /"auth_data"/)).auth_data, 'let me in');
    assert.deepEqual(await journal.waitFor((s) => s.kind === 'auth', "the server's answer"), { kind: 'auth', from: 1, args: ['secret'] });
    await journal.waitFor((s) => s.kind === 'connectedToServer', 'admission');
    assert.equal((await line(godot, /"peer_connected"/)).peer_connected, mp.getUniqueId());
    assert.deepEqual((await journal.waitFor((s) => s.kind === 'bytes', 'welcome')).args, ['welcome']);
  } finally {
    peer.close();
    await godot.close();
  }
});
