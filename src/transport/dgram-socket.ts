import dgram from 'node:dgram';
import { isIP } from 'node:net';
import {
  type DatagramBatch,
  type DatagramSocket,
  META_ADDRESS,
  META_LENGTH,
  META_OFFSET,
  META_PORT,
  META_WORDS,
  type SocketOpenOptions,
} from './datagram-socket.js';
import { addressFromWords, wordsFromAddress } from './endpoint-table.js';

/** Passes IP literals straight through (Node's default lookup runs dns.lookup per datagram). */
function literalLookup(
  address: string,
  _family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, isIP(address));
}

/** The node:dgram backend: each received datagram is a batch of one; a sent batch is one send() per datagram. */
export class DgramSocket implements DatagramSocket {
  readonly backend = 'dgram' as const;
  readonly ipv6: boolean;
  onReceive: (batch: DatagramBatch) => void = () => {};
  onError: (error: Error) => void = () => {};
  private readonly socket: dgram.Socket;
  private readonly received: DatagramBatch = { data: new Uint8Array(0), meta: new Uint32Array(META_WORDS), count: 1 };
  /** Destination strings by address words (IPv4 mapped on IPv6 sockets). */
  private readonly destinations = new Map<string, string>();
  /** Address words by source address string. */
  private readonly sources = new Map<string, Uint32Array>();
  private closed = false;

  private constructor(socket: dgram.Socket, ipv6: boolean) {
    this.socket = socket;
    this.ipv6 = ipv6;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    socket.on('error', (err) => this.onError(err));
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const batch = this.received;
    const meta = batch.meta;
    batch.data = msg;
    meta[META_OFFSET] = 0;
    meta[META_LENGTH] = msg.length;
    meta[META_PORT] = rinfo.port;
    let words = this.sources.get(rinfo.address);
    if (words === undefined) {
      words = new Uint32Array(4);
      if (!wordsFromAddress(rinfo.address, words, 0)) return;
      if (this.sources.size > 4096) this.sources.clear();
      this.sources.set(rinfo.address, words);
    }
    meta.set(words, META_ADDRESS);
    this.onReceive(batch);
  }

  /** Opens and binds a socket as {@link SocketOpenOptions} say (dual-stack unless bound to an IPv4 literal). */
  static async open(options: SocketOpenOptions): Promise<DgramSocket> {
    const { bindAddress, port } = options;
    const v4 = bindAddress !== null && bindAddress !== '*' && isIP(bindAddress) === 4;
    const attempt = (type: 'udp4' | 'udp6', address: string) =>
      new Promise<DgramSocket>((resolve, reject) => {
        const socket = dgram.createSocket({
          type,
          ipv6Only: false,
          recvBufferSize: options.receiveBufferSize,
          sendBufferSize: options.sendBufferSize,
          lookup: literalLookup as unknown as dgram.SocketOptions['lookup'],
        });
        const onError = (err: Error) => {
          socket.close();
          reject(err);
        };
        socket.once('error', onError);
        socket.bind({ port, address, exclusive: true }, () => {
          socket.off('error', onError);
          try {
            socket.setBroadcast(true);
          } catch {
            /* not fatal */
          }
          resolve(new DgramSocket(socket, type === 'udp6'));
        });
      });
    if (v4) return attempt('udp4', bindAddress!);
    const address = bindAddress === null || bindAddress === '*' ? '::' : bindAddress;
    try {
      return await attempt('udp6', address);
    } catch (err) {
      if (address === '::' && (err as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') return attempt('udp4', '0.0.0.0');
      throw err;
    }
  }

  send(batch: DatagramBatch): void {
    if (this.closed || batch.count === 0) return;
    const meta = batch.meta;
    let total = 0;
    for (let i = 0; i < batch.count; i++) total += meta[i * META_WORDS + META_LENGTH]!;
    // One copy per batch: node:dgram may keep a queued datagram's buffer after send() returns.
    const copy = Buffer.allocUnsafe(total);
    let at = 0;
    for (let i = 0, m = 0; i < batch.count; i++, m += META_WORDS) {
      const offset = meta[m + META_OFFSET]!;
      const length = meta[m + META_LENGTH]!;
      copy.set(batch.data.subarray(offset, offset + length), at);
      const dest = this.destination(
        meta[m + META_ADDRESS]!,
        meta[m + META_ADDRESS + 1]!,
        meta[m + META_ADDRESS + 2]!,
        meta[m + META_ADDRESS + 3]!,
      );
      // No callback: the lookup is synchronous, so the datagram reaches the kernel (or libuv's
      // send queue) before send() returns. UDP send errors are not acted on (ENet retransmits).
      if (dest !== null) this.socket.send(copy.subarray(at, at + length), meta[m + META_PORT]!, dest);
      at += length;
    }
  }

  /** The destination string for address words, cached; null when this socket cannot reach it. */
  private destination(w0: number, w1: number, w2: number, w3: number): string | null {
    const key = `${w0},${w1},${w2},${w3}`;
    let dest = this.destinations.get(key);
    if (dest === undefined) {
      const mapped = w0 === 0 && w1 === 0 && w2 === 0xffff;
      const text = addressFromWords(w0, w1, w2, w3);
      if (!this.ipv6 && !mapped) return null;
      dest = this.ipv6 && mapped ? `::ffff:${text}` : text;
      if (this.destinations.size > 4096) this.destinations.clear();
      this.destinations.set(key, dest);
    }
    return dest;
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
}
