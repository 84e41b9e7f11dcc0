import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import { HOST_SEND_BUFFER_SIZE } from '../protocol/constants.js';
import { unmapAddress } from './address.js';

/**
 * The socket's lookup: destinations are always IP literals here (host names are resolved once,
 * by `resolve()`), so they are passed straight through, synchronously. Node's default would run
 * dns.lookup (an IPv6 regex and a process.nextTick) on every datagram.
 */
function literalLookup(
  address: string,
  family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  let kind = literalKinds.get(address);
  if (kind === undefined) {
    kind = isIP(address);
    if (literalKinds.size > 4096) literalKinds.clear();
    literalKinds.set(address, kind);
  }
  if (kind !== 0) callback(null, address, kind);
  else dns.lookup(address, family as dns.LookupOneOptions, callback);
}

/** isIP() results by destination string (isIP runs a long regex for IPv6 and mapped addresses). */
const literalKinds = new Map<string, number>();

/**
 * The socket receive buffer asked for: 2 MiB, where ENet asks for 256 KiB
 * (HOST_RECEIVE_BUFFER_SIZE). A JavaScript event loop can be away for a garbage collection or a
 * compile longer than C's service loop, and a burst that overflows the buffer is lost (2000
 * CONNECTs from C clients: 3.6 s with 256 KiB, 0.5 s with 2 MiB, because the lost ones wait for
 * ENet's retransmission). The kernel caps it at net.core.rmem_max.
 */
export const UDP_RECEIVE_BUFFER_SIZE = 2 * 1024 * 1024;

/** Receives datagrams from a {@link UdpTransport}; addresses are already unmapped. */
export type DatagramHandler = (data: Buffer, address: string, port: number) => void;

/**
 * The node:dgram adapter of a host: one socket, dual-stack unless bound to an IPv4 literal,
 * reporting IPv4-mapped sources as plain IPv4.
 */
export class UdpTransport {
  private readonly socket: dgram.Socket;
  /** True when the socket is AF_INET6 (and so needs IPv4 destinations mapped). */
  readonly ipv6: boolean;
  private closed = false;
  /** Destination strings as the socket wants them (IPv4 mapped on IPv6 sockets), by address. */
  private readonly destinations = new Map<string, string>();
  onMessage: DatagramHandler = () => {};
  /** Called on a socket error other than those ignored for UDP (ICMP-induced resets). */
  onError: (error: Error) => void = () => {};

  private constructor(socket: dgram.Socket, ipv6: boolean) {
    this.socket = socket;
    this.ipv6 = ipv6;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, unmapAddress(rinfo.address), rinfo.port));
    socket.on('error', (err) => this.onError(err));
  }

  /**
   * Opens a socket. `bindAddress`: null or '*' or an IPv6 literal → AF_INET6 dual-stack (an
   * IPv4-only fallback where IPv6 is unavailable); an IPv4 literal → AF_INET bound to it.
   * Rejects with the OS error when the address cannot be bound (for example, port in use).
   */
  static async open(bindAddress: string | null, port: number): Promise<UdpTransport> {
    const v4 = bindAddress !== null && bindAddress !== '*' && isIP(bindAddress) === 4;
    const attempt = (type: 'udp4' | 'udp6', address: string) =>
      new Promise<UdpTransport>((resolve, reject) => {
        const socket = dgram.createSocket({
          type,
          ipv6Only: false,
          recvBufferSize: UDP_RECEIVE_BUFFER_SIZE,
          sendBufferSize: HOST_SEND_BUFFER_SIZE,
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
          resolve(new UdpTransport(socket, type === 'udp6'));
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

  /** Sends one datagram; IPv4 destinations are mapped on an IPv6 socket. Errors are ignored, not thrown. */
  send(data: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    let dest = this.destinations.get(address);
    if (dest === undefined) {
      dest = this.ipv6 && isIP(address) === 4 ? `::ffff:${address}` : address;
      if (this.destinations.size > 4096) this.destinations.clear();
      this.destinations.set(address, dest);
    }
    // No callback: the lookup is synchronous, so the datagram reaches the kernel (or libuv's
    // send queue, on EAGAIN) before send() returns; a callback would cost a closure and a
    // process.nextTick per datagram. UDP send errors are not acted on (ENet retransmits).
    this.socket.send(data, port, dest);
  }

  /** The bound local port. */
  localPort(): number {
    return this.closed ? 0 : this.socket.address().port;
  }

  /** Resolves a host name (or passes an IP literal through) to an address this socket can reach. */
  async resolve(host: string): Promise<string> {
    if (isIP(host)) return unmapAddress(host);
    const r = await dns.promises.lookup(host, { family: this.ipv6 ? 0 : 4 });
    return unmapAddress(r.address);
  }

  /**
   * Closes the socket (idempotent). Datagrams already handed over (such as the DISCONNECT that
   * peerDisconnectNow flushes just before a destroy) still go out first; nothing is received after.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onMessage = () => {};
    const socket = this.socket;
    // What libuv still queues (sends that met a full socket buffer) goes out first, for up to 1 s.
    const finish = (tries: number) => {
      if (socket.getSendQueueCount() === 0 || tries >= 100) socket.close();
      else setTimeout(() => finish(tries + 1), 10);
    };
    finish(0);
  }
}
