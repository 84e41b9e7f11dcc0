import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { systemRoots, verifyChain } from './certificates.js';
import { type PrfHash, prf, transcriptHash } from './prf.js';
import type { TLSOptions } from './tls-options.js';

/** Record content types. */
const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
/** Handshake message types. */
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const HELLO_VERIFY_REQUEST = 3;
const CERTIFICATE = 11;
const SERVER_KEY_EXCHANGE = 12;
const CERTIFICATE_REQUEST = 13;
const SERVER_HELLO_DONE = 14;
const CLIENT_KEY_EXCHANGE = 16;
const FINISHED = 20;
const DTLS12 = 0xfefd;
const RECORD_HEADER = 13;
const HANDSHAKE_HEADER = 12;
/** Largest handshake message reassembled (a certificate chain fits well within it). */
const MAX_HANDSHAKE_MESSAGE = 1 << 16;
/** Largest datagram the handshake builds (handshake messages are fragmented to fit). */
const HANDSHAKE_MTU = 1200;
const EXT_SUPPORTED_GROUPS = 0x000a;
const EXT_EC_POINT_FORMATS = 0x000b;
const EXT_SIGNATURE_ALGORITHMS = 0x000d;
const EXT_EXTENDED_MASTER_SECRET = 0x0017;
const EXT_RENEGOTIATION_INFO = 0xff01;
const GROUP_X25519 = 0x001d;
const GROUP_P256 = 0x0017;
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** The cipher suites spoken: ECDHE with ECDSA or RSA signatures, AES-GCM. */
export interface CipherSuite {
  id: number;
  name: string;
  hash: PrfHash;
  keyLength: number;
  signature: 'ecdsa' | 'rsa';
}
export const CIPHER_SUITES: readonly CipherSuite[] = [
  { id: 0xc02b, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', hash: 'sha256', keyLength: 16, signature: 'ecdsa' },
  { id: 0xc02f, name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', hash: 'sha256', keyLength: 16, signature: 'rsa' },
  { id: 0xc02c, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', hash: 'sha384', keyLength: 32, signature: 'ecdsa' },
  { id: 0xc030, name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', hash: 'sha384', keyLength: 32, signature: 'rsa' },
];
/** Signature schemes we accept (RFC 8446 code points, as TLS 1.2 signature_algorithms). */
const SIGNATURE_SCHEMES = [0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601];

/** Alert descriptions used. */
const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
};

/** A handshake failure to report (and send as a fatal alert). */
class DtlsFailure extends Error {
  constructor(
    message: string,
    readonly alert: number,
  ) {
    super(message);
  }
}

interface ReadEpoch {
  epoch: number;
  key: Buffer | null;
  iv: Buffer | null;
  /** Highest sequence number accepted and the 64-bit window below it. */
  max: bigint;
  window: bigint;
}

interface Fragmenting {
  type: number;
  length: number;
  body: Buffer;
  have: number;
  covered: Uint8Array;
}

/** An ECDHE key pair of one of the supported groups. */
class EphemeralKey {
  readonly group: number;
  readonly publicKey: Buffer;
  private readonly x25519: KeyObject | null = null;
  private readonly ecdh: ReturnType<typeof createECDH> | null = null;
  constructor(group: number) {
    this.group = group;
    if (group === GROUP_X25519) {
      const pair = generateKeyPairSync('x25519');
      this.x25519 = pair.privateKey;
      this.publicKey = pair.publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
    } else {
      this.ecdh = createECDH('prime256v1');
      this.publicKey = this.ecdh.generateKeys();
    }
  }
  secret(peer: Uint8Array): Buffer {
    if (this.x25519) {
      if (peer.length !== 32) throw new DtlsFailure('bad x25519 key share', 47);
      const pub = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peer]), format: 'der', type: 'spki' });
      return diffieHellman({ privateKey: this.x25519, publicKey: pub });
    }
    try {
      return this.ecdh!.computeSecret(peer);
    } catch {
      throw new DtlsFailure('bad secp256r1 key share', 47);
    }
  }
}

/** Reads fields from a handshake body, failing with decode_error past its end. */
class Reader {
  pos = 0;
  constructor(readonly b: Buffer) {}
  need(n: number): void {
    if (this.pos + n > this.b.length) throw new DtlsFailure('truncated handshake message', 50);
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const v = this.b.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  vec8(): Buffer {
    return this.bytes(this.u8());
  }
  vec16(): Buffer {
    return this.bytes(this.u16());
  }
  vec24(): Buffer {
    return this.bytes(this.u24());
  }
  done(): boolean {
    return this.pos >= this.b.length;
  }
}

const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);
const u24 = (v: number) => Buffer.from([v >> 16, (v >> 8) & 0xff, v & 0xff]);
const vec8 = (b: Uint8Array) => Buffer.concat([Buffer.from([b.length]), b]);
const vec16 = (b: Uint8Array) => Buffer.concat([u16(b.length), b]);
const vec24 = (b: Uint8Array) => Buffer.concat([u24(b.length), b]);
const ext = (type: number, body: Uint8Array) => Buffer.concat([u16(type), vec16(body)]);

