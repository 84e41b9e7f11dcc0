import { decodeVariantAt, encodeVariant } from '../variant/index.js';
import type { Variant } from '../variant/index.js';
import type { VariantCodec } from './compressed-variant.js';

/**
 * Godot's binary Variant format (src/variant) as the RPC layer uses it: format 4 or 3; objects
 * in full only when `allowObjects` (Godot's `allow_object_decoding`), otherwise as instance ids.
 */
export function defaultVariantCodec(format: 4 | 3 = 4, allowObjects = false): VariantCodec {
  return {
    encode: (value: unknown) => encodeVariant(value as Variant, { format, fullObjects: allowObjects }),
    // A Buffer's slice() is a view, not a copy: the decoder gets a plain Uint8Array over the same bytes.
    decodeAt: (bytes: Uint8Array, offset: number) =>
      decodeVariantAt(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), offset, { format, allowObjects }),
  };
}
