/**
 * Godot's binary Variant serialization (`var_to_bytes` / `bytes_to_var`, `PacketPeer.put_var` /
 * `get_var`, RPC arguments) in Godot 4 and Godot 3 formats, with a TypeScript value model.
 * A pure codec: it imports nothing from the engine, transport or API layers (only the shared
 * ENetError from src/protocol).
 */
export { VariantType, typeFromGodot3, typeToGodot3, GODOT3_VARIANT_MAX } from './variant-type.js';
export {
  asDoublePrecision,
  isDoublePrecision,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
  Rect2,
  Rect2i,
  Transform2D,
  Plane,
  Quaternion,
  AABB,
  Basis,
  Transform3D,
  Projection,
  Color,
} from './math.js';
export { GodotInt, GodotFloat, StringName, NodePath, RID, GodotObjectId, GodotObject, Callable, Signal } from './values.js';
export {
  type ContainerElementType,
  TypedArray,
  TypedDictionary,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
  PackedVector4Array,
  PackedColorArray,
} from './containers.js';
export type { Variant, VariantRecord } from './variant.js';
export {
  encodeVariant,
  encodeVariantInto,
  typeOf,
  numberIsInt,
  type EncodeOptions,
  MAX_RECURSION_DEPTH,
  ENCODED_OBJECT_AS_ID,
} from './encode.js';
export { decodeVariant, decodeVariantAt, type DecodeOptions } from './decode.js';
export { ByteWriter } from './byte-writer.js';
