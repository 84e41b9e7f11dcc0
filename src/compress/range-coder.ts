import type { Compressor } from './compressor.js';

// Constants are `const enum` members so that tsc and esbuild write the numbers in place: V8
// reads a module-level `const` from the module context (with a type check) at every use, which
// cost a quarter of the encoder's time in these loops. Neither enum leaves this file.

/** ENet's adaptation constants (compress.c), tuned for small packets. */
// biome-ignore lint/suspicious/noConstEnum: file-local, inlined on purpose (see above)
const enum Model {
  ContextSymbolDelta = 3,
  ContextSymbolMinimum = 1,
  // biome-ignore lint/suspicious/noDuplicateEnumValues: C's two constants, equal by choice of their values
  ContextEscapeMinimum = 1,
  SubcontextOrder = 2,
  SubcontextSymbolDelta = 2,
  SubcontextEscapeDelta = 5,
  /** A context whose total grows past this is rescaled (C: ENET_RANGE_CODER_BOTTOM - 0x100). */
  TotalLimit = 0xff00,
  /** A subcontext symbol whose count (before its update) is above this triggers a rescale. */
  SubcontextCountLimit = 0xff - 2 * SubcontextSymbolDelta,
  /** The same for the root context, whose counts include the minimum. */
  RootCountLimit = 0xff - 2 * ContextSymbolDelta + ContextSymbolMinimum,
}

/**
 * The model's memory: one Int32Array where each node (a symbol in its context's binary tree,
 * and the context "history + this symbol") takes 4 words, 16 bytes like C's ENetSymbol, each
 * word holding two of C's fields. A node is named by the index of its first word; links hold
 * such indices (a child is always created after its parent, so 0, the root, means "none").
 */
// biome-ignore lint/suspicious/noConstEnum: file-local, inlined on purpose (see above)
const enum Layout {
  /** Symbols in the model, as in C ENet (enough for any MTU-sized datagram). */
  Nodes = 4096,
  Stride = 4,
  /** value (bits 0-7) | count (8-15) | under (16-31): one load per tree step. */
  Shape = 0,
  /** left (bits 0-15) | right (16-31). */
  Children = 1,
  /** symbols, the context's tree (bits 0-15) | escapes (16-31). */
  Context = 2,
  /** parent (bits 0-15) | total, the context's (16-31). */
  Links = 3,
  /** `count += 1` on a Shape word. */
  CountOne = 1 << 8,
  /** `+= 1` to a word's high half: `under` in Shape, `escapes` in Context, `total` in Links. */
  HighOne = 1 << 16,
  LowMask = 0xffff,
  HighClear = -65536,
  /** The root context is always the first node. */
  // biome-ignore lint/suspicious/noDuplicateEnumValues: a node, where Shape is a word offset
  Root = 0,
  /**
   * When the next free node reaches this, Nodes - Model.SubcontextOrder, the model restarts
   * (C's ENET_RANGE_CODER_FREE_SYMBOLS).
   */
  FreeLimit = (Nodes - 2) * Stride,
  /**
   * The Links word of a spare node past the pool, standing for the `predicted` variable, so that
   * linking a found symbol is the same store whether it goes there or to a symbol's parent.
   */
  PredictedCell = Nodes * Stride + Links,
  /**
   * The root context's counts, kept per value instead of in a symbol tree: a Fenwick tree
   * (words RootTree + 1 ... + 256) over the 256 values, each weighing the minimum plus its count,
   * so that a value's `under` and the value at a frequency take at most 8 steps, as its update.
   * The coded numbers are C's; the root's `symbols` and its symbols' Shape words go unused.
   */
  RootTree = (Nodes + 1) * Stride,
  /** Per value: its root symbol, 0 while it has none (bits 0-15) | its count there (16-31). */
  RootSymbols = RootTree + 257,
  /** Words in the model. */
  Size = RootSymbols + 256,
}

/** The root's Fenwick tree when every value weighs 1 (no symbol yet): word i covers i & -i values. */
const EMPTY_ROOT_TREE = Int32Array.from({ length: 257 }, (_, i) => i & -i);

/** countRootValue's second result: the value's count in the root before the update (module state: no allocation). */
let foundCount = 0;

