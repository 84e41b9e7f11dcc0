/** A growable little-endian byte buffer for the Variant encoder. */

const utf8 = new TextEncoder();

/** Appends little-endian values to a buffer that doubles when full. */
export class ByteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(initialCapacity = 256) {
    this.bytes = new Uint8Array(initialCapacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** An unsigned 32-bit integer. */
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }

  /** A signed 32-bit integer. */
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v | 0, true);
    this.length += 4;
  }

  /** A signed 64-bit integer. */
  i64(v: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, v, true);
    this.length += 8;
  }

  /** An unsigned 64-bit integer. */
  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }

  /** A 32-bit float. */
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }

  /** A 64-bit float. */
  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** Raw bytes, then zeros up to a multiple of 4. */
  padded(data: Uint8Array): void {
    this.reserve(data.length + 3);
    this.bytes.set(data, this.length);
    this.length += data.length;
    this.pad();
  }

  /** Zeros up to a multiple of 4. */
  pad(): void {
    while (this.length & 3) this.bytes[this.length++] = 0;
  }

  /**
   * A string as Godot writes it: u32 UTF-8 length (+1 with `nul`), the UTF-8 bytes, an optional
   * NUL, zero padding to a multiple of 4.
   */
  string(s: string, nul = false): void {
    this.reserve(4 + s.length * 3 + 4);
    const start = this.length + 4;
    const { written } = utf8.encodeInto(s, this.bytes.subarray(start));
    this.view.setUint32(this.length, written + (nul ? 1 : 0), true);
    this.length = start + written;
    if (nul) this.bytes[this.length++] = 0;
    this.pad();
  }

  /** Overwrites a u32 written earlier at `offset`. */
  patchU32(offset: number, v: number): void {
    this.view.setUint32(offset, v >>> 0, true);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
