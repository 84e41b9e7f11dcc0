import type { Compressor } from './compressor.js';

const MAX_COPY = 32;
const MAX_LEN = 264;
const L1_MAX_DISTANCE = 8192;
const L2_MAX_DISTANCE = 8191;
const MAX_FAR_DISTANCE = 65535 + L2_MAX_DISTANCE - 1;
const HASH_LOG = 13;
const HASH_SIZE = 1 << HASH_LOG;

const hashTable = new Int32Array(HASH_SIZE);

function hashAt(src: Uint8Array, p: number): number {
  const v = src[p]! | (src[p + 1]! << 8);
  return (v ^ (src[p + 1]! | (src[p + 2]! << 8)) ^ (v >>> (16 - HASH_LOG))) & (HASH_SIZE - 1);
}

/**
 * Compresses `input` into `output` as a FastLZ block (ariya/FastLZ format, level 1 or 2).
 * Returns the size, or 0 when it does not fit `output`.
 */
export function fastlzCompress(input: Uint8Array, output: Uint8Array, level: 1 | 2): number {
  const length = input.length;
  if (length === 0) return 0;
  let op = 0;
  const need = (n: number) => op + n <= output.length;
  if (length < 4) {
    if (!need(length + 1)) return 0;
    output[op++] = length - 1;
    for (let i = 0; i < length; i++) output[op++] = input[i]!;
    return op;
  }
  const ipBound = length - 2;
  const ipLimit = length - 13;
  hashTable.fill(0);
  let ip = 0;
  if (!need(3)) return 0;
  let copy = 2;
  output[op++] = MAX_COPY - 1;
  output[op++] = input[ip++]!;
  output[op++] = input[ip++]!;
  while (ip < ipLimit) {
    const anchor = ip;
    let distance: number;
    let ref: number;
    let len = 3;
    let isMatch = false;
    if (level === 2 && input[ip] === input[ip - 1] && input[ip] === input[ip + 1] && input[ip + 1] === input[ip + 2]) {
      // A run of the previous byte.
      distance = 1;
      ip += 3;
      ref = anchor - 1 + 3;
      isMatch = true;
    } else {
      const h = hashAt(input, ip);
      ref = hashTable[h]!;
      hashTable[h] = anchor;
      distance = anchor - ref;
      const maxDistance = level === 1 ? L1_MAX_DISTANCE : MAX_FAR_DISTANCE;
      if (
        distance !== 0 &&
        distance < maxDistance &&
        input[ref] === input[ip] &&
        input[ref + 1] === input[ip + 1] &&
        input[ref + 2] === input[ip + 2]
      ) {
        ref += 3;
        ip += 3;
        isMatch = true;
        if (level === 2 && distance >= L2_MAX_DISTANCE) {
          // Far matches must be at least 5 bytes long.
          if (input[ip] !== input[ref] || input[ip + 1] !== input[ref + 1]) isMatch = false;
          else {
            ip += 2;
            ref += 2;
            len += 2;
          }
        }
      }
    }
    if (!isMatch) {
      if (!need(2)) return 0;
      output[op++] = input[anchor]!;
      ip = anchor + 1;
      copy++;
      if (copy === MAX_COPY) {
        copy = 0;
        output[op++] = MAX_COPY - 1;
      }
      continue;
    }
    // Extend the match. Like the reference coder, `ip` ends one past the first mismatching byte
    // (or at the bound), and the biased length is ip - 3 - anchor.
    ip = anchor + len;
    distance--;
    if (distance === 0) {
      const x = input[ip - 1];
      while (ip < ipBound) {
        if (input[ref++] !== x) break;
        ip++;
      }
    } else {
      let stopped = false;
      for (let k = 0; k < 8; k++) {
        if (input[ref++] !== input[ip++]) {
          stopped = true;
          break;
        }
      }
      if (!stopped) while (ip < ipBound) if (input[ref++] !== input[ip++]) break;
    }
    // Close the pending literal run (or drop its unused control byte).
    if (copy) output[op - copy - 1] = copy - 1;
    else op--;
    copy = 0;
    ip -= 3;
    let mlen = ip - anchor;
    if (level === 1) {
      while (mlen > MAX_LEN - 2) {
        if (!need(3)) return 0;
        output[op++] = (7 << 5) + (distance >>> 8);
        output[op++] = MAX_LEN - 2 - 7 - 2;
        output[op++] = distance & 255;
        mlen -= MAX_LEN - 2;
      }
      if (!need(3)) return 0;
      if (mlen < 7) {
        output[op++] = (mlen << 5) + (distance >>> 8);
        output[op++] = distance & 255;
      } else {
        output[op++] = (7 << 5) + (distance >>> 8);
        output[op++] = mlen - 7;
        output[op++] = distance & 255;
      }
    } else if (distance < L2_MAX_DISTANCE) {
      if (!need(4 + ((mlen / 255) | 0))) return 0;
      if (mlen < 7) {
        output[op++] = (mlen << 5) + (distance >>> 8);
        output[op++] = distance & 255;
      } else {
        output[op++] = (7 << 5) + (distance >>> 8);
        for (mlen -= 7; mlen >= 255; mlen -= 255) output[op++] = 255;
        output[op++] = mlen;
        output[op++] = distance & 255;
      }
    } else {
      if (!need(6 + ((mlen / 255) | 0))) return 0;
      distance -= L2_MAX_DISTANCE;
      if (mlen < 7) output[op++] = (mlen << 5) + 31;
      else {
        output[op++] = (7 << 5) + 31;
        for (mlen -= 7; mlen >= 255; mlen -= 255) output[op++] = 255;
        output[op++] = mlen;
      }
      output[op++] = 255;
      output[op++] = distance >>> 8;
      output[op++] = distance & 255;
    }
    // Hash the two positions at the match boundary.
    hashTable[hashAt(input, ip)] = ip;
    ip++;
    hashTable[hashAt(input, ip)] = ip;
    ip++;
    if (!need(1)) return 0;
    output[op++] = MAX_COPY - 1;
  }
  // The rest goes as literals.
  while (ip <= ipBound + 1) {
    if (!need(2)) return 0;
    output[op++] = input[ip++]!;
    copy++;
    if (copy === MAX_COPY) {
      copy = 0;
      output[op++] = MAX_COPY - 1;
    }
  }
  if (copy) output[op - copy - 1] = copy - 1;
  else op--;
  if (level === 2) output[0] = output[0]! | (1 << 5);
  return op;
}