/** Writes a fresh symbol at `node`. */
function createSymbol(model: Int32Array, node: number, value: number, count: number): void {
  model[node + Layout.Shape] = value | (count << 8) | (count << 16);
  model[node + Layout.Children] = 0;
  model[node + Layout.Context] = 0;
  model[node + Layout.Links] = 0;
}

/** Starts a model: just the root context, no value counted. Returns the next free node. */
function createRoot(model: Int32Array): number {
  model[Layout.Root + Layout.Shape] = 0;
  model[Layout.Root + Layout.Children] = 0;
  model[Layout.Root + Layout.Context] = Model.ContextEscapeMinimum << 16;
  model[Layout.Root + Layout.Links] = (Model.ContextEscapeMinimum + 256 * Model.ContextSymbolMinimum) << 16;
  model.set(EMPTY_ROOT_TREE, Layout.RootTree);
  model.fill(0, Layout.RootSymbols, Layout.RootSymbols + 256);
  return Layout.Stride;
}

/** Hangs `symbol` under `cell` (a Links word): sets its parent half. */
function link(model: Int32Array, cell: number, symbol: number): void {
  model[cell] = (model[cell]! & Layout.HighClear) | symbol;
}

/** The root context's `under` for `value`: what all smaller values weigh there. */
function rootUnder(model: Int32Array, value: number): number {
  let under = 0;
  for (let i = value; i > 0; i &= i - 1) under += model[Layout.RootTree + i]!;
  return under;
}

/**
 * Counts `value` in the root context, creating its symbol at node `free` if it has none. Returns
 * the symbol and leaves the value's count there before the update in foundCount.
 */
function countRootValue(model: Int32Array, value: number, free: number): number {
  for (let i = value + 1; i <= 256; i += i & -i) model[Layout.RootTree + i] += Model.ContextSymbolDelta;
  const entry = model[Layout.RootSymbols + value]!;
  foundCount = Model.ContextSymbolMinimum + (entry >>> 16);
  model[Layout.RootSymbols + value] = (entry + Model.ContextSymbolDelta * Layout.HighOne) | 0;
  if ((entry & Layout.LowMask) !== 0) return entry & Layout.LowMask;
  createSymbol(model, free, value, Model.ContextSymbolDelta);
  model[Layout.RootSymbols + value] |= free;
  return free;
}

/** Halves the counts of a symbol tree (rounding up), rebuilds its `under` sums and returns its total. */
function rescaleTree(model: Int32Array, first: number): number {
  let total = 0;
  let node = first;
  for (;;) {
    const shape = model[node + Layout.Shape]!;
    const children = model[node + Layout.Children]!;
    const count = ((shape >> 8) & 0xff) - (((shape >> 8) & 0xff) >> 1);
    const left = children & Layout.LowMask;
    const under = (left !== 0 ? count + rescaleTree(model, left) : count) & 0xffff;
    model[node + Layout.Shape] = (shape & 0xff) | (count << 8) | (under << 16);
    total = (total + under) & 0xffff;
    const right = children >>> 16;
    if (right === 0) return total;
    node = right;
  }
}

/** Halves a subcontext's counts and escapes and rebuilds its total. */
function rescale(model: Int32Array, context: number): void {
  const head = model[context + Layout.Context]!;
  const symbols = head & Layout.LowMask;
  const total = symbols !== 0 ? rescaleTree(model, symbols) : 0;
  const escapes = (head >>> 16) - ((head >>> 16) >> 1);
  model[context + Layout.Context] = symbols | (escapes << 16);
  const links = model[context + Layout.Links]!;
  model[context + Layout.Links] = (links & Layout.LowMask) | (((total + escapes) & 0xffff) << 16);
}

/** The same for the root context, whose counts are per value. */
function rescaleRoot(model: Int32Array): void {
  let total = 0;
  for (let value = 0; value < 256; value++) {
    const entry = model[Layout.RootSymbols + value]!;
    const count = (entry >>> 16) - ((entry >>> 16) >> 1);
    model[Layout.RootSymbols + value] = (entry & Layout.LowMask) | (count << 16);
    model[Layout.RootTree + value + 1] = Model.ContextSymbolMinimum + count;
    total += count;
  }
  for (let i = 1; i < 256; i++) {
    const parent = i + (i & -i);
    if (parent <= 256) model[Layout.RootTree + parent] += model[Layout.RootTree + i]!;
  }
  const escapes = (model[Layout.Root + Layout.Context]! >>> 16) - ((model[Layout.Root + Layout.Context]! >>> 16) >> 1);
  model[Layout.Root + Layout.Context] = escapes << 16;
  model[Layout.Root + Layout.Links] = ((total + escapes + 256 * Model.ContextSymbolMinimum) & 0xffff) << 16;
}

