import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetMultiplayerPeer } from '../../src/index.js';
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
