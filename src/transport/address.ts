import { isIP } from 'node:net';
import { addressToWords, isIpv4Mapped } from './address-words.js';

/** Strips the IPv4-mapped prefix (`::ffff:a.b.c.d` → `a.b.c.d`); other addresses are returned as they are. */
export function unmapAddress(address: string): string {
  if (address.length < 8 || address.charCodeAt(0) !== 58 /* ':' */) return address; // IPv4, or IPv6 not starting with '::'
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return address.slice(7);
  return address;
}

/**
 * Formats an address the way Godot's IPAddress does: IPv4 (and IPv4-mapped IPv6) as dotted
 * IPv4, other IPv6 as eight lowercase hex groups without leading zeros ("0:0:0:0:0:0:0:1").
 */
export function formatAddressGodot(address: string): string {
  const plain = unmapAddress(address);
  const words = new Uint32Array(4);
  if (!addressToWords(plain, words) || isIpv4Mapped(words)) return plain;
  const groups: string[] = [];
  for (const w of words) groups.push((w >>> 16).toString(16), (w & 0xffff).toString(16));
  return groups.join(':');
}
