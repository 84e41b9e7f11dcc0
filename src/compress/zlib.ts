import zlib from 'node:zlib';
import type { Compressor } from './compressor.js';

/** Godot's ZLIB datagram codec: zlib-wrapped deflate at level 6; inflation capped at the output size. */
export class ZlibCompressor implements Compressor {
  compress(input: Uint8Array, output: Uint8Array): number {
    try {
      const out = zlib.deflateSync(input, { level: 6, windowBits: 15, memLevel: 8 });
      if (out.length > output.length) return 0;
      output.set(out);
      return out.length;
    } catch {
      return 0;
    }
  }

  decompress(input: Uint8Array, output: Uint8Array): number {
    if (input.length === 0) return 0;
    try {
      const out = zlib.inflateSync(input, { maxOutputLength: Math.max(1, output.length) });
      if (out.length > output.length) return 0;
      output.set(out);
      return out.length;
    } catch {
      return 0;
    }
  }
}
