/**
 * The native batched backend of {@link DatagramSocket} (Linux): recvmmsg into one reused buffer,
 * sendmmsg with GSO for runs to one address. Loaded through {@link nativeAddonStatus}.
 */
import { getSystemErrorName } from 'node:util';
import { bindPlan } from './bind-plan.js';
import {
  type DatagramBatch,
  type DatagramSocket,
  META_FLAGS,
  META_LENGTH,
  META_OFFSET,
  META_WORDS,
  type SocketOpenOptions,
} from './datagram-socket.js';
import type { NativeSocketHandle, NativeSocketStats, NativeUdpAddon } from './native-addon.js';
import { LEND_AREA_SIZE } from '../engine/host.js';

/**
 * Bytes per receive slot: ENet's largest datagram (4096 bytes) plus room for a DTLS record's
 * header, nonce, padding and tag. A longer datagram arrives cut, flagged FLAG_TRUNCATED.
 */
export const NATIVE_SLOT_SIZE = 4096 + 256;
/** Receive slots per recvmmsg call: a datagram each, or with GRO a coalesced run each. */
export const NATIVE_RECEIVE_SLOTS = 64;
/** With GRO: a slot holds a whole coalesced run (up to 64 KiB); NATIVE_RECEIVE_SLOTS of them. */
export const NATIVE_GRO_SLOT_SIZE = 65536;
/**
 * The engine's lend area of a GRO socket: a batch of 64 coalesced runs of small packets lends
 * far more than LEND_AREA_SIZE, and a full area falls back to an array per packet. With 128 KiB,
 * B1 (64 B unreliable, 3 alternated runs) lost 12-42 % of its messages behind the slower
 * fallback; with 1 MiB 0-8 %, as with 16 slots and 128 KiB (which made a burst of 500 CONNECTs
 * 32 batches instead of 8: B7 19.3-20.0 against 17.0-18.2 ms, 3 alternated runs).
 */
export const NATIVE_GRO_LEND_AREA_SIZE = 1024 * 1024;

/**
 * Splits the GRO-coalesced records of `batch` (segment size in the upper 16 bits of the flags)
 * into one record per datagram in `out`, growing `out.meta` when needed. False when nothing in
 * the batch was coalesced (then `out` is untouched).
 */
export function splitCoalesced(batch: DatagramBatch, out: DatagramBatch): boolean {
  const { meta, count } = batch;
  let needed = 0;
  for (let i = 0; i < count; i++) {
    const r = i * META_WORDS;
    const segment = meta[r + META_FLAGS]! >>> 16;
    needed += segment === 0 ? 1 : Math.ceil(meta[r + META_LENGTH]! / segment);
  }
  if (needed === count) return false;
  if (out.meta.length < needed * META_WORDS) out.meta = new Uint32Array(needed * META_WORDS * 2);
  const split = out.meta;
  let w = 0;
  for (let i = 0; i < count; i++) {
    const r = i * META_WORDS;
    const flags = meta[r + META_FLAGS]!;
    const segment = flags >>> 16;
    const offset = meta[r + META_OFFSET]!;
    const length = meta[r + META_LENGTH]!;
    if (segment === 0) {
      for (let k = 0; k < META_WORDS; k++) split[w + k] = meta[r + k]!;
      w += META_WORDS;
      continue;
    }
    for (let position = 0; position < length; position += segment) {
      for (let k = 0; k < META_WORDS; k++) split[w + k] = meta[r + k]!;
      split[w + META_OFFSET] = offset + position;
      split[w + META_LENGTH] = Math.min(segment, length - position);
      split[w + META_FLAGS] = flags & 0xffff;
      w += META_WORDS;
    }
  }
  out.data = batch.data;
  out.count = w / META_WORDS;
  return true;
}

/**
 * Microseconds a native socket busy-polls by default (see SocketOpenOptions.busyPollMicroseconds):
 * a reply that comes within them is read without the sleep and wake-up in between. B4 (32 B
 * ping-pong between two processes, 20 000 round trips, alternated): median RTT 41-57 µs without,
 * 23-25 µs with; p99 87-138 µs without, 88-106 µs with.
 */
export const DEFAULT_BUSY_POLL_MICROSECONDS = 50;

/** The environment variable that sets the busy poll of native sockets (microseconds, 0 = off). */
export const BUSY_POLL_ENV = 'ENET_TS_BUSY_POLL_US';

/** The busy poll ENET_TS_BUSY_POLL_US asks for (the default when unset); throws on a bad value. */
export function busyPollFromEnv(): number {
  const value = process.env[BUSY_POLL_ENV];
  if (value === undefined || value === '') return DEFAULT_BUSY_POLL_MICROSECONDS;
  const us = Number(value);
  if (!Number.isInteger(us) || us < 0 || us > 1_000_000) throw new Error(`${BUSY_POLL_ENV}=${value}: expected microseconds, 0 to 1000000`);
  return us;
}

/** Opens an AF_INET or AF_INET6 socket with the addon, turning its errors into Node-style ones. */
function openNativeHandle(
  addon: NativeUdpAddon,
  family: 4 | 6,
  address: string,
  options: SocketOpenOptions,
  data: Uint8Array,
  meta: Uint32Array,
  onBatch: (countOrError: number) => boolean,
): NativeSocketHandle {
  const gro = options.gro === true;
  try {
    return addon.open(
      family,
      address,
      options.port,
      options.receiveBufferSize,
      options.sendBufferSize,
      data,
      meta,
      gro ? NATIVE_GRO_SLOT_SIZE : NATIVE_SLOT_SIZE,
      onBatch,
      gro,
      options.busyPollMicroseconds ?? busyPollFromEnv(),
    );
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === undefined || e.syscall === undefined) throw error;
    throw Object.assign(new Error(`${e.syscall} ${e.code} ${address}:${options.port}`), {
      code: e.code,
      errno: e.errno,
      syscall: e.syscall,
      address,
      port: options.port,
    });
  }
}

