import { CompressionMode } from './compression-mode.js';
import type { Compressor } from './compressor.js';
import { FastLzCompressor } from './fastlz.js';
import { RangeCoder } from './range-coder.js';
import { ZlibCompressor } from './zlib.js';
import { ZstdCompressor } from './zstd.js';

/** Makes the datagram codec of a compression mode (null for NONE), framed as Godot frames it. */
export function createCompressor(mode: CompressionMode): Compressor | null {
  switch (mode) {
    case CompressionMode.RANGE_CODER:
      return new RangeCoder();
    case CompressionMode.FASTLZ:
      return new FastLzCompressor();
    case CompressionMode.ZLIB:
      return new ZlibCompressor();
    case CompressionMode.ZSTD:
      return new ZstdCompressor();
    default:
      return null;
  }
}
