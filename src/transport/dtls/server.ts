import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DtlsSession } from './session.js';
import type { TLSOptions } from './tls-options.js';

/** The key a DtlsServer knows a remote by: "ip|port". */
export function addressKey(address: string, port: number): string {
  return `${address}|${port}`;
}

/** The address and port of an {@link addressKey}. */
export function splitAddressKey(key: string): { address: string; port: number } {
  const i = key.lastIndexOf('|');
  return { address: key.slice(0, i), port: Number(key.slice(i + 1)) };
}

/**
 * The part of an address key that one party controls cheaply: the IPv4 address, or the /64
 * prefix of an IPv6 address (an IPv4-mapped IPv6 address counts as its IPv4 address).
 */
export function addressGroup(key: string): string {
  const ip = key.slice(0, key.lastIndexOf('|'));
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const hextets = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${hextets
    .slice(0, 4)
    .map((h) => Number.parseInt(h || '0', 16).toString(16))
    .join(':')}::/64`;
}

interface Entry {
  session: DtlsSession;
  createdAt: number;
}

/**
 * The server side of DTLS under ENet: one session per remote address key ("ip|port"), created
 * only after a stateless HelloVerifyRequest cookie round trip (HMAC of the address and the
 * ClientHello with a rotating secret), with a cap on pending handshakes, an 8 s handshake
 * timeout, and a switch that drops datagrams from addresses with no session. Sans-I/O.
 *
 * Pending handshakes cannot be held against newcomers: when the cap is reached, a ClientHello
 * with a valid cookie takes the slot of the oldest handshake of the address (IPv4, or IPv6 /64)
 * holding the most slots if that address holds at least two more than the newcomer's, else of
 * the oldest handshake older than `stallMs` (a real client answers within a round trip). Only
 * when every pending handshake is young and fairly shared is the ClientHello dropped (the
 * client retransmits it). An evicted handshake is told with a handshake_failure alert.
 */
export class DtlsServer {
  /** While true, datagrams from addresses with no session are dropped. */
  refuseNewConnections = false;
  readonly maxPending: number;
  readonly handshakeTimeoutMs: number;
  /** Age after which a pending handshake may give its slot to a newcomer. */
  readonly stallMs: number;
  /** Pending handshakes evicted to admit newcomers (monitoring). */
  evictions = 0;
  private readonly options: TLSOptions;
  private readonly sessions = new Map<string, Entry>();
  private readonly outgoing: Array<{ addressKey: string; data: Buffer }> = [];
  private readonly incoming: Array<{ addressKey: string; data: Buffer }> = [];
  private secret = randomBytes(32);
  private previousSecret = randomBytes(32);
  private secretSince = -1;

  constructor(opts: { options: TLSOptions; maxPending?: number; handshakeTimeoutMs?: number; stallMs?: number }) {
    this.options = opts.options;
    this.maxPending = opts.maxPending ?? 16;
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 8000;
    this.stallMs = opts.stallMs ?? 1000;
  }

  /** Sessions (handshaking or connected). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Sessions still handshaking. */
  get pendingCount(): number {
    let n = 0;
    for (const e of this.sessions.values()) if (e.session.state !== 'connected') n++;
    return n;
  }

  /** True when `addressKey` has a connected session. */
  isConnected(addressKey: string): boolean {
    return this.sessions.get(addressKey)?.session.state === 'connected';
  }

  private cookieFor(secret: Buffer, addressKey: string, clientHelloFields: Buffer): Buffer {
    return createHmac('sha256', secret).update(addressKey).update(clientHelloFields).digest();
  }

  /** Processes one datagram from `addressKey`. */
  receive(addressKey: string, datagram: Uint8Array, now: number): void {
    this.rotate(now);
    const entry = this.sessions.get(addressKey);
    if (entry) {
      entry.session.receive(datagram, now);
      this.drain(addressKey, entry);
      return;
    }
    if (this.refuseNewConnections) return;
    const d = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    // Only an unfragmented ClientHello in epoch 0 can open a session.
    if (d.length < 13 + 12 + 2 + 32 + 2 || d[0] !== 22 || d.readUInt16BE(3) !== 0) return;
    // Our records continue from the ClientHello's sequence number: a client starts near 0, and
    // one near the 48-bit end would leave us no room.
    if (d.readUInt16BE(5) >= 0x8000) return;
    const recordLength = d.readUInt16BE(11);
    const hs = d.subarray(13, 13 + recordLength);
    if (hs.length < 12 || hs[0] !== 1) return;
    const length = hs.readUIntBE(1, 3);
    const messageSeq = hs.readUInt16BE(4);
    if (hs.readUIntBE(6, 3) !== 0 || hs.readUIntBE(9, 3) !== length || hs.length < 12 + length) return;
    const body = hs.subarray(12, 12 + length);
    // client_version, random, session_id, cookie, cipher suites, compression methods
    let p = 2 + 32;
    if (p >= body.length) return;
    const sidLen = body[p]!;
    p += 1 + sidLen;
    if (p >= body.length) return;
    const cookieLen = body[p]!;
    const cookie = body.subarray(p + 1, p + 1 + cookieLen);
    const afterCookie = p + 1 + cookieLen;
    if (afterCookie + 2 > body.length) return;
    const suitesLen = body.readUInt16BE(afterCookie);
    const fields = Buffer.concat([body.subarray(0, p), body.subarray(afterCookie, Math.min(body.length, afterCookie + 2 + suitesLen))]);
    const good = [this.secret, this.previousSecret].some((s) => {
      const expected = this.cookieFor(s, addressKey, fields);
      return cookie.length === expected.length && timingSafeEqual(cookie, expected);
    });
    if (!good) {
      // HelloVerifyRequest: stateless, echoing the ClientHello's record and message sequence.
      const c = this.cookieFor(this.secret, addressKey, fields);
      const hvr = Buffer.concat([Buffer.from([0xfe, 0xff, c.length]), c]);
      const msg = Buffer.concat([Buffer.from([3, 0, 0, hvr.length, messageSeq >> 8, messageSeq & 0xff, 0, 0, 0, 0, 0, hvr.length]), hvr]);
      const rec = Buffer.alloc(13);
      rec[0] = 22;
      rec.writeUInt16BE(0xfeff, 1);
      d.copy(rec, 3, 3, 11);
      rec.writeUInt16BE(msg.length, 11);
      this.outgoing.push({ addressKey, data: Buffer.concat([rec, msg]) });
      return;
    }
    if (!this.makeRoom(addressKey, now)) return;
    const session = new DtlsSession('server', this.options);
    const created: Entry = { session, createdAt: now };
    this.sessions.set(addressKey, created);
    session.acceptClientHello(Buffer.from(hs.subarray(0, 12 + length)), messageSeq, [d.readUInt16BE(5), d.readUInt32BE(7)], now);
    // Anything after the ClientHello in the same datagram.
    if (d.length > 13 + recordLength) session.receive(d.subarray(13 + recordLength), now);
    this.drain(addressKey, created);
  }

  /** True when a new pending handshake from `addressKey` fits, evicting one if needed and allowed. */
  private makeRoom(addressKey: string, now: number): boolean {
    const pending: Array<[string, Entry]> = [];
    for (const item of this.sessions) if (item[1].session.state !== 'connected') pending.push(item);
    if (pending.length < this.maxPending) return true;
    // Insertion order of the map is creation order: the first found is the oldest.
    const perGroup = new Map<string, { count: number; oldest: [string, Entry] }>();
    for (const item of pending) {
      const g = addressGroup(item[0]);
      const held = perGroup.get(g);
      if (held) held.count++;
      else perGroup.set(g, { count: 1, oldest: item });
    }
    const mine = perGroup.get(addressGroup(addressKey))?.count ?? 0;
    let heaviest: { count: number; oldest: [string, Entry] } | undefined;
    for (const held of perGroup.values()) if (!heaviest || held.count > heaviest.count) heaviest = held;
    let victim: [string, Entry] | undefined;
    if (heaviest && heaviest.count >= mine + 2) victim = heaviest.oldest;
    else victim = pending.find(([, e]) => now - e.createdAt >= this.stallMs);
    if (!victim) return false;
    const [key, entry] = victim;
    entry.session.abandon('the server evicted this pending handshake to admit another');
    this.drain(key, entry);
    this.sessions.delete(key);
    this.evictions++;
    return true;
  }

  private drain(addressKey: string, entry: Entry): void {
    for (const data of entry.session.takeDatagrams()) this.outgoing.push({ addressKey, data });
    for (let a = entry.session.readApplicationData(); a; a = entry.session.readApplicationData())
      this.incoming.push({ addressKey, data: a });
    if (entry.session.state === 'failed' || entry.session.state === 'closed') this.sessions.delete(addressKey);
  }

  private rotate(now: number): void {
    if (this.secretSince < 0) this.secretSince = now;
    if (now - this.secretSince > 30000) {
      this.previousSecret = this.secret;
      this.secret = randomBytes(32);
      this.secretSince = now;
    }
  }

  /** Encrypts one application record to `addressKey`; false when it has no connected session. */
  sendApplicationData(addressKey: string, data: Uint8Array): boolean {
    const e = this.sessions.get(addressKey);
    if (!e?.session.sendApplicationData(data)) return false;
    this.drain(addressKey, e);
    return true;
  }

  /** Datagrams to send. */
  takeDatagrams(): Array<{ addressKey: string; data: Buffer }> {
    return this.outgoing.splice(0);
  }

  /** The next decrypted application record. */
  readApplicationData(): { addressKey: string; data: Buffer } | undefined {
    return this.incoming.shift();
  }

  /** Retransmissions and the handshake timeout. */
  handleTimeout(now: number): void {
    this.rotate(now);
    for (const [key, e] of this.sessions) {
      if (e.session.state !== 'connected' && now - e.createdAt > this.handshakeTimeoutMs) {
        this.sessions.delete(key);
        continue;
      }
      e.session.handleTimeout(now);
      this.drain(key, e);
    }
  }

  /** Earliest time `handleTimeout` has work, or undefined. */
  nextTimeout(): number | undefined {
    let t: number | undefined;
    for (const e of this.sessions.values()) {
      const s =
        e.session.state === 'connected'
          ? e.session.nextTimeout()
          : Math.min(e.session.nextTimeout() ?? Infinity, e.createdAt + this.handshakeTimeoutMs);
      if (s !== undefined && s !== Infinity && (t === undefined || s < t)) t = s;
    }
    return t;
  }

  /**
   * Frees connected sessions older than the handshake timeout whose address has no live ENet
   * peer (`alive` says which do), so sessions of peers that vanished are never leaked.
   */
  sweep(alive: (addressKey: string) => boolean, now: number): void {
    for (const [key, e] of this.sessions) if (now - e.createdAt > this.handshakeTimeoutMs && !alive(key)) this.sessions.delete(key);
  }

  /** Frees the session of `addressKey` (its ENet peer went away). */
  forget(addressKey: string): void {
    this.sessions.delete(addressKey);
  }
}
