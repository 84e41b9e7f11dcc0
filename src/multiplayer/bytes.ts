/** Little-endian integers and NUL-terminated UTF-8, as Godot's multiplayer packets carry them. */

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Reads a little-endian u32 at `offset`. */
export function readU32(b: Uint8Array, offset: number): number {
  return (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0;
}

/** Reads a little-endian i32 at `offset`. */
export function readI32(b: Uint8Array, offset: number): number {
  return readU32(b, offset) | 0;
}

/** Reads a little-endian u16 at `offset`. */
export function readU16(b: Uint8Array, offset: number): number {
  return b[offset]! | (b[offset + 1]! << 8);
}

/** Writes `value` as a little-endian 32-bit integer at `offset` (signed or unsigned). */
export function writeU32(b: Uint8Array, offset: number, value: number): void {
  b[offset] = value & 0xff;
  b[offset + 1] = (value >>> 8) & 0xff;
  b[offset + 2] = (value >>> 16) & 0xff;
  b[offset + 3] = (value >>> 24) & 0xff;
}

/** Writes `value` as a little-endian u16 at `offset`. */
export function writeU16(b: Uint8Array, offset: number, value: number): void {
  b[offset] = value & 0xff;
  b[offset + 1] = (value >>> 8) & 0xff;
}

/** UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** The UTF-8 string from `offset` up to the first NUL (or `end`). */
export function readCString(b: Uint8Array, offset: number, end = b.length): string {
  let stop = offset;
  while (stop < end && b[stop] !== 0) stop++;
  return utf8Decoder.decode(b.subarray(offset, stop));
}

/** The bytes of `parts` one after the other. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `07 <sub> <int32 LE value>` style header: `bytes` followed by a little-endian int32. */
export function withInt32(prefix: number[], value: number, rest: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(prefix.length + 4 + rest.length);
  out.set(prefix, 0);
  writeU32(out, prefix.length, value);
  out.set(rest, prefix.length + 4);
  return out;
}
