import type { Compressor } from './compressor.js';

const RANGE_TOP = 1 << 24;
const RANGE_BOTTOM = 1 << 16;
const CONTEXT_SYMBOL_DELTA = 3;
const CONTEXT_SYMBOL_MINIMUM = 1;
const CONTEXT_ESCAPE_MINIMUM = 1;
const SUBCONTEXT_ORDER = 2;
const SUBCONTEXT_SYMBOL_DELTA = 2;
const SUBCONTEXT_ESCAPE_DELTA = 5;
const POOL = 4096;
/** Where a found or created symbol is linked: the `predicted` variable (as opposed to a node's parent field). */
const PREDICTED = -1;

/**
 * ENet's adaptive order-2 range coder (`enet_range_coder_compress` / `_decompress`), output
 * byte-identical with C ENet. The model lives in preallocated typed arrays; nothing is
 * allocated per call. Never throws: corrupt input decompresses to 0.
 */
export class RangeCoder implements Compressor {
  // One node = one symbol in a context's binary tree, and the context "history + this symbol".
  private readonly value = new Uint8Array(POOL);
  private readonly count = new Uint8Array(POOL);
  private readonly under = new Uint16Array(POOL);
  private readonly left = new Uint16Array(POOL);
  private readonly right = new Uint16Array(POOL);
  private readonly symbols = new Uint16Array(POOL);
  private readonly escapes = new Uint16Array(POOL);
  private readonly total = new Uint16Array(POOL);
  private readonly parent = new Uint16Array(POOL);
  private nextSymbol = 0;
  // Results of findOrInsert (no allocation).
  private foundUnder = 0;
  private foundCount = 0;
  // Coder state.
  private low = 0;
  private range = 0;
  private code = 0;
  private out: Uint8Array = new Uint8Array(0);
  private outPos = 0;
  private overflow = false;
  private input: Uint8Array = new Uint8Array(0);
  private inPos = 0;

  private newSymbol(value: number, increment: number): number {
    const i = this.nextSymbol++;
    this.value[i] = value;
    this.count[i] = increment;
    this.under[i] = increment;
    this.left[i] = 0;
    this.right[i] = 0;
    this.symbols[i] = 0;
    this.escapes[i] = 0;
    this.total[i] = 0;
    this.parent[i] = 0;
    return i;
  }

  private newContext(escapes: number, minimum: number): number {
    const i = this.newSymbol(0, 0);
    this.escapes[i] = escapes;
    this.total[i] = escapes + 256 * minimum;
    this.symbols[i] = 0;
    return i;
  }

  /** Finds `value` in context `ctx` (inserting it), leaving the coding interval before the update in foundUnder/foundCount. */
  private findOrInsert(ctx: number, value: number, increment: number, minimum: number): number {
    let under = value * minimum;
    let count = minimum;
    if (this.symbols[ctx] === 0) {
      const s = this.newSymbol(value, increment);
      this.symbols[ctx] = s - ctx;
      this.foundUnder = under & 0xffff;
      this.foundCount = count;
      return s;
    }
    let n = ctx + this.symbols[ctx]!;
    for (;;) {
      if (value < this.value[n]!) {
        this.under[n] += increment;
        if (this.left[n]) {
          n += this.left[n]!;
          continue;
        }
        const s = this.newSymbol(value, increment);
        this.left[n] = s - n;
        break;
      }
      if (value > this.value[n]!) {
        under += this.under[n]!;
        if (this.right[n]) {
          n += this.right[n]!;
          continue;
        }
        const s = this.newSymbol(value, increment);
        this.right[n] = s - n;
        break;
      }
      count += this.count[n]!;
      under += this.under[n]! - this.count[n]!;
      this.under[n] += increment;
      this.count[n] += increment;
      this.foundUnder = under & 0xffff;
      this.foundCount = count & 0xffff;
      return n;
    }
    this.foundUnder = under & 0xffff;
    this.foundCount = count & 0xffff;
    return this.nextSymbol - 1;
  }

