import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asDoublePrecision,
  Color,
  decodeVariant,
  decodeVariantAt,
  encodeVariant,
  GodotFloat,
  GodotInt,
  GodotObject,
  GodotObjectId,
  isDoublePrecision,
  NodePath,
  PackedVector2Array,
  StringName,
  TypedArray,
  TypedDictionary,
  typeOf,
  type Variant,
  VariantType,
  Vector2,
  Vector2i,
} from '../../src/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const roundTrip = (v: Variant, options: { format?: 3 | 4 } = {}) => decodeVariant(encodeVariant(v, options), options);

test('numbers: integers are ints (bigint beyond 2^53), other numbers floats of the width Godot picks; wrappers make ints/floats explicit', () => {
  assert.equal(hex(encodeVariant(7)), '0200000007000000');
  assert.equal(hex(encodeVariant(7n)), '0200000007000000');
  assert.equal(hex(encodeVariant(new GodotInt(7))), '0200000007000000');
  assert.equal(hex(encodeVariant(2 ** 40)), '020001000000000000010000');
  assert.equal(roundTrip(2 ** 40), 2 ** 40);
  assert.equal(roundTrip(2n ** 60n), 2n ** 60n);
  assert.equal(roundTrip(-(2n ** 63n)), -(2n ** 63n));
  // 1.0 cannot be told from 1 in JavaScript: GodotFloat says "float".
  assert.equal(hex(encodeVariant(new GodotFloat(1))), '030000000000803f');
  assert.deepStrictEqual(roundTrip(new GodotFloat(1)), new GodotFloat(1));
  // A width Godot would not pick survives as an explicit width.
  assert.equal(hex(encodeVariant(new GodotFloat(1.5, 64))), '03000100000000000000f83f');
  assert.deepStrictEqual(roundTrip(new GodotFloat(1.5, 64)), new GodotFloat(1.5, 64));
  assert.deepStrictEqual(roundTrip(new GodotFloat(Number.NaN, 32)), new GodotFloat(Number.NaN, 32));
  assert.ok(Object.is(roundTrip(-0), -0), '-0 stays a float -0');
  assert.equal(roundTrip(0.1), 0.1);
  assert.equal(typeOf(1e20), VariantType.FLOAT, 'an integral number beyond int64 is a float');
  assert.equal(roundTrip(1e20), 1e20);
});

test('typed containers: Array[T] and Dictionary[K, V] keep their types; element types drive natural values', () => {
  const floats = new TypedArray(VariantType.FLOAT, [1, 2.5]);
  assert.equal(hex(encodeVariant(floats)), '1c0001000300000002000000030000000000803f0300000000002040');
  assert.deepStrictEqual(roundTrip(floats), floats);
  const names = new TypedArray(VariantType.STRING_NAME, ['a']);
  assert.deepStrictEqual(roundTrip(names), new TypedArray(VariantType.STRING_NAME, [new StringName('a')]));
  assert.throws(() => encodeVariant(new TypedArray(VariantType.INT, [1.5])), { name: 'ENetError', code: 'ERR_INVALID_PARAMETER' });
  assert.throws(() => encodeVariant(new TypedArray(VariantType.INT, ['x'])), { code: 'ERR_INVALID_PARAMETER' });
  // Dictionary[String, int] (Godot 4.4+): key kind BUILTIN in bits 16-17, value kind in bits 18-19.
  const dict = new TypedDictionary(VariantType.STRING, VariantType.INT, new Map([['a', 1]]));
  assert.equal(hex(encodeVariant(dict)), '1b0005000400000002000000010000000400000001000000610000000200000001000000');
  assert.deepStrictEqual(roundTrip(dict), dict);
  const objects = new TypedDictionary(VariantType.INT, { className: 'Node' }, new Map([[1, new GodotObjectId(5n)]]));
  assert.equal(hex(encodeVariant(objects)).slice(0, 8), '1b000900', 'value kind CLASS_NAME');
  assert.ok(
    hex(encodeVariant(objects)).includes(Buffer.from('EncodedObjectAsID').toString('hex')),
    'class name hidden without full objects',
  );
  assert.ok(hex(encodeVariant(objects, { fullObjects: true })).includes(Buffer.from('Node').toString('hex')));
  assert.deepStrictEqual(
    roundTrip(new TypedDictionary(VariantType.FLOAT, VariantType.NIL, new Map([[2, 'x']]))),
    new TypedDictionary(VariantType.FLOAT, VariantType.NIL, new Map([[2, 'x']])),
  );
});