/** A handshake message fragment (RFC 6347 §4.2.2): type, total length, message sequence, offset, fragment length, bytes. */
function handshakeFragment(type: number, length: number, seq: number, offset: number, fragment: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(length), u16(seq), u24(offset), u24(fragment.length), fragment]);
}

/** The big-endian u16 values of a list body (cipher suites, groups, signature schemes). */
function u16List(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) out.push(b.readUInt16BE(i));
  return out;
}

/** The AES-GCM cipher for a 16- or 32-byte key. */
const gcm = (key: Buffer) => (key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm');

/** A record's additional authenticated data: epoch and sequence (8 bytes), type, version, plaintext length. */
function recordAad(epochAndSeq: Uint8Array, type: number, length: number): Buffer {
  const aad = Buffer.alloc(13);
  aad.set(epochAndSeq, 0);
  aad[8] = type;
  aad.writeUInt16BE(DTLS12, 9);
  aad.writeUInt16BE(length, 11);
  return aad;
}

/** Session state. */
export type DtlsState = 'idle' | 'handshaking' | 'connected' | 'failed' | 'closed';

/**
 * One DTLS 1.2 association (RFC 6347), client or server side, sans-I/O: datagrams and a clock in,
 * datagrams and decrypted application data out. Verifies the server's certificate chain, host
 * name, ServerKeyExchange signature and both Finished messages; AES-GCM records with epochs,
 * 48-bit sequence numbers and a 64-record anti-replay window; handshake fragmentation,
 * reassembly and retransmission with backoff. Records that fail to authenticate are dropped.
 */
export class DtlsSession {
  state: DtlsState = 'idle';
  /** Why the session failed, in words. */
  failureReason: string | undefined;
  /** The negotiated suite, once known. */
  suite: CipherSuite | null = null;
  readonly role: 'client' | 'server';
  private readonly options: TLSOptions;
  private readonly hostname: string;
  private readonly out: Buffer[] = [];
  private readonly appData: Buffer[] = [];
  private writeEpoch = 0;
  /** Next write sequence number of each epoch, as [high 16 bits, low 32 bits]. */
  private readonly writeSeqs: Array<[number, number]> = [
    [0, 0],
    [0, 0],
  ];
  private writeKey: Buffer | null = null;
  private writeIv: Buffer | null = null;
  private readEpochs: ReadEpoch[] = [{ epoch: 0, key: null, iv: null, max: -1n, window: 0n }];
  private nextSendMessageSeq = 0;
  private nextReceiveMessageSeq = 0;
  private readonly fragments = new Map<number, Fragmenting>();
  private transcript: Buffer[] = [];
  private clientRandom = Buffer.alloc(0);
  private serverRandom = Buffer.alloc(0);
  private extendedMasterSecret = false;
  private masterSecret: Buffer | null = null;
  private pendingKeys: { clientKey: Buffer; serverKey: Buffer; clientIv: Buffer; serverIv: Buffer } | null = null;
  private ephemeral: EphemeralKey | null = null;
  private peerChain: X509Certificate[] = [];
  private peerShare: Buffer | null = null;
  private peerGroup = 0;
  private cookie = Buffer.alloc(0);
  private firstClientHello: Buffer | null = null;
  /** The last flight, to retransmit: records as [type, epoch, plaintext]. */
  private flight: Array<[number, number, Buffer]> = [];
  private retransmitAt: number | undefined;
  private retransmitDelay = 1000;
  private retransmits = 0;
  /** When a peer's retransmission last made us resend our flight (at most every 250 ms). */
  private lastRequestedResend = Number.NEGATIVE_INFINITY;
  private offeredSignatureSchemes: number[] = [];
  private offeredGroups: number[] = [];

  constructor(role: 'client' | 'server', options: TLSOptions, hostname = '') {
    this.role = role;
    this.options = options;
    this.hostname = options.commonNameOverride || hostname;
  }

  /** Client: sends the first ClientHello. */
  start(now: number): void {
    if (this.role !== 'client' || this.state !== 'idle') return;
    this.state = 'handshaking';
    this.clientRandom = randomBytes(32);
    this.sendClientHello(now);
  }

  /**
   * Server: begins from a ClientHello that carried a valid cookie. Its own epoch-0 records
   * continue from that ClientHello's record sequence number (the stateless HelloVerifyRequest
   * reused the first ClientHello's), so the client's replay window accepts them.
   */
  acceptClientHello(message: Buffer, messageSeq: number, recordSeq: [number, number], now: number): void {
    this.state = 'handshaking';
    this.writeSeqs[0] = [recordSeq[0], recordSeq[1]];
    this.nextReceiveMessageSeq = messageSeq + 1;
    this.nextSendMessageSeq = messageSeq;
    this.guard(() => this.onClientHello(message, now));
  }

  /** Datagrams to send, ready for the socket. */
  takeDatagrams(): Buffer[] {
    return this.out.splice(0);
  }

  /** Next decrypted application record, if any. */
  readApplicationData(): Buffer | undefined {
    return this.appData.shift();
  }

  /** Encrypts and queues one application record (only when connected). */
  sendApplicationData(data: Uint8Array): boolean {
    if (this.state !== 'connected') return false;
    this.out.push(this.record(APPLICATION_DATA, Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
    return true;
  }

  /** When the retransmission timer wants `handleTimeout`, or undefined. */
  nextTimeout(): number | undefined {
    return this.retransmitAt;
  }

  /** Retransmits the last flight when its timer expired; gives up after 7 attempts. */
  handleTimeout(now: number): void {
    if (this.retransmitAt === undefined || now < this.retransmitAt) return;
    if (++this.retransmits > 7) {
      this.fail(new DtlsFailure('handshake timed out', 40), false);
      return;
    }
    this.retransmitDelay = Math.min(this.retransmitDelay * 2, 60000);
    this.resendFlight(now);
  }

  /** Gives up a handshake in progress, telling the peer with a fatal handshake_failure alert. */
  abandon(reason: string): void {
    if (this.state === 'handshaking') this.fail(new DtlsFailure(reason, 40), true);
  }

  /** Sends close_notify and closes. */
  close(): void {
    if (this.state === 'connected') this.out.push(this.record(ALERT, Buffer.from([1, 0])));
    this.state = 'closed';
    this.retransmitAt = undefined;
  }

  /** Processes one datagram (one or more records). */
  receive(datagram: Uint8Array, now: number): void {
    const d = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    let pos = 0;
    while (pos + RECORD_HEADER <= d.length && (this.state === 'handshaking' || this.state === 'connected')) {
      const type = d[pos]!;
      const version = d.readUInt16BE(pos + 1);
      const epoch = d.readUInt16BE(pos + 3);
      const seq = (BigInt(d.readUInt16BE(pos + 5)) << 32n) | BigInt(d.readUInt32BE(pos + 7));
      const length = d.readUInt16BE(pos + 11);
      const body = d.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + length);
      const header = d.subarray(pos, pos + RECORD_HEADER);
      pos += RECORD_HEADER + length;
      if (body.length !== length || (version !== DTLS12 && version !== 0xfeff)) return;
      const read = this.readEpochs.find((r) => r.epoch === epoch);
      if (!read) continue;
      if (epoch < this.readEpochs[this.readEpochs.length - 1]!.epoch) {
        // Keys are in use: a record of an earlier epoch is unauthenticated. It can at most ask
        // for our last flight again (a peer that lost it retransmits its own); it never ends or
        // changes the session.
        if (type === HANDSHAKE) this.onStaleHandshakeRecord(body, now);
        continue;
      }
      let plain: Buffer = body;
      if (read.key) {
        // The replay window moves only for authenticated records. Epoch 0 has none (anyone can
        // forge its sequence numbers; handshake message numbers already drop duplicates).
        if (!this.replayCheck(read, seq)) continue;
        const opened = this.decrypt(read, header, body);
        if (opened === null) continue; // fails to authenticate: dropped silently
        this.replayMark(read, seq);
        plain = opened;
      }
      this.guard(() => this.onRecord(type, epoch, plain, now));
    }
  }

  // ------------------------------------------------------------------ records

  private replayCheck(r: ReadEpoch, seq: bigint): boolean {
    if (seq > r.max) return true;
    const diff = r.max - seq;
    if (diff >= 64n) return false;
    return ((r.window >> diff) & 1n) === 0n;
  }

  private replayMark(r: ReadEpoch, seq: bigint): void {
    if (seq > r.max) {
      const shift = seq - r.max;
      r.window = shift >= 64n ? 1n : ((r.window << shift) | 1n) & 0xffffffffffffffffn;
      r.max = seq;
    } else r.window |= 1n << (r.max - seq);
  }

  private decrypt(r: ReadEpoch, header: Buffer, body: Buffer): Buffer | null {
    if (body.length < 24) return null;
    const explicit = body.subarray(0, 8);
    try {
      const d = createDecipheriv(gcm(r.key!), r.key!, Buffer.concat([r.iv!, explicit]));
      d.setAAD(recordAad(header.subarray(3, 11), header[0]!, body.length - 24));
      d.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([d.update(body.subarray(8, body.length - 16)), d.final()]);
    } catch {
      return null;
    }
  }

  /** Builds one record in the current write epoch (encrypting from epoch 1). */
  private record(type: number, plain: Buffer, epoch = this.writeEpoch): Buffer {
    const counter = this.writeSeqs[epoch]!;
    const [hi, lo] = counter;
    // The 48-bit counter never wraps (it stops at its end; 2^48 records are out of reach, but a
    // hostile ClientHello's record sequence number is where our epoch 0 starts).
    if (hi < 0xffff || lo < 0xffffffff) {
      counter[1] = (lo + 1) >>> 0;
      if (counter[1] === 0) counter[0]++;
    }
    let body = plain;
    if (epoch > 0 && this.writeKey) {
      const explicit = Buffer.alloc(8);
      explicit.writeUInt16BE(epoch, 0);
      explicit.writeUInt16BE(hi, 2);
      explicit.writeUInt32BE(lo, 4);
      const c = createCipheriv(gcm(this.writeKey), this.writeKey, Buffer.concat([this.writeIv!, explicit]));
      c.setAAD(recordAad(explicit, type, plain.length));
      body = Buffer.concat([explicit, c.update(plain), c.final(), c.getAuthTag()]);
    }
    const h = Buffer.alloc(RECORD_HEADER);
    h[0] = type;
    h.writeUInt16BE(DTLS12, 1);
    h.writeUInt16BE(epoch, 3);
    h.writeUInt16BE(hi, 5);
    h.writeUInt32BE(lo, 7);
    h.writeUInt16BE(body.length, 11);
    return Buffer.concat([h, body]);
  }

  // ------------------------------------------------------------------ flights

  /** Frames a handshake message, adds it to the transcript (unless told not to) and to the flight. */
  private handshake(type: number, body: Buffer, inTranscript = true): void {
    const seq = this.nextSendMessageSeq++;
    const whole = handshakeFragment(type, body.length, seq, 0, body);
    if (inTranscript) this.transcript.push(whole);
    const room = HANDSHAKE_MTU - RECORD_HEADER - HANDSHAKE_HEADER - 64;
    for (let off = 0; off === 0 || off < body.length; off += room) {
      const frag = body.subarray(off, off + room);
      this.flight.push([HANDSHAKE, this.writeEpoch, handshakeFragment(type, body.length, seq, off, frag)]);
      if (body.length === 0) break;
    }
  }

  private beginFlight(): void {
    this.flight = [];
  }

  /** Sends the current flight, packing records into datagrams up to the handshake MTU. */
  private sendFlight(now: number, expectReply: boolean): void {
    this.retransmits = 0;
    this.retransmitDelay = 1000;
    this.emitFlight();
    this.retransmitAt = expectReply ? now + this.retransmitDelay : undefined;
  }

  private resendFlight(now: number): void {
    this.emitFlight();
    this.retransmitAt = now + this.retransmitDelay;
  }

  private emitFlight(): void {
    let datagram: Buffer[] = [];
    let size = 0;
    for (const [type, epoch, plain] of this.flight) {
      // Records of epoch 0 (ClientKeyExchange, ChangeCipherSpec) go in clear even after the switch.
      const rec = this.record(type, plain, epoch);
      if (size + rec.length > HANDSHAKE_MTU && datagram.length > 0) {
        this.out.push(Buffer.concat(datagram));
        datagram = [];
        size = 0;
      }
      datagram.push(rec);
      size += rec.length;
    }
    if (datagram.length > 0) this.out.push(Buffer.concat(datagram));
  }

  // ------------------------------------------------------------------ dispatch

  /** Runs a handshake step; a failure ends the session with a fatal alert. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof DtlsFailure) this.fail(err, true);
      else this.fail(new DtlsFailure(`internal error: ${(err as Error).message}`, 80), true);
    }
  }

  private fail(err: DtlsFailure, sendAlert: boolean): void {
    if (this.state === 'failed') return;
    if (sendAlert) this.out.push(this.record(ALERT, Buffer.from([2, err.alert])));
    this.state = 'failed';
    this.failureReason = err.message;
    this.retransmitAt = undefined;
  }

  private onRecord(type: number, epoch: number, plain: Buffer, now: number): void {
    switch (type) {
      case APPLICATION_DATA:
        if (epoch > 0 && this.state === 'connected') this.appData.push(plain);
        return;
      case ALERT:
        if (plain.length >= 2) {
          if (plain[1] === 0) {
            this.state = 'closed';
            this.retransmitAt = undefined;
          } else if (plain[0] === 2)
            this.fail(new DtlsFailure(`the peer sent a fatal alert: ${ALERT_NAMES[plain[1]!] ?? plain[1]}`, plain[1]!), false);
        }
        return;
      case CHANGE_CIPHER_SPEC:
        this.onChangeCipherSpec();
        return;
      case HANDSHAKE:
        this.onHandshakeRecord(plain, now);
        return;
    }
  }

  private onChangeCipherSpec(): void {
    if (this.pendingKeys === null || this.readEpochs.some((r) => r.epoch === 1)) return;
    const k = this.pendingKeys;
    const [key, iv] = this.role === 'client' ? [k.serverKey, k.serverIv] : [k.clientKey, k.clientIv];
    this.readEpochs.push({ epoch: 1, key, iv, max: -1n, window: 0n });
  }

  private onHandshakeRecord(plain: Buffer, now: number): void {
    let pos = 0;
    while (pos + HANDSHAKE_HEADER <= plain.length) {
      const type = plain[pos]!;
      const length = plain.readUIntBE(pos + 1, 3);
      const seq = plain.readUInt16BE(pos + 4);
      const offset = plain.readUIntBE(pos + 6, 3);
      const fragLength = plain.readUIntBE(pos + 9, 3);
      const frag = plain.subarray(pos + HANDSHAKE_HEADER, pos + HANDSHAKE_HEADER + fragLength);
      pos += HANDSHAKE_HEADER + fragLength;
      // A malformed fragment may be forged (epoch 0 is unauthenticated): the record is dropped.
      if (frag.length !== fragLength || offset + fragLength > length || length > MAX_HANDSHAKE_MESSAGE) return;
      if (seq < this.nextReceiveMessageSeq) {
        // A retransmission of the peer's previous flight: ours was lost; send it again.
        this.resendOnRequest(now);
        continue;
      }
      if (seq > this.nextReceiveMessageSeq + 8) continue;
      let f = this.fragments.get(seq);
      if (!f || f.type !== type || f.length !== length) {
        // First fragment of this message, or one that disagrees with what is held (a forged
        // fragment got there first): start the message again from this one.
        f = { type, length, body: Buffer.alloc(length), have: 0, covered: new Uint8Array(length) };
        this.fragments.set(seq, f);
      }
      frag.copy(f.body, offset);
      for (let i = offset; i < offset + fragLength; i++)
        if (!f.covered[i]) {
          f.covered[i] = 1;
          f.have++;
        }
      // Process every complete message in order.
      for (
        let g = this.fragments.get(this.nextReceiveMessageSeq);
        g && g.have === g.length;
        g = this.fragments.get(this.nextReceiveMessageSeq)
      ) {
        const s = this.nextReceiveMessageSeq++;
        this.fragments.delete(s);
        const whole = handshakeFragment(g.type, g.length, s, 0, g.body);
        this.retransmitAt = undefined;
        this.onHandshakeMessage(g.type, g.body, whole, now);
        if (this.state !== 'handshaking') return;
      }
    }
  }

  /**
   * A handshake record of an epoch older than the current read epoch: if it repeats a message
   * we already have, the peer missed our last flight, which is sent again. Nothing else.
   */
  private onStaleHandshakeRecord(plain: Buffer, now: number): void {
    for (let pos = 0; pos + HANDSHAKE_HEADER <= plain.length; pos += HANDSHAKE_HEADER + plain.readUIntBE(pos + 9, 3))
      if (plain.readUInt16BE(pos + 4) < this.nextReceiveMessageSeq) {
        this.resendOnRequest(now);
        return;
      }
  }

  /**
   * Resends our last flight because the peer retransmitted its own (at most every 250 ms): while
   * we wait for its reply, or once connected if ours was the final flight (the server's). The
   * client never answers a repeated final flight, or the two would echo each other forever.
   */
  private resendOnRequest(now: number): void {
    if (this.flight.length === 0) return;
    if (this.state === 'connected' ? this.role !== 'server' : this.retransmitAt === undefined) return;
    if (now - this.lastRequestedResend < 250) return;
    this.lastRequestedResend = now;
    this.emitFlight();
  }

  private onHandshakeMessage(type: number, body: Buffer, whole: Buffer, now: number): void {
    if (this.role === 'client') this.clientMessage(type, body, whole, now);
    else this.serverMessage(type, body, whole, now);
  }

  // ------------------------------------------------------------------ client

  private sendClientHello(now: number): void {
    this.beginFlight();
    const suites = Buffer.concat(CIPHER_SUITES.map((s) => u16(s.id)));
    const extensions = Buffer.concat([
      ext(EXT_SUPPORTED_GROUPS, vec16(Buffer.concat([u16(GROUP_X25519), u16(GROUP_P256)]))),
      ext(EXT_EC_POINT_FORMATS, vec8(Buffer.from([0]))),
      ext(EXT_SIGNATURE_ALGORITHMS, vec16(Buffer.concat(SIGNATURE_SCHEMES.map(u16)))),
      ext(EXT_EXTENDED_MASTER_SECRET, Buffer.alloc(0)),
      ext(EXT_RENEGOTIATION_INFO, Buffer.from([0])),
    ]);
    const body = Buffer.concat([
      u16(DTLS12),
      this.clientRandom,
      vec8(Buffer.alloc(0)),
      vec8(this.cookie),
      vec16(suites),
      vec8(Buffer.from([0])),
      vec16(extensions),
    ]);
    const seq = this.nextSendMessageSeq;
    this.handshake(CLIENT_HELLO, body, false);
    this.firstClientHello = handshakeFragment(CLIENT_HELLO, body.length, seq, 0, body);
    this.sendFlight(now, true);
  }

  private clientMessage(type: number, body: Buffer, whole: Buffer, now: number): void {
    const r = new Reader(body);
    switch (type) {
      case HELLO_VERIFY_REQUEST: {
        if (this.suite) throw new DtlsFailure('HelloVerifyRequest after ServerHello', 10);
        r.u16();
        this.cookie = Buffer.from(r.vec8());
        if (this.cookie.length > 255) throw new DtlsFailure('cookie too long', 47);
        this.sendClientHello(now);
        return;
      }
      case SERVER_HELLO: {
        if (this.suite) throw new DtlsFailure('second ServerHello', 10);
        if (this.firstClientHello) this.transcript.push(this.firstClientHello);
        this.transcript.push(whole);
        if (r.u16() !== DTLS12) throw new DtlsFailure('the server does not speak DTLS 1.2', 70);
        this.serverRandom = Buffer.from(r.bytes(32));
        r.vec8();
        const id = r.u16();
        const suite = CIPHER_SUITES.find((s) => s.id === id);
        if (!suite) throw new DtlsFailure(`the server chose cipher suite 0x${id.toString(16)} that was not offered`, 47);
        this.suite = suite;
        if (r.u8() !== 0) throw new DtlsFailure('the server chose a compression method', 47);
        if (!r.done()) {
          const exts = new Reader(r.vec16());
          while (!exts.done()) {
            const t = exts.u16();
            exts.vec16();
            if (t === EXT_EXTENDED_MASTER_SECRET) this.extendedMasterSecret = true;
          }
        }
        return;
      }
      case CERTIFICATE: {
        if (!this.suite) throw new DtlsFailure('Certificate before ServerHello', 10);
        this.transcript.push(whole);
        const list = new Reader(r.vec24());
        this.peerChain = [];
        while (!list.done()) {
          const der = list.vec24();
          let certificate: X509Certificate;
          try {
            certificate = new X509Certificate(der);
          } catch {
            throw new DtlsFailure('bad certificate: the server sent a certificate that cannot be parsed', 42);
          }
          try {
            void certificate.publicKey;
          } catch {
            const subject = certificate.subject.replace(/\n/g, ', ');
            throw new DtlsFailure(`bad certificate: the public key of certificate '${subject}' cannot be parsed`, 42);
          }
          this.peerChain.push(certificate);
        }
        return;
      }
      case SERVER_KEY_EXCHANGE: {
        if (!this.suite || this.peerChain.length === 0) throw new DtlsFailure('ServerKeyExchange out of order', 10);
        this.transcript.push(whole);
        if (r.u8() !== 3) throw new DtlsFailure('unsupported curve type', 47);
        this.peerGroup = r.u16();
        if (this.peerGroup !== GROUP_X25519 && this.peerGroup !== GROUP_P256)
          throw new DtlsFailure(`unsupported group ${this.peerGroup}`, 47);
        this.peerShare = Buffer.from(r.vec8());
        const params = body.subarray(0, r.pos);
        const scheme = r.u16();
        const signature = r.vec16();
        const signed = Buffer.concat([this.clientRandom, this.serverRandom, params]);
        if (!verifySignature(scheme, signed, this.peerChain[0]!.publicKey, signature))
          throw new DtlsFailure('the ServerKeyExchange signature does not verify', 51);
        return;
      }
      case CERTIFICATE_REQUEST:
        throw new DtlsFailure('the server asks for a client certificate, which is not supported', 40);
      case SERVER_HELLO_DONE: {
        if (!this.peerShare) throw new DtlsFailure('ServerHelloDone before ServerKeyExchange', 10);
        this.transcript.push(whole);
        this.checkServerCertificate();
        this.ephemeral = new EphemeralKey(this.peerGroup);
        const preMaster = this.ephemeral.secret(this.peerShare);
        this.beginFlight();
        this.handshake(CLIENT_KEY_EXCHANGE, vec8(this.ephemeral.publicKey));
        this.deriveKeys(preMaster);
        this.flight.push([CHANGE_CIPHER_SPEC, 0, Buffer.from([1])]);
        this.switchWriteEpoch();
        this.handshake(FINISHED, this.verifyData('client finished'));
        this.sendFlight(now, true);
        return;
      }
      case FINISHED: {
        if (!this.readEpochs.some((e) => e.epoch === 1)) throw new DtlsFailure('Finished before ChangeCipherSpec', 10);
        if (!body.equals(this.verifyData('server finished'))) throw new DtlsFailure('the server Finished does not verify', 51);
        this.transcript.push(whole);
        this.state = 'connected';
        this.retransmitAt = undefined;
        return;
      }
      default:
        throw new DtlsFailure(`unexpected handshake message ${type}`, 10);
    }
  }

  private checkServerCertificate(): void {
    const o = this.options;
    if (o.role === 'client-unsafe' && o.trusted === null) return;
    const roots = o.trusted ?? systemRoots();
    const reason = verifyChain(this.peerChain, roots, o.role === 'client-unsafe' ? null : this.hostname, new Date());
    if (reason) throw new DtlsFailure(reason, 42);
  }

  // ------------------------------------------------------------------ server

  private serverMessage(type: number, body: Buffer, whole: Buffer, now: number): void {
    switch (type) {
      case CLIENT_HELLO:
        // A repeated ClientHello has an old message number and never gets here; a new one would
        // be a renegotiation, which is not supported.
        throw new DtlsFailure('a new ClientHello in the middle of the handshake (renegotiation is not supported)', 10);
      case CLIENT_KEY_EXCHANGE: {
        if (!this.ephemeral) throw new DtlsFailure('ClientKeyExchange out of order', 10);
        this.transcript.push(whole);
        const share = new Reader(body).vec8();
        this.deriveKeys(this.ephemeral.secret(share));
        return;
      }
      case FINISHED: {
        if (!this.readEpochs.some((e) => e.epoch === 1)) throw new DtlsFailure('Finished before ChangeCipherSpec', 10);
        if (!body.equals(this.verifyData('client finished'))) throw new DtlsFailure('the client Finished does not verify', 51);
        this.transcript.push(whole);
        this.beginFlight();
        this.flight.push([CHANGE_CIPHER_SPEC, 0, Buffer.from([1])]);
        this.switchWriteEpoch();
        this.handshake(FINISHED, this.verifyData('server finished'));
        this.sendFlight(now, false);
        this.state = 'connected';
        return;
      }
      default:
        throw new DtlsFailure(`unexpected handshake message ${type}`, 10);
    }
  }

  private onClientHello(whole: Buffer, now: number): void {
    const body = whole.subarray(HANDSHAKE_HEADER);
    this.transcript.push(whole);
    const r = new Reader(body);
    if (r.u16() !== DTLS12) throw new DtlsFailure('the client does not offer DTLS 1.2', 70);
    this.clientRandom = Buffer.from(r.bytes(32));
    r.vec8();
    r.vec8();
    const suites = r.vec16();
    r.vec8();
    const offered = u16List(suites);
    if (!r.done()) {
      const exts = new Reader(r.vec16());
      while (!exts.done()) {
        const t = exts.u16();
        const data = new Reader(exts.vec16());
        if (t === EXT_EXTENDED_MASTER_SECRET) this.extendedMasterSecret = true;
        else if (t === EXT_SUPPORTED_GROUPS) {
          this.offeredGroups.push(...u16List(data.vec16()));
        } else if (t === EXT_SIGNATURE_ALGORITHMS) {
          this.offeredSignatureSchemes.push(...u16List(data.vec16()));
        }
      }
    }
    const key = this.options.key!;
    const kind = key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss' ? 'rsa' : 'ecdsa';
    const suite = CIPHER_SUITES.find((s) => s.signature === kind && offered.includes(s.id));
    if (!suite) throw new DtlsFailure('no cipher suite in common', 40);
    this.suite = suite;
    const group =
      this.offeredGroups.length === 0 || this.offeredGroups.includes(GROUP_X25519)
        ? GROUP_X25519
        : this.offeredGroups.includes(GROUP_P256)
          ? GROUP_P256
          : 0;
    if (!group) throw new DtlsFailure('no key exchange group in common', 40);
    this.ephemeral = new EphemeralKey(group);
    this.serverRandom = randomBytes(32);
    this.beginFlight();
    const exts = [ext(EXT_RENEGOTIATION_INFO, Buffer.from([0])), ext(EXT_EC_POINT_FORMATS, vec8(Buffer.from([0])))];
    if (this.extendedMasterSecret) exts.push(ext(EXT_EXTENDED_MASTER_SECRET, Buffer.alloc(0)));
    this.handshake(
      SERVER_HELLO,
      Buffer.concat([u16(DTLS12), this.serverRandom, vec8(Buffer.alloc(0)), u16(suite.id), Buffer.from([0]), vec16(Buffer.concat(exts))]),
    );
    this.handshake(CERTIFICATE, vec24(Buffer.concat(this.options.certificates.map((c) => vec24(c.raw)))));
    const params = Buffer.concat([Buffer.from([3]), u16(group), vec8(this.ephemeral.publicKey)]);
    const [scheme, signature] = signParams(
      key,
      Buffer.concat([this.clientRandom, this.serverRandom, params]),
      this.offeredSignatureSchemes,
    );
    this.handshake(SERVER_KEY_EXCHANGE, Buffer.concat([params, u16(scheme), vec16(signature)]));
    this.handshake(SERVER_HELLO_DONE, Buffer.alloc(0));
    this.sendFlight(now, true);
  }

  // ------------------------------------------------------------------ keys

  private deriveKeys(preMaster: Buffer): void {
    const suite = this.suite!;
    this.masterSecret = this.extendedMasterSecret
      ? prf(suite.hash, preMaster, 'extended master secret', transcriptHash(suite.hash, this.transcript), 48)
      : prf(suite.hash, preMaster, 'master secret', Buffer.concat([this.clientRandom, this.serverRandom]), 48);
    const n = suite.keyLength;
    const block = prf(suite.hash, this.masterSecret, 'key expansion', Buffer.concat([this.serverRandom, this.clientRandom]), 2 * n + 8);
    this.pendingKeys = {
      clientKey: block.subarray(0, n),
      serverKey: block.subarray(n, 2 * n),
      clientIv: block.subarray(2 * n, 2 * n + 4),
      serverIv: block.subarray(2 * n + 4, 2 * n + 8),
    };
  }

  private switchWriteEpoch(): void {
    const k = this.pendingKeys!;
    this.writeEpoch = 1;
    [this.writeKey, this.writeIv] = this.role === 'client' ? [k.clientKey, k.clientIv] : [k.serverKey, k.serverIv];
  }

  private verifyData(label: string): Buffer {
    return prf(this.suite!.hash, this.masterSecret!, label, transcriptHash(this.suite!.hash, this.transcript), 12);
  }
}

/** Verifies a TLS 1.2 digitally-signed structure with the named signature scheme. */
function verifySignature(scheme: number, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  const pss = scheme >> 8 === 8;
  const hash = ({ 4: 'sha256', 5: 'sha384', 6: 'sha512' } as Record<number, string>)[pss ? scheme & 0xff : scheme >> 8];
  if (!hash) return false;
  try {
    if (pss) {
      const saltLength = ({ sha256: 32, sha384: 48, sha512: 64 } as Record<string, number>)[hash];
      return (
        key.asymmetricKeyType === 'rsa' && verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature)
      );
    }
    if ((scheme & 0xff) === 1)
      return key.asymmetricKeyType === 'rsa' && verify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    if ((scheme & 0xff) === 3) return key.asymmetricKeyType === 'ec' && verify(hash, data, key, signature);
    return false;
  } catch {
    return false;
  }
}

/** Signs ServerKeyExchange params with the server key, choosing a scheme the client offered. */
function signParams(key: KeyObject, data: Buffer, offered: number[]): [number, Buffer] {
  const can = (s: number) => offered.length === 0 || offered.includes(s);
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const [scheme, hash] = curve === 'secp384r1' ? [0x0503, 'sha384'] : [0x0403, 'sha256'];
    return [scheme, sign(hash, data, key)];
  }
  if (can(0x0804)) return [0x0804, sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })];
  return [0x0401, sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING })];
}
