import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeVariant, encodeVariant, VariantType } from '../../src/index.js';
import { expectedValue, type Vector } from './expected-values.js';
import { REPO_ROOT } from '../support/cbuild.js';
import { GodotProcess, godot4Missing } from '../support/godot.js';

// Golden vectors: the bytes Godot 4.3 (var_to_bytes) and Godot 3.2.3 (var2bytes) produce for a list
// covering every type, committed under test/vectors/variant/ by test/godot4/variant_vectors.gd and
// test/godot/variant_vectors.gd. Each must decode to the expected TypeScript value and re-encode to
// Godot's bytes; when the Godots are here, the scripts run again and must still produce them.

function loadVectors(file: string): Vector[] {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'vectors', 'variant', file), 'utf8')) as { vectors: Vector[] }).vectors;
}

/**
 * Godot does not zero the padding after NodePath names (it holds whatever was in memory): zero it
 * in a top-level NodePath so bytes can be compared.
 */
function zeroNodePathPadding(bytes: Uint8Array, nodePathId: number): Buffer {
  const b = Buffer.from(bytes);
  if (b.length < 16 || b[0] !== nodePathId) return b;
  const count = (b.readUInt32LE(4) & 0x7fffffff) + b.readUInt32LE(8);
  let pos = 16;
  for (let i = 0; i < count; i++) {
    const len = b.readUInt32LE(pos);
    const pad = (4 - (len & 3)) & 3;
    b.fill(0, pos + 4 + len, pos + 4 + len + pad);
    pos += 4 + len + pad;
  }
  return b;
}

/** Every vector decodes to its expected value and re-encodes to Godot's bytes. */
function checkVectors(vectors: Vector[], format: 3 | 4): void {
  const nodePathId = format === 4 ? VariantType.NODE_PATH : 15;
  for (const v of vectors) {
    const bytes = Buffer.from(v.hex, 'hex');
    const objects = v.name === 'object_full';
    const value = decodeVariant(bytes, { format, allowObjects: objects });
    assert.deepStrictEqual(value, expectedValue(v, format), `${v.name} decodes to the expected value`);
    const again = encodeVariant(value, { format, fullObjects: objects });
    assert.equal(
      Buffer.from(again).toString('hex'),
      zeroNodePathPadding(bytes, nodePathId).toString('hex'),
      `${v.name} re-encodes to Godot's bytes`,
    );
    // The natural TypeScript value encodes to the same bytes too.
    assert.equal(
      Buffer.from(encodeVariant(expectedValue(v, format), { format, fullObjects: objects })).toString('hex'),
      Buffer.from(again).toString('hex'),
    );
  }
}

/** The live output of a vectors script equals the committed vectors (ids and NodePath padding aside). */
function compareLive(lines: string[], committed: Vector[], format: 3 | 4): void {
  const live = lines.filter((l) => l.startsWith('{"hex"')).map((l) => JSON.parse(l) as Vector);
  assert.deepStrictEqual(
    live.map((v) => v.name),
    committed.map((v) => v.name),
  );
  const nodePathId = format === 4 ? VariantType.NODE_PATH : 15;
  for (let i = 0; i < live.length; i++) {
    if (live[i]!.id !== undefined) continue;
    const norm = (v: Vector) => zeroNodePathPadding(Buffer.from(v.hex, 'hex'), nodePathId).toString('hex');
    assert.equal(norm(live[i]!), norm(committed[i]!), `${live[i]!.name}: Godot still produces the committed bytes`);
  }
  checkVectors(live, format);
}

const godot4Vectors = loadVectors('godot4.json');
const godot3Vectors = loadVectors('godot3.json');

test('Godot 4.3 var_to_bytes vectors (committed): every type decodes to its TypeScript value and re-encodes to the same bytes', () => {
  assert.equal(godot4Vectors.length, 82);
  checkVectors(godot4Vectors, 4);
});

test('Godot 3.2 var2bytes vectors (committed): every type decodes to its TypeScript value and re-encodes to the same bytes', () => {
  assert.equal(godot3Vectors.length, 59);
  checkVectors(godot3Vectors, 3);
});

test('a full object is refused without allowObjects (ERR_UNAUTHORIZED), as Godot refuses it', () => {
  for (const [vectors, format] of [
    [godot4Vectors, 4],
    [godot3Vectors, 3],
  ] as const) {
    const full = vectors.find((v) => v.name === 'object_full')!;
    assert.throws(() => decodeVariant(Buffer.from(full.hex, 'hex'), { format }), { name: 'ENetError', code: 'ERR_UNAUTHORIZED' });
  }
});

test('Godot 4.3 live: variant_vectors.gd still produces the committed vectors', {
  skip: godot4Missing() ?? false,
  timeout: 60000,
}, async () => {
  const godot = new GodotProcess('test/godot4/variant_vectors.gd', [], 4);
  try {
    await godot.waitFor(/^\{"done":/, 45000);
    compareLive(godot.lines, godot4Vectors, 4);
  } finally {
    await godot.close();
  }
});

test('Godot 3.2 live: variant_vectors.gd still produces the committed vectors', { timeout: 60000 }, async () => {
  const godot = new GodotProcess('test/godot/variant_vectors.gd', [], 3);
  try {
    await godot.waitFor(/^\{"done":/, 45000);
    compareLive(godot.lines, godot3Vectors, 3);
  } finally {
    await godot.close();
  }
});