test('natural containers: arrays are Arrays, Maps and plain objects Dictionaries, typed arrays packed arrays', () => {
  assert.deepStrictEqual(
    roundTrip({ a: 1, b: [true, null] }),
    new Map<Variant, Variant>([
      ['a', 1],
      ['b', [true, null]],
    ]),
  );
  assert.deepStrictEqual(roundTrip(new Float64Array([0.1, 2])), new Float64Array([0.1, 2]));
  assert.deepStrictEqual(roundTrip(new BigInt64Array([-1n, 2n ** 62n])), new BigInt64Array([-1n, 2n ** 62n]));
  const doubles = new PackedVector2Array(new Float64Array([0.1, 0.2]));
  assert.equal(hex(encodeVariant(doubles)).slice(0, 8), '23000100', 'Float64Array data is sent as doubles');
  assert.deepStrictEqual(roundTrip(doubles), doubles);
  assert.deepStrictEqual(
    (roundTrip(doubles, { format: 3 }) as PackedVector2Array).data,
    new Float32Array([0.1, 0.2]),
    'Godot 3: always floats',
  );
  assert.deepStrictEqual(decodeVariant(encodeVariant(new Vector2(0.1, 1), { realIsDouble: true })), new Vector2(0.1, 1));
  // Math values read as doubles (a precision=double Godot) re-encode as doubles.
  const double = '050001009a9999999999b93f000000000000f03f';
  const v = decodeVariant(Buffer.from(double, 'hex'));
  assert.ok(isDoublePrecision(v as Vector2));
  assert.equal(hex(encodeVariant(v)), double);
  assert.equal(hex(encodeVariant(asDoublePrecision(new Vector2(0.1, 1)))), double);
  assert.equal(hex(encodeVariant(new Vector2(0.1, 1))), '05000000cdcccc3d0000803f', 'floats by default');
});

test('NodePath parses and prints as Godot does', () => {
  for (const [path, names, subnames, absolute] of [
    ['/root/Main:position:x', ['root', 'Main'], ['position', 'x'], true],
    ['a/b:c', ['a', 'b'], ['c'], false],
    ['..', ['..'], [], false],
    ['', [], [], false],
  ] as const) {
    const p = new NodePath(path);
    assert.deepStrictEqual([p.names, p.subnames, p.absolute], [names, subnames, absolute]);
    assert.equal(p.toString(), path);
  }
});

test('objects: ids by default, full objects only on request; null objects are NIL', () => {
  assert.equal(hex(encodeVariant(new GodotObjectId(5n))), '180001000500000000000000');
  assert.equal(hex(encodeVariant(new GodotObjectId(0n))), '00000000');
  const full = new GodotObject('Resource', new Map<string, Variant>([['resource_name', 'x']]), 9n);
  assert.equal(hex(encodeVariant(full)), '180001000900000000000000', 'without fullObjects: the instance id');
  assert.deepStrictEqual(
    decodeVariant(encodeVariant(full, { fullObjects: true }), { allowObjects: true }),
    new GodotObject('Resource', full.properties),
  );
  assert.throws(() => decodeVariant(encodeVariant(full, { fullObjects: true })), { code: 'ERR_UNAUTHORIZED' });
  assert.throws(() => encodeVariant(new GodotObject('Node')), { code: 'ERR_INVALID_PARAMETER' });
});

test('encoding refuses what Godot cannot hold: bad values, Godot 4 types in the Godot 3 format, cycles', () => {
  for (const bad of [() => 1, Symbol('x'), 2n ** 63n, new Date()])
    assert.throws(() => encodeVariant(bad as never), { name: 'ENetError', code: 'ERR_INVALID_PARAMETER' });
  for (const g4only of [new Vector2i(1, 2), new StringName('a'), new TypedArray(VariantType.INT, []), new BigInt64Array(1)])
    assert.throws(() => encodeVariant(g4only, { format: 3 }), { code: 'ERR_INVALID_PARAMETER' });
  const cycle: Variant[] = [];
  cycle.push(cycle);
  assert.throws(() => encodeVariant(cycle), { code: 'ERR_OUT_OF_MEMORY' });
  assert.throws(() => encodeVariant(1, { format: 5 as never }), { code: 'ERR_INVALID_PARAMETER' });
});

test('decodeVariantAt parses values back to back; decodeVariant ignores trailing bytes as bytes_to_var does', () => {
  const values: Variant[] = [1, 'ab', new Uint8Array([1, 2, 3]), new Color(1, 0, 0, 1), new Map([[1, 2]])];
  const parts = values.map((v) => encodeVariant(v));
  const all = Buffer.concat(parts);
  let offset = 0;
  for (let i = 0; i < values.length; i++) {
    const { value, length } = decodeVariantAt(all, offset);
    assert.deepStrictEqual(value, values[i]);
    assert.equal(length, parts[i]!.length);
    offset += length;
  }
  assert.equal(offset, all.length);
  assert.equal(decodeVariant(all), 1);
  assert.throws(() => decodeVariantAt(all, all.length + 1), { code: 'ERR_INVALID_PARAMETER' });
});

