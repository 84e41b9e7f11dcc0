/** Variant encoder: Godot's `var_to_bytes` / `encode_variant` (Godot 4 format, or Godot 3's). */
import { ENetError } from '../protocol/errors.js';
import { ByteWriter } from './byte-writer.js';
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
import { Color, isDoublePrecision } from './math.js';
import { MATH_LAYOUTS, type MathLayout } from './math-layout.js';
import { Callable, GodotFloat, GodotInt, GodotObject, GodotObjectId, NodePath, RID, Signal, StringName } from './values.js';
import { typeToGodot3, VariantType } from './variant-type.js';
import type { Variant, VariantRecord } from './variant.js';

/** How to encode. */
export interface EncodeOptions {
  /** Wire format: Godot 4 (default) or Godot 3 (different type ids, fewer types). */
  format?: 4 | 3;
  /** Encode {@link GodotObject}s with their properties (Godot's `full_objects`); otherwise as instance ids. */
  fullObjects?: boolean;
  /**
   * Write every real-valued math type as doubles, as a Godot built with `precision=double` does
   * (Godot 4 only). Without it, only values marked with {@link asDoublePrecision} (as decoded
   * doubles are) go as doubles.
   */
  realIsDouble?: boolean;
}

/** Deepest container nesting Godot encodes or decodes (`Variant::MAX_RECURSION_DEPTH`). */
export const MAX_RECURSION_DEPTH = 1024;
/** Header bit: 64-bit int/float payload; for OBJECT: sent as instance id. */
export const HEADER_FLAG_64 = 1 << 16;
/** Class name Godot writes for object-typed containers when objects are not sent in full. */
export const ENCODED_OBJECT_AS_ID = 'EncodedObjectAsID';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const TWO_63 = 2 ** 63;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** True when a JavaScript number is sent as a Godot int (an integer within int64, not -0). */
export function numberIsInt(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) < TWO_63 && !Object.is(v, -0);
}

