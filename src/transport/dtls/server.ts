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

interface Entry {
  session: DtlsSession;
  createdAt: number;
}

/**
 * The server side of DTLS under ENet: one session per remote address key ("ip|port"), created
 * only after a stateless HelloVerifyRequest cookie round trip (HMAC of the address and the
 * ClientHello with a rotating secret), with a cap on pending handshakes, an 8 s handshake
 * timeout, and a switch that drops datagrams from addresses with no session. Sans-I/O.
 */
export class DtlsServer {
  /** While true, datagrams from addresses with no session are dropped. */
  refuseNewConnections = false;
  readonly maxPending: number;
  readonly handshakeTimeoutMs: number;
  private readonly options: TLSOptions;
  private readonly sessions = new Map<string, Entry>();
  private readonly outgoing: Array<{ addressKey: string; data: Buffer }> = [];
  private readonly incoming: Array<{ addressKey: string; data: Buffer }> = [];
  private secret = randomBytes(32);
  private previousSecret = randomBytes(32);
  private secretSince = -1;

  constructor(opts: { options: TLSOptions; maxPending?: number; handshakeTimeoutMs?: number }) {
    this.options = opts.options;
    this.maxPending = opts.maxPending ?? 16;
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 8000;
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
    if (this.pendingCount >= this.maxPending) return;
    const session = new DtlsSession('server', this.options);
    const created: Entry = { session, createdAt: now };
    this.sessions.set(addressKey, created);
    session.acceptClientHello(Buffer.from(hs.subarray(0, 12 + length)), messageSeq, [d.readUInt16BE(5), d.readUInt32BE(7)], now);
    // Anything after the ClientHello in the same datagram.
    if (d.length > 13 + recordLength) session.receive(d.subarray(13 + recordLength), now);
    this.drain(addressKey, created);
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
    if (!e || !e.session.sendApplicationData(data)) return false;
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
