/**
 * The node:dgram backend of {@link DatagramSocket}, for platforms without the native addon: each
 * received datagram is a batch of one, each sent batch a copy sent datagram by datagram.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import { AddressWordsCache, isIpv4Mapped, wordsToAddress } from './address-words.js';
import { bindPlan } from './bind-plan.js';
import {
  type DatagramBatch,
  type DatagramSocket,
  META_ADDRESS,
  META_FLAGS,
  META_LENGTH,
  META_OFFSET,
  META_PORT,
  META_WORDS,
  type SocketOpenOptions,
} from './datagram-socket.js';

/** Entries kept per cache before it is cleared (addresses are per peer, so this is rarely reached). */
const CACHE_LIMIT = 4096;

/**
 * The socket's lookup: destinations are always IP literals here, so they are passed straight
 * through, synchronously (Node's default would run dns.lookup on every datagram), their family
 * remembered.
 */
function literalLookup(
  address: string,
  family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  let kind = literalKinds.get(address);
  if (kind === undefined) {
    kind = isIP(address);
    if (literalKinds.size >= CACHE_LIMIT) literalKinds.clear();
    literalKinds.set(address, kind);
  }
  if (kind !== 0) callback(null, address, kind);
  else dns.lookup(address, family as dns.LookupOneOptions, callback);
}

/** isIP() results by destination string (isIP runs a long regex for IPv6 and mapped addresses). */
const literalKinds = new Map<string, number>();

/** A true IPv6 destination, chained by hash. */
interface Ipv6Destination {
  words: Uint32Array;
  text: string;
  next: Ipv6Destination | null;
}

/** Address words → the destination string this socket sends to, built once per address. */
class DestinationStrings {
  private readonly mapped = new Map<number, string>();
  private readonly other = new Map<number, Ipv6Destination>();

  constructor(private readonly ipv6: boolean) {}

  /** The destination of the words at `meta[at..at+3]`; null when this socket cannot reach it. */
  get(meta: Uint32Array, at: number): string | null {
    if (isIpv4Mapped(meta, at)) {
      const v4 = meta[at + 3]!;
      let text = this.mapped.get(v4);
      if (text === undefined) {
        text = wordsToAddress(meta, at);
        if (this.ipv6) text = `::ffff:${text}`;
        if (this.mapped.size >= CACHE_LIMIT) this.mapped.clear();
        this.mapped.set(v4, text);
      }
      return text;
    }
    if (!this.ipv6) return null;
    const hash = (meta[at]! ^ Math.imul(meta[at + 1]!, 31) ^ Math.imul(meta[at + 2]!, 961) ^ Math.imul(meta[at + 3]!, 29791)) >>> 0;
    const head = this.other.get(hash) ?? null;
    for (let entry = head; entry !== null; entry = entry.next) {
      const w = entry.words;
      if (w[0] === meta[at] && w[1] === meta[at + 1] && w[2] === meta[at + 2] && w[3] === meta[at + 3]) return entry.text;
    }
    const words = meta.slice(at, at + 4);
    if (this.other.size >= CACHE_LIMIT) this.other.clear();
    this.other.set(hash, { words, text: wordsToAddress(words), next: head });
    return this.other.get(hash)!.text;
  }
}

/** A {@link DatagramSocket} over node:dgram. */
export class DgramDatagramSocket implements DatagramSocket {
  readonly backend = 'dgram';
  readonly ipv6: boolean;
  onReceive: (batch: DatagramBatch) => void = () => {};
  onError: (error: Error) => void = () => {};
  private readonly socket: dgram.Socket;
  private closed = false;
  /** Source address strings (as node:dgram reports them) → their four address words. */
  private readonly sources = new AddressWordsCache(CACHE_LIMIT);
  private readonly destinations: DestinationStrings;
  /**
   * The one received batch, handed out for every datagram: a copy in a reused buffer, so that
   * `data` is a plain Uint8Array reused as on the native backend (a Buffer's slice() is a view).
   */
  private readonly received: DatagramBatch = { data: new Uint8Array(65536), meta: new Uint32Array(META_WORDS), count: 1 };

  private constructor(socket: dgram.Socket, ipv6: boolean) {
    this.socket = socket;
    this.ipv6 = ipv6;
    this.destinations = new DestinationStrings(ipv6);
    socket.on('message', (message, remote) => this.deliver(message, remote.address, remote.port));
    socket.on('error', (error) => this.onError(error));
  }