function isPlainObject(v: object): v is VariantRecord {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The Godot type a value encodes as (GDScript's `typeof` of what Godot would decode).
 * `hint` is the element type of an enclosing typed container: it turns numbers into floats
 * (`FLOAT`) and strings into StringNames or NodePaths.
 * @throws ENetError ERR_INVALID_PARAMETER for values with no Godot type (functions, symbols, …).
 */
export function typeOf(v: unknown, hint: VariantType = VariantType.NIL): VariantType {
  switch (typeof v) {
    case 'undefined':
      return VariantType.NIL;
    case 'boolean':
      return VariantType.BOOL;
    case 'number':
      return hint === VariantType.FLOAT || !numberIsInt(v) ? VariantType.FLOAT : VariantType.INT;
    case 'bigint':
      return VariantType.INT;
    case 'string':
      return hint === VariantType.STRING_NAME || hint === VariantType.NODE_PATH ? hint : VariantType.STRING;
    case 'object': {
      if (v === null) return VariantType.NIL;
      if (Array.isArray(v) || v instanceof TypedArray) return VariantType.ARRAY;
      if (v instanceof Map || v instanceof TypedDictionary) return VariantType.DICTIONARY;
      if (ArrayBuffer.isView(v)) {
        if (v instanceof Uint8Array) return VariantType.PACKED_BYTE_ARRAY;
        if (v instanceof Int32Array) return VariantType.PACKED_INT32_ARRAY;
        if (v instanceof BigInt64Array) return VariantType.PACKED_INT64_ARRAY;
        if (v instanceof Float32Array) return VariantType.PACKED_FLOAT32_ARRAY;
        if (v instanceof Float64Array) return VariantType.PACKED_FLOAT64_ARRAY;
        break;
      }
      const t = CLASS_TYPES.get(v.constructor as abstract new (...args: never[]) => unknown);
      if (t !== undefined) return t;
      if (isPlainObject(v)) return VariantType.DICTIONARY;
      // Subclasses of the value classes.
      for (const [cls, type] of CLASS_TYPES) if (v instanceof cls) return type;
      break;
    }
  }
  throw new ENetError('ERR_INVALID_PARAMETER', `Cannot encode ${describe(v)} as a Godot Variant.`);
}

const CLASS_TYPES = new Map<abstract new (...args: never[]) => unknown, VariantType>([
  [GodotInt, VariantType.INT],
  [GodotFloat, VariantType.FLOAT],
  ...Array.from(MATH_LAYOUTS, ([type, layout]) => [layout.valueClass, type] as const),
  [Color, VariantType.COLOR],
  [StringName, VariantType.STRING_NAME],
  [NodePath, VariantType.NODE_PATH],
  [RID, VariantType.RID],
  [GodotObjectId, VariantType.OBJECT],
  [GodotObject, VariantType.OBJECT],
  [Callable, VariantType.CALLABLE],
  [Signal, VariantType.SIGNAL],
  [PackedStringArray, VariantType.PACKED_STRING_ARRAY],
  [PackedVector2Array, VariantType.PACKED_VECTOR2_ARRAY],
  [PackedVector3Array, VariantType.PACKED_VECTOR3_ARRAY],
  [PackedColorArray, VariantType.PACKED_COLOR_ARRAY],
  [PackedVector4Array, VariantType.PACKED_VECTOR4_ARRAY],
]);

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return `an object of class ${v.constructor?.name ?? '(none)'}`;
  return `a ${typeof v}`;
}

/**
 * Encodes a value as Godot's `var_to_bytes(value)` (Godot 4) or `var2bytes(value)` (Godot 3) does.
 * @throws ENetError ERR_INVALID_PARAMETER (no Godot equivalent, a type Godot 3 lacks, an int out
 * of int64, a typed-container element of the wrong type), ERR_OUT_OF_MEMORY (nested deeper than
 * {@link MAX_RECURSION_DEPTH}, e.g. a cycle).
 */
export function encodeVariant(value: Variant, options: EncodeOptions = {}): Uint8Array {
  const w = new ByteWriter();
  new Encoder(w, options).write(value, 0, VariantType.NIL);
  return w.finish();
}

/** Appends the encoding of `value` to a writer (for callers that frame several values). */
export function encodeVariantInto(w: ByteWriter, value: Variant, options: EncodeOptions = {}): void {
  new Encoder(w, options).write(value, 0, VariantType.NIL);
}

class Encoder {
  private readonly godot3: boolean;
  private readonly full: boolean;
  private readonly double: boolean;
  /** Whether the math value being written goes as doubles. */
  private wide = false;

  constructor(
    private readonly w: ByteWriter,
    options: EncodeOptions,
  ) {
    if (options.format !== undefined && options.format !== 3 && options.format !== 4)
      throw new ENetError('ERR_INVALID_PARAMETER', `Unknown Variant format ${String(options.format)}: use 4 or 3.`);
    this.godot3 = options.format === 3;
    this.full = !!options.fullObjects;
    this.double = !!options.realIsDouble && !this.godot3;
  }

  private header(type: VariantType, flags = 0): void {
    let id: number = type;
    if (this.godot3) {
      id = typeToGodot3(type);
      if (id < 0)
        throw new ENetError('ERR_INVALID_PARAMETER', `Godot 3 has no ${VariantType[type]} type: it cannot be sent in the Godot 3 format.`);
    }
    this.w.u32(id | flags);
  }

  write(v: Variant | undefined, depth: number, hint: VariantType): void {
    if (depth > MAX_RECURSION_DEPTH)
      throw new ENetError('ERR_OUT_OF_MEMORY', `Variant is nested deeper than ${MAX_RECURSION_DEPTH} levels (a cycle?): not encoded.`);
    const w = this.w;
    const type = typeOf(v, hint);
    const layout = MATH_LAYOUTS.get(type);
    if (layout !== undefined) {
      this.writeMath(type, layout, v as object);
      return;
    }
    switch (type) {
      case VariantType.NIL:
        this.header(type);
        return;
      case VariantType.BOOL:
        this.header(type);
        w.u32(v ? 1 : 0);
        return;
      case VariantType.INT:
        this.writeInt(v instanceof GodotInt ? v.value : (v as number | bigint));
        return;
      case VariantType.FLOAT:
        if (v instanceof GodotFloat) this.writeFloat(v.value, v.width);
        else this.writeFloat(v as number);
        return;
      case VariantType.STRING:
        this.header(type);
        w.string(v as string);
        return;
      case VariantType.COLOR: {
        const c = v as Color;
        this.header(type);
        w.f32(c.r);
        w.f32(c.g);
        w.f32(c.b);
        w.f32(c.a);
        return;
      }
      case VariantType.STRING_NAME:
        this.header(type);
        w.string(typeof v === 'string' ? v : (v as StringName).value);
        return;
      case VariantType.NODE_PATH:
        this.writeNodePath(typeof v === 'string' ? new NodePath(v) : (v as NodePath));
        return;
      case VariantType.RID:
        this.header(type);
        if (!this.godot3) w.u64(BigInt.asUintN(64, (v as RID).id));
        return;
      case VariantType.OBJECT:
        this.writeObject(v as GodotObjectId | GodotObject, depth);
        return;
      case VariantType.CALLABLE:
        this.header(type);
        return;
      case VariantType.SIGNAL: {
        const s = v as Signal;
        this.header(type);
        w.string(s.name);
        w.u64(BigInt.asUintN(64, s.objectId));
        return;
      }
      case VariantType.DICTIONARY:
        this.writeDictionary(v as Map<Variant, Variant> | VariantRecord | TypedDictionary, depth);
        return;
      case VariantType.ARRAY:
        this.writeArray(v as Variant[] | TypedArray, depth);
        return;
      case VariantType.PACKED_BYTE_ARRAY: {
        const a = v as Uint8Array;
        this.header(type);
        w.u32(a.length);
        w.padded(a);
        return;
      }
      case VariantType.PACKED_INT32_ARRAY:
      case VariantType.PACKED_INT64_ARRAY:
      case VariantType.PACKED_FLOAT32_ARRAY:
      case VariantType.PACKED_FLOAT64_ARRAY: {
        const a = v as Int32Array | BigInt64Array | Float32Array | Float64Array;
        this.header(type);
        w.u32(a.length);
        this.writeNumbers(a);
        return;
      }
      case VariantType.PACKED_STRING_ARRAY: {
        const a = (v as PackedStringArray).items;
        this.header(type);
        w.u32(a.length);
        for (const s of a) w.string(s, true);
        return;
      }
      case VariantType.PACKED_VECTOR2_ARRAY:
      case VariantType.PACKED_VECTOR3_ARRAY:
      case VariantType.PACKED_VECTOR4_ARRAY:
      case VariantType.PACKED_COLOR_ARRAY: {
        const p = v as PackedVector2Array;
        // Godot 3 and colors: always 32-bit floats. Godot 4 vectors: doubles when the data holds doubles.
        const data =
          p.data instanceof Float64Array && (this.godot3 || type === VariantType.PACKED_COLOR_ARRAY) ? Float32Array.from(p.data) : p.data;
        if (data.length % (type === VariantType.PACKED_VECTOR2_ARRAY ? 2 : type === VariantType.PACKED_VECTOR3_ARRAY ? 3 : 4) !== 0)
          throw new ENetError(
            'ERR_INVALID_PARAMETER',
            `${VariantType[type]} data length ${data.length} is not a whole number of elements.`,
          );
        this.header(type, data instanceof Float64Array ? HEADER_FLAG_64 : 0);
        w.u32(p.length);
        this.writeNumbers(data);
        return;
      }
    }
    throw new ENetError('ERR_BUG', `Unhandled Variant type ${type}.`);
  }

  /** Header of a real-valued math type: doubles with `realIsDouble` or for a value marked double precision. */
  private mathHeader(type: VariantType, v: object): void {
    this.wide = !this.godot3 && (this.double || isDoublePrecision(v));
    this.header(type, this.wide ? HEADER_FLAG_64 : 0);
  }

  private real(v: number): void {
    if (this.wide) this.w.f64(v);
    else this.w.f32(v);
  }

  private writeInt(v: number | bigint): void {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new ENetError('ERR_INVALID_PARAMETER', `${v} is not an integer: it cannot be sent as a Godot int.`);
      if (v >= INT32_MIN && v <= INT32_MAX) {
        this.header(VariantType.INT);
        this.w.i32(v);
        return;
      }
      v = BigInt(v);
    }
    if (v < INT64_MIN || v > INT64_MAX) throw new ENetError('ERR_INVALID_PARAMETER', `${v} is outside Godot's 64-bit int range.`);
    if (v >= INT32_MIN && v <= INT32_MAX) {
      this.header(VariantType.INT);
      this.w.i32(Number(v));
      return;
    }
    this.header(VariantType.INT, HEADER_FLAG_64);
    this.w.i64(v);
  }

  private writeFloat(v: number, width?: 32 | 64): void {
    // Godot's rule: 64 bits unless the value survives a round trip through a 32-bit float.
    const wide = width === undefined ? Math.fround(v) !== v : width === 64;
    this.header(VariantType.FLOAT, wide ? HEADER_FLAG_64 : 0);
    if (wide) this.w.f64(v);
    else this.w.f32(v);
  }

  /** A math type (Color aside): reals after a math header, or int32s after a plain one. */
  private writeMath(type: VariantType, layout: MathLayout, v: object): void {
    const numbers = layout.flatten(v);
    if (layout.numbers === 'real') {
      this.mathHeader(type, v);
      for (const n of numbers) this.real(n);
    } else {
      this.header(type);
      for (const n of numbers) this.w.i32(n);
    }
  }

  private writeNodePath(p: NodePath): void {
    const w = this.w;
    this.header(VariantType.NODE_PATH);
    w.u32((p.names.length | 0x80000000) >>> 0);
    w.u32(p.subnames.length);
    w.u32(p.absolute ? 1 : 0);
    for (const s of p.names) w.string(s);
    for (const s of p.subnames) w.string(s);
  }

  private writeObject(o: GodotObjectId | GodotObject, depth: number): void {
    const w = this.w;
    if (o instanceof GodotObject && this.full) {
      this.header(VariantType.OBJECT);
      w.string(o.className);
      w.u32(o.properties.size);
      for (const [name, value] of o.properties) {
        w.string(name);
        this.write(value, depth + 1, VariantType.NIL);
      }
      return;
    }
    const id = o instanceof GodotObjectId ? o.id : o.instanceId;
    if (id === undefined)
      throw new ENetError(
        'ERR_INVALID_PARAMETER',
        `A GodotObject without instanceId can only be sent with fullObjects: true (class ${(o as GodotObject).className}).`,
      );
    if (id === 0n) {
      this.header(VariantType.NIL);
      return;
    }
    this.header(VariantType.OBJECT, HEADER_FLAG_64);
    w.u64(BigInt.asUintN(64, id));
  }

  /** Header bits of a container element type (kind in 2 bits at `shift`). */
  private containerKind(t: ContainerElementType, shift: number): number {
    if (t === VariantType.NIL) return 0;
    if (typeof t === 'number' && t !== VariantType.OBJECT) return 1 << shift;
    if (typeof t === 'object' && 'script' in t && this.full) return 3 << shift;
    return 2 << shift;
  }

  private writeContainerType(t: ContainerElementType): void {
    if (t === VariantType.NIL) return;
    if (typeof t === 'number') {
      if (t === VariantType.OBJECT) {
        this.w.string(this.full ? 'Object' : ENCODED_OBJECT_AS_ID);
        return;
      }
      if (!(t > 0 && t < VariantType.VARIANT_MAX)) throw new ENetError('ERR_INVALID_PARAMETER', `Invalid container element type ${t}.`);
      this.w.u32(t);
      return;
    }
    this.w.string(this.full ? ('script' in t ? t.script : t.className) : ENCODED_OBJECT_AS_ID);
  }

  /** Throws when `v` cannot be an element of a container typed `t`. */
  private checkElement(t: ContainerElementType, v: Variant, what: string): VariantType {
    if (t === VariantType.NIL) return VariantType.NIL;
    const builtin = typeof t === 'number' ? t : VariantType.OBJECT;
    const actual = typeOf(v, builtin);
    if (actual !== builtin && !(builtin === VariantType.OBJECT && actual === VariantType.NIL))
      throw new ENetError('ERR_INVALID_PARAMETER', `${what} of type ${VariantType[actual]} in a container typed ${VariantType[builtin]}.`);
    return builtin;
  }

  private noTypedContainersInGodot3(what: string): void {
    if (this.godot3)
      throw new ENetError('ERR_INVALID_PARAMETER', `Godot 3 has no typed ${what}: use an untyped one for the Godot 3 format.`);
  }

  private writeArray(a: Variant[] | TypedArray, depth: number): void {
    const w = this.w;
    if (Array.isArray(a)) {
      this.header(VariantType.ARRAY);
      w.u32(a.length);
      for (const item of a) this.write(item, depth + 1, VariantType.NIL);
      return;
    }
    this.noTypedContainersInGodot3('Array');
    const t = a.elementType;
    this.header(VariantType.ARRAY, this.containerKind(t, 16));
    this.writeContainerType(t);
    w.u32(a.items.length);
    for (let i = 0; i < a.items.length; i++) {
      const hint = this.checkElement(t, a.items[i]!, `Element ${i}`);
      this.write(a.items[i]!, depth + 1, hint);
    }
  }

  private writeDictionary(d: Map<Variant, Variant> | VariantRecord | TypedDictionary, depth: number): void {
    const w = this.w;
    if (d instanceof Map) {
      this.header(VariantType.DICTIONARY);
      w.u32(d.size);
      for (const [k, v] of d) {
        this.write(k, depth + 1, VariantType.NIL);
        this.write(v, depth + 1, VariantType.NIL);
      }
      return;
    }
    if (!(d instanceof TypedDictionary)) {
      const keys = Object.keys(d);
      this.header(VariantType.DICTIONARY);
      w.u32(keys.length);
      for (const k of keys) {
        this.header(VariantType.STRING);
        w.string(k);
        this.write(d[k]!, depth + 1, VariantType.NIL);
      }
      return;
    }
    this.noTypedContainersInGodot3('Dictionary');
    this.header(VariantType.DICTIONARY, this.containerKind(d.keyType, 16) | this.containerKind(d.valueType, 18));
    this.writeContainerType(d.keyType);
    this.writeContainerType(d.valueType);
    w.u32(d.entries.size);
    for (const [k, v] of d.entries) {
      this.write(k, depth + 1, this.checkElement(d.keyType, k, 'A key'));
      this.write(v, depth + 1, this.checkElement(d.valueType, v, 'A value'));
    }
  }

  /** Typed-array contents, little-endian. */
  private writeNumbers(a: Int32Array | BigInt64Array | Float32Array | Float64Array): void {
    const w = this.w;
    if (LITTLE_ENDIAN) {
      w.padded(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return;
    }
    if (a instanceof Int32Array) for (const x of a) w.i32(x);
    else if (a instanceof BigInt64Array) for (const x of a) w.i64(x);
    else if (a instanceof Float32Array) for (const x of a) w.f32(x);
    else for (const x of a) w.f64(x);
  }
}