  /**
   * Counts one more occurrence of a symbol coded in subcontext `ctx` (`count` was its count
   * before, 0 when it was new there and so also an escape), rescaling when a count or the total
   * grows too large. Encoder and decoder must do exactly this, in this order.
   */
  private countSubcontextSymbol(ctx: number, count: number): void {
    if (count <= 0) {
      this.escapes[ctx] += SUBCONTEXT_ESCAPE_DELTA;
      this.total[ctx] += SUBCONTEXT_ESCAPE_DELTA;
    }
    this.total[ctx] += SUBCONTEXT_SYMBOL_DELTA;
    if (count > 0xff - 2 * SUBCONTEXT_SYMBOL_DELTA || this.total[ctx]! > 0xff00) this.rescale(ctx, 0);
  }

  /** The same for the root context, whose symbols never start at 0. */
  private countRootSymbol(root: number, count: number): void {
    this.total[root] += CONTEXT_SYMBOL_DELTA;
    if (count > 0xff - 2 * CONTEXT_SYMBOL_DELTA + CONTEXT_SYMBOL_MINIMUM || this.total[root]! > 0xff00)
      this.rescale(root, CONTEXT_SYMBOL_MINIMUM);
  }

  /** Halves a context's counts (rounding up) and rebuilds totals. */
  private rescale(ctx: number, minimum: number): void {
    const total = this.symbols[ctx] ? this.rescaleSymbols(ctx + this.symbols[ctx]!) : 0;
    this.total[ctx] = total;
    this.escapes[ctx] -= this.escapes[ctx]! >> 1;
    this.total[ctx] += this.escapes[ctx]! + 256 * minimum;
  }

  private rescaleSymbols(node: number): number {
    let total = 0;
    let n = node;
    for (;;) {
      this.count[n] -= this.count[n]! >> 1;
      this.under[n] = this.count[n]!;
      if (this.left[n]) this.under[n] += this.rescaleSymbols(n + this.left[n]!);
      total += this.under[n]!;
      if (!this.right[n]) break;
      n += this.right[n]!;
    }
    return total;
  }

  private link(target: number, symbol: number, predicted: number): number {
    if (target === PREDICTED) return symbol;
    this.parent[target] = symbol;
    return predicted;
  }

  // ------------------------------------------------------------------ encoder

  private encode(under: number, count: number, total: number): void {
    this.range = Math.floor(this.range / total) >>> 0;
    this.low = (this.low + under * this.range) >>> 0;
    this.range = (this.range * count) >>> 0;
    for (;;) {
      if ((this.low ^ ((this.low + this.range) >>> 0)) >>> 0 >= RANGE_TOP) {
        if (this.range >= RANGE_BOTTOM) break;
        this.range = -this.low & (RANGE_BOTTOM - 1);
      }
      this.emit(this.low >>> 24);
      this.range = (this.range << 8) >>> 0;
      this.low = (this.low << 8) >>> 0;
    }
  }

  private emit(byte: number): void {
    if (this.outPos >= this.out.length) {
      this.overflow = true;
      return;
    }
    this.out[this.outPos++] = byte;
  }