/** A {@link DatagramSocket} over the native addon. */
export class NativeDatagramSocket implements DatagramSocket {
  readonly backend = 'native';
  readonly ipv6: boolean;
  onReceive: (batch: DatagramBatch) => void = () => {};
  onReactionsRun: () => void = () => {};
  onError: (error: Error) => void = () => {};
  /** A batch is being handed out (onReceive runs). */
  private inBatch = false;
  /** onReceive asked for onReactionsRun after the batch being handed out. */
  private reactionsAsked = false;
  readonly lendArea: Uint8Array;
  private readonly addon: NativeUdpAddon;
  private readonly handle: NativeSocketHandle;
  private closed = false;

  private constructor(addon: NativeUdpAddon, handle: NativeSocketHandle, ipv6: boolean, lendArea: Uint8Array) {
    this.addon = addon;
    this.handle = handle;
    this.ipv6 = ipv6;
    this.lendArea = lendArea;
  }

  /**
   * Opens and binds a socket (dual-stack unless bound to an IP literal). Throws the OS error
   * (code EADDRINUSE and so on) when it cannot be bound.
   */
  static open(addon: NativeUdpAddon, options: SocketOpenOptions): NativeDatagramSocket {
    // One receive buffer and meta array per socket, handed out as the same batch every time.
    // The engine's lend area follows the slots in the same ArrayBuffer (pages untouched until used).
    const receiveBytes = (options.gro === true ? NATIVE_GRO_SLOT_SIZE : NATIVE_SLOT_SIZE) * NATIVE_RECEIVE_SLOTS;
    const lendBytes = options.gro === true ? NATIVE_GRO_LEND_AREA_SIZE : LEND_AREA_SIZE;
    const receiveBuffer = new ArrayBuffer(receiveBytes + lendBytes);
    const batch: DatagramBatch = {
      data: new Uint8Array(receiveBuffer, 0, receiveBytes),
      meta: new Uint32Array(META_WORDS * NATIVE_RECEIVE_SLOTS),
      count: 0,
    };
    // With GRO, coalesced runs are handed out split, through a second reused batch.
    const split: DatagramBatch = { data: batch.data, meta: new Uint32Array(0), count: 0 };
    let socket: NativeDatagramSocket | null = null;
    // The addon calls back with 0 after a batch for which this returned true, once the microtasks
    // and process.nextTick callbacks the batch queued have run.
    const onBatch = (countOrError: number): boolean => {
      if (socket === null || socket.closed) return false;
      if (countOrError === 0) {
        socket.runReactions();
        return false;
      }
      if (countOrError < 0) {
        const code = getSystemErrorName(countOrError);
        socket.onError(Object.assign(new Error(`poll ${code}`), { code, errno: countOrError, syscall: 'poll' }));
        return false;
      }
      batch.count = countOrError;
      // The call after the last batch did not come (its handler threw): make it now.
      if (socket.reactionsAsked) socket.runReactions();
      socket.inBatch = true;
      try {
        socket.onReceive(options.gro === true && splitCoalesced(batch, split) ? split : batch);
      } finally {
        socket.inBatch = false;
      }
      return socket.reactionsAsked;
    };
    const plan = bindPlan(options.bindAddress);
    let handle: NativeSocketHandle;
    let family = plan.family;
    try {
      handle = openNativeHandle(addon, family, plan.address, options, batch.data, batch.meta, onBatch);
    } catch (error) {
      if (!plan.ipv4Fallback || (error as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw error;
      family = 4;
      handle = openNativeHandle(addon, family, '0.0.0.0', options, batch.data, batch.meta, onBatch);
    }
    socket = new NativeDatagramSocket(addon, handle, family === 6, new Uint8Array(receiveBuffer, receiveBytes, lendBytes));
    return socket;
  }

  send(batch: DatagramBatch): void {
    if (!this.closed && batch.count > 0) this.addon.send(this.handle, batch.data, batch.meta, batch.count);
  }

  askForReactionsRun(): boolean {
    if (!this.inBatch) return false;
    this.reactionsAsked = true;
    return true;
  }

  /** Hands out the run that askForReactionsRun asked for. */
  private runReactions(): void {
    this.reactionsAsked = false;
    this.onReactionsRun();
  }

  localPort(): number {
    return this.closed ? 0 : this.addon.localPort(this.handle);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.close(this.handle);
  }

  /** The addon's counters (GSO messages, queued and dropped datagrams). */
  stats(): NativeSocketStats {
    return this.addon.stats(this.handle);
  }

  /** Turns GSO (UDP_SEGMENT runs) on or off; on by default, off for good once the kernel refuses it. */
  setGso(enabled: boolean): void {
    if (!this.closed) this.addon.setGso(this.handle, enabled);
  }

  /**
   * Makes ICMP errors reach the socket (IP_RECVERR), as they would on a connected socket; they
   * must be skipped without stopping reception. For tests.
   */
  receiveIcmpErrors(enabled: boolean): void {
    if (!this.closed) this.addon.receiveErrors(this.handle, enabled);
  }

  /**
   * Makes the next sendmmsg calls fail with EAGAIN as a full socket buffer would (bit k of `mask`:
   * the k-th next call), which loopback never does. For tests of the native send queue.
   */
  simulateFullSendBuffer(mask: number): void {
    if (!this.closed) this.addon.failSends(this.handle, mask);
  }

  /** The socket's file descriptor (-1 once closed). */
  fd(): number {
    return this.addon.fd(this.handle);
  }
}
