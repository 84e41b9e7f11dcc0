/**
 * Record-aware mutations of DTLS 1.2 datagrams for the fuzzer: bit and byte changes, record
 * header fields (type, version, epoch, sequence, length), handshake fragment headers (type,
 * length, message sequence, fragment offset and length), re-fragmentation of handshake
 * messages (faithful or tampered), truncation, extension, duplication, reordering and splices
 * across records and messages.
 */

const RECORD_HEADER = 13;
const HANDSHAKE_HEADER = 12;
const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000, 0xffffff];

/** The records of a datagram (each with its header); a trailing partial record is kept as is. */
export function splitRecords(d: Uint8Array): Buffer[] {
  const b = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + RECORD_HEADER <= b.length) {
    const end = Math.min(b.length, pos + RECORD_HEADER + b.readUInt16BE(pos + 11));
    out.push(Buffer.from(b.subarray(pos, end)));
    pos = end;
  }
  if (pos < b.length) out.push(Buffer.from(b.subarray(pos)));
  return out;
}

/** A plaintext record of `type` in `epoch` with sequence number `seq`. */
export function makeRecord(type: number, epoch: number, seq: number, body: Uint8Array): Buffer {
  const h = Buffer.alloc(RECORD_HEADER);
  h[0] = type;
  h.writeUInt16BE(0xfefd, 1);
  h.writeUInt16BE(epoch, 3);
  h.writeUIntBE(seq % 2 ** 48, 5, 6);
  h.writeUInt16BE(body.length, 11);
  return Buffer.concat([h, body]);
}

/** Mutates DTLS records with a seeded random source; `pool` supplies foreign records to splice in. */
export class DtlsMutator {
  constructor(
    private readonly random: () => number,
    private readonly pool: () => Buffer,
  ) {}

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** Random bytes, sometimes shaped like a record header. */
  randomDatagram(): Buffer {
    const d = Buffer.alloc(this.int(this.int(10) === 0 ? 3000 : 120));
    for (let i = 0; i < d.length; i++) d[i] = this.int(256);
    if (d.length >= RECORD_HEADER && this.int(2) === 0) {
      d[0] = 20 + this.int(4);
      d.writeUInt16BE(this.pick([0xfefd, 0xfeff]), 1);
      d.writeUInt16BE(this.int(3), 3);
      d.writeUInt16BE(Math.min(d.length - RECORD_HEADER, this.int(d.length)), 11);
    }
    return d;
  }

  /** A hostile datagram made from `records` (the genuine next ones first), 1–4 mutations deep. */
  datagram(records: readonly Buffer[]): Buffer {
    const chosen: Buffer[] = [];
    const n = 1 + (this.int(3) === 0 ? this.int(3) : 0);
    for (let i = 0; i < n; i++) {
      const r = this.int(10);
      const src = r < 6 && records.length > 0 ? (i === 0 ? records[0]! : this.pick(records)) : r < 9 ? this.pool() : this.randomDatagram();
      chosen.push(Buffer.from(src));
    }
    let out = chosen.flatMap((r) => this.mutateRecord(r));
    const shuffles = this.int(4);
    for (let i = 0; i < shuffles && out.length > 0; i++) {
      const op = this.int(4);
      if (op === 0) out.push(Buffer.from(this.pick(out)));
      else if (op === 1 && out.length > 1) {
        const a = this.int(out.length);
        const b = this.int(out.length);
        [out[a], out[b]] = [out[b]!, out[a]!];
      } else if (op === 2) out.splice(this.int(out.length), 1);
      else out = [this.splice(this.pick(out), this.pool())];
    }
    const d = Buffer.concat(out);
    const tail = this.int(12);
    if (tail === 0) return d.subarray(0, this.int(d.length + 1));
    if (tail === 1) {
      const extra = Buffer.alloc(1 + this.int(40));
      for (let i = 0; i < extra.length; i++) extra[i] = this.int(256);
      return Buffer.concat([d, extra]);
    }
    return d;
  }

  /** One record, mutated 1–3 times; a re-fragmented handshake record becomes several. */
  mutateRecord(record: Buffer): Buffer[] {
    const out: Buffer[] = [record];
    const rounds = 1 + this.int(3);
    for (let i = 0; i < rounds; i++) {
      const at = this.int(out.length);
      out.splice(at, 1, ...this.once(out[at]!));
    }
    return out;
  }

