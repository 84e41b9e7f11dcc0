/**
 * The Variant decoder target of `npm run fuzz -- --variant`: feeds decodeVariant random bytes and
 * mutations of valid encodings (Godot's golden vectors and encodings of random values), in both
 * formats, with and without objects. Checks that every failure is an ENetError (nothing else
 * escapes), that whatever decodes re-encodes and decodes to the same value, that random values
 * survive encode → decode, and that memory stays bounded.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ENetError } from '../protocol/errors.js';
import { mulberry32 } from '../transport/link-shaper.js';
import {
  Color,
  decodeVariant,
  encodeVariant,
  GodotFloat,
  GodotObjectId,
  NodePath,
  PackedStringArray,
  PackedVector2Array,
  Quaternion,
  RID,
  StringName,
  TypedArray,
  type Variant,
  VariantType,
  Vector2,
  Vector2i,
  Vector3,
} from '../variant/index.js';

/** What to fuzz and for how long. */
export interface VariantFuzzOptions {
  /** Inputs to decode. */
  count: number;
  seed?: number;
  /** Stop after this many ms of wall time even if `count` is not reached. */
  timeLimitMs?: number;
  /** Valid encodings to mutate, with their format. */
  corpus?: Array<{ bytes: Uint8Array; format: 3 | 4 }>;
}

/** What a Variant fuzz run found. */
export interface VariantFuzzReport {
  inputs: number;
  /** Inputs that decoded to a value. */
  decoded: number;
  /** Decode failures by Godot error name (all ENetErrors). */
  errors: Record<string, number>;
  /** Anything thrown that is not an ENetError (must be 0). */
  exceptions: number;
  firstException?: string;
  /** Decoded values whose re-encoding is not stable, and random values that do not survive encode → decode (must be 0). */
  mismatches: number;
  /** Decoded hostile values that re-encoding converted (foreign elements in typed containers). */
  normalized: number;
  firstMismatch?: string;
  peakHeapMB: number;
  elapsedMs: number;
}

const INTERESTING = [
  0,
  1,
  2,
  3,
  4,
  0x7f,
  0x80,
  0xff,
  0x100,
  0xffff,
  0x10000,
  0x7fffffff,
  0x80000000,
  0xfffffff0,
  0xffffffff,
  0x10000 | 28,
  0x50000 | 27,
  22,
  24,
];

/** Loads the golden vectors (test/vectors/variant/godot{3,4}.json) as a corpus. */
export function loadVariantCorpus(dir: string): Array<{ bytes: Uint8Array; format: 3 | 4 }> {
  if (!existsSync(dir)) return [];
  const out: Array<{ bytes: Uint8Array; format: 3 | 4 }> = [];
  for (const f of readdirSync(dir)) {
    const m = /^godot([34])\.json$/.exec(f);
    if (!m) continue;
    const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { vectors?: Array<{ hex: string }> };
    for (const v of j.vectors ?? []) out.push({ bytes: Buffer.from(v.hex, 'hex'), format: Number(m[1]) as 3 | 4 });
  }
  return out;
}

