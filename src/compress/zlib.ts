import zlib from 'node:zlib';
import type { Compressor } from './compressor.js';
import { Inflater } from './inflate.js';

/**
 * Godot's ZLIB datagram codec: zlib-wrapped deflate at level 6 (node:zlib) for what we send; our
 * bounded inflater for what we receive (capped at the output size, cheap to fail).
 */
export class ZlibCompressor implements Compressor {
  private readonly inflater = new Inflater();

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
    return this.inflater.decompress(input, output);
  }
}
