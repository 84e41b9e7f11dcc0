// B6: datagrams per second through compress + decompress for each codec, on game-like datagrams.
import { createCompressor } from '../dist/compress/registry.js';

/** Game-like datagrams: ENet command headers around small structured state records. */
function datagrams() {
  const list = [];
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
      b.writeUInt16BE(d * 10 + off, off + 2);
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

/** Measures each codec for `ms` milliseconds. */
export function benchCodecs(ms) {
  const input = datagrams();
  const rows = [];
  for (const [mode, name] of [
    [1, 'RANGE_CODER'],
    [2, 'FASTLZ'],
    [3, 'ZLIB'],
    [4, 'ZSTD'],
  ]) {
    const codec = createCompressor(mode);
    const out = new Uint8Array(4096);
    const back = new Uint8Array(4096);
    for (let w = 0; w < 20; w++)
      for (const d of input) codec.decompress(out.subarray(0, codec.compress(d, out.subarray(0, d.length))), back);
    let n = 0;
    let inBytes = 0;
    let outBytes = 0;
    const end = performance.now() + ms;
    const t0 = performance.now();
    while (performance.now() < end) {
      for (const d of input) {
        const c = codec.compress(d, out.subarray(0, d.length));
        if (c > 0) codec.decompress(out.subarray(0, c), back);
        inBytes += d.length;
        outBytes += c > 0 ? c : d.length;
        n++;
      }
    }
    rows.push({
      mode: name,
      datagramsPerSecond: Math.round(n / ((performance.now() - t0) / 1000)),
      ratio: +(outBytes / inBytes).toFixed(3),
    });
  }
  return rows;
}
