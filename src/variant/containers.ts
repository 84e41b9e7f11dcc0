/**
 * Godot containers JavaScript has no typed equivalent for: typed Array / Dictionary, and the
 * packed arrays of strings, vectors and colors (flat typed arrays underneath). Packed arrays of
 * bytes, ints and floats are plain JavaScript typed arrays (see the Variant type).
 */
import { Color, Vector2, Vector3, Vector4 } from './math.js';
import type { VariantType } from './variant-type.js';
import type { Variant } from './variant.js';

/**
 * The element (or key / value) type of a typed container: a built-in type (`VariantType.INT`
 * for `Array[int]`), an object class (`{ className: 'Node' }`) or a script (`{ script: 'res://x.gd' }`).
 * `VariantType.NIL` means untyped (`Variant`).
 */
export type ContainerElementType = VariantType | { className: string } | { script: string };

/** Godot 4 typed `Array[T]`: plain JavaScript arrays are untyped `Array`s. */
export class TypedArray {
  constructor(
    readonly elementType: ContainerElementType,
    readonly items: Variant[] = [],
  ) {}
}

/** Godot 4.4+ typed `Dictionary[K, V]`: JavaScript `Map`s and plain objects are untyped `Dictionary`s. */
export class TypedDictionary {
  constructor(
    readonly keyType: ContainerElementType,
    readonly valueType: ContainerElementType,
    readonly entries: Map<Variant, Variant> = new Map(),
  ) {}
}

/** Godot `PackedStringArray` (Godot 3: `PoolStringArray`). */
export class PackedStringArray {
  constructor(readonly items: string[] = []) {}
}

/** Base of the packed vector/color arrays: components stored flat, `stride` numbers per element. */
abstract class PackedComponents<T> {
  /** The components, flat (x0, y0, x1, y1, …). Float64Array when the sender used doubles. */
  readonly data: Float32Array | Float64Array;
  protected abstract readonly stride: number;
  constructor(data: Float32Array | Float64Array) {
    this.data = data;
  }
  /** Number of elements. */
  get length(): number {
    return this.data.length / this.stride;
  }
  /** Element `i` as a value object. */
  abstract at(i: number): T;
  /** All elements as value objects. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.at(i));
    return out;
  }
}

/** Godot `PackedVector2Array` (Godot 3: `PoolVector2Array`). */
export class PackedVector2Array extends PackedComponents<Vector2> {
  protected readonly stride = 2;
  /** From vectors, or from flat components. */
  static from(items: Vector2[]): PackedVector2Array {
    return new PackedVector2Array(Float32Array.from(items.flatMap((v) => [v.x, v.y])));
  }
  at(i: number): Vector2 {
    return new Vector2(this.data[i * 2], this.data[i * 2 + 1]);
  }
}

/** Godot `PackedVector3Array` (Godot 3: `PoolVector3Array`). */
export class PackedVector3Array extends PackedComponents<Vector3> {
  protected readonly stride = 3;
  /** From vectors. */
  static from(items: Vector3[]): PackedVector3Array {
    return new PackedVector3Array(Float32Array.from(items.flatMap((v) => [v.x, v.y, v.z])));
  }
  at(i: number): Vector3 {
    return new Vector3(this.data[i * 3], this.data[i * 3 + 1], this.data[i * 3 + 2]);
  }
}

/** Godot `PackedVector4Array` (Godot 4.3+). */
export class PackedVector4Array extends PackedComponents<Vector4> {
  protected readonly stride = 4;
  /** From vectors. */
  static from(items: Vector4[]): PackedVector4Array {
    return new PackedVector4Array(Float32Array.from(items.flatMap((v) => [v.x, v.y, v.z, v.w])));
  }
  at(i: number): Vector4 {
    return new Vector4(this.data[i * 4], this.data[i * 4 + 1], this.data[i * 4 + 2], this.data[i * 4 + 3]);
  }
}

/** Godot `PackedColorArray` (Godot 3: `PoolColorArray`); always 32-bit floats. */
export class PackedColorArray extends PackedComponents<Color> {
  protected readonly stride = 4;
  declare readonly data: Float32Array;
  constructor(data: Float32Array) {
    super(data);
  }
  /** From colors. */
  static from(items: Color[]): PackedColorArray {
    return new PackedColorArray(Float32Array.from(items.flatMap((c) => [c.r, c.g, c.b, c.a])));
  }
  at(i: number): Color {
    return new Color(this.data[i * 4], this.data[i * 4 + 1], this.data[i * 4 + 2], this.data[i * 4 + 3]);
  }
}
