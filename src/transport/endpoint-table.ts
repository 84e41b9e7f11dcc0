/**
 * Remote endpoints by their numeric address: a received datagram's four address words and port
 * become one shared `{ address, port }` without a new string per datagram, and an address string
 * becomes the words a send batch needs.
 */

/** A remote UDP endpoint: the address as the API shows it (IPv4 dotted, IPv6 text) and the port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** Entries kept before the table starts over (a spoofed flood must not grow it without bound). */
const MAXIMUM_ENTRIES = 65536;

/** Formats IPv6 words (IPv4-mapped as dotted IPv4) as Node writes addresses. */
export function addressFromWords(w0: number, w1: number, w2: number, w3: number): string {
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `${w3 >>> 24}.${(w3 >>> 16) & 0xff}.${(w3 >>> 8) & 0xff}.${w3 & 0xff}`;
  const groups = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // The longest run of two or more zero groups becomes '::', as inet_ntop writes it.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** Writes an IP literal's IPv6 words (IPv4 mapped) into `out` at `at`; false when it is no IP literal. */
export function wordsFromAddress(address: string, out: Uint32Array, at: number): boolean {
  const v4 = parseIPv4(address);
  if (v4 >= 0) {
    out[at] = 0;
    out[at + 1] = 0;
    out[at + 2] = 0xffff;
    out[at + 3] = v4;
    return true;
  }
  let text = address;
  const scope = text.indexOf('%');
  if (scope >= 0) text = text.slice(0, scope);
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes('.')) {
        const tail = parseIPv4(p);
        if (tail < 0) return null;
        groups.push(tail >>> 16, tail & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) groups.push(Number.parseInt(p, 16));
      else return null;
    }
    return groups;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || tail === null) return false;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return false;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  for (let i = 0; i < 4; i++) out[at + i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return true;
}

/** A dotted IPv4 literal as a u32, or -1. */
function parseIPv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return -1;
    const n = Number(p);
    if (n > 255) return -1;
    v = v * 256 + n;
  }
  return v;
}

/** Interned endpoints, looked up by the numeric form a socket backend reports. */
export class EndpointTable {
  /** IPv4 (mapped) endpoints by v4 * 65536 + port: exact, no string. */
  private readonly v4 = new Map<number, Endpoint>();
  /** Other IPv6 endpoints by a hash of words and port (entries carry the words to confirm). */
  private readonly v6 = new Map<number, { words: [number, number, number, number]; endpoint: Endpoint }>();
  /** Address words by address string, for sending. */
  private readonly words = new Map<string, Uint32Array>();

  /** The endpoint of a received datagram. */
  lookup(w0: number, w1: number, w2: number, w3: number, port: number): Endpoint {
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
      const key = w3 * 65536 + port;
      let e = this.v4.get(key);
      if (e === undefined) {
        if (this.v4.size >= MAXIMUM_ENTRIES) this.v4.clear();
        e = { address: addressFromWords(w0, w1, w2, w3), port };
        this.v4.set(key, e);
      }
      return e;
    }
    const hash = (Math.imul(Math.imul(Math.imul(w0 ^ 0x9e3779b9, 31) ^ w1, 31) ^ w2, 31) ^ w3) * 65536 + port;
    const hit = this.v6.get(hash);
    if (hit !== undefined && hit.words[0] === w0 && hit.words[1] === w1 && hit.words[2] === w2 && hit.words[3] === w3) return hit.endpoint;
    if (this.v6.size >= MAXIMUM_ENTRIES) this.v6.clear();
    const endpoint = { address: addressFromWords(w0, w1, w2, w3), port };
    this.v6.set(hash, { words: [w0, w1, w2, w3], endpoint });
    return endpoint;
  }

  /** Copies the address words of `address` (an IP literal) into `out` at `at`; false when it is none. */
  copyWords(address: string, out: Uint32Array, at: number): boolean {
    let w = this.words.get(address);
    if (w === undefined) {
      w = new Uint32Array(4);
      if (!wordsFromAddress(address, w, 0)) return false;
      if (this.words.size >= MAXIMUM_ENTRIES) this.words.clear();
      this.words.set(address, w);
    }
    out[at] = w[0]!;
    out[at + 1] = w[1]!;
    out[at + 2] = w[2]!;
    out[at + 3] = w[3]!;
    return true;
  }
}
