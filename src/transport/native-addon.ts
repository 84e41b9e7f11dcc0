/**
 * Loads the native UDP addon (native/udp.c, built by scripts/build-native.mjs at npm install) and
 * tells whether it is there and, when not, why.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An open native socket, as the addon hands it out (opaque). */
export type NativeSocketHandle = { readonly __nativeSocket: unique symbol };

/** Counters of a native socket. */
export interface NativeSocketStats {
  /** Datagrams the kernel accepted. */
  sentDatagrams: number;
  /** sendmmsg messages that carried several datagrams as UDP_SEGMENT (GSO). */
  gsoMessages: number;
  /** Datagrams copied into the native queue after EAGAIN. */
  queuedDatagrams: number;
  /** Datagrams lost on send: queue full, unreachable, refused, or not sendable on this family. */
  droppedDatagrams: number;
  /** Datagrams still in the native queue. */
  queueLength: number;
  /** Socket errors met while receiving (ICMP-induced, with IP_RECVERR) and skipped. */
  receiveErrors: number;
  /** Datagrams that arrived coalesced by GRO. */
  groDatagrams: number;
  /** Busy polls begun (see SocketOpenOptions.busyPollMicroseconds). */
  busyPolls: number;
  /** Busy polls that got a datagram before they ended. */
  busyPollHits: number;
  /** UDP_GRO is on (asked for and accepted by the kernel). */
  groEnabled: boolean;
  /** False once the kernel refused UDP_SEGMENT. */
  gsoEnabled: boolean;
}

/** The functions of native/udp.c. */
export interface NativeUdpAddon {
  open(
    family: 4 | 6,
    address: string,
    port: number,
    receiveBufferSize: number,
    sendBufferSize: number,
    data: Uint8Array,
    meta: Uint32Array,
    slotSize: number,
    onBatch: (countOrError: number) => boolean,
    gro: boolean,
    busyPollMicroseconds: number,
  ): NativeSocketHandle;
  send(handle: NativeSocketHandle, data: Uint8Array, meta: Uint32Array, count: number): void;
  close(handle: NativeSocketHandle): void;
  localPort(handle: NativeSocketHandle): number;
  fd(handle: NativeSocketHandle): number;
  stats(handle: NativeSocketHandle): NativeSocketStats;
  setGso(handle: NativeSocketHandle, enabled: boolean): void;
  /** Sets IP_RECVERR (and IPV6_RECVERR): ICMP errors then reach the socket (tests use it). */
  receiveErrors(handle: NativeSocketHandle, enabled: boolean): void;
  /** Tests: bit k of `mask` makes the k-th next sendmmsg call fail with EAGAIN (a full socket). */
  failSends(handle: NativeSocketHandle, mask: number): void;
  /** Reads SO_BROADCAST of any socket descriptor of this process. */
  broadcastEnabled(fd: number): boolean;
  /**
   * `size` zeroed bytes (an integer from 1 to 2^30) in a mapping of their own, in small pages
   * faulted in by a background thread; unmapped when collected. Null when the mapping fails.
   */
  allocateLarge(size: number): ArrayBuffer | null;
}

/** Where the build puts the addon (the same relative path from src/transport and dist/transport). */
export const BUILT_ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/enet_udp.node', import.meta.url));

/** The environment variable that points at another build of the addon (a prebuilt binary, say). */
export const NATIVE_ADDON_ENV = 'ENET_TS_NATIVE_ADDON';

/** The addon this process loads: ENET_TS_NATIVE_ADDON when set, else {@link BUILT_ADDON_PATH}. */
export const NATIVE_ADDON_PATH = process.env[NATIVE_ADDON_ENV] || BUILT_ADDON_PATH;

/** Whether the native addon can be used here. */
export interface NativeAddonStatus {
  /** The build output exists. */
  built: boolean;
  /** The loaded addon, or null. */
  addon: NativeUdpAddon | null;
  /** Why it is not available (null when it is). */
  reason: string | null;
}

let status: NativeAddonStatus | null = null;

/** Loads the addon once per process and reports the outcome. */
export function nativeAddonStatus(): NativeAddonStatus {
  if (status !== null) return status;
  const built = existsSync(NATIVE_ADDON_PATH);
  if (process.platform !== 'linux') {
    status = { built, addon: null, reason: `the native UDP backend is Linux-only (this is ${process.platform})` };
  } else if (!built) {
    status = { built, addon: null, reason: `native UDP addon not built (no ${NATIVE_ADDON_PATH}; npm install builds it)` };
  } else {
    try {
      status = { built, addon: createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeUdpAddon, reason: null };
    } catch (error) {
      status = { built, addon: null, reason: `native UDP addon failed to load: ${(error as Error).message}` };
    }
  }
  return status;
}
