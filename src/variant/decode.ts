/**
 * Variant decoder: Godot's `bytes_to_var` / `decode_variant` (Godot 4 format, or Godot 3's), for
 * untrusted input. Every length and count is checked against the bytes left before anything is
 * allocated, nesting is capped at {@link MAX_RECURSION_DEPTH}, and every failure is an
 * {@link ENetError} with the Godot error name Godot's decoder returns.
 */
import { ENetError, type ENetErrorCode } from '../protocol/errors.js';
import {
  type ContainerElementType,
  PackedColorArray,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
  PackedVector4Array,
  TypedArray,
  TypedDictionary,
} from './containers.js';
import { ENCODED_OBJECT_AS_ID, HEADER_FLAG_64, MAX_RECURSION_DEPTH, numberIsInt } from './encode.js';
import { asDoublePrecision, Color } from './math.js';
import { MATH_LAYOUTS } from './math-layout.js';
import { Callable, GodotFloat, GodotObject, GodotObjectId, NodePath, RID, Signal, StringName } from './values.js';
import { GODOT3_VARIANT_MAX, typeFromGodot3, VariantType } from './variant-type.js';
import type { Variant } from './variant.js';

/** How to decode. */
export interface DecodeOptions {
  /** Wire format: Godot 4 (default) or Godot 3. */
  format?: 4 | 3;
  /** Accept full objects (Godot's `allow_objects`); otherwise they fail with ERR_UNAUTHORIZED. */
  allowObjects?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function fail(code: ENetErrorCode, message: string): never {
  throw new ENetError(code, message);
}

/**
 * Decodes one Variant from the start of `bytes`, as Godot's `bytes_to_var` (trailing bytes are
 * ignored, as Godot ignores them).
 * @throws ENetError ERR_INVALID_DATA (truncated or malformed data, unknown type, invalid UTF-8),
 * ERR_FILE_EOF (a string longer than the data), ERR_UNAUTHORIZED (a full object without
 * `allowObjects`), ERR_OUT_OF_MEMORY (nested deeper than 1024).
 */
export function decodeVariant(bytes: Uint8Array, options: DecodeOptions = {}): Variant {
  return decodeVariantAt(bytes, 0, options).value;
}

/**
 * Decodes one Variant at `offset`; `length` is the bytes it used as Godot counts them (a packed
 * byte array's padding is counted even when the data ends before it), so the next value starts
 * at `offset + length`.
 * @throws ENetError as {@link decodeVariant}; ERR_INVALID_PARAMETER for a bad offset.
 */
export function decodeVariantAt(bytes: Uint8Array, offset: number, options: DecodeOptions = {}): { value: Variant; length: number } {
  if (!(bytes instanceof Uint8Array)) fail('ERR_INVALID_PARAMETER', 'decodeVariant needs a Uint8Array (or Buffer).');
  if (!(Number.isInteger(offset) && offset >= 0 && offset <= bytes.length))
    fail('ERR_INVALID_PARAMETER', `Offset ${offset} is outside the ${bytes.length}-byte buffer.`);
  if (options.format !== undefined && options.format !== 3 && options.format !== 4)
    fail('ERR_INVALID_PARAMETER', `Unknown Variant format ${String(options.format)}: use 4 or 3.`);
  const d = new Decoder(bytes, offset, options);
  const value = d.value(0, false);
  return { value, length: d.pos - offset };
}

class Decoder {
  private readonly view: DataView;
  private readonly end: number;
  private readonly godot3: boolean;
  private readonly allowObjects: boolean;
  pos: number;

  private readonly bytes: Uint8Array;

  constructor(input: Uint8Array, offset: number, options: DecodeOptions) {
    // A plain Uint8Array view: slice() must copy (Buffer's slice() would share memory).
    const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
    this.pos = offset;
    this.godot3 = options.format === 3;
    this.allowObjects = !!options.allowObjects;
  }

  /** Bytes left (negative after a packed byte array whose padding was cut off). */
  private left(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.left() < n) fail('ERR_INVALID_DATA', `Variant data too short: ${what} needs ${n} bytes, ${Math.max(0, this.left())} left.`);
  }

