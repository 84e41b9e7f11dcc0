/**
 * Godot value types that JavaScript has no exact equivalent for: explicit int/float wrappers,
 * StringName, NodePath, RID, objects (as ids or as full property sets), Callable and Signal.
 */
import type { Variant } from './variant.js';

/**
 * An explicit Godot `int` (64-bit). Plain integer numbers and bigints already encode as int;
 * use this to say so explicitly. `valueOf()` gives the number (or bigint beyond 2^53).
 */
export class GodotInt {
  constructor(readonly value: number | bigint) {}
  valueOf(): number | bigint {
    return this.value;
  }
}

/**
 * An explicit Godot `float`, optionally of a given wire width. A plain number encodes as a float
 * only when it is not an integer (JavaScript cannot tell `1.0` from `1`), so integral floats need
 * this wrapper; decoding returns it for integral floats and for floats sent with the width Godot
 * would not have chosen. Without `width`, Godot's rule applies: 32 bits when that is exact, else 64.
 */
export class GodotFloat {
  constructor(
    readonly value: number,
    readonly width?: 32 | 64,
  ) {}
  valueOf(): number {
    return this.value;
  }
}

/** Godot `StringName` (Godot 4 only on the wire). */
export class StringName {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * Godot `NodePath`: node names, then property subnames (`"a/b:c"` = names a, b and subname c),
 * absolute when it starts with `/`.
 */
export class NodePath {
  readonly names: string[];
  readonly subnames: string[];
  readonly absolute: boolean;

  /** Parses a path as Godot does (`/root/Main:position:x`), or builds one from its parts. */
  constructor(path: string | { names: string[]; subnames?: string[]; absolute?: boolean } = '') {
    if (typeof path !== 'string') {
      this.names = [...path.names];
      this.subnames = [...(path.subnames ?? [])];
      this.absolute = !!path.absolute;
      return;
    }
    this.absolute = path.startsWith('/');
    const colon = path.indexOf(':');
    const namePart = colon === -1 ? path : path.slice(0, colon);
    this.subnames =
      colon === -1
        ? []
        : path
            .slice(colon + 1)
            .split(':')
            .filter((s) => s !== '');
    this.names = namePart.split('/').filter((s) => s !== '');
  }

  /** The path as Godot prints it. */
  toString(): string {
    return (this.absolute ? '/' : '') + this.names.join('/') + this.subnames.map((s) => `:${s}`).join('');
  }
}

/** Godot `RID`: an opaque 64-bit resource id (Godot 3 sends none: it decodes as id 0). */
export class RID {
  constructor(readonly id: bigint = 0n) {}
}

/**
 * An object sent as its instance id (Godot's default; Godot decodes it as `EncodedObjectAsID`).
 * Instance id 0 is a null object and decodes as `null`.
 */
export class GodotObjectId {
  constructor(readonly id: bigint) {}
}

/**
 * A full object: its class name and stored properties (the `script` property is a `res://`
 * path). Only encoded with `fullObjects: true` and only decoded with `allowObjects: true`, as in
 * Godot; without `fullObjects` it is sent as its `instanceId` when it has one.
 */
export class GodotObject {
  constructor(
    readonly className: string,
    readonly properties: Map<string, Variant> = new Map(),
    readonly instanceId?: bigint,
  ) {}
}

/** Godot `Callable`. Godot does not serialize callables: it sends an empty one, and so does this. */
export class Callable {}

/** Godot `Signal`: a signal name on an object, by instance id. */
export class Signal {
  constructor(
    readonly name: string,
    readonly objectId: bigint,
  ) {}
}
