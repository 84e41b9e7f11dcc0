import { isIP } from 'node:net';

/** Strips the IPv4-mapped prefix (`::ffff:a.b.c.d` → `a.b.c.d`); other addresses are returned as they are. */
export function unmapAddress(address: string): string {
  if (address.length < 8 || address.charCodeAt(0) !== 58 /* ':' */) return address; // IPv4, or IPv6 not starting with '::'
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return address.slice(7);
  return address;
}

/** Expands an IPv6 address to its eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  let a = address;
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  // An embedded IPv4 tail becomes two groups.
  const lastColon = a.lastIndexOf(':');
  const tail = a.slice(lastColon + 1);
  if (isIP(tail) === 4) {
    const b = tail.split('.').map(Number) as [number, number, number, number];
    a = `${a.slice(0, lastColon + 1)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, rest] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  return [...h, ...Array(fill).fill('0'), ...r].map((g) => parseInt(g, 16));
}

/**
 * Formats an address the way Godot's IPAddress does: IPv4 (and IPv4-mapped IPv6) as dotted
 * IPv4, other IPv6 as eight lowercase hex groups without leading zeros ("0:0:0:0:0:0:0:1").
 */
export function formatAddressGodot(address: string): string {
  const plain = unmapAddress(address);
  if (isIP(plain) === 4) return plain;
  if (isIP(plain) !== 6) return plain;
  return ipv6Groups(plain)
    .map((g) => g.toString(16))
    .join(':');
}

/** A key identifying a remote endpoint (address as normalised by {@link unmapAddress}, and port). */
export function endpointKey(address: string, port: number): string {
  return `${address}|${port}`;
}
