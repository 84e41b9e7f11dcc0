import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

let defaultRoots: X509Certificate[] | null = null;

/** Node's bundled Mozilla root store, parsed once. */
export function systemRoots(): X509Certificate[] {
  defaultRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return defaultRoots;
}

/** Splits PEM text holding one or more certificates. */
export function parseCertificates(input: string | Uint8Array | X509Certificate | Array<string | X509Certificate>): X509Certificate[] {
  if (input instanceof X509Certificate) return [input];
  if (Array.isArray(input)) return input.flatMap((x) => parseCertificates(x));
  if (input instanceof Uint8Array && input[0] === 0x30) return [new X509Certificate(input)];
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/**
 * Verifies a server's chain (leaf first, then the intermediates it sent) up to one of `roots`:
 * issuer and signature of every link, validity dates at `now`, CA:TRUE on every issuer, and the
 * host name unless it is null. Returns null when valid, else a reason a person can read.
 */
export function verifyChain(chain: X509Certificate[], roots: X509Certificate[], hostname: string | null, now: Date): string | null {
  if (chain.length === 0) return 'the server sent no certificate';
  const leaf = chain[0]!;
  const valid = (c: X509Certificate) => {
    const from = new Date(c.validFrom);
    const to = new Date(c.validTo);
    if (now < from) return `certificate '${c.subject.replace(/\n/g, ', ')}' is not valid before ${c.validFrom}`;
    if (now > to) return `certificate '${c.subject.replace(/\n/g, ', ')}' expired on ${c.validTo}`;
    return null;
  };
  let current = leaf;
  const pool = chain.slice(1);
  for (let depth = 0; depth < 10; depth++) {
    const bad = valid(current);
    if (bad) return bad;
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) {
      const badRoot = valid(root);
      if (badRoot) return badRoot;
      if (hostname !== null) {
        const ok = isIP(hostname) ? leaf.checkIP(hostname) !== undefined : leaf.checkHost(hostname) !== undefined;
        if (!ok) {
          const cn = /CN=([^\n,]+)/.exec(leaf.subject)?.[1] ?? leaf.subject;
          return `certificate for '${leaf.subjectAltName ?? cn}' does not match '${hostname}'`;
        }
      }
      return null;
    }
    const issuer = pool.find((c) => c !== current && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer)
      return `certificate '${current.subject.replace(/\n/g, ', ')}' is not signed by a trusted root (issuer '${current.issuer.replace(/\n/g, ', ')}')`;
    if (!issuer.ca) return `certificate '${issuer.subject.replace(/\n/g, ', ')}' is used as an issuer but is not a CA`;
    current = issuer;
  }
  return 'certificate chain too long';
}
