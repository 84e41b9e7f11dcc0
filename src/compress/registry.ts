import { CompressionMode } from '../api/enums.js';
import { ENetError } from '../api/errors.js';
import type { Compressor } from './compressor.js';

/** Makes the compressor of a mode (null for NONE). Codecs not built yet throw ERR_UNAVAILABLE. */
export function createCompressor(mode: CompressionMode): Compressor | null {
  if (mode === CompressionMode.NONE) return null;
  throw new ENetError('ERR_UNAVAILABLE', `Compression mode ${CompressionMode[mode]} is not available yet.`);
}
