import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { CompressionMode } from '../../src/api/enums.js';
import { createCompressor } from '../../src/compress/registry.js';
import { RangeCoder } from '../../src/compress/range-coder.js';
import { fastlzCompress, fastlzDecompress } from '../../src/compress/fastlz.js';
import { decodeDatagram } from '../../src/protocol/codec.js';
import { compileC, VECTORS_DIR } from '../support/cbuild.js';
import { mulberry32 } from '../../src/transport/link-shaper.js';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

test('range coder: every golden vector encodes byte-identically and decodes back', () => {
  const d = JSON.parse(readFileSync(join(VECTORS_DIR, 'range_coder_vectors.json'), 'utf8')) as {
    vectors: Array<{ name: string; input_hex: string; compressed_hex: string }>;
  };
  const rc = new RangeCoder();
  assert.ok(d.vectors.length >= 20);
  for (const v of d.vectors) {
    const input = Buffer.from(v.input_hex, 'hex');
    const out = new Uint8Array(input.length + 1024);
    const n = rc.compress(input, out);
    assert.equal(hex(out.subarray(0, n)), v.compressed_hex, v.name);
    if (input.length > 0) {
      const back = new Uint8Array(input.length);
      assert.equal(rc.decompress(out.subarray(0, n), back), input.length, v.name);
      assert.ok(Buffer.from(back).equals(input));
    }
  }
  // The vectors of enet-protocol.md §8.9.
  const doc: Array<[Uint8Array, string]> = [
    [Buffer.alloc(40, 0x61), '62026b7ade9daa'],
    [Buffer.from('hello world hello world hello world'), '68fbe0c33d70a617f8bc9392f91392e4c24473ab'],
    [Buffer.from('01020304050607080102030405060708', 'hex'), '0203ee0ede b450c81f8d09479d'.replace(/ /g, '')],
  ];
  for (const [input, expected] of doc) {
    const out = new Uint8Array(input.length + 64);
    assert.equal(hex(out.subarray(0, rc.compress(input, out))), expected);
  }
  const all = Buffer.from([...Array(256).keys()]);
  assert.equal(rc.compress(all, new Uint8Array(256)), 0, 'incompressible input does not fit outLimit = length');
});

test('range coder: byte-identical with the installed libenet on 400 random inputs, and libenet decodes ours', () => {
  const bin = compileC('range_vectors');
  const lines = execFileSync(bin, ['20261124', '400'], { maxBuffer: 64 << 20 })
    .toString()
    .trim()
    .split('\n');
  assert.equal(lines.length, 400);
  const rc = new RangeCoder();
  let compared = 0;
  for (const line of lines) {
    const [inHex, outHex] = line.split(' ') as [string, string];
    const input = Buffer.from(inHex, 'hex');
    const out = new Uint8Array(input.length);
    const n = rc.compress(input, out);
    assert.equal(n === 0 ? '-' : hex(out.subarray(0, n)), outHex, `input of ${input.length} bytes`);
    if (n > 0) {
      const back = new Uint8Array(input.length);
      assert.equal(rc.decompress(out.subarray(0, n), back), input.length);
      assert.ok(Buffer.from(back).equals(input));
      compared++;
    }
  }
  assert.ok(compared > 200);
  // libenet decodes what we produce (spot checks).
  for (const line of lines.slice(0, 20)) {
    const input = Buffer.from(line.split(' ')[0]!, 'hex');
    const out = new Uint8Array(input.length);
    const n = rc.compress(input, out);
    if (n === 0) continue;
    const decoded = execFileSync(bin, ['decode', hex(out.subarray(0, n)), String(input.length)])
      .toString()
      .trim();
    assert.equal(decoded, hex(input));
  }
});