  /**
   * Opens and binds a socket (dual-stack unless bound to an IPv4 literal; IPv4-only where the
   * kernel has no IPv6). Rejects with the OS error (code EADDRINUSE and so on) when it cannot bind.
   */
  static async open(options: SocketOpenOptions): Promise<DgramDatagramSocket> {
    const plan = bindPlan(options.bindAddress);
    const attempt = (type: 'udp4' | 'udp6', address: string) =>
      new Promise<DgramDatagramSocket>((resolve, reject) => {
        const socket = dgram.createSocket({
          type,
          ipv6Only: false,
          recvBufferSize: options.receiveBufferSize,
          sendBufferSize: options.sendBufferSize,
          lookup: literalLookup as unknown as dgram.SocketOptions['lookup'],
        });
        const onError = (error: Error) => {
          socket.close();
          reject(error);
        };
        socket.once('error', onError);
        socket.bind({ port: options.port, address, exclusive: true }, () => {
          socket.off('error', onError);
          try {
            socket.setBroadcast(true);
          } catch {
            /* not fatal */
          }
          resolve(new DgramDatagramSocket(socket, type === 'udp6'));
        });
      });
    if (plan.family === 4) return attempt('udp4', plan.address);
    try {
      return await attempt('udp6', plan.address);
    } catch (error) {
      if (plan.ipv4Fallback && (error as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') return attempt('udp4', '0.0.0.0');
      throw error;
    }
  }

  private deliver(message: Buffer, address: string, port: number): void {
    const words = this.sources.get(address);
    if (words === null) return;
    const batch = this.received;
    const meta = batch.meta;
    batch.data.set(message);
    meta[META_OFFSET] = 0;
    meta[META_LENGTH] = message.length;
    meta[META_ADDRESS] = words[0]!;
    meta[META_ADDRESS + 1] = words[1]!;
    meta[META_ADDRESS + 2] = words[2]!;
    meta[META_ADDRESS + 3] = words[3]!;
    meta[META_PORT] = port;
    meta[META_FLAGS] = 0;
    this.onReceive(batch);
  }

  send(batch: DatagramBatch): void {
    if (this.closed || batch.count === 0) return;
    const { data, meta, count } = batch;
    let total = 0;
    for (let i = 0; i < count; i++) total += meta[i * META_WORDS + META_LENGTH]!;
    // node:dgram may keep a queued datagram past send(): it gets a copy of its own.
    const copy = Buffer.allocUnsafe(total);
    const source = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let position = 0;
    for (let i = 0; i < count; i++) {
      const record = i * META_WORDS;
      const offset = meta[record + META_OFFSET]!;
      const length = meta[record + META_LENGTH]!;
      const port = meta[record + META_PORT]!;
      // node:dgram throws on port 0 or above 65535: such a datagram is dropped, as the kernel would refuse it.
      if (offset + length > data.byteLength || port === 0 || port > 65535) continue;
      const destination = this.destinations.get(meta, record + META_ADDRESS);
      if (destination === null) continue;
      source.copy(copy, position, offset, offset + length);
      // No callback: the lookup is synchronous, so the datagram reaches the kernel (or libuv's
      // queue) before send() returns; UDP send errors are not acted on (ENet retransmits).
      this.socket.send(copy, position, length, port, destination);
      position += length;
    }
  }

  localPort(): number {
    return this.closed ? 0 : this.socket.address().port;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onReceive = () => {};
    const socket = this.socket;
    // What libuv still queues (sends that met a full socket buffer) goes out first, for up to 1 s.
    const finish = (tries: number) => {
      if (socket.getSendQueueCount() === 0 || tries >= 100) socket.close();
      else setTimeout(() => finish(tries + 1), 10);
    };
    finish(0);
  }

  /** The socket's file descriptor (-1 once closed or where Node does not expose it). */
  fd(): number {
    if (this.closed) return -1;
    const state = Object.getOwnPropertySymbols(this.socket).find((s) => s.description === 'state symbol');
    const handle =
      state === undefined ? undefined : (this.socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[state]?.handle;
    return handle?.fd ?? -1;
  }
}
