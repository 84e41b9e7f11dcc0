import { ENetError } from '../api/errors.js';
import type { VariantCodec } from './compressed-variant.js';

/**
 * TEMPORARY stand-in until src/variant lands: nil, bool, int, float, String and PackedByteArray
 * only. Replaced by the Variant module's codec.
 */
export function defaultVariantCodec(): VariantCodec {
  return {
    encode(value: unknown): Uint8Array {
      const dv = (n: number) => {
        const b = new Uint8Array(n);
        return [b, new DataView(b.buffer)] as const;
      };
      if (value === null || value === undefined) return new Uint8Array(4);
      if (typeof value === 'boolean') {
        const [b, v] = dv(8);
        v.setUint32(0, 1, true);
        v.setUint32(4, value ? 1 : 0, true);
        return b;
      }
      if (typeof value === 'number' && Number.isInteger(value)) {
        const [b, v] = dv(12);
        v.setUint32(0, 2 | (1 << 16), true);
        v.setBigInt64(4, BigInt(value), true);
        return b;
      }
      if (typeof value === 'number') {
        const [b, v] = dv(12);
        v.setUint32(0, 3 | (1 << 16), true);
        v.setFloat64(4, value, true);
        return b;
      }
      if (typeof value === 'string') {
        const s = new TextEncoder().encode(value);
        const [b, v] = dv(8 + ((s.length + 3) & ~3));
        v.setUint32(0, 4, true);
        v.setUint32(4, s.length, true);
        b.set(s, 8);
        return b;
      }
      if (value instanceof Uint8Array) {
        const [b, v] = dv(8 + ((value.length + 3) & ~3));
        v.setUint32(0, 29, true);
        v.setUint32(4, value.length, true);
        b.set(value, 8);
        return b;
      }
      throw new ENetError('ERR_INVALID_PARAMETER', `Cannot encode ${typeof value}.`);
    },
    decodeAt(bytes: Uint8Array, offset: number): { value: unknown; length: number } {
      const v = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
      const h = v.getUint32(0, true);
      const wide = (h >> 16) & 1;
      switch (h & 0xff) {
        case 0:
          return { value: null, length: 4 };
        case 1:
          return { value: v.getUint32(4, true) !== 0, length: 8 };
        case 2:
          return wide ? { value: Number(v.getBigInt64(4, true)), length: 12 } : { value: v.getInt32(4, true), length: 8 };
        case 3:
          return wide ? { value: v.getFloat64(4, true), length: 12 } : { value: v.getFloat32(4, true), length: 8 };
        case 4: {
          const n = v.getUint32(4, true);
          return { value: new TextDecoder().decode(bytes.subarray(offset + 8, offset + 8 + n)), length: 8 + ((n + 3) & ~3) };
        }
        case 29: {
          const n = v.getUint32(4, true);
          return { value: bytes.slice(offset + 8, offset + 8 + n), length: 8 + ((n + 3) & ~3) };
        }
      }
      throw new ENetError('ERR_INVALID_PARAMETER', `Cannot decode Variant type ${h & 0xff}.`);
    },
  };
}
