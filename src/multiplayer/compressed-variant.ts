import { ENetError } from '../api/errors.js';
import { readU32 } from './bytes.js';

/** A Variant codec (Godot's binary format) as the RPC layer needs it. */
export interface VariantCodec {
  /** The value's Variant bytes (4-byte header first). */
  encode(value: unknown): Uint8Array;
  /** Decodes one Variant at `offset`; `length` is the number of bytes it took. */
  decodeAt(bytes: Uint8Array, offset: number): { value: unknown; length: number };
}

const TYPE_BOOL = 1;
const TYPE_INT = 2;
const TYPE_PACKED_BYTE_ARRAY = 29;
const VARIANT_MAX = 39;
const FLAG_64 = 1 << 16;

/**
 * Godot 4's compressed Variant encoding of one RPC argument: BOOL as one byte (value in bit 7),
 * INT as a meta byte plus the smallest little-endian width that holds it, everything else as the
 * normal Variant encoding. The codec decides what is an INT or a BOOL.
 */
export function encodeCompressedVariant(value: unknown, codec: VariantCodec): Uint8Array {
  const full = codec.encode(value);
  const type = full[0]!;
  if (type === TYPE_BOOL) return Uint8Array.of(TYPE_BOOL | (readU32(full, 4) !== 0 ? 0x80 : 0));
  if (type !== TYPE_INT) return full;
  const dv = new DataView(full.buffer, full.byteOffset, full.byteLength);
  const v = readU32(full, 0) & FLAG_64 ? dv.getBigInt64(4, true) : BigInt(dv.getInt32(4, true));
  if (v >= -128n && v <= 127n) return Uint8Array.of(TYPE_INT, Number(v) & 0xff);
  if (v >= -32768n && v <= 32767n) {
    const out = new Uint8Array(3);
    out[0] = TYPE_INT | 0x40;
    new DataView(out.buffer).setInt16(1, Number(v), true);
    return out;
  }
  if (v >= -2147483648n && v <= 2147483647n) {
    const out = new Uint8Array(5);
    out[0] = TYPE_INT | 0x80;
    new DataView(out.buffer).setInt32(1, Number(v), true);
    return out;
  }
  const out = new Uint8Array(9);
  out[0] = TYPE_INT | 0xc0;
  new DataView(out.buffer).setBigInt64(1, v, true);
  return out;
}

/**
 * Decodes one compressed Variant at `offset` (see {@link encodeCompressedVariant}).
 * @throws ENetError ERR_INVALID_DATA when it is cut short or malformed.
 */
export function decodeCompressedVariant(bytes: Uint8Array, offset: number, codec: VariantCodec): { value: unknown; length: number } {
  if (offset >= bytes.length) throw new ENetError('ERR_INVALID_DATA', 'Invalid packet received. Size too small.');
  const meta = bytes[offset]!;
  const type = meta & 0x3f;
  if (type >= VARIANT_MAX) throw new ENetError('ERR_INVALID_DATA', `Invalid Variant type ${type}.`);
  if (type === TYPE_BOOL) {
    const full = new Uint8Array(8);
    full[0] = TYPE_BOOL;
    full[4] = meta & 0x80 ? 1 : 0;
    return { value: codec.decodeAt(full, 0).value, length: 1 };
  }
  if (type === TYPE_INT) {
    const width = [1, 2, 4, 8][meta >> 6]!;
    if (offset + 1 + width > bytes.length) throw new ENetError('ERR_INVALID_DATA', 'Invalid packet received. Size too small.');
    const src = new DataView(bytes.buffer, bytes.byteOffset + offset + 1, width);
    const v =
      width === 1
        ? BigInt(src.getInt8(0))
        : width === 2
          ? BigInt(src.getInt16(0, true))
          : width === 4
            ? BigInt(src.getInt32(0, true))
            : src.getBigInt64(0, true);
    const wide = v < -2147483648n || v > 2147483647n;
    const full = new Uint8Array(wide ? 12 : 8);
    const dv = new DataView(full.buffer);
    dv.setUint32(0, TYPE_INT | (wide ? FLAG_64 : 0), true);
    if (wide) dv.setBigInt64(4, v, true);
    else dv.setInt32(4, Number(v), true);
    return { value: codec.decodeAt(full, 0).value, length: 1 + width };
  }
  return codec.decodeAt(bytes, offset);
}

/** Whether a codec encodes `value` as a PackedByteArray (sent in the byte-only form when alone). */
export function isPackedByteArray(encoded: Uint8Array): boolean {
  return encoded[0] === TYPE_PACKED_BYTE_ARRAY;
}
