import dns from 'node:dns';
import { isIP } from 'node:net';
import { unmapAddress } from './address.js';
import type { DatagramSocket, SocketOpenOptions } from './datagram-socket.js';
import { DgramSocket } from './dgram-socket.js';

/**
 * The socket receive buffer asked for: 2 MiB, where ENet asks for 256 KiB
 * (HOST_RECEIVE_BUFFER_SIZE). A JavaScript event loop can be away for a garbage collection or a
 * compile longer than C's service loop, and a burst that overflows the buffer is lost (2000
 * CONNECTs from C clients: 3.6 s with 256 KiB, 0.5 s with 2 MiB, because the lost ones wait for
 * ENet's retransmission). The kernel caps it at net.core.rmem_max.
 */
export const UDP_RECEIVE_BUFFER_SIZE = 2 * 1024 * 1024;

/** A socket backend to open with: 'auto' takes the native one where it loads. */
export type SocketBackendChoice = 'auto' | 'native' | 'dgram';

/** Opens a bound UDP socket with the chosen backend (default: ENET_TS_SOCKET, else 'auto'). */
export async function openDatagramSocket(options: SocketOpenOptions, backend?: SocketBackendChoice): Promise<DatagramSocket> {
  void backend;
  return DgramSocket.open(options);
}

/** Resolves a host name (or passes an IP literal through) to an address a socket of this family can reach. */
export async function resolveAddress(host: string, ipv6: boolean): Promise<string> {
  if (isIP(host)) return unmapAddress(host);
  const r = await dns.promises.lookup(host, { family: ipv6 ? 0 : 4 });
  return unmapAddress(r.address);
}
