/**
 * Opens a {@link DatagramSocket} on the chosen backend: the native batched one where its addon
 * loaded, node:dgram otherwise (or when asked for, through ENET_TS_SOCKET).
 */
import type { DatagramSocket, SocketBackendName, SocketOpenOptions } from './datagram-socket.js';
import { DgramDatagramSocket } from './dgram-socket.js';
import { nativeAddonStatus } from './native-addon.js';
import { NativeDatagramSocket } from './native-socket.js';

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