  compress(input: Uint8Array, output: Uint8Array): number {
    if (input.length === 0) return 0;
    this.nextSymbol = 0;
    this.out = output;
    this.outPos = 0;
    this.overflow = false;
    this.low = 0;
    this.range = 0xffffffff;
    let root = this.newContext(CONTEXT_ESCAPE_MINIMUM, CONTEXT_SYMBOL_MINIMUM);
    let predicted = root;
    let order = 0;
    for (let i = 0; i < input.length; i++) {
      const value = input[i]!;
      let linkTarget = PREDICTED;
      let ctx = predicted;
      let coded = false;
      while (ctx !== root) {
        const s = this.findOrInsert(ctx, value, SUBCONTEXT_SYMBOL_DELTA, 0);
        const under = this.foundUnder;
        const count = this.foundCount;
        predicted = this.link(linkTarget, s, predicted);
        linkTarget = s;
        const total = this.total[ctx]!;
        if (count > 0) this.encode(this.escapes[ctx]! + under, count, total);
        else if (this.escapes[ctx]! > 0 && this.escapes[ctx]! < total) this.encode(0, this.escapes[ctx]!, total);
        this.countSubcontextSymbol(ctx, count);
        if (count > 0) {
          coded = true;
          break;
        }
        ctx = this.parent[ctx]!;
      }
      if (!coded) {
        const s = this.findOrInsert(root, value, CONTEXT_SYMBOL_DELTA, CONTEXT_SYMBOL_MINIMUM);
        const under = this.foundUnder;
        const count = this.foundCount;
        predicted = this.link(linkTarget, s, predicted);
        this.encode(this.escapes[root]! + under, count, this.total[root]!);
        this.countRootSymbol(root, count);
      }
      if (order >= SUBCONTEXT_ORDER) predicted = this.parent[predicted]!;
      else order++;
      if (this.nextSymbol >= POOL - SUBCONTEXT_ORDER) {
        this.nextSymbol = 0;
        root = this.newContext(CONTEXT_ESCAPE_MINIMUM, CONTEXT_SYMBOL_MINIMUM);
        predicted = root;
        order = 0;
      }
      if (this.overflow) return 0;
    }
    while (this.low !== 0) {
      this.emit(this.low >>> 24);
      this.low = (this.low << 8) >>> 0;
    }
    return this.overflow ? 0 : this.outPos;
  }

  // ------------------------------------------------------------------ decoder

  private nextByte(): number {
    return this.inPos < this.input.length ? this.input[this.inPos++]! : 0;
  }

  /** Reads a frequency for `total`, or -1 when the coder state is corrupt. */
  private read(total: number): number {
    this.range = Math.floor(this.range / total) >>> 0;
    if (this.range === 0) return -1;
    return Math.floor(((this.code - this.low) >>> 0) / this.range) & 0xffff;
  }

  private decode(under: number, count: number): void {
    this.low = (this.low + under * this.range) >>> 0;
    this.range = (this.range * count) >>> 0;
    for (;;) {
      if ((this.low ^ ((this.low + this.range) >>> 0)) >>> 0 >= RANGE_TOP) {
        if (this.range >= RANGE_BOTTOM) break;
        this.range = -this.low & (RANGE_BOTTOM - 1);
      }
      this.code = ((this.code << 8) | this.nextByte()) >>> 0;
      this.range = (this.range << 8) >>> 0;
      this.low = (this.low << 8) >>> 0;
    }
  }

