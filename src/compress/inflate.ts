/**
 * A small, bounded inflater for zlib streams (RFC 1950 around RFC 1951 deflate), used for
 * datagrams from the network: it never allocates per call, never writes past its output, and
 * fails fast (returning 0) on corrupt input — where node:zlib's error path is slow and its
 * stream teardown holds memory under a flood.
 */

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385,
  24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
class Huffman {
  readonly counts = new Uint16Array(16);
  readonly symbols: Uint16Array;
  constructor(size: number) {
    this.symbols = new Uint16Array(size);
  }
  /** Builds from code lengths; false when the lengths over-subscribe the code space. */
  build(lengths: Uint8Array, n: number): boolean {
    this.counts.fill(0);
    for (let i = 0; i < n; i++) this.counts[lengths[i]!]!++;
    this.counts[0] = 0;
    let left = 1;
    for (let len = 1; len < 16; len++) {
      left = (left << 1) - this.counts[len]!;
      if (left < 0) return false;
    }
    const offs = new Uint16Array(16);
    for (let len = 1; len < 15; len++) offs[len + 1] = offs[len]! + this.counts[len]!;
    for (let i = 0; i < n; i++) if (lengths[i]) this.symbols[offs[lengths[i]!]!++] = i;
    return true;
  }
}

/** Bounded zlib inflater; one instance decodes one stream at a time. */
export class Inflater {
  private input: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private bitBuf = 0;
  private bitCount = 0;
  private failed = false;
  private readonly lit = new Huffman(288);
  private readonly dist = new Huffman(32);
  private readonly fixedLit = new Huffman(288);
  private readonly fixedDist = new Huffman(32);
  private readonly lengths = new Uint8Array(288 + 32);
  private readonly codeLengths = new Huffman(19);

  constructor() {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    this.fixedLit.build(l, 288);
    this.fixedDist.build(new Uint8Array(30).fill(5), 30);
  }

  private bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.input.length) {
        this.failed = true;
        return 0;
      }
      this.bitBuf |= this.input[this.pos++]! << this.bitCount;
      this.bitCount += 8;
    }
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return v;
  }

  private decodeSymbol(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= this.bits(1);
      if (this.failed) return -1;
      const count = h.counts[len]!;
      if (code - first < count) return h.symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    this.failed = true;
    return -1;
  }

  private readDynamicTables(): boolean {
    const hlit = this.bits(5) + 257;
    const hdist = this.bits(5) + 1;
    const hclen = this.bits(4) + 4;
    if (this.failed || hlit > 286 || hdist > 30) return false;
    const cl = new Uint8Array(19);
    for (let i = 0; i < hclen; i++) cl[CODE_LENGTH_ORDER[i]!] = this.bits(3);
    if (this.failed || !this.codeLengths.build(cl, 19)) return false;
    const lengths = this.lengths;
    lengths.fill(0);
    for (let i = 0; i < hlit + hdist; ) {
      const sym = this.decodeSymbol(this.codeLengths);
      if (sym < 0) return false;
      if (sym < 16) lengths[i++] = sym;
      else {
        let repeat: number;
        let value = 0;
        if (sym === 16) {
          if (i === 0) return false;
          value = lengths[i - 1]!;
          repeat = 3 + this.bits(2);
        } else if (sym === 17) repeat = 3 + this.bits(3);
        else repeat = 11 + this.bits(7);
        if (this.failed || i + repeat > hlit + hdist) return false;
        while (repeat--) lengths[i++] = value;
      }
    }
    if (lengths[256] === 0) return false;
    return this.lit.build(lengths.subarray(0, hlit), hlit) && this.dist.build(lengths.subarray(hlit, hlit + hdist), hdist);
  }

  /** Inflates a zlib stream into `output`; returns the size, or 0 when corrupt or too large. */
  decompress(input: Uint8Array, output: Uint8Array): number {
    if (input.length < 6) return 0;
    const cmf = input[0]!;
    const flg = input[1]!;
    if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) return 0;
    this.input = input;
    this.pos = 2;
    this.bitBuf = 0;
    this.bitCount = 0;
    this.failed = false;
    let op = 0;
    for (let last = 0; !last; ) {
      last = this.bits(1);
      const type = this.bits(2);
      if (this.failed) return 0;
      if (type === 0) {
        this.bitBuf = 0;
        this.bitCount = 0;
        if (this.pos + 4 > input.length) return 0;
        const len = input[this.pos]! | (input[this.pos + 1]! << 8);
        const nlen = input[this.pos + 2]! | (input[this.pos + 3]! << 8);
        this.pos += 4;
        if ((len ^ 0xffff) !== nlen || this.pos + len > input.length || op + len > output.length) return 0;
        output.set(input.subarray(this.pos, this.pos + len), op);
        this.pos += len;
        op += len;
        continue;
      }
      let lit: Huffman;
      let dist: Huffman;
      if (type === 1) {
        lit = this.fixedLit;
        dist = this.fixedDist;
      } else if (type === 2) {
        if (!this.readDynamicTables()) return 0;
        lit = this.lit;
        dist = this.dist;
      } else return 0;
      for (;;) {
        const sym = this.decodeSymbol(lit);
        if (sym < 0) return 0;
        if (sym < 256) {
          if (op >= output.length) return 0;
          output[op++] = sym;
        } else if (sym === 256) break;
        else {
          const li = sym - 257;
          if (li >= 29) return 0;
          const len = LENGTH_BASE[li]! + this.bits(LENGTH_EXTRA[li]!);
          const ds = this.decodeSymbol(dist);
          if (ds < 0 || ds >= 30) return 0;
          const d = DIST_BASE[ds]! + this.bits(DIST_EXTRA[ds]!);
          if (this.failed || d > op || op + len > output.length) return 0;
          for (let k = 0; k < len; k++, op++) output[op] = output[op - d]!;
        }
      }
    }
    // Adler-32 of the output, big-endian, after the deflate data (byte aligned).
    this.bitBuf = 0;
    this.bitCount = 0;
    if (this.pos + 4 > input.length) return 0;
    let a = 1;
    let b = 0;
    for (let i = 0; i < op; ) {
      const end = Math.min(op, i + 3800);
      for (; i < end; i++) {
        a += output[i]!;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    const want = ((input[this.pos]! << 24) | (input[this.pos + 1]! << 16) | (input[this.pos + 2]! << 8) | input[this.pos + 3]!) >>> 0;
    return ((b << 16) | a) >>> 0 === want ? op : 0;
  }
}