/**
 * Counts one more occurrence of a symbol in subcontext `context` (`count`: its count before, 0
 * when it was new there, which is also an escape). Encoder and decoder do exactly this.
 */
function countSubcontextSymbol(model: Int32Array, context: number, count: number): void {
  let grow = Model.SubcontextSymbolDelta;
  if (count === 0) {
    model[context + Layout.Context] = (model[context + Layout.Context]! + Model.SubcontextEscapeDelta * Layout.HighOne) | 0;
    grow += Model.SubcontextEscapeDelta;
  }
  const links = (model[context + Layout.Links]! + grow * Layout.HighOne) | 0;
  model[context + Layout.Links] = links;
  if (count > Model.SubcontextCountLimit || links >>> 16 > Model.TotalLimit) rescale(model, context);
}

/** The same for the root context. */
function countRootSymbol(model: Int32Array, count: number): void {
  const links = (model[Layout.Root + Layout.Links]! + Model.ContextSymbolDelta * Layout.HighOne) | 0;
  model[Layout.Root + Layout.Links] = links;
  if (count > Model.RootCountLimit || links >>> 16 > Model.TotalLimit) rescaleRoot(model);
}

// The coders keep C's unsigned 32-bit `low` and `range` as int32 locals (same bits): `>>> 0`
// where they are divided or compared as unsigned, Math.imul and `| 0` where C's arithmetic wraps.

function compressWith(model: Int32Array, input: Uint8Array, output: Uint8Array): number {
  const inLength = input.length;
  const outLength = output.length;
  let outPos = 0;
  let low = 0;
  let range = -1;
  let free = createRoot(model);
  let predicted = Layout.Root as number;
  let order = 0;
  for (let i = 0; i < inLength; i++) {
    const value = input[i]!;
    model[Layout.PredictedCell] = predicted;
    let cell = Layout.PredictedCell as number;
    // From the longest context down to the root, which always codes the symbol.
    for (let context = predicted; ; context = model[context + Layout.Links]! & Layout.LowMask) {
      const isRoot = context === Layout.Root;
      let symbol = free;
      let under = 0;
      let count = 0;
      if (isRoot) {
        under = rootUnder(model, value);
        symbol = countRootValue(model, value, free);
        count = foundCount;
      } else {
        // findOrInsert, written out here: V8 would not inline it at every call site.
        const head = model[context + Layout.Context]!;
        let node = head & Layout.LowMask;
        if (node === 0) model[context + Layout.Context] = head | free;
        else
          for (;;) {
            const shape = model[node + Layout.Shape]!;
            const nodeValue = shape & 0xff;
            if (value < nodeValue) {
              model[node + Layout.Shape] = (shape + Model.SubcontextSymbolDelta * Layout.HighOne) | 0;
              const children = model[node + Layout.Children]!;
              if ((children & Layout.LowMask) !== 0) {
                node = children & Layout.LowMask;
                continue;
              }
              model[node + Layout.Children] = children | free;
              break;
            }
            if (value > nodeValue) {
              under += shape >>> 16;
              const children = model[node + Layout.Children]!;
              if (children >>> 16 !== 0) {
                node = children >>> 16;
                continue;
              }
              model[node + Layout.Children] = children | (free << 16);
              break;
            }
            count = (shape >> 8) & 0xff;
            under += (shape >>> 16) - count;
            model[node + Layout.Shape] = (shape + Model.SubcontextSymbolDelta * (Layout.HighOne + Layout.CountOne)) | 0;
            symbol = node;
            break;
          }
        under &= 0xffff;
        if (symbol === free) createSymbol(model, free, value, Model.SubcontextSymbolDelta);
      }
      if (symbol === free) free += Layout.Stride;
      link(model, cell, symbol);
      cell = symbol + Layout.Links;
      const escapes = model[context + Layout.Context]! >>> 16;
      const total = model[context + Layout.Links]! >>> 16;
      let codeUnder = 0;
      let codeCount = 0;
      if (count > 0) {
        codeUnder = escapes + under;
        codeCount = count;
      } else if (escapes > 0 && escapes < total) codeCount = escapes;
      if (codeCount > 0) {
        range = ((range >>> 0) / total) | 0;
        low = (low + Math.imul(codeUnder, range)) | 0;
        range = Math.imul(range, codeCount);
        for (;;) {
          if ((low ^ (low + range)) >>> 24 !== 0) {
            if (range >>> 16 !== 0) break;
            range = -low & 0xffff;
          }
          if (outPos >= outLength) return 0;
          output[outPos++] = low >>> 24;
          range <<= 8;
          low <<= 8;
        }
      }
      if (isRoot) {
        countRootSymbol(model, count);
        break;
      }
      countSubcontextSymbol(model, context, count);
      if (count > 0) break;
    }
    predicted = model[Layout.PredictedCell]! & Layout.LowMask;
    if (order >= Model.SubcontextOrder) predicted = model[predicted + Layout.Links]! & Layout.LowMask;
    else order++;
    if (free >= Layout.FreeLimit) {
      free = createRoot(model);
      predicted = Layout.Root;
      order = 0;
    }
  }
  while (low !== 0) {
    if (outPos >= outLength) return 0;
    output[outPos++] = low >>> 24;
    low <<= 8;
  }
  return outPos;
}