test('range coder: inputs that rescale the root context decode back in libenet and in ours', () => {
  // A byte is coded in the root context each time its shorter contexts are new, so a byte after
  // each of the 256 values, again and again, passes the root's count limit (rescale) and, at
  // 2304 bytes, the node pool's limit (model restart). The random-input test above never does.
  const rounds = (n: number, third: boolean) =>
    Uint8Array.from({ length: n * 256 * (third ? 3 : 2) }, (_, k) => {
      const i = Math.floor(k / (third ? 3 : 2)) % 256;
      const slot = k % (third ? 3 : 2);
      return slot === 0 ? i : slot === 1 ? 0xaa : (i * 7) & 0xff;
    });
  const r = mulberry32(20261201);
  const noisy = Uint8Array.from({ length: 4000 }, (_, k) => (k % 2 === 0 ? (r() * 256) | 0 : r() < 0.9 ? 0xaa : (r() * 16) | 0));
  const bin = compileC('range_vectors');
  const rc = new RangeCoder();
  for (const input of [rounds(1, false), rounds(3, true), noisy]) {
    const out = new Uint8Array(input.length);
    const n = rc.compress(input, out);
    assert.ok(n > 0, `${input.length} bytes compress`);
    const decoded = execFileSync(bin, ['decode', hex(out.subarray(0, n)), String(input.length)])
      .toString()
      .trim();
    assert.equal(decoded, hex(input), `libenet decodes our ${input.length}-byte input`);
    const back = new Uint8Array(input.length);
    assert.equal(rc.decompress(out.subarray(0, n), back), input.length);
    assert.equal(hex(back), hex(input));
  }
});

test('every compressed datagram captured between real Godot peers decodes to well-formed ENet commands', () => {
  for (const [mode, file] of [
    [CompressionMode.RANGE_CODER, 'range_coder'],
    [CompressionMode.FASTLZ, 'fastlz'],
    [CompressionMode.ZLIB, 'zlib'],
    [CompressionMode.ZSTD, 'zstd'],
  ] as const) {
    const cap = JSON.parse(readFileSync(join(VECTORS_DIR, `godot_godot_${file}.json`), 'utf8')) as {
      datagrams: Array<{ hex: string; header: { compressed: boolean; sentTime?: number } }>;
    };
    const codec = createCompressor(mode)!;
    let decoded = 0;
    for (const d of cap.datagrams) {
      if (!d.header.compressed) continue;
      const raw = Buffer.from(d.hex, 'hex');
      const hs = d.header.sentTime !== undefined ? 4 : 2;
      const out = new Uint8Array(4096 - hs);
      const n = codec.decompress(raw.subarray(hs), out);
      assert.ok(n > 0, `${file}: decompresses`);
      const plain = Buffer.concat([Buffer.from([raw[0]! & ~0x40, raw[1]!]), raw.subarray(2, hs), out.subarray(0, n)]);
      const r = decodeDatagram(plain);
      assert.ok(r.ok, `${file}: ${!r.ok && r.error}`);
      if (mode === CompressionMode.RANGE_CODER) {
        const again = new Uint8Array(n);
        assert.equal(
          hex(again.subarray(0, codec.compress(out.subarray(0, n), again))),
          hex(raw.subarray(hs)),
          'range coder re-encodes identically',
        );
      }
      decoded++;
    }
    assert.ok(decoded >= 10, `${file}: ${decoded} compressed datagrams`);
  }
});

