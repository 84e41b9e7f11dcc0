import { CompressionMode } from './compression-mode.js';
import { createCompressor } from './registry.js';

/** One codec's measured rate on game-like datagrams. */
export interface CodecBenchRow {
  mode: string;
  datagramsPerSecond: number;
  /** Compressed size / original size (datagrams left uncompressed count at full size). */
  ratio: number;
}

/**
 * B6's corpus: 64 game-like datagrams of 100–1400 bytes, ENet command headers around small
 * structured state records; the same every call (bench/c/range_coder_bench.c reads it too).
 */
export function gameDatagrams(): Buffer[] {
  const list: Buffer[] = [];
  let x = 12345;
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 4294967296;
  };
  for (let d = 0; d < 64; d++) {
    const size = 100 + Math.floor(rnd() * 1300);
    const b = Buffer.alloc(size);
    for (let off = 0; off + 24 <= size; off += 24) {
      b.writeUInt8(0x86, off);
      b.writeUInt16BE((d * 10 + off) & 0xffff, off + 2);
      b.writeUInt16BE(18, off + 4);
      b.writeUInt32LE(1000 + (off % 7), off + 6);
      b.writeFloatLE(rnd() * 100, off + 10);
      b.writeFloatLE(rnd() * 100, off + 14);
      b.writeUInt16LE(Math.floor(rnd() * 4), off + 18);
    }
    list.push(b);
  }
  return list;
}

/**
 * Measures compress + decompress of game-like datagrams (100–1400 bytes) for each codec during
 * `durationMsPerCodec` ms after a warm-up (B6 of `npm run bench`).
 */
export function benchCodecs(durationMsPerCodec: number): CodecBenchRow[] {
  const input = gameDatagrams();
  const rows: CodecBenchRow[] = [];
  for (const mode of [CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD]) {
    const codec = createCompressor(mode)!;
    const out = new Uint8Array(4096);
    const back = new Uint8Array(4096);
    const roundTrip = (d: Buffer): number => {
      const c = codec.compress(d, out.subarray(0, d.length));
      if (c > 0) codec.decompress(out.subarray(0, c), back);
      return c;
    };
    for (let w = 0; w < 20; w++) for (const d of input) roundTrip(d);
    let n = 0;
    let inBytes = 0;
    let outBytes = 0;
    const t0 = performance.now();
    const end = t0 + durationMsPerCodec;
    while (performance.now() < end) {
      for (const d of input) {
        const c = roundTrip(d);
        inBytes += d.length;
        outBytes += c > 0 ? c : d.length;
        n++;
      }
    }
    rows.push({
      mode: CompressionMode[mode],
      datagramsPerSecond: Math.round(n / ((performance.now() - t0) / 1000)),
      ratio: +(outBytes / inBytes).toFixed(3),
    });
  }
  return rows;
}