  private once(r: Buffer): Buffer[] {
    if (r.length < RECORD_HEADER) return [this.bytes(r)];
    const isHandshake = r[0] === 22 && r.readUInt16BE(3) === 0 && r.length >= RECORD_HEADER + HANDSHAKE_HEADER;
    switch (this.int(isHandshake ? 12 : 8)) {
      case 0:
      case 1:
        return [this.bytes(r)];
      case 2: {
        const c = Buffer.from(r);
        c[0] = this.pick([20, 21, 22, 23, 24, 0, 255, this.int(256)]);
        return [c];
      }
      case 3: {
        const c = Buffer.from(r);
        c.writeUInt16BE(this.pick([0xfefd, 0xfeff, 0xfefc, 0x0303, this.int(0x10000)]), 1);
        return [c];
      }
      case 4: {
        const c = Buffer.from(r);
        c.writeUInt16BE(this.pick([0, 1, 2, 0xffff, this.int(0x10000)]), 3);
        return [c];
      }
      case 5: {
        const c = Buffer.from(r);
        const seq = c.readUIntBE(5, 6);
        const next = this.pick([0, 1, seq + 1, Math.max(0, seq - 1), seq + 64, seq + 1000, 0xffffffffffff, this.int(0x1000000)]);
        c.writeUIntBE(next % 2 ** 48, 5, 6);
        return [c];
      }
      case 6: {
        const c = Buffer.from(r);
        const len = c.readUInt16BE(11);
        c.writeUInt16BE(this.pick([0, 1, len - 1, len + 1, 0xffff, this.int(0x4000)]) & 0xffff, 11);
        return [c];
      }
      case 7: {
        // Truncate or extend the body, keeping the record length consistent.
        const body = r.subarray(RECORD_HEADER);
        const next =
          this.int(2) === 0
            ? body.subarray(0, this.int(body.length + 1))
            : Buffer.concat([body, Buffer.alloc(1 + this.int(64), this.int(256))]);
        const c = Buffer.concat([r.subarray(0, RECORD_HEADER), next]);
        c.writeUInt16BE(next.length & 0xffff, 11);
        return [c];
      }
      case 8:
      case 9:
        return [this.handshakeField(r)];
      default:
        return this.refragment(r);
    }
  }

  /** Changes one field of the first handshake fragment header in a plaintext record. */
  private handshakeField(r: Buffer): Buffer {
    const c = Buffer.from(r);
    const h = RECORD_HEADER;
    const length = c.readUIntBE(h + 1, 3);
    const value = this.pick([...INTERESTING, length - 1, length + 1, this.int(0x1000000)]) & 0xffffff;
    switch (this.int(5)) {
      case 0:
        c[h] = this.pick([0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20, 21, 255]);
        break;
      case 1:
        c.writeUIntBE(value, h + 1, 3);
        break;
      case 2: {
        const seq = c.readUInt16BE(h + 4);
        c.writeUInt16BE(this.pick([0, 1, 2, 3, 4, 5, seq + 1, Math.max(0, seq - 1), seq + 8, seq + 9, 0xffff]) & 0xffff, h + 4);
        break;
      }
      case 3:
        c.writeUIntBE(value, h + 6, 3);
        break;
      default:
        c.writeUIntBE(value, h + 9, 3);
    }
    return c;
  }

  /**
   * Splits the first handshake message of a plaintext record into 1–5 fragments, each in its
   * own record, in random order, sometimes overlapping, sometimes with a tampered header.
   */
  private refragment(r: Buffer): Buffer[] {
    const h = RECORD_HEADER;
    const type = r[h]!;
    const length = r.readUIntBE(h + 1, 3);
    const seq = r.readUInt16BE(h + 4);
    const offset = r.readUIntBE(h + 6, 3);
    const fragLength = r.readUIntBE(h + 9, 3);
    const bytes = r.subarray(h + HANDSHAKE_HEADER, h + HANDSHAKE_HEADER + fragLength);
    const pieces = 1 + this.int(5);
    const cuts = [0, bytes.length];
    for (let i = 1; i < pieces; i++) cuts.push(this.int(bytes.length + 1));
    cuts.sort((a, b) => a - b);
    const out: Buffer[] = [];
    let recordSeq = r.readUIntBE(5, 6);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const from = Math.max(0, cuts[i]! - (this.int(4) === 0 ? this.int(8) : 0));
      const piece = bytes.subarray(from, cuts[i + 1]!);
      const f = Buffer.alloc(HANDSHAKE_HEADER);
      f[0] = type;
      f.writeUIntBE(length, 1, 3);
      f.writeUInt16BE(seq, 4);
      f.writeUIntBE((offset + from) & 0xffffff, 6, 3);
      f.writeUIntBE(piece.length, 9, 3);
      let frag: Buffer = Buffer.concat([f, piece]);
      if (this.int(5) === 0) frag = this.bytes(frag);
      out.push(makeRecord(22, r.readUInt16BE(3), recordSeq++, frag));
    }
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** A bit flip, a random byte, or an interesting 16/24-bit value at a random offset. */
  private bytes(r: Buffer): Buffer {
    const c = Buffer.from(r);
    if (c.length === 0) return Buffer.from([this.int(256)]);
    const i = this.int(c.length);
    switch (this.int(3)) {
      case 0:
        c[i] = c[i]! ^ (1 << this.int(8));
        break;
      case 1:
        c[i] = this.int(256);
        break;
      default: {
        const v = this.pick(INTERESTING);
        const width = 2 + this.int(2);
        for (let k = 0; k < width && i + k < c.length; k++) c[i + k] = (v >>> (8 * (width - 1 - k))) & 0xff;
      }
    }
    return c;
  }

  /** The start of `a` followed by the end of `b`. */
  private splice(a: Buffer, b: Buffer): Buffer {
    return Buffer.concat([a.subarray(0, this.int(a.length + 1)), b.subarray(this.int(b.length + 1))]);
  }
}
