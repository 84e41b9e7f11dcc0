import { isIP } from 'node:net';

/** Which socket family and address a bind address means. */
export interface BindPlan {
  family: 4 | 6;
  address: string;
  /** An AF_INET6 wildcard bind: retried as AF_INET 0.0.0.0 where the kernel has no IPv6 (EAFNOSUPPORT). */
  ipv4Fallback: boolean;
}

/**
 * Maps a bind address to a socket: an IPv4 literal gives AF_INET bound to it; null, '*' or an
 * IPv6 literal give AF_INET6 (dual-stack for the '::' wildcard).
 */
export function bindPlan(bindAddress: string | null): BindPlan {
  if (bindAddress !== null && bindAddress !== '*' && isIP(bindAddress) === 4)
    return { family: 4, address: bindAddress, ipv4Fallback: false };
  const address = bindAddress === null || bindAddress === '*' ? '::' : bindAddress;
  return { family: 6, address, ipv4Fallback: address === '::' };
}