/** u32 little-endian words as bytes. */
const words = (...w: number[]) => {
  const b = Buffer.alloc(w.length * 4);
  for (let i = 0; i < w.length; i++) b.writeUInt32LE(w[i]! >>> 0, i * 4);
  return b;
};

test('hostile input: lengths and counts beyond the data, bad types, bad UTF-8, obsolete NodePaths give Godot’s error codes', () => {
  const cases: Array<[string, Uint8Array, string, { format?: 3 | 4; allowObjects?: boolean }?]> = [
    ['empty', new Uint8Array(0), 'ERR_INVALID_DATA'],
    ['short header', new Uint8Array([2, 0]), 'ERR_INVALID_DATA'],
    ['unknown type 39', words(39), 'ERR_INVALID_DATA'],
    ['Godot 3 type 27', words(27), 'ERR_INVALID_DATA', { format: 3 }],
    ['int without payload', words(2), 'ERR_INVALID_DATA'],
    ['int64 cut short', words(0x10002, 1), 'ERR_INVALID_DATA'],
    ['string longer than data', words(4, 64, 0), 'ERR_FILE_EOF'],
    ['string length negative', words(4, 0x80000000), 'ERR_FILE_EOF'],
    ['invalid UTF-8', Buffer.concat([words(4, 2), Buffer.from([0xc3, 0x28, 0, 0])]), 'ERR_INVALID_DATA'],
    ['array of 2^31-1', words(28, 0x7fffffff), 'ERR_INVALID_DATA'],
    ['dictionary of 2^31-1', words(27, 0xffffffff), 'ERR_INVALID_DATA'],
    ['typed array of type 99', words(0x1001c, 99, 0), 'ERR_INVALID_DATA'],
    ['packed bytes beyond data', words(29, 100), 'ERR_INVALID_DATA'],
    ['packed int32 of 2^30', words(30, 0x40000000), 'ERR_INVALID_DATA'],
    ['packed int64 negative count', words(31, 0xffffffff), 'ERR_INVALID_DATA'],
    ['packed vector3 count overflow', words(36, 0x20000000), 'ERR_INVALID_DATA'],
    ['packed strings of 2^31-1', words(34, 0x7fffffff), 'ERR_INVALID_DATA'],
    ['node path without bit 31', words(22, 1, 0, 0), 'ERR_INVALID_DATA'],
    ['node path of 2^31-1 names', words(22, 0xffffffff, 0xffffffff, 0), 'ERR_INVALID_DATA'],
    ['full object not allowed', words(24, 0), 'ERR_UNAUTHORIZED'],
    [
      'object of 2^31-1 properties',
      Buffer.concat([words(24, 1), Buffer.from('A\0\0\0'), words(0x7fffffff)]),
      'ERR_INVALID_DATA',
      { allowObjects: true },
    ],
  ];
  for (const [what, bytes, code, options] of cases) assert.throws(() => decodeVariant(bytes, options), { name: 'ENetError', code }, what);
  // Godot reads strings up to the first NUL and drops a leading byte-order mark.
  assert.equal(decodeVariant(Buffer.concat([words(4, 5), Buffer.from('ab\0cd\0\0\0')])), 'ab');
  assert.equal(decodeVariant(Buffer.concat([words(4, 5), Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69, 0, 0, 0])])), 'hi');
  // A packed string array with a negative count is empty, as in Godot.
  assert.deepStrictEqual(decodeVariant(words(34, 0xffffffff)), decodeVariant(words(34, 0)));
});

test('nesting: 1024 levels decode and encode, 1025 fail with ERR_OUT_OF_MEMORY (Godot’s MAX_RECURSION_DEPTH)', () => {
  const nested = (levels: number) => {
    let v: Variant = null;
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };
  const ok = encodeVariant(nested(1024));
  assert.equal(decodeVariant(ok) !== null, true);
  assert.throws(() => encodeVariant(nested(1025)), { code: 'ERR_OUT_OF_MEMORY' });
  const deep = Buffer.concat([...Array.from({ length: 1025 }, () => words(28, 1)), words(0)]);
  assert.throws(() => decodeVariant(deep), { code: 'ERR_OUT_OF_MEMORY' });
  // A hostile 100 000-level nesting fails the same way, without exhausting the stack.
  const hostile = Buffer.concat([...Array.from({ length: 100_000 }, () => words(28, 1)), words(0)]);
  assert.throws(() => decodeVariant(hostile), { code: 'ERR_OUT_OF_MEMORY' });
});

test('decoded arrays never alias the input', () => {
  const bytes = encodeVariant([new Uint8Array([1, 2, 3]), new Float32Array([1.5])]);
  const [u8, f32] = decodeVariant(Buffer.from(bytes)) as [Uint8Array, Float32Array];
  assert.equal(u8.buffer.byteLength, 3);
  assert.equal(f32.buffer.byteLength, 4);
  assert.equal(Object.getPrototypeOf(u8), Uint8Array.prototype);
});
