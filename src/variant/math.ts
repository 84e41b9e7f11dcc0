/**
 * Godot's math value types as plain mutable classes. Real components are JavaScript numbers
 * (Godot sends them as 32-bit floats in standard builds); integer vectors hold 32-bit integers.
 */

const DOUBLE_PRECISION = Symbol('enet-ts.doublePrecision');

/**
 * Marks a real-valued math value (Vector2, Rect2, Transform3D, …) to be encoded with 64-bit
 * components, as a Godot built with `precision=double` sends it. The decoder marks the values it
 * read as doubles, so they re-encode as they came. The mark is not an enumerable property (equality
 * checks ignore it). Returns the value.
 */
export function asDoublePrecision<T extends object>(value: T): T {
  Object.defineProperty(value, DOUBLE_PRECISION, { value: true, configurable: true, enumerable: false });
  return value;
}

/** True for a value marked by {@link asDoublePrecision} (or decoded from 64-bit components). */
export function isDoublePrecision(value: object): boolean {
  return (value as Record<symbol, unknown>)[DOUBLE_PRECISION] === true;
}

/** Godot `Vector2` (real components). */
export class Vector2 {
  constructor(
    public x = 0,
    public y = 0,
  ) {}
}

/** Godot `Vector2i` (32-bit integer components). */
export class Vector2i {
  constructor(
    public x = 0,
    public y = 0,
  ) {}
}

/** Godot `Vector3` (real components). */
export class Vector3 {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
  ) {}
}

/** Godot `Vector3i` (32-bit integer components). */
export class Vector3i {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
  ) {}
}

/** Godot `Vector4` (real components). */
export class Vector4 {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
    public w = 0,
  ) {}
}

/** Godot `Vector4i` (32-bit integer components). */
export class Vector4i {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
    public w = 0,
  ) {}
}

/** Godot `Rect2`: a position and a size. */
export class Rect2 {
  constructor(
    public position = new Vector2(),
    public size = new Vector2(),
  ) {}
}

/** Godot `Rect2i`: an integer position and size. */
export class Rect2i {
  constructor(
    public position = new Vector2i(),
    public size = new Vector2i(),
  ) {}
}

/** Godot `Transform2D`: the x and y axis columns and the origin (identity by default). */
export class Transform2D {
  constructor(
    public x = new Vector2(1, 0),
    public y = new Vector2(0, 1),
    public origin = new Vector2(),
  ) {}
}

/** Godot `Plane`: normal and distance from the origin. */
export class Plane {
  constructor(
    public normal = new Vector3(),
    public d = 0,
  ) {}
}

/** Godot `Quaternion` (Godot 3: `Quat`); identity by default. */
export class Quaternion {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
    public w = 1,
  ) {}
}

/** Godot `AABB`: a position and a size. */
export class AABB {
  constructor(
    public position = new Vector3(),
    public size = new Vector3(),
  ) {}
}

/** Godot `Basis`: three axis columns `x`, `y`, `z`, as GDScript's `basis.x/y/z` (identity by default). */
export class Basis {
  constructor(
    public x = new Vector3(1, 0, 0),
    public y = new Vector3(0, 1, 0),
    public z = new Vector3(0, 0, 1),
  ) {}
}

/** Godot `Transform3D` (Godot 3: `Transform`): a basis and an origin. */
export class Transform3D {
  constructor(
    public basis = new Basis(),
    public origin = new Vector3(),
  ) {}
}

/** Godot `Projection`: four Vector4 columns `x`, `y`, `z`, `w` (identity by default). */
export class Projection {
  constructor(
    public x = new Vector4(1, 0, 0, 0),
    public y = new Vector4(0, 1, 0, 0),
    public z = new Vector4(0, 0, 1, 0),
    public w = new Vector4(0, 0, 0, 1),
  ) {}
}

/** Godot `Color`: r, g, b, a as 32-bit floats (alpha 1 by default). */
export class Color {
  constructor(
    public r = 0,
    public g = 0,
    public b = 0,
    public a = 1,
  ) {}
}
