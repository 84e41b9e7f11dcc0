/**
 * Opens a {@link DatagramSocket} on the chosen backend: the native batched one where its addon
 * loaded, node:dgram otherwise (or when asked for, through ENET_TS_SOCKET).
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import { unmapAddress } from './address.js';
import type { DatagramSocket, SocketBackendName, SocketOpenOptions } from './datagram-socket.js';
import { DgramDatagramSocket } from './dgram-socket.js';
import { nativeAddonStatus } from './native-addon.js';
import { NativeDatagramSocket } from './native-socket.js';

/**
 * The socket receive buffer asked for: 2 MiB, where ENet asks for 256 KiB
 * (HOST_RECEIVE_BUFFER_SIZE). A JavaScript event loop can be away for a garbage collection or a
 * compile longer than C's service loop, and a burst that overflows the buffer is lost (2000
 * CONNECTs from C clients: 3.6 s with 256 KiB, 0.5 s with 2 MiB, because the lost ones wait for
 * ENet's retransmission). The kernel caps it at net.core.rmem_max.
 */
export const UDP_RECEIVE_BUFFER_SIZE = 2 * 1024 * 1024;

/** A backend name, or 'auto': native where the addon loaded, else node:dgram. */
export type SocketBackendChoice = 'auto' | SocketBackendName;

/** The environment variable that picks the backend ('auto', 'native' or 'dgram'). */
export const SOCKET_BACKEND_ENV = 'ENET_TS_SOCKET';

/** The backend asked for by ENET_TS_SOCKET ('auto' when unset); throws on another value. */
export function socketBackendFromEnv(): SocketBackendChoice {
  const value = process.env[SOCKET_BACKEND_ENV];
  if (value === undefined || value === '') return 'auto';
  if (value === 'auto' || value === 'native' || value === 'dgram') return value;
  throw new Error(`${SOCKET_BACKEND_ENV}=${value}: expected auto, native or dgram`);
}

let notice: (message: string) => void = (message) => console.warn(message);
let noticeGiven = false;

/**
 * Replaces the function that prints the one-line notice when 'auto' falls back to node:dgram
 * (console.warn by default); returns the previous one. Tests pass a function that records it.
 */
export function setSocketBackendNotice(print: (message: string) => void): (message: string) => void {
  const previous = notice;
  notice = print;
  return previous;
}

/**
 * Opens and binds a socket on `backend` (default: ENET_TS_SOCKET, else 'auto'). 'auto' prints
 * one line per process when it falls back to node:dgram; 'native' throws when the addon is not
 * available. Rejects with the OS error (code EADDRINUSE and so on) when the socket cannot be bound.
 */
export async function openDatagramSocket(
  options: SocketOpenOptions,
  backend: SocketBackendChoice = socketBackendFromEnv(),
): Promise<DatagramSocket> {
  if (backend === 'dgram') return DgramDatagramSocket.open(options);
  const status = nativeAddonStatus();
  if (status.addon !== null) return NativeDatagramSocket.open(status.addon, options);
  if (backend === 'native') throw new Error(`native UDP backend unavailable: ${status.reason}`);
  if (!noticeGiven) {
    noticeGiven = true;
    notice(`enet-ts: ${status.reason}; using the node:dgram backend`);
  }
  return DgramDatagramSocket.open(options);
}

/** Resolves a host name (or passes an IP literal through) to an address a socket of this family can reach. */
export async function resolveAddress(host: string, ipv6: boolean): Promise<string> {
  if (isIP(host)) return unmapAddress(host);
  const r = await dns.promises.lookup(host, { family: ipv6 ? 0 : 4 });
  return unmapAddress(r.address);
}
