import { randomBytes } from 'node:crypto';

/** First byte of every packet the Godot 4 echo scripts (test/godot4/) send and understand. */
export const MARKER = 0xe7;
/** The ENet flags an echo keeps: RELIABLE | UNSEQUENCED | UNRELIABLE_FRAGMENT. */
export const FLAG_MASK = 0x0b;

const TEXT = Buffer.from('The quick brown fox jumps over the lazy dog; ENet echo test 0123456789. ');

/**
 * A packet in the echo scripts' format: MARKER, the ENet flags it is sent with, its id (u32 LE),
 * then a body of random bytes (`style` 0), repeated text (1) or zeros (2), `size` bytes in all.
 */
export function markerPacket(id: number, flags: number, size: number, style: number): Buffer {
  const b = style === 0 ? randomBytes(size) : style === 1 ? Buffer.alloc(size, TEXT) : Buffer.alloc(size);
  b[0] = MARKER;
  b[1] = flags;
  b.writeUInt32LE(id, 2);
  return b;
}

/** One packet sent to an echo server. */
interface Sent {
  bytes: Buffer;
  channel: number;
  flags: number;
}

/**
 * Records packets sent to an echo server and checks what comes back: every echo byte for byte,
 * on its channel, with its flags; reliable ones exactly once and in send order per channel.
 * Problems are collected (not thrown) so a test can report all of them at once.
 */
export class EchoChecker {
  private readonly sent = new Map<number, Sent>();
  /** Per channel, the reliable ids still expected, in send order. */
  private readonly expected = new Map<number, number[]>();
  private readonly seen = new Set<number>();
  readonly problems: string[] = [];
  reliableSent = 0;
  reliableBack = 0;
  unreliableSent = 0;
  unreliableBack = 0;
  /** Payload bytes sent, and payload bytes of the good echoes. */
  bytesSent = 0;
  bytesBack = 0;

  /** Notes a packet as sent. */
  sentPacket(bytes: Buffer, channel: number, flags: number): void {
    const id = bytes.readUInt32LE(2);
    this.sent.set(id, { bytes, channel, flags });
    this.bytesSent += bytes.length;
    if (flags & 1) {
      this.reliableSent++;
      const list = this.expected.get(channel) ?? [];
      list.push(id);
      this.expected.set(channel, list);
    } else this.unreliableSent++;
  }

  /** Checks one echo received on `channel` with `flags`. */
  echo(bytes: Uint8Array, channel: number, flags: number): void {
    const b = Buffer.from(bytes);
    const id = b.length >= 6 && b[0] === MARKER ? b.readUInt32LE(2) : -1;
    const want = this.sent.get(id);
    if (!want) return void this.problems.push(`unknown echo: ${b.length} bytes on channel ${channel}`);
    if (this.seen.has(id)) return void this.problems.push(`id ${id}: echoed twice`);
    this.seen.add(id);
    this.bytesBack += b.length;
    if (!b.equals(want.bytes)) this.problems.push(`id ${id}: echo differs (${b.length} bytes, sent ${want.bytes.length})`);
    if (channel !== want.channel) this.problems.push(`id ${id}: echo on channel ${channel}, sent on ${want.channel}`);
    if ((flags & FLAG_MASK) !== want.flags) this.problems.push(`id ${id}: echo flags ${flags & FLAG_MASK}, sent ${want.flags}`);
    if (want.flags & 1) {
      const next = this.expected.get(want.channel)!.shift();
      if (next !== id) this.problems.push(`channel ${want.channel}: reliable echo ${id} came before ${next}`);
      this.reliableBack++;
    } else this.unreliableBack++;
  }

  /** True once every reliable packet has come back. */
  get reliableDone(): boolean {
    return this.reliableBack === this.reliableSent;
  }
}
