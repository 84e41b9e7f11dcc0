/** Godot's Variant type ids (Godot 4 numbering) and the Godot 3 numbering they map to. */

/** Godot 4's `Variant.Type`: the type id in the low byte of an encoded Variant's header. */
export enum VariantType {
  NIL = 0,
  BOOL = 1,
  INT = 2,
  FLOAT = 3,
  STRING = 4,
  VECTOR2 = 5,
  VECTOR2I = 6,
  RECT2 = 7,
  RECT2I = 8,
  VECTOR3 = 9,
  VECTOR3I = 10,
  TRANSFORM2D = 11,
  VECTOR4 = 12,
  VECTOR4I = 13,
  PLANE = 14,
  QUATERNION = 15,
  AABB = 16,
  BASIS = 17,
  TRANSFORM3D = 18,
  PROJECTION = 19,
  COLOR = 20,
  STRING_NAME = 21,
  NODE_PATH = 22,
  RID = 23,
  OBJECT = 24,
  CALLABLE = 25,
  SIGNAL = 26,
  DICTIONARY = 27,
  ARRAY = 28,
  PACKED_BYTE_ARRAY = 29,
  PACKED_INT32_ARRAY = 30,
  PACKED_INT64_ARRAY = 31,
  PACKED_FLOAT32_ARRAY = 32,
  PACKED_FLOAT64_ARRAY = 33,
  PACKED_STRING_ARRAY = 34,
  PACKED_VECTOR2_ARRAY = 35,
  PACKED_VECTOR3_ARRAY = 36,
  PACKED_COLOR_ARRAY = 37,
  PACKED_VECTOR4_ARRAY = 38,
  VARIANT_MAX = 39,
}

/** Godot 3.2's type ids, indexed by id, as the Godot 4 type each one is (Godot 3 has 27 types). */
const GODOT3_TO_4: readonly VariantType[] = [
  VariantType.NIL,
  VariantType.BOOL,
  VariantType.INT,
  VariantType.FLOAT,
  VariantType.STRING,
  VariantType.VECTOR2,
  VariantType.RECT2,
  VariantType.VECTOR3,
  VariantType.TRANSFORM2D,
  VariantType.PLANE,
  VariantType.QUATERNION,
  VariantType.AABB,
  VariantType.BASIS,
  VariantType.TRANSFORM3D,
  VariantType.COLOR,
  VariantType.NODE_PATH,
  VariantType.RID,
  VariantType.OBJECT,
  VariantType.DICTIONARY,
  VariantType.ARRAY,
  VariantType.PACKED_BYTE_ARRAY,
  VariantType.PACKED_INT32_ARRAY,
  VariantType.PACKED_FLOAT32_ARRAY,
  VariantType.PACKED_STRING_ARRAY,
  VariantType.PACKED_VECTOR2_ARRAY,
  VariantType.PACKED_VECTOR3_ARRAY,
  VariantType.PACKED_COLOR_ARRAY,
];

/** Number of Godot 3 types (its VARIANT_MAX). */
export const GODOT3_VARIANT_MAX = GODOT3_TO_4.length;

const GODOT4_TO_3: readonly number[] = (() => {
  const out = new Array<number>(VariantType.VARIANT_MAX).fill(-1);
  GODOT3_TO_4.forEach((t4, t3) => {
    out[t4] = t3;
  });
  return out;
})();

/** The Godot 4 type of a Godot 3 type id (the id must be below {@link GODOT3_VARIANT_MAX}). */
export function typeFromGodot3(id: number): VariantType {
  return GODOT3_TO_4[id]!;
}

/** The Godot 3 id of a Godot 4 type, or -1 where Godot 3 has no such type. */
export function typeToGodot3(type: VariantType): number {
  return GODOT4_TO_3[type] ?? -1;
}