  private u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private i32(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): bigint {
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  private f32(): number {
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** `n` reals (f64 when `wide`), after checking they are there. */
  private reals(n: number, wide: boolean, what: string): number[] {
    this.need(n * (wide ? 8 : 4), what);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = wide ? this.f64() : this.f32();
    return out;
  }

  private ints(n: number, what: string): number[] {
    this.need(n * 4, what);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.i32();
    return out;
  }

  /** A string as Godot reads it: u32 length, UTF-8 up to the first NUL, padding to 4 skipped. */
  private string(): string {
    this.need(4, 'a string length');
    const len = this.i32();
    const pad = (4 - (len & 3)) & 3;
    if (len < 0 || len + pad > this.left()) fail('ERR_FILE_EOF', `String of ${len} bytes is longer than the ${this.left()} bytes left.`);
    let raw = this.bytes.subarray(this.pos, this.pos + len);
    const nul = raw.indexOf(0);
    if (nul !== -1) raw = raw.subarray(0, nul);
    let s: string;
    try {
      s = utf8.decode(raw);
    } catch {
      fail('ERR_INVALID_DATA', 'String is not valid UTF-8.');
    }
    this.pos += len + pad;
    return s;
  }

  /** A u32 element count, checked against the bytes left (each element needs `minBytes`). */
  private count(minBytes: number, what: string, mask = 0xffffffff): number {
    this.need(4, `${what} count`);
    const n = (this.u32() & mask) >>> 0;
    if (n * minBytes > this.left()) fail('ERR_INVALID_DATA', `${what} claims ${n} elements but only ${this.left()} bytes are left.`);
    return n;
  }

  /** A packed-array count as Godot checks it (int32, non-negative, times the element size within the data). */
  private packedCount(elementBytes: number, what: string): number {
    this.need(4, `${what} count`);
    const n = this.i32();
    if (n < 0 || n * elementBytes > 0x7fffffff || n * elementBytes > this.left())
      fail('ERR_INVALID_DATA', `${what} claims ${n} elements but only ${this.left()} bytes are left.`);
    return n;
  }

  /** `n` little-endian elements copied out as a typed array's bytes. */
  private copyOut(n: number, size: number): ArrayBuffer {
    const start = this.pos;
    this.pos += n * size;
    const copy = this.bytes.slice(start, start + n * size);
    if (!LITTLE_ENDIAN) for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
    return copy.buffer;
  }

  private containerType(kind: number, what: string): ContainerElementType {
    switch (kind) {
      case 0:
        return VariantType.NIL;
      case 1: {
        this.need(4, `${what} type`);
        const t = this.i32();
        if (t < 0 || t >= VariantType.VARIANT_MAX) fail('ERR_INVALID_DATA', `${what} type ${t} is not a Variant type.`);
        return t === VariantType.OBJECT ? { className: this.allowObjects ? 'Object' : ENCODED_OBJECT_AS_ID } : t;
      }
      default: {
        // Kind 2 is a class name, kind 3 a script path. Without objects Godot types the container
        // to EncodedObjectAsID whatever was named.
        const name = this.string();
        if (!this.allowObjects) return { className: ENCODED_OBJECT_AS_ID };
        return kind === 2 ? { className: name } : { script: name };
      }
    }
  }

  /** One Variant at the current position. `floatElement`: inside a float-typed container. */
  value(depth: number, floatElement: boolean): Variant {
    if (depth > MAX_RECURSION_DEPTH) fail('ERR_OUT_OF_MEMORY', `Variant is nested deeper than ${MAX_RECURSION_DEPTH} levels.`);
    this.need(4, 'a Variant header');
    const header = this.u32();
    const id = header & 0xff;
    const max = this.godot3 ? GODOT3_VARIANT_MAX : VariantType.VARIANT_MAX;
    if (id >= max) fail('ERR_INVALID_DATA', `Unknown Variant type ${id}.`);
    const type = this.godot3 ? typeFromGodot3(id) : (id as VariantType);
    const flag64 = (header & HEADER_FLAG_64) !== 0;
    // Godot 3 reads math types as 32-bit floats whatever the header says.
    const wide = flag64 && !this.godot3;
    const layout = MATH_LAYOUTS.get(type);
    if (layout !== undefined) {
      if (layout.numbers === 'int') return layout.build(this.ints(layout.count, layout.what)) as Variant;
      return mark(layout.build(this.reals(layout.count, wide, layout.what)), wide) as Variant;
    }
    switch (type) {
      case VariantType.NIL:
        return null;
      case VariantType.BOOL:
        this.need(4, 'a bool');
        return this.u32() !== 0;
      case VariantType.INT: {
        if (!flag64) {
          this.need(4, 'an int');
          return this.i32();
        }
        this.need(8, 'a 64-bit int');
        const v = this.view.getBigInt64(this.pos, true);
        this.pos += 8;
        return v >= -SAFE && v <= SAFE ? Number(v) : v;
      }
      case VariantType.FLOAT: {
        this.need(flag64 ? 8 : 4, 'a float');
        const v = flag64 ? this.f64() : this.f32();
        // Natural number unless re-encoding it would change its type (an integral value) or width.
        const naturalWide = Math.fround(v) !== v;
        if (naturalWide !== flag64) return new GodotFloat(v, flag64 ? 64 : 32);
        return !floatElement && numberIsInt(v) ? new GodotFloat(v) : v;
      }
      case VariantType.STRING:
        return this.string();
      case VariantType.COLOR: {
        const [r, g, b, a] = this.reals(4, false, 'a Color');
        return new Color(r, g, b, a);
      }
      case VariantType.STRING_NAME:
        return new StringName(this.string());
      case VariantType.NODE_PATH:
        return this.nodePath();
      case VariantType.RID:
        if (this.godot3) return new RID(0n);
        this.need(8, 'a RID');
        return new RID(this.u64());
      case VariantType.OBJECT:
        return this.object(flag64, depth);
      case VariantType.CALLABLE:
        return new Callable();
      case VariantType.SIGNAL: {
        const name = this.string();
        this.need(8, 'a Signal object id');
        return new Signal(name, this.u64());
      }
      case VariantType.DICTIONARY:
        return this.dictionary(header, depth);
      case VariantType.ARRAY:
        return this.array(header, depth);
      case VariantType.PACKED_BYTE_ARRAY: {
        const n = this.packedCount(1, 'PackedByteArray');
        const out = this.bytes.slice(this.pos, this.pos + n);
        this.pos += n + ((4 - (n & 3)) & 3);
        return out;
      }
      case VariantType.PACKED_INT32_ARRAY:
        return new Int32Array(this.copyOut(this.packedCount(4, 'PackedInt32Array'), 4));
      case VariantType.PACKED_INT64_ARRAY:
        return new BigInt64Array(this.copyOut(this.packedCount(8, 'PackedInt64Array'), 8));
      case VariantType.PACKED_FLOAT32_ARRAY:
        return new Float32Array(this.copyOut(this.packedCount(4, 'PackedFloat32Array'), 4));
      case VariantType.PACKED_FLOAT64_ARRAY:
        return new Float64Array(this.copyOut(this.packedCount(8, 'PackedFloat64Array'), 8));
      case VariantType.PACKED_STRING_ARRAY: {
        this.need(4, 'PackedStringArray count');
        // Godot reads the count as int32: a negative count is an empty array.
        const n = Math.max(0, this.i32());
        if (n * 4 > this.left()) fail('ERR_INVALID_DATA', `PackedStringArray claims ${n} strings but only ${this.left()} bytes are left.`);
        const items = new Array<string>(n);
        for (let i = 0; i < n; i++) items[i] = this.string();
        return new PackedStringArray(items);
      }
      case VariantType.PACKED_VECTOR2_ARRAY:
        return new PackedVector2Array(this.packedReals(2, wide, 'PackedVector2Array'));
      case VariantType.PACKED_VECTOR3_ARRAY:
        return new PackedVector3Array(this.packedReals(3, wide, 'PackedVector3Array'));
      case VariantType.PACKED_COLOR_ARRAY:
        return new PackedColorArray(this.packedReals(4, false, 'PackedColorArray') as Float32Array);
      case VariantType.PACKED_VECTOR4_ARRAY:
        return new PackedVector4Array(this.packedReals(4, wide, 'PackedVector4Array'));
    }
    return fail('ERR_BUG', `Unhandled Variant type ${type}.`);
  }

  private packedReals(stride: number, wide: boolean, what: string): Float32Array | Float64Array {
    const size = wide ? 8 : 4;
    const n = this.packedCount(stride * size, what);
    const buf = this.copyOut(n * stride, size);
    return wide ? new Float64Array(buf) : new Float32Array(buf);
  }

  private nodePath(): NodePath {
    this.need(4, 'a NodePath');
    const first = this.u32();
    // Bit 31 marks the current format; Godot refuses the pre-3.0 one.
    if (!(first & 0x80000000)) fail('ERR_INVALID_DATA', 'NodePath in the obsolete format.');
    this.need(8, 'a NodePath');
    const nameCount = first & 0x7fffffff;
    let subnameCount = this.u32();
    const flags = this.u32();
    if (flags & 2) subnameCount++;
    if ((nameCount + subnameCount) * 4 > this.left())
      fail('ERR_INVALID_DATA', `NodePath claims ${nameCount + subnameCount} names but only ${this.left()} bytes are left.`);
    const names: string[] = [];
    const subnames: string[] = [];
    for (let i = 0; i < nameCount; i++) names.push(this.string());
    for (let i = 0; i < subnameCount; i++) subnames.push(this.string());
    return new NodePath({ names, subnames, absolute: (flags & 1) !== 0 });
  }

  private object(asId: boolean, depth: number): GodotObjectId | GodotObject | null {
    if (asId) {
      this.need(8, 'an object id');
      const id = this.u64();
      return id === 0n ? null : new GodotObjectId(id);
    }
    if (!this.allowObjects) fail('ERR_UNAUTHORIZED', 'A full object was received but objects are not allowed (allowObjects is false).');
    const className = this.string();
    if (className === '') return null;
    this.need(4, 'an object property count');
    const n = Math.max(0, this.i32());
    if (n * 8 > this.left()) fail('ERR_INVALID_DATA', `Object claims ${n} properties but only ${this.left()} bytes are left.`);
    const properties = new Map<string, Variant>();
    for (let i = 0; i < n; i++) {
      const name = this.string();
      properties.set(name, this.value(depth + 1, false));
    }
    return new GodotObject(className, properties);
  }

  private array(header: number, depth: number): Variant[] | TypedArray {
    const t = this.godot3 ? VariantType.NIL : this.containerType((header >>> 16) & 3, 'Array element');
    const n = this.count(4, 'Array', 0x7fffffff);
    const items = new Array<Variant>(n);
    const floats = t === VariantType.FLOAT;
    for (let i = 0; i < n; i++) items[i] = this.value(depth + 1, floats);
    return t === VariantType.NIL ? items : new TypedArray(t, items);
  }

  private dictionary(header: number, depth: number): Map<Variant, Variant> | TypedDictionary {
    const keyType = this.godot3 ? VariantType.NIL : this.containerType((header >>> 16) & 3, 'Dictionary key');
    const valueType = this.godot3 ? VariantType.NIL : this.containerType((header >>> 18) & 3, 'Dictionary value');
    const n = this.count(8, 'Dictionary', 0x7fffffff);
    const entries = new Map<Variant, Variant>();
    for (let i = 0; i < n; i++) {
      const k = this.value(depth + 1, keyType === VariantType.FLOAT);
      entries.set(k, this.value(depth + 1, valueType === VariantType.FLOAT));
    }
    return keyType === VariantType.NIL && valueType === VariantType.NIL ? entries : new TypedDictionary(keyType, valueType, entries);
  }
}

/** Marks a math value read from 64-bit components so that it re-encodes the same way. */
function mark<T extends object>(value: T, wide: boolean): T {
  return wide ? asDoublePrecision(value) : value;
}