/** Runs one campaign; deterministic for a given seed and count (wall-time limit aside). */
export function runVariantFuzz(options: VariantFuzzOptions): VariantFuzzReport {
  const rnd = mulberry32(options.seed ?? 1);
  const int = (n: number) => Math.floor(rnd() * n);
  const start = Date.now();
  const deadline = options.timeLimitMs ? start + options.timeLimitMs : Number.POSITIVE_INFINITY;
  const report: VariantFuzzReport = {
    inputs: 0,
    decoded: 0,
    errors: {},
    exceptions: 0,
    mismatches: 0,
    normalized: 0,
    peakHeapMB: 0,
    elapsedMs: 0,
  };
  const corpus = [...(options.corpus ?? [])];
  let peakHeap = 0;

  const exception = (err: unknown) => {
    report.exceptions++;
    report.firstException ??= err instanceof Error ? (err.stack ?? err.message) : String(err);
  };
  const mismatch = (what: string) => {
    report.mismatches++;
    report.firstMismatch ??= what;
  };

  // Encodings of random values join the corpus; each must also decode to itself.
  for (let i = 0; i < 300; i++) {
    const format = int(2) === 0 ? 3 : 4;
    const value = randomValue(format, 3);
    try {
      const bytes = encodeVariant(value, { format });
      const back = decodeVariant(bytes, { format });
      if (!isDeepStrictEqual(back, value)) mismatch(`random value ${i} (format ${format}) changed through encode → decode`);
      corpus.push({ bytes, format });
    } catch (err) {
      exception(err);
    }
  }

  for (; report.inputs < options.count; report.inputs++) {
    const format: 3 | 4 = int(2) === 0 ? 3 : 4;
    const allowObjects = int(4) === 0;
    const input = makeInput(format);
    let value: Variant;
    try {
      value = decodeVariant(input, { format, allowObjects });
    } catch (err) {
      if (err instanceof ENetError) report.errors[err.code] = (report.errors[err.code] ?? 0) + 1;
      else exception(err);
      continue;
    }
    report.decoded++;
    try {
      const again = encodeVariant(value, { format, fullObjects: allowObjects });
      const back = decodeVariant(again, { format, allowObjects });
      if (!isDeepStrictEqual(back, value)) {
        // Typed containers convert foreign elements on encoding (a String in an Array[NodePath]
        // becomes a NodePath): the result must then be stable.
        report.normalized++;
        const third = encodeVariant(back, { format, fullObjects: allowObjects });
        if (Buffer.compare(third, again) !== 0 || !isDeepStrictEqual(decodeVariant(third, { format, allowObjects }), back))
          mismatch(`input ${Buffer.from(input).toString('hex').slice(0, 200)} (format ${format}) does not re-encode stably`);
      }
    } catch (err) {
      // A hostile typed container may hold elements of another type: refusing to re-encode it is fine.
      if (!(err instanceof ENetError && err.code === 'ERR_INVALID_PARAMETER')) exception(err);
    }
    if ((report.inputs & 0x3fff) === 0) {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      if (Date.now() > deadline) break;
    }
  }
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  report.peakHeapMB = Math.round(peakHeap / 1048576);
  report.elapsedMs = Date.now() - start;
  return report;

  function makeInput(format: 3 | 4): Uint8Array {
    const kind = int(100);
    const same = corpus.filter((c) => c.format === format);
    if (kind < 8 || same.length === 0) {
      const d = new Uint8Array(int(kind < 2 ? 2000 : 64));
      for (let i = 0; i < d.length; i++) d[i] = int(256);
      // A valid type id in the header now and then, so the payload parsers are reached.
      if (d.length >= 4 && int(2) === 0) d.set([int(format === 4 ? 40 : 28), 0, int(4), 0]);
      return d;
    }
    let d: Uint8Array = Uint8Array.prototype.slice.call(same[int(same.length)]!.bytes);
    const mutations = 1 + int(4);
    for (let m = 0; m < mutations; m++) d = mutate(d, same);
    return d;
  }

  function mutate(d: Uint8Array, same: Array<{ bytes: Uint8Array }>): Uint8Array {
    if (d.length === 0) return new Uint8Array([int(256)]);
    switch (int(8)) {
      case 0: {
        const i = int(d.length);
        d[i] = d[i]! ^ (1 << int(8));
        return d;
      }
      case 1:
        d[int(d.length)] = int(256);
        return d;
      case 2:
        return d.subarray(0, int(d.length));
      case 3:
      case 4: {
        // An interesting u32 at a word boundary (counts, lengths, headers live there).
        const v = INTERESTING[int(INTERESTING.length)]!;
        const i = int(Math.max(1, d.length >> 2)) * 4;
        if (i + 4 <= d.length) new DataView(d.buffer, d.byteOffset).setUint32(i, v >>> 0, true);
        return d;
      }
      case 5: {
        // Splice another encoding in at a word boundary.
        const other = same[int(same.length)]!.bytes;
        const cut = int(Math.max(1, d.length >> 2)) * 4;
        const e = new Uint8Array(Math.min(4096, cut + other.length));
        e.set(d.subarray(0, Math.min(cut, e.length)));
        if (cut < e.length) e.set(other.subarray(0, e.length - cut), cut);
        return e;
      }
      case 6: {
        const e = new Uint8Array(d.length + 4 * (1 + int(8)));
        e.set(d);
        for (let i = d.length; i < e.length; i++) e[i] = int(256);
        return e;
      }
      default: {
        const a = int(d.length);
        const b = int(d.length);
        d.copyWithin(a, b, b + 1 + int(16));
        return d;
      }
    }
  }

  function randomString(): string {
    const pool = ['', 'a', 'héllo', '日本', '😀', 'x y', 'name_1', 'abcd', 'abcde'];
    return pool[int(pool.length)]! + (int(3) === 0 ? String(int(1000)) : '');
  }

  function randomNumber(): number | bigint | GodotFloat {
    switch (int(6)) {
      case 0:
        return int(200) - 100;
      case 1:
        return (int(2) ? 1 : -1) * int(2 ** 31) * 2 ** int(22);
      case 2:
        return BigInt.asIntN(64, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32)));
      case 3:
        return new GodotFloat(int(100), int(2) ? undefined : 64);
      case 4:
        return (rnd() - 0.5) * 10 ** int(12);
      default:
        return [Number.NaN, Number.POSITIVE_INFINITY, -0, 0.5, 1e-300][int(5)]!;
    }
  }

  function randomValue(format: 3 | 4, depth: number): Variant {
    const f = () => Math.fround((rnd() - 0.5) * 1000);
    const pick = int(depth > 0 ? 16 : 12);
    switch (pick) {
      case 0:
        return null;
      case 1:
        return int(2) === 0;
      case 2:
      case 3: {
        const n = randomNumber();
        // A bigint within the safe range decodes as a number.
        return typeof n === 'bigint' && n >= -(2n ** 53n) + 1n && n <= 2n ** 53n - 1n ? Number(n) : n;
      }
      case 4:
        return randomString();
      case 5:
        return new Vector2(f(), f());
      case 6:
        return format === 4 ? new Vector2i(int(2 ** 32) | 0, -int(100)) : new Vector3(f(), f(), f());
      case 7:
        return new Color(f(), f(), f(), f());
      case 8:
        return format === 4 ? new StringName(randomString()) : new Quaternion(f(), f(), f(), f());
      case 9:
        return new NodePath({ names: [randomString() || 'n'], subnames: int(2) ? [] : ['p'], absolute: int(2) === 0 });
      case 10:
        return format === 4 ? new RID(BigInt(int(2 ** 32)) << 8n) : new RID(0n);
      case 11:
        return new GodotObjectId(BigInt(1 + int(2 ** 31)));
      case 12:
        return Array.from({ length: int(4) }, () => randomValue(format, depth - 1));
      case 13: {
        const m = new Map<Variant, Variant>();
        for (let i = int(4); i > 0; i--) m.set(int(2) ? randomString() : int(100), randomValue(format, depth - 1));
        return m;
      }
      case 14:
        return format === 4 && int(2)
          ? new TypedArray(
              VariantType.INT,
              Array.from({ length: int(4) }, () => int(1000)),
            )
          : new Uint8Array(int(9)).map(() => int(256));
      default:
        return int(2)
          ? new PackedStringArray(Array.from({ length: int(3) }, randomString))
          : new PackedVector2Array(Float32Array.from({ length: 2 * int(3) }, f));
    }
  }
}
