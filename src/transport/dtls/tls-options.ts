import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { parseCertificates } from './certificates.js';

type CertificateInput = string | X509Certificate | Array<string | X509Certificate>;

/**
 * TLS settings for ENet over DTLS, as Godot's TLSOptions: `server(key, certificate)`,
 * `client(trustedChain?, commonNameOverride?)` (full verification; Node's root store when no
 * chain is given) and `clientUnsafe(trustedChain?)` (no name check; no verification at all
 * without a chain). Keys and certificates are PEM strings, KeyObject / X509Certificate.
 */
export class TLSOptions {
  /** @internal */ readonly role: 'server' | 'client' | 'client-unsafe';
  /** @internal */ readonly key: KeyObject | null;
  /** @internal */ readonly certificates: X509Certificate[];
  /** @internal */ readonly trusted: X509Certificate[] | null;
  /** @internal */ readonly commonNameOverride: string;

  private constructor(
    role: TLSOptions['role'],
    key: KeyObject | null,
    certificates: X509Certificate[],
    trusted: X509Certificate[] | null,
    cn: string,
  ) {
    this.role = role;
    this.key = key;
    this.certificates = certificates;
    this.trusted = trusted;
    this.commonNameOverride = cn;
  }

  /** Options for a DTLS server: its private key and certificate (a chain: leaf first, then intermediates, all sent). */
  static server(key: string | KeyObject, certificate: CertificateInput): TLSOptions {
    const k = typeof key === 'string' ? createPrivateKey(key) : key;
    const certs = parseCertificates(certificate);
    if (certs.length === 0) throw new TypeError('TLSOptions.server needs a certificate');
    if (!certs[0]!.checkPrivateKey(k)) throw new TypeError('Invalid cert/key combination: the key does not match the certificate');
    return new TLSOptions('server', k, certs, null, '');
  }

  /** Options for a verifying client: the trusted roots (default: Node's root store) and an optional name to check instead of the host name. */
  static client(trustedChain?: CertificateInput | null, commonNameOverride = ''): TLSOptions {
    return new TLSOptions('client', null, [], trustedChain ? parseCertificates(trustedChain) : null, commonNameOverride);
  }

  /** Options for a client that skips the name check; without a chain it verifies nothing at all (as Godot's client_unsafe). */
  static clientUnsafe(trustedChain?: CertificateInput | null): TLSOptions {
    return new TLSOptions('client-unsafe', null, [], trustedChain ? parseCertificates(trustedChain) : null, '');
  }

  /** True for server options. */
  isServer(): boolean {
    return this.role === 'server';
  }
}
