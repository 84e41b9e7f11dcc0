import { createRequire } from 'node:module';
import type { Compressor } from './compressor.js';

interface ZstdBinding {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number };
  DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number };
  compressBound(n: number): number;
}

const binding = createRequire(import.meta.url)('zstd-napi/binding') as ZstdBinding;

/**
 * Godot's ZSTD datagram codec: single-shot frames at level 3 through zstd-napi's low-level
 * binding. Decompression writes into the fixed output buffer, so a frame claiming a huge size
 * fails instead of allocating it.
 */
export class ZstdCompressor implements Compressor {
  private readonly cctx = new binding.CCtx();
  private readonly dctx = new binding.DCtx();
  private scratch = new Uint8Array(binding.compressBound(4096));

  compress(input: Uint8Array, output: Uint8Array): number {
    try {
      const bound = binding.compressBound(input.length);
      if (this.scratch.length < bound) this.scratch = new Uint8Array(bound);
      const n = this.cctx.compress(this.scratch, input, 3);
      if (n <= 0 || n > output.length) return 0;
      output.set(this.scratch.subarray(0, n));
      return n;
    } catch {
      return 0;
    }
  }

  decompress(input: Uint8Array, output: Uint8Array): number {
    if (input.length === 0) return 0;
    try {
      const n = this.dctx.decompress(output, input);
      return n > 0 && n <= output.length ? n : 0;
    } catch {
      return 0;
    }
  }
}