function decompressWith(model: Int32Array, input: Uint8Array, output: Uint8Array): number {
  const inLength = input.length;
  const outLength = output.length;
  let inPos = 0;
  let low = 0;
  let range = -1;
  let code = 0;
  for (let i = 0; i < 4; i++) code = (code << 8) | (inPos < inLength ? input[inPos++]! : 0);
  let free = createRoot(model);
  let predicted = Layout.Root as number;
  let order = 0;
  let written = 0;
  for (;;) {
    let context = predicted;
    let found = 0;
    let value = 0;
    let under = 0;
    let count = 0;
    let escapes = 0;
    // Subcontexts that can code anything, longest first, until one codes a symbol.
    for (; context !== Layout.Root; context = model[context + Layout.Links]! & Layout.LowMask) {
      escapes = model[context + Layout.Context]! >>> 16;
      if (escapes === 0) continue;
      const total = model[context + Layout.Links]! >>> 16;
      if (escapes >= total) continue;
      range = ((range >>> 0) / total) | 0;
      if (range === 0) return 0;
      const target = (((code - low) >>> 0) / (range >>> 0)) & 0xffff;
      if (target >= escapes) {
        const frequency = target - escapes;
        let node = model[context + Layout.Context]! & Layout.LowMask;
        if (node === 0) return 0;
        under = 0;
        for (;;) {
          const shape = model[node + Layout.Shape]!;
          const before = (shape >> 8) & 0xff;
          const after = (under + (shape >>> 16)) & 0xffff;
          if (frequency >= after) {
            under = after;
            node = model[node + Layout.Children]! >>> 16;
            if (node === 0) return 0;
          } else if (frequency < after - before) {
            model[node + Layout.Shape] = (shape + Model.SubcontextSymbolDelta * Layout.HighOne) | 0;
            node = model[node + Layout.Children]! & Layout.LowMask;
            if (node === 0) return 0;
          } else {
            value = shape & 0xff;
            count = before;
            under = (after - before) & 0xffff;
            model[node + Layout.Shape] = (shape + Model.SubcontextSymbolDelta * (Layout.HighOne + Layout.CountOne)) | 0;
            found = node;
            break;
          }
        }
        under += escapes;
        break;
      }
      // An escape: on to the shorter context.
      range = Math.imul(range, escapes);
      for (;;) {
        if ((low ^ (low + range)) >>> 24 !== 0) {
          if (range >>> 16 !== 0) break;
          range = -low & 0xffff;
        }
        code = (code << 8) | (inPos < inLength ? input[inPos++]! : 0);
        range <<= 8;
        low <<= 8;
      }
    }
    if (context === Layout.Root) {
      escapes = model[Layout.Root + Layout.Context]! >>> 16;
      range = ((range >>> 0) / (model[Layout.Root + Layout.Links]! >>> 16)) | 0;
      if (range === 0) return 0;
      const target = (((code - low) >>> 0) / (range >>> 0)) & 0xffff;
      if (target < escapes) return written; // the end of the data
      // The value whose interval holds the frequency: descend the Fenwick tree.
      let rest = target - escapes;
      if (rest >= model[Layout.RootTree + 256]!) return 0;
      let position = 0;
      for (let step = 128; step > 0; step >>= 1) {
        const weight = model[Layout.RootTree + position + step]!;
        const taken = (weight - rest - 1) >> 31; // -1 when weight <= rest (branch-free: unpredictable)
        position += step & taken;
        rest -= weight & taken;
      }
      value = position;
      under = target - escapes - rest;
      found = countRootValue(model, value, free);
      if (found === free) free += Layout.Stride;
      count = foundCount;
      under += escapes;
    }
    // Take the symbol's interval out of the code.
    low = (low + Math.imul(under, range)) | 0;
    range = Math.imul(range, count);
    for (;;) {
      if ((low ^ (low + range)) >>> 24 !== 0) {
        if (range >>> 16 !== 0) break;
        range = -low & 0xffff;
      }
      code = (code << 8) | (inPos < inLength ? input[inPos++]! : 0);
      range <<= 8;
      low <<= 8;
    }
    if (context === Layout.Root) countRootSymbol(model, count);
    else {
      const links = (model[context + Layout.Links]! + Model.SubcontextSymbolDelta * Layout.HighOne) | 0;
      model[context + Layout.Links] = links;
      if (count > Model.SubcontextCountLimit || links >>> 16 > Model.TotalLimit) rescale(model, context);
    }
    // Add the symbol to every context that escaped, exactly as the encoder did.
    model[Layout.PredictedCell] = predicted;
    let cell = Layout.PredictedCell as number;
    for (let patch = predicted; patch !== context; patch = model[patch + Layout.Links]! & Layout.LowMask) {
      // findOrInsert, written out here as in the encoder (only the count is needed).
      let symbol = free;
      let patchCount = 0;
      const head = model[patch + Layout.Context]!;
      let node = head & Layout.LowMask;
      if (node === 0) model[patch + Layout.Context] = head | free;
      else
        for (;;) {
          const shape = model[node + Layout.Shape]!;
          const nodeValue = shape & 0xff;
          if (value < nodeValue) {
            model[node + Layout.Shape] = (shape + Model.SubcontextSymbolDelta * Layout.HighOne) | 0;
            const children = model[node + Layout.Children]!;
            if ((children & Layout.LowMask) !== 0) {
              node = children & Layout.LowMask;
              continue;
            }
            model[node + Layout.Children] = children | free;
            break;
          }
          const children = model[node + Layout.Children]!;
          if (value > nodeValue) {
            if (children >>> 16 !== 0) {
              node = children >>> 16;
              continue;
            }
            model[node + Layout.Children] = children | (free << 16);
            break;
          }
          patchCount = (shape >> 8) & 0xff;
          model[node + Layout.Shape] = (shape + Model.SubcontextSymbolDelta * (Layout.HighOne + Layout.CountOne)) | 0;
          symbol = node;
          break;
        }
      if (symbol === free) {
        createSymbol(model, free, value, Model.SubcontextSymbolDelta);
        free += Layout.Stride;
      }
      link(model, cell, symbol);
      cell = symbol + Layout.Links;
      countSubcontextSymbol(model, patch, patchCount);
    }
    link(model, cell, found);
    predicted = model[Layout.PredictedCell]! & Layout.LowMask;
    if (written >= outLength) return 0;
    output[written++] = value;
    if (order >= Model.SubcontextOrder) predicted = model[predicted + Layout.Links]! & Layout.LowMask;
    else order++;
    if (free >= Layout.FreeLimit) {
      free = createRoot(model);
      predicted = Layout.Root;
      order = 0;
    }
  }
}

/**
 * ENet's adaptive order-2 range coder (`enet_range_coder_compress` / `_decompress`), output
 * byte-identical with C ENet. The model lives in one preallocated buffer; nothing is allocated
 * per call. Never throws: corrupt input decompresses to 0.
 */
export class RangeCoder implements Compressor {
  /** The pool, the spare node of Layout.PredictedCell and the root's counts. */
  private readonly model = new Int32Array(Layout.Size);

  compress(input: Uint8Array, output: Uint8Array): number {
    if (input.length === 0) return 0;
    return compressWith(this.model, input, output);
  }

  decompress(input: Uint8Array, output: Uint8Array): number {
    if (input.length === 0) return 0;
    return decompressWith(this.model, input, output);
  }
}
