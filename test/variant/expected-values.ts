/** The TypeScript values of the Variant vectors (test/vectors/variant/*.json), shared by the golden and live tests. */
import {
  AABB,
  Basis,
  Callable,
  Color,
  GodotFloat,
  GodotObject,
  GodotObjectId,
  NodePath,
  PackedColorArray,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
  PackedVector4Array,
  Plane,
  Projection,
  Quaternion,
  Rect2,
  Rect2i,
  RID,
  Signal,
  StringName,
  Transform2D,
  Transform3D,
  TypedArray,
  type Variant,
  VariantType,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
} from '../../src/index.js';

/** One vector: a name, Godot's bytes in hex, and the instance id a value holds (objects, signals). */
export interface Vector {
  name: string;
  hex: string;
  id?: string;
}

/** The double GDScript parsed 3.4028234663852886e38 into (its last bit differs from JavaScript's parse). */
const GDSCRIPT_F32_MAX = Buffer.from('010000e0ffffef47', 'hex').readDoubleLE(0);
const basis = () => new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9));
const id = (v: Vector) => BigInt.asUintN(64, BigInt(v.id!));

/** Values both Godots encode (under the Godot 4 name). */
const COMMON: Record<string, Variant> = {
  nil: null,
  bool_true: true,
  bool_false: false,
  int_0: 0,
  int_7: 7,
  'int_-2': -2,
  int32_max: 2147483647,
  int32_min: -2147483648,
  'int_2^31': 2147483648,
  'int_-2^31-1': -2147483649,
  int_5e9: 5000000000,
  'int_2^53+1': 9007199254740993n,
  int64_max: 9223372036854775807n,
  int64_min: -9223372036854775808n,
  'float_1.5': 1.5,
  'float_0.1': 0.1,
  'float_1.0': new GodotFloat(1),
  'float_-0.0': -0,
  float_1e300: 1e300,
  float_inf: Number.POSITIVE_INFINITY,
  'float_-inf': Number.NEGATIVE_INFINITY,
  float_nan: Number.NaN,
  float_f32max: GDSCRIPT_F32_MAX,
  string_empty: '',
  string_hello: 'héllo',
  string_cjk: '日本語',
  string_cjk_emoji: '日本語😀',
  string_4: 'abcd',
  vector2: new Vector2(1, 2),
  vector2_frac: new Vector2(Math.fround(0.1), -3.5),
  rect2: new Rect2(new Vector2(1, 2), new Vector2(3, 4)),
  vector3: new Vector3(1, 2, 3),
  transform2d: new Transform2D(new Vector2(1, 2), new Vector2(3, 4), new Vector2(5, 6)),
  plane: new Plane(new Vector3(0, 1, 0), 5),
  quaternion: new Quaternion(0.5, 0.5, 0.5, 0.5),
  aabb: new AABB(new Vector3(1, 2, 3), new Vector3(4, 5, 6)),
  basis: basis(),
  transform3d: new Transform3D(basis(), new Vector3(10, 11, 12)),
  color: new Color(1, 0.5, 0, 1),
  color_frac: new Color(Math.fround(0.1), Math.fround(0.2), Math.fround(0.3), Math.fround(0.4)),
  node_path: new NodePath('a/b:c'),
  node_path_absolute: new NodePath('/root/Main:position:x'),
  node_path_empty: new NodePath(''),
  node_path_parent: new NodePath('..'),
  rid_empty: new RID(0n),
  dictionary_empty: new Map(),
  dictionary: new Map<Variant, Variant>([
    ['k', 1],
    [2, 'two'],
    [new Vector2(1, 2), [true]],
  ]),
  array_empty: [],
  array: [1, 'x', 2.5, null, [true]],
  array_nested: [[[[1]]]],
  packed_byte_empty: new Uint8Array(0),
  packed_byte_3: new Uint8Array([1, 2, 3]),
  packed_byte_4: new Uint8Array([0, 255, 128, 7]),
  packed_int32: new Int32Array([1, -1, 2147483647, -2147483648]),
  packed_float32: new Float32Array([1.5, 0.1, -2]),
  packed_string: new PackedStringArray(['ab', 'c', '', 'héllo']),
  packed_vector2: new PackedVector2Array(new Float32Array([1, 2, 3, 4])),
  packed_vector3: new PackedVector3Array(new Float32Array([1, 2, 3])),
  packed_color: new PackedColorArray(new Float32Array([1, 0, 0, 1, 0, 0.5, 1, 0.25])),
};

/** Godot 4 only. */
const GODOT4: Record<string, Variant> = {
  vector2i: new Vector2i(1, -2),
  vector2i_limits: new Vector2i(2147483647, -2147483648),
  rect2i: new Rect2i(new Vector2i(1, 2), new Vector2i(3, 4)),
  vector3i: new Vector3i(1, 2, 3),
  vector4: new Vector4(1, 2, 3, 4),
  vector4i: new Vector4i(1, 2, 3, 4),
  projection: new Projection(new Vector4(1, 2, 3, 4), new Vector4(5, 6, 7, 8), new Vector4(9, 10, 11, 12), new Vector4(13, 14, 15, 16)),
  string_name: new StringName('name'),
  string_name_empty: new StringName(''),
  object_null: null,
  callable: new Callable(),
  array_typed_int: new TypedArray(VariantType.INT, [1, -2, 3]),
  array_typed_int_empty: new TypedArray(VariantType.INT, []),
  array_typed_float: new TypedArray(VariantType.FLOAT, [1, 2.5]),
  array_typed_string: new TypedArray(VariantType.STRING, ['a', 'bc']),
  array_typed_string_name: new TypedArray(VariantType.STRING_NAME, [new StringName('x')]),
  array_typed_vector2: new TypedArray(VariantType.VECTOR2, [new Vector2(1, 2)]),
  array_typed_node: new TypedArray({ className: 'EncodedObjectAsID' }, []),
  packed_int64: new BigInt64Array([1n, -1n, 9223372036854775807n, 5000000000n]),
  packed_float64: new Float64Array([1.5, 0.1, -2]),
  packed_vector4: new PackedVector4Array(new Float32Array([1, 2, 3, 4])),
};

/** Godot 3 names of the same values. */
const GODOT3_NAMES: Record<string, string> = {
  quat: 'quaternion',
  transform: 'transform3d',
  pool_byte_empty: 'packed_byte_empty',
  pool_byte_3: 'packed_byte_3',
  pool_byte_4: 'packed_byte_4',
  pool_int: 'packed_int32',
  pool_real: 'packed_float32',
  pool_string: 'packed_string',
  pool_vector2: 'packed_vector2',
  pool_vector3: 'packed_vector3',
  pool_color: 'packed_color',
};

/** The TypeScript value a vector (Godot 4 or Godot 3 name) must decode to. */
export function expectedValue(v: Vector, format: 3 | 4): Variant {
  switch (v.name) {
    case 'object_as_id':
      return new GodotObjectId(id(v));
    case 'object_full':
      return new GodotObject(format === 4 ? 'RefCounted' : 'Reference', new Map([['script', null]]));
    case 'signal':
      return new Signal('process_frame', id(v));
  }
  const name = format === 3 ? (GODOT3_NAMES[v.name] ?? v.name) : v.name;
  if (name in COMMON) return COMMON[name]!;
  if (format === 4 && name in GODOT4) return GODOT4[name]!;
  throw new Error(`no expected value for vector ${v.name}`);
}
