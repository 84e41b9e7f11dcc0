/**
 * Conversions between Node's address strings and the four-word numeric addresses of a
 * {@link DatagramBatch}'s meta records (IPv6 as four big-endian u32 words, IPv4 as ::ffff:v4).
 * For the layers that keep one string per peer and compare words per datagram.
 */
import { isIP } from 'node:net';
import { META_ADDRESS, META_PORT, META_WORDS } from './datagram-socket.js';

/** Parses dotted IPv4 ("10.0.0.1") to its u32 value; -1 when it is not one. */
function ipv4ToNumber(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return -1;
    const byte = Number(part);
    if (byte > 255) return -1;
    value = value * 256 + byte;
  }
  return value;
}

function numberToIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** The eight 16-bit groups of an IPv6 literal (zone index dropped), or null when it is not one. */
function ipv6ToGroups(text: string): number[] | null {
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  if (isIP(address) !== 6) return null;
  let head = address;
  const tailGroups: number[] = [];
  const lastColon = head.lastIndexOf(':');
  const tail = head.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToNumber(tail);
    if (v4 < 0) return null;
    tailGroups.push(v4 >>> 16, v4 & 0xffff);
    head = head.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const gap = head.indexOf('::');
  let groups: number[];
  if (gap >= 0) {
    const left = parse(head.slice(0, gap));
    const right = [...parse(head.slice(gap + 2)), ...tailGroups];
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    groups = [...parse(head), ...tailGroups];
  }
  return groups.length === 8 ? groups : null;
}

/**
 * Writes an IP literal (IPv4 dotted, IPv6 text, IPv4-mapped IPv6) as four address words at
 * `out[at..at+3]`, IPv4 as ::ffff:v4. Returns false (and writes nothing) when `address` is not
 * an IP literal.
 */
export function addressToWords(address: string, out: Uint32Array, at = 0): boolean {
  const v4 = ipv4ToNumber(address);
  if (v4 >= 0) {
    out[at] = 0;
    out[at + 1] = 0;
    out[at + 2] = 0xffff;
    out[at + 3] = v4;
    return true;
  }
  const groups = ipv6ToGroups(address);
  if (groups === null) return false;
  for (let k = 0; k < 4; k++) out[at + k] = ((groups[2 * k]! << 16) | groups[2 * k + 1]!) >>> 0;
  return true;
}

/** True when the address words at `at` are IPv4-mapped (::ffff:v4). */
export function isIpv4Mapped(words: Uint32Array, at = 0): boolean {
  return words[at] === 0 && words[at + 1] === 0 && words[at + 2] === 0xffff;
}

/**
 * Formats the four address words at `words[at..at+3]` as Node reports addresses once
 * unmapped: IPv4-mapped as dotted IPv4, other IPv6 as compressed lowercase text ("::1",
 * "fe80::1"), as inet_ntop writes it.
 */
export function wordsToAddress(words: Uint32Array, at = 0): string {
  if (isIpv4Mapped(words, at)) return numberToIpv4(words[at + 3]!);
  const groups: number[] = [];
  for (let k = 0; k < 4; k++) groups.push(words[at + k]! >>> 16, words[at + k]! & 0xffff);
  // The longest run of two or more zero groups becomes '::' (the first one on a tie).
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let end = k;
    while (end < 8 && groups[end] === 0) end++;
    if (end - k > bestLength) {
      bestStart = k;
      bestLength = end - k;
    }
    k = end;
  }
  // inet_ntop keeps the deprecated IPv4-compatible form ::a.b.c.d.
  if (bestStart === 0 && bestLength === 6) return `::${numberToIpv4(words[at + 3]!)}`;
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** Writes a datagram's destination (an IP literal and a port) into a meta record; false when not a literal. */
export function setMetaAddress(meta: Uint32Array, record: number, address: string, port: number): boolean {
  if (!addressToWords(address, meta, record * META_WORDS + META_ADDRESS)) return false;
  meta[record * META_WORDS + META_PORT] = port;
  return true;
}

/** Address strings → their four words, each parsed once; starts over past `limit` entries. */
export class AddressWordsCache {
  private readonly words = new Map<string, Uint32Array>();

  constructor(private readonly limit: number) {}

  /** The words of `address` (a view kept by the cache: copy, don't modify), or null when it is not an IP literal. */
  get(address: string): Uint32Array | null {
    let words = this.words.get(address);
    if (words === undefined) {
      words = new Uint32Array(4);
      if (!addressToWords(address, words)) return null;
      if (this.words.size >= this.limit) this.words.clear();
      this.words.set(address, words);
    }
    return words;
  }
}