  decompress(input: Uint8Array, output: Uint8Array): number {
    if (input.length === 0) return 0;
    this.nextSymbol = 0;
    this.input = input;
    this.inPos = 0;
    this.low = 0;
    this.range = 0xffffffff;
    this.code = 0;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.nextByte()) >>> 0;
    let root = this.newContext(CONTEXT_ESCAPE_MINIMUM, CONTEXT_SYMBOL_MINIMUM);
    let predicted = root;
    let order = 0;
    let written = 0;
    for (;;) {
      let ctx = predicted;
      let found = -1;
      let value = 0;
      while (ctx !== root) {
        const escapes = this.escapes[ctx]!;
        const total = this.total[ctx]!;
        if (escapes <= 0 || escapes >= total) {
          ctx = this.parent[ctx]!;
          continue;
        }
        let f = this.read(total);
        if (f < 0) return 0;
        if (f < escapes) {
          this.decode(0, escapes);
          ctx = this.parent[ctx]!;
          continue;
        }
        f -= escapes;
        if (this.symbols[ctx] === 0) return 0;
        let n = ctx + this.symbols[ctx]!;
        let under = 0;
        let count = 0;
        for (let guard = 0; ; guard++) {
          if (guard > POOL || n >= POOL) return 0;
          const after = (under + this.under[n]!) & 0xffff;
          const before = this.count[n]!;
          if (f >= after) {
            under = after;
            if (!this.right[n]) return 0;
            n += this.right[n]!;
          } else if (f < ((after - before) & 0xffff)) {
            this.under[n] += SUBCONTEXT_SYMBOL_DELTA;
            if (!this.left[n]) return 0;
            n += this.left[n]!;
          } else {
            value = this.value[n]!;
            count = before;
            under = (after - before) & 0xffff;
            this.under[n] += SUBCONTEXT_SYMBOL_DELTA;
            this.count[n] += SUBCONTEXT_SYMBOL_DELTA;
            found = n;
            break;
          }
        }
        this.decode(escapes + under, count);
        this.countSubcontextSymbol(ctx, count);
        break;
      }
      if (found < 0) {
        const escapes = this.escapes[root]!;
        let f = this.read(this.total[root]!);
        if (f < 0) return 0;
        if (f < escapes) {
          this.decode(0, escapes);
          return written;
        }
        f -= escapes;
        let under = 0;
        let count = 1;
        if (this.symbols[root] === 0) {
          value = f & 0xff;
          under = f;
          if (f > 0xff) return 0;
          found = this.newSymbol(value, CONTEXT_SYMBOL_DELTA);
          this.symbols[root] = found - root;
        } else {
          let n = root + this.symbols[root]!;
          for (let guard = 0; ; guard++) {
            if (guard > POOL || n >= POOL) return 0;
            const after = (under + this.under[n]! + this.value[n]! + 1) & 0xffff;
            const before = this.count[n]! + 1;
            if (f >= after) {
              under = (under + this.under[n]!) & 0xffff;
              if (this.right[n]) {
                n += this.right[n]!;
                continue;
              }
              const v = this.value[n]! + 1 + (f - after);
              if (v > 0xff) return 0;
              value = v;
              under = f;
              found = this.newSymbol(value, CONTEXT_SYMBOL_DELTA);
              this.right[n] = found - n;
              break;
            }
            if (f < ((after - before) & 0xffff)) {
              this.under[n] += CONTEXT_SYMBOL_DELTA;
              if (this.left[n]) {
                n += this.left[n]!;
                continue;
              }
              const v = this.value[n]! - 1 - (after - before - f - 1);
              if (v < 0) return 0;
              value = v;
              under = f;
              found = this.newSymbol(value, CONTEXT_SYMBOL_DELTA);
              this.left[n] = found - n;
              break;
            }
            value = this.value[n]!;
            count += this.count[n]!;
            under = (after - before) & 0xffff;
            this.under[n] += CONTEXT_SYMBOL_DELTA;
            this.count[n] += CONTEXT_SYMBOL_DELTA;
            found = n;
            break;
          }
        }
        this.decode(escapes + under, count);
        this.countRootSymbol(root, count);
        ctx = root;
      }
      // Insert the symbol into every context that escaped, exactly as the encoder did.
      let linkTarget = PREDICTED;
      for (let patch = predicted; patch !== ctx; patch = this.parent[patch]!) {
        const s = this.findOrInsert(patch, value, SUBCONTEXT_SYMBOL_DELTA, 0);
        const count = this.foundCount;
        predicted = this.link(linkTarget, s, predicted);
        linkTarget = s;
        this.countSubcontextSymbol(patch, count);
        if (this.nextSymbol >= POOL) return 0;
      }
      predicted = this.link(linkTarget, found, predicted);
      if (written >= output.length) return 0;
      output[written++] = value;
      if (order >= SUBCONTEXT_ORDER) predicted = this.parent[predicted]!;
      else order++;
      if (this.nextSymbol >= POOL - SUBCONTEXT_ORDER) {
        this.nextSymbol = 0;
        root = this.newContext(CONTEXT_ESCAPE_MINIMUM, CONTEXT_SYMBOL_MINIMUM);
        predicted = root;
        order = 0;
      }
    }
  }
}
