import { AddressWordsCache, wordsToAddress } from './address-words.js';

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

const scratch = new Uint32Array(4);

/** The text of an address given as four words. */
function formatWords(w0: number, w1: number, w2: number, w3: number): string {
  scratch[0] = w0;
  scratch[1] = w1;
  scratch[2] = w2;
  scratch[3] = w3;
  return wordsToAddress(scratch, 0);
}

/** A 32-bit hash of four address words (map keys; the entries carry the words to confirm). */
function hashWords(w0: number, w1: number, w2: number, w3: number): number {
  return Math.imul(Math.imul(Math.imul(w0 ^ 0x9e3779b9, 31) ^ w1, 31) ^ w2, 31) ^ w3;
}

/** Interned endpoints, looked up by the numeric form a socket backend reports. */
export class EndpointTable {
  /** IPv4 (mapped) endpoints by v4 * 65536 + port: exact, no string. */
  private readonly v4 = new Map<number, Endpoint>();
  /** Other IPv6 endpoints by a hash of words and port (entries carry the words to confirm). */
  private readonly v6 = new Map<number, { words: [number, number, number, number]; endpoint: Endpoint }>();
  /** Address words by address string, for sending. */
  private readonly words = new AddressWordsCache(MAXIMUM_ENTRIES);
  /**
   * One address string per address, shared by every endpoint (port) of it: comparing two peers'
   * addresses is then an identity check (the admission of a CONNECT near a limit compares its
   * address with every active peer's), and clients of one machine share one text.
   */
  private readonly texts = new Map<number, { words: [number, number, number, number]; text: string }>();
  /** The last IPv4 endpoint looked up (a batch mostly comes from one sender): no key to build. */
  private lastV4: Endpoint | null = null;
  private lastV4Word = 0;

  /** The shared text of an address given as four words. */
  private text(w0: number, w1: number, w2: number, w3: number): string {
    const hash = hashWords(w0, w1, w2, w3);
    const hit = this.texts.get(hash);
    if (hit !== undefined && hit.words[0] === w0 && hit.words[1] === w1 && hit.words[2] === w2 && hit.words[3] === w3) return hit.text;
    if (this.texts.size >= MAXIMUM_ENTRIES) this.texts.clear();
    const text = formatWords(w0, w1, w2, w3);
    this.texts.set(hash, { words: [w0, w1, w2, w3], text });
    return text;
  }

  /** The endpoint of a received datagram. */
  lookup(w0: number, w1: number, w2: number, w3: number, port: number): Endpoint {
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
      const last = this.lastV4;
      if (last !== null && this.lastV4Word === w3 && last.port === port) return last;
      const key = w3 * 65536 + port;
      let e = this.v4.get(key);
      if (e === undefined) {
        if (this.v4.size >= MAXIMUM_ENTRIES) this.v4.clear();
        e = { address: this.text(w0, w1, w2, w3), port };
        this.v4.set(key, e);
      }
      this.lastV4 = e;
      this.lastV4Word = w3;
      return e;
    }
    const hash = hashWords(w0, w1, w2, w3) * 65536 + port;
    const hit = this.v6.get(hash);
    if (hit !== undefined && hit.words[0] === w0 && hit.words[1] === w1 && hit.words[2] === w2 && hit.words[3] === w3) return hit.endpoint;
    if (this.v6.size >= MAXIMUM_ENTRIES) this.v6.clear();
    const endpoint = { address: this.text(w0, w1, w2, w3), port };
    this.v6.set(hash, { words: [w0, w1, w2, w3], endpoint });
    return endpoint;
  }

  /** Copies the address words of `address` (an IP literal) into `out` at `at`; false when it is none. */
  copyWords(address: string, out: Uint32Array, at: number): boolean {
    const w = this.words.get(address);
    if (w === null) return false;
    out[at] = w[0]!;
    out[at + 1] = w[1]!;
    out[at + 2] = w[2]!;
    out[at + 3] = w[3]!;
    return true;
  }
}
