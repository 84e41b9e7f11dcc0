import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeVariant,
  encodeVariant,
  ENetConnection,
  ENetError,
  ENetPacketPeer,
  EventType,
  GodotObject,
  GodotObjectId,
  Signal,
  type Variant,
} from '../../src/index.js';
import { REPO_ROOT } from '../support/cbuild.js';
import { GodotProcess, godot4Missing } from '../support/godot.js';
import { expectedValue, type Vector } from './expected-values.js';

// Live proof against real Godots: the vectors scripts in peer mode put_var() every value of their list
// to us; we decode each (it must be the expected TypeScript value), send it back, then send the same
// list made from TypeScript values; Godot checks both against its own values (typeof, var_to_str,
// array typing) and prints a summary. Godot also sends two undecodable packets: each must be a typed
// ENetError while the connection goes on.

const vectors = (file: string) =>
  (JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'vectors', 'variant', file), 'utf8')) as { vectors: Vector[] }).vectors;

/** Values that hold a run-dependent instance id: checked by kind, sent back as received. */
const WITH_ID = new Set(['object_as_id', 'object_full', 'signal']);

/** What the TypeScript side saw. */
interface Seen {
  decoded: Variant[];
  badErrors: string[];
  afterBad: Variant | undefined;
}

/**
 * Handles packet `k` of Godot's stream: a value is decoded and sent back (after the last one, the
 * TypeScript-made list follows); then the two undecodable packets and the sentinel.
 */
function onValue(
  fmt: 3 | 4,
  list: Vector[],
  seen: Seen,
  k: number,
  decode: (allowObjects: boolean) => Variant,
  send: (v: Variant, full: boolean) => void,
) {
  const n = list.length;
  if (k < n) {
    const full = list[k]!.name === 'object_full';
    const value = decode(full);
    seen.decoded.push(value);
    send(value, full);
    if (k === n - 1)
      for (let i = 0; i < n; i++) {
        const v = list[i]!;
        send(WITH_ID.has(v.name) ? seen.decoded[i]! : expectedValue(v, fmt), v.name === 'object_full');
      }
  } else if (k < n + 2) {
    try {
      decode(false);
      seen.badErrors.push('decoded');
    } catch (err) {
      seen.badErrors.push(err instanceof ENetError ? err.code : String(err));
    }
  } else if (k === n + 2) seen.afterBad = decode(false);
}

/** Our decoding of Godot's values: the expected TypeScript values (objects and signals by kind). */
function checkDecoded(list: Vector[], seen: Seen, fmt: 3 | 4): void {
  assert.equal(seen.decoded.length, list.length, 'every value arrived');
  list.forEach((v, i) => {
    const got = seen.decoded[i];
    if (v.name === 'object_as_id') assert.ok(got instanceof GodotObjectId && got.id !== 0n, v.name);
    else if (v.name === 'object_full')
      assert.ok(got instanceof GodotObject && got.className === (fmt === 4 ? 'RefCounted' : 'Reference'), v.name);
    else if (v.name === 'signal') assert.ok(got instanceof Signal && got.name === 'process_frame', v.name);
    else assert.deepStrictEqual(got, expectedValue(v, fmt), `${v.name}: getVar gives the expected value`);
  });
  assert.deepStrictEqual(seen.badErrors, ['ERR_INVALID_DATA', 'ERR_FILE_EOF'], 'undecodable packets are typed errors');
  assert.equal(seen.afterBad, 'after-bad', 'the connection goes on after undecodable packets');
}

function checkGodotSummary(line: string, n: number): void {
  const s = JSON.parse(line) as { ok: boolean; summary: { ok: { echo: number; typescript: number }; failures: unknown[] } };
  assert.deepStrictEqual(s.summary.failures, [], 'Godot found every value equal and of the same type');
  assert.deepStrictEqual(s.summary.ok, { echo: n, typescript: n });
  assert.equal(s.ok, true);
}

test('Godot 4.3 live: put_var → our getVar/putVar echo → get_var, and TypeScript-made values, every type equal in Godot', {
  skip: godot4Missing() ?? false,
  timeout: 120000,
}, async () => {
  const list = vectors('godot4.json');
  const conn = new ENetConnection();
  await conn.createHostBound('127.0.0.1', 0, 4);
  const godot = new GodotProcess('test/godot4/variant_vectors.gd', ['--port', String(conn.getLocalPort())], 4);
  const seen: Seen = { decoded: [], badErrors: [], afterBad: undefined };
  let summary: string | null = null;
  try {
    const waiting = godot.waitFor(/"summary":/, 90000).then((l) => {
      summary = l;
    });
    waiting.catch(() => {});
    let k = 0;
    const end = Date.now() + 90000;
    while (summary === null && Date.now() < end) {
      const e = await conn.service(50);
      if (e.type !== EventType.RECEIVE) continue;
      const peer = e.peer!;
      while (peer.getAvailablePacketCount() > 0)
        onValue(
          4,
          list,
          seen,
          k++,
          (allow) => peer.getVar(allow),
          (v, full) => peer.putVar(v, full),
        );
    }
    await waiting;
    checkGodotSummary(summary!, list.length);
    checkDecoded(list, seen, 4);
  } finally {
    conn.destroy();
    await godot.close();
  }
});

/** Godot 3's 8-byte header: [u32 LE source][i32 LE target]. */
function framed(source: number, target: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt32LE(source, 0);
  b.writeInt32LE(target, 4);
  b.set(payload, 8);
  return b;
}

test('Godot 3.2 live: put_var → our decode/encode echo → get_var, and TypeScript-made values, every type equal in Godot', {
  timeout: 120000,
}, async () => {
  const list = vectors('godot3.json');
  const conn = new ENetConnection();
  await conn.createHostBound('127.0.0.1', 0, 4, 3);
  const godot = new GodotProcess('test/godot/variant_vectors.gd', [`--port=${conn.getLocalPort()}`], 3);
  const seen: Seen = { decoded: [], badErrors: [], afterBad: undefined };
  let summary: string | null = null;
  try {
    const waiting = godot.waitFor(/"summary":/, 90000).then((l) => {
      summary = l;
    });
    waiting.catch(() => {});
    let k = 0;
    let clientId = 0;
    const end = Date.now() + 90000;
    while (summary === null && Date.now() < end) {
      const e = await conn.service(50);
      if (e.type === EventType.CONNECT) clientId = e.data;
      if (e.type !== EventType.RECEIVE) continue;
      const peer = e.peer!;
      while (peer.getAvailablePacketCount() > 0) {
        const packet = peer.getPacket();
        if (peer.getPacketChannel() === 0) continue;
        const payload = packet.subarray(8);
        onValue(
          3,
          list,
          seen,
          k++,
          (allowObjects) => decodeVariant(payload, { format: 3, allowObjects }),
          (v, fullObjects) => peer.send(1, framed(1, clientId, encodeVariant(v, { format: 3, fullObjects })), ENetPacketPeer.FLAG_RELIABLE),
        );
      }
    }
    await waiting;
    checkGodotSummary(summary!, list.length);
    checkDecoded(list, seen, 3);
  } finally {
    conn.destroy();
    await godot.close();
  }
});
