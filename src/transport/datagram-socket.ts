/**
 * The one interface between a UDP socket backend (the native batched one, or node:dgram) and the
 * datagram pipeline above it: batches of datagrams in, batches out, numeric addresses, no object
 * or string per datagram.
 */

/** u32 words per datagram in {@link DatagramBatch.meta}. */
export const META_WORDS = 8;
/** Word offsets inside one datagram's meta record. */
export const META_OFFSET = 0;
export const META_LENGTH = 1;
/**
 * Words 2..5: the remote address as an IPv6 address in four big-endian u32 words (network byte
 * order read as numbers: `::1` is 0,0,0,1). IPv4 is always given IPv4-mapped: 0, 0, 0xffff, v4.
 */
export const META_ADDRESS = 2;
export const META_PORT = 6;
/** Word 7, received: {@link FLAG_TRUNCATED}; GRO segment size in the upper 16 bits when non-zero. */
export const META_FLAGS = 7;
/** The datagram was longer than its slot and was cut (MSG_TRUNC): drop it as oversized. */
export const FLAG_TRUNCATED = 1;

/**
 * Datagrams back to back in `data`, described by `count` meta records of {@link META_WORDS} words.
 * A received batch is valid only during the callback that hands it out (the backend reuses its
 * buffers); a batch given to {@link DatagramSocket.send} may be reused by the caller as soon as
 * send() returns.
 */
export interface DatagramBatch {
  data: Uint8Array;
  meta: Uint32Array;
  count: number;
}

/** Which implementation moves the datagrams. */
export type SocketBackendName = 'native' | 'dgram';

/** A bound UDP socket that receives and sends batches. */
export interface DatagramSocket {
  /** The backend in use. */
  readonly backend: SocketBackendName;
  /** True when the socket is AF_INET6 (dual-stack unless bound to an IPv6 literal). */
  readonly ipv6: boolean;
  /** Called once per received batch (one or more datagrams). */
  onReceive: (batch: DatagramBatch) => void;
  /**
   * Where the backend can (native): asks, during `onReceive`, for {@link onReactionsRun} once the
   * microtasks and process.nextTick callbacks queued while handling the batch have run, before
   * the next batch is read; returns false where it cannot (the caller then defers with
   * process.nextTick itself).
   */
  askForReactionsRun?(): boolean;
  /** Called as {@link askForReactionsRun} asked. */
  onReactionsRun?: () => void;
  /**
   * Spare bytes in the ArrayBuffer the batches are received into (or undefined): the engine
   * stores the packets it lends there, copied within one ArrayBuffer.
   */
  readonly lendArea?: Uint8Array;
  /** Called on a socket error other than those ignored for UDP (ICMP-induced resets). */
  onError: (error: Error) => void;
  /**
   * Sends every datagram of the batch. Never throws for a datagram that cannot be sent (UDP is
   * lossy, ENet retransmits); keeps no reference to `batch.data` after it returns.
   */
  send(batch: DatagramBatch): void;
  /** The bound local port (0 once closed). */
  localPort(): number;
  /** Closes the socket (idempotent); datagrams already handed to send() still go out first. */
  close(): void;
}

/** How {@link DatagramSocket}s are opened, by backend. */
export interface SocketOpenOptions {
  /** IP literal, '*' or null (all interfaces, dual-stack). */
  bindAddress: string | null;
  port: number;
  /** SO_RCVBUF asked for. */
  receiveBufferSize: number;
  /** SO_SNDBUF asked for. */
  sendBufferSize: number;
  /**
   * Native backend only, off by default (ENetConnection turns it on for hosts of several peer
   * slots): let the kernel coalesce runs of equal-size datagrams from one sender (UDP_GRO). The
   * backend splits them again, so `onReceive` still sees one record per datagram; each receive
   * slot grows to 64 KiB and the lend area to 1 MiB.
   */
  gro?: boolean;
  /**
   * Native backend only: how long a socket that has just handed out datagrams keeps reading
   * before it goes back to the event loop, while traffic is dense (default: the
   * ENET_TS_BUSY_POLL_US environment variable, else 50; 0 turns it off). See native/udp.c.
   */
  busyPollMicroseconds?: number;
}