/**
 * Decompresses a FastLZ block (level read from the first byte) into `output`. Returns the size,
 * or 0 for corrupt input or output that would not fit. Every read and write is bounds-checked.
 */
export function fastlzDecompress(input: Uint8Array, output: Uint8Array): number {
  const inLen = input.length;
  if (inLen === 0) return 0;
  const level = (input[0]! >>> 5) + 1;
  if (level !== 1 && level !== 2) return 0;
  const outLen = output.length;
  let ip = 0;
  let op = 0;
  let ctrl = input[ip++]! & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >>> 5) - 1;
      let ofs = (ctrl & 31) << 8;
      let ref = op - ofs - 1;
      if (len === 6) {
        if (level === 1) {
          if (ip > inLen - 2) return 0;
          len += input[ip++]!;
        } else {
          let code: number;
          do {
            if (ip > inLen - 2) return 0;
            code = input[ip++]!;
            len += code;
          } while (code === 255);
        }
      }
      if (ip >= inLen) return 0;
      const code = input[ip++]!;
      ref -= code;
      len += 3;
      if (level === 2 && code === 255 && ofs === 31 << 8) {
        if (ip >= inLen - 2) return 0;
        ofs = (input[ip]! << 8) | input[ip + 1]!;
        ip += 2;
        ref = op - ofs - L2_MAX_DISTANCE - 1;
      }
      if (op + len > outLen || ref < 0) return 0;
      // Forward byte copy: overlapping references repeat earlier output (runs).
      for (let i = 0; i < len; i++) output[op + i] = output[ref + i]!;
      op += len;
    } else {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > inLen) return 0;
      output.set(input.subarray(ip, ip + ctrl), op);
      ip += ctrl;
      op += ctrl;
    }
    if (level === 1 ? ip > inLen - 2 : ip >= inLen) break;
    ctrl = input[ip++]!;
  }
  return op;
}

/** Godot's FASTLZ datagram codec: level 1 below 64 KiB, inputs under 16 bytes zero-padded to 16. */
export class FastLzCompressor implements Compressor {
  private scratch = new Uint8Array(8192);

  compress(input: Uint8Array, output: Uint8Array): number {
    let src = input;
    if (src.length < 16) {
      src = new Uint8Array(16);
      src.set(input);
    }
    const bound = Math.max(66, src.length + Math.ceil(src.length * 0.06) + 16);
    if (this.scratch.length < bound) this.scratch = new Uint8Array(bound);
    const n = fastlzCompress(src, this.scratch, src.length < 65536 ? 1 : 2);
    if (n === 0 || n > output.length) return 0;
    output.set(this.scratch.subarray(0, n));
    return n;
  }

  decompress(input: Uint8Array, output: Uint8Array): number {
    if (output.length < 16) {
      const tmp = new Uint8Array(16);
      const n = fastlzDecompress(input, tmp);
      if (n === 0 || n > output.length) return 0;
      output.set(tmp.subarray(0, n));
      return n;
    }
    return fastlzDecompress(input, output);
  }
}