test('FastLZ levels 1 and 2 round-trip every size and content kind; one byte short gives 0', () => {
  const content = (n: number, kind: number) => {
    const b = new Uint8Array(n);
    const r = mulberry32(n * 31 + kind);
    for (let i = 0; i < n; i++) b[i] = kind === 0 ? 0 : kind === 1 ? (r() * 256) | 0 : kind === 2 ? 97 + (i % 26) : (i >> 4) & 0xff;
    return b;
  };
  for (const level of [1, 2] as const)
    for (const n of [1, 2, 3, 4, 15, 16, 17, 31, 32, 33, 64, 100, 255, 1000, 1400, 4096, 9000, 65535, 65536, 100_000])
      for (let kind = 0; kind < 4; kind++) {
        const input = content(n, kind);
        const out = new Uint8Array(n * 2 + 64);
        const c = fastlzCompress(input, out, level);
        assert.ok(c > 0);
        // Under 4 bytes the block is a plain literal run without a level marker (as in C).
        if (n >= 4) assert.equal(out[0]! >> 5, level - 1, 'level marker');
        const back = new Uint8Array(n);
        assert.equal(fastlzDecompress(out.subarray(0, c), back), n, `level ${level} size ${n} kind ${kind}`);
        assert.ok(Buffer.from(back).equals(Buffer.from(input)));
        if (n > 0) assert.equal(fastlzDecompress(out.subarray(0, c), new Uint8Array(n - 1)), 0, 'output one byte short');
        assert.equal(fastlzCompress(input, new Uint8Array(Math.max(0, c - 1)), level), 0, 'compress into one byte short');
      }
  // Hand-checkable blocks: a literal run, and a run encoded as a back-reference.
  const lit = new Uint8Array(4);
  assert.deepEqual([...lit.subarray(0, fastlzDecompress(Uint8Array.of(2, 65, 66, 67), lit))], [65, 66, 67]);
  const run = new Uint8Array(10);
  assert.equal(fastlzDecompress(Uint8Array.of(0, 120, 0xe0, 0, 0), run), 10); // 'x' then 9 more copies
  assert.ok(run.every((b) => b === 120));
});

test('zlib and zstd frames are the standard formats Godot uses', () => {
  const input = Buffer.from('game state '.repeat(50));
  const z = createCompressor(CompressionMode.ZLIB)!;
  const out = new Uint8Array(input.length);
  const n = z.compress(input, out);
  assert.deepEqual([out[0], out[1]], [0x78, 0x9c], 'zlib header, level 6');
  assert.ok(zlib.inflateSync(out.subarray(0, n)).equals(input));
  const s = createCompressor(CompressionMode.ZSTD)!;
  const m = s.compress(input, out);
  assert.deepEqual([...out.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'zstd magic');
  const back = new Uint8Array(input.length);
  assert.equal(s.decompress(out.subarray(0, m), back), input.length);
  assert.ok(Buffer.from(back).equals(input));
});

test('hostile input: random, truncated and bit-flipped data never throws and never writes past the cap', () => {
  const r = mulberry32(99);
  for (const mode of [CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD]) {
    const codec = createCompressor(mode)!;
    const valid: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const input = Buffer.from(`{"x":${i},"y":${i * 3},"name":"player${i}"}`.repeat(1 + (i % 20)));
      const out = new Uint8Array(input.length);
      const n = codec.compress(input, out);
      if (n > 0) valid.push(out.slice(0, n));
    }
    assert.ok(valid.length > 0);
    const cap = new Uint8Array(4092);
    for (let i = 0; i < 20_000; i++) {
      let d: Uint8Array;
      const k = i % 3;
      if (k === 0 || valid.length === 0) {
        d = new Uint8Array((r() * 300) | 0);
        for (let j = 0; j < d.length; j++) d[j] = (r() * 256) | 0;
      } else {
        const v = valid[(r() * valid.length) | 0]!;
        d = k === 1 ? v.subarray(0, (r() * v.length) | 0) : v.slice();
        if (k === 2 && d.length) d[(r() * d.length) | 0]! ^= 1 << ((r() * 8) | 0);
      }
      const n = codec.decompress(d, cap);
      assert.ok(n >= 0 && n <= cap.length, `${CompressionMode[mode]} result ${n}`);
    }
  }
  // A zstd frame claiming 1 GiB and a zlib bomb give 0 instead of allocating.
  const zstd = createRequire(import.meta.url)('zstd-napi') as { compress(b: Buffer): Buffer };
  const bomb = zstd.compress(Buffer.alloc(8 << 20));
  assert.equal(createCompressor(CompressionMode.ZSTD)!.decompress(bomb, new Uint8Array(4092)), 0);
  const zbomb = zlib.deflateSync(Buffer.alloc(10 << 20));
  const before = process.memoryUsage().arrayBuffers;
  assert.equal(createCompressor(CompressionMode.ZLIB)!.decompress(zbomb, new Uint8Array(4092)), 0);
  assert.ok(process.memoryUsage().arrayBuffers - before < 5 << 20, 'the bomb was not inflated');
});
