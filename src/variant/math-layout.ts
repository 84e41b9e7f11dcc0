/**
 * The wire layout of Godot's math types: which numbers, in which order, as reals (f32, or f64
 * in a double-precision value) or as int32s. The encoder and the decoder share it, so a type's
 * layout is written once.
 */
import {
  AABB,
  Basis,
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
import { VariantType } from './variant-type.js';

/** A math value's class. */
type MathClass = abstract new (...args: never[]) => object;

/** One math type's layout on the wire. */
export interface MathLayout {
  /** The class of the value (the encoder tells a value's type by it). */
  readonly valueClass: MathClass;
  /** 'real': f32 each (f64 with the 64-bit header flag); 'int': int32 each. */
  readonly numbers: 'real' | 'int';
  /** How many numbers. */
  readonly count: number;
  /** The value's name in error messages ("a Vector2"). */
  readonly what: string;
  /** The value's numbers in wire order. */
  flatten(value: object): number[];
  /** The value from its numbers in wire order. */
  build(n: number[]): object;
}

/** Godot sends a Basis as rows; the value's x, y and z are its columns. */
function basisRows(b: Basis): number[] {
  return [b.x.x, b.y.x, b.z.x, b.x.y, b.y.y, b.z.y, b.x.z, b.y.z, b.z.z];
}

/** The Basis whose rows are `r`, in wire order. */
function basisFromRows(r: number[]): Basis {
  return new Basis(new Vector3(r[0], r[3], r[6]), new Vector3(r[1], r[4], r[7]), new Vector3(r[2], r[5], r[8]));
}

const xy = (v: { x: number; y: number }) => [v.x, v.y];
const xyz = (v: { x: number; y: number; z: number }) => [v.x, v.y, v.z];
const xyzw = (v: { x: number; y: number; z: number; w: number }) => [v.x, v.y, v.z, v.w];

/** The layouts of the math types, Color aside (always f32, never flagged 64-bit). */
export const MATH_LAYOUTS: ReadonlyMap<VariantType, MathLayout> = new Map<VariantType, MathLayout>([
  [
    VariantType.VECTOR2,
    {
      valueClass: Vector2,
      numbers: 'real',
      count: 2,
      what: 'a Vector2',
      flatten: (v) => xy(v as Vector2),
      build: (n) => new Vector2(n[0], n[1]),
    },
  ],
  [
    VariantType.VECTOR2I,
    {
      valueClass: Vector2i,
      numbers: 'int',
      count: 2,
      what: 'a Vector2i',
      flatten: (v) => xy(v as Vector2i),
      build: (n) => new Vector2i(n[0], n[1]),
    },
  ],
  [
    VariantType.RECT2,
    {
      valueClass: Rect2,
      numbers: 'real',
      count: 4,
      what: 'a Rect2',
      flatten: (v) => [...xy((v as Rect2).position), ...xy((v as Rect2).size)],
      build: (n) => new Rect2(new Vector2(n[0], n[1]), new Vector2(n[2], n[3])),
    },
  ],
  [
    VariantType.RECT2I,
    {
      valueClass: Rect2i,
      numbers: 'int',
      count: 4,
      what: 'a Rect2i',
      flatten: (v) => [...xy((v as Rect2i).position), ...xy((v as Rect2i).size)],
      build: (n) => new Rect2i(new Vector2i(n[0], n[1]), new Vector2i(n[2], n[3])),
    },
  ],
  [
    VariantType.VECTOR3,
    {
      valueClass: Vector3,
      numbers: 'real',
      count: 3,
      what: 'a Vector3',
      flatten: (v) => xyz(v as Vector3),
      build: (n) => new Vector3(n[0], n[1], n[2]),
    },
  ],
  [
    VariantType.VECTOR3I,
    {
      valueClass: Vector3i,
      numbers: 'int',
      count: 3,
      what: 'a Vector3i',
      flatten: (v) => xyz(v as Vector3i),
      build: (n) => new Vector3i(n[0], n[1], n[2]),
    },
  ],
  [
    VariantType.TRANSFORM2D,
    {
      valueClass: Transform2D,
      numbers: 'real',
      count: 6,
      what: 'a Transform2D',
      flatten: (v) => [...xy((v as Transform2D).x), ...xy((v as Transform2D).y), ...xy((v as Transform2D).origin)],
      build: (n) => new Transform2D(new Vector2(n[0], n[1]), new Vector2(n[2], n[3]), new Vector2(n[4], n[5])),
    },
  ],
  [
    VariantType.VECTOR4,
    {
      valueClass: Vector4,
      numbers: 'real',
      count: 4,
      what: 'a Vector4',
      flatten: (v) => xyzw(v as Vector4),
      build: (n) => new Vector4(n[0], n[1], n[2], n[3]),
    },
  ],
  [
    VariantType.VECTOR4I,
    {
      valueClass: Vector4i,
      numbers: 'int',
      count: 4,
      what: 'a Vector4i',
      flatten: (v) => xyzw(v as Vector4i),
      build: (n) => new Vector4i(n[0], n[1], n[2], n[3]),
    },
  ],
  [
    VariantType.PLANE,
    {
      valueClass: Plane,
      numbers: 'real',
      count: 4,
      what: 'a Plane',
      flatten: (v) => [...xyz((v as Plane).normal), (v as Plane).d],
      build: (n) => new Plane(new Vector3(n[0], n[1], n[2]), n[3]),
    },
  ],
  [
    VariantType.QUATERNION,
    {
      valueClass: Quaternion,
      numbers: 'real',
      count: 4,
      what: 'a Quaternion',
      flatten: (v) => xyzw(v as Quaternion),
      build: (n) => new Quaternion(n[0], n[1], n[2], n[3]),
    },
  ],
  [
    VariantType.AABB,
    {
      valueClass: AABB,
      numbers: 'real',
      count: 6,
      what: 'an AABB',
      flatten: (v) => [...xyz((v as AABB).position), ...xyz((v as AABB).size)],
      build: (n) => new AABB(new Vector3(n[0], n[1], n[2]), new Vector3(n[3], n[4], n[5])),
    },
  ],
  [
    VariantType.BASIS,
    { valueClass: Basis, numbers: 'real', count: 9, what: 'a Basis', flatten: (v) => basisRows(v as Basis), build: basisFromRows },
  ],
  [
    VariantType.TRANSFORM3D,
    {
      valueClass: Transform3D,
      numbers: 'real',
      count: 12,
      what: 'a Transform3D',
      flatten: (v) => [...basisRows((v as Transform3D).basis), ...xyz((v as Transform3D).origin)],
      build: (n) => new Transform3D(basisFromRows(n), new Vector3(n[9], n[10], n[11])),
    },
  ],
  [
    VariantType.PROJECTION,
    {
      valueClass: Projection,
      numbers: 'real',
      count: 16,
      what: 'a Projection',
      flatten: (v) => [(v as Projection).x, (v as Projection).y, (v as Projection).z, (v as Projection).w].flatMap(xyzw),
      build: (n) => {
        const column = (i: number) => new Vector4(n[i * 4], n[i * 4 + 1], n[i * 4 + 2], n[i * 4 + 3]);
        return new Projection(column(0), column(1), column(2), column(3));
      },
    },
  ],
]);
