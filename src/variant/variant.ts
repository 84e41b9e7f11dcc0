/** The TypeScript union of every value that maps to a Godot Variant. */
import type {
  PackedColorArray,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
  PackedVector4Array,
  TypedArray,
  TypedDictionary,
} from './containers.js';
import type {
  AABB,
  Basis,
  Color,
  Plane,
  Projection,
  Quaternion,
  Rect2,
  Rect2i,
  Transform2D,
  Transform3D,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
} from './math.js';
import type { Callable, GodotFloat, GodotInt, GodotObject, GodotObjectId, NodePath, RID, Signal, StringName } from './values.js';

/** A plain object, encoded as a Dictionary with String keys (in property order). */
export interface VariantRecord {
  [key: string]: Variant;
}

/**
 * A Godot Variant as TypeScript sees it. Natural values where they are unambiguous: `null`,
 * `boolean`, integer `number`/`bigint` (int), non-integer `number` (float), `string` (String),
 * arrays (Array), `Map`/plain objects (Dictionary), `Uint8Array`/`Int32Array`/`BigInt64Array`/
 * `Float32Array`/`Float64Array` (packed arrays); classes for the rest and for explicit types.
 */
export type Variant =
  | null
  | boolean
  | number
  | bigint
  | string
  | GodotInt
  | GodotFloat
  | Vector2
  | Vector2i
  | Rect2
  | Rect2i
  | Vector3
  | Vector3i
  | Transform2D
  | Vector4
  | Vector4i
  | Plane
  | Quaternion
  | AABB
  | Basis
  | Transform3D
  | Projection
  | Color
  | StringName
  | NodePath
  | RID
  | GodotObjectId
  | GodotObject
  | Callable
  | Signal
  | Map<Variant, Variant>
  | VariantRecord
  | Variant[]
  | TypedArray
  | TypedDictionary
  | Uint8Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | PackedStringArray
  | PackedVector2Array
  | PackedVector3Array
  | PackedColorArray
  | PackedVector4Array;
