import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away PKI made with the openssl CLI: a root CA, an intermediate, and server certificates. */
export interface Pki {
  dir: string;
  ca: string;
  /** RSA and ECDSA leaves for `localhost` / 127.0.0.1 signed by the CA. */
  rsaKey: string;
  rsaCert: string;
  ecKey: string;
  ecCert: string;
  /** An ECDSA leaf signed by an intermediate; `chainCert` is leaf + intermediate. */
  chainKey: string;
  chainCert: string;
  /** A leaf that expired yesterday, and one from an untrusted CA. */
  expiredKey: string;
  expiredCert: string;
  otherKey: string;
  otherCert: string;
  /** Writes `text` to `name` in the PKI's directory and returns the path (for tools that take files). */
  write(name: string, text: string): string;
  cleanup(): void;
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'enet-ts-pki-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ext = join(dir, 'leaf.cnf');
  writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n');
  const caExt = join(dir, 'ca.cnf');
  writeFileSync(caExt, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  /** A new P-256 key `${name}.key` and, into `out`, a request for CN=`cn` (`options` such as -x509 change what req makes). */
  const newKey = (name: string, cn: string, out: string, ...options: string[]) =>
    run(
      'req',
      ...options,
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      out,
      '-subj',
      `/CN=${cn}`,
    );
  /** A self-signed root CA `${name}.crt`. */
  const ca = (name: string) =>
    newKey(
      name,
      name,
      `${name}.crt`,
      '-x509',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  /** Signs `${name}.csr` with `issuer` into `${name}.crt`. */
  const sign = (name: string, issuer: string, days: number, extfile: string) =>
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.crt`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      String(days),
      '-extfile',
      extfile,
    );
  const leaf = (name: string, kind: 'rsa' | 'ec', issuer: string, days = 30) => {
    if (kind === 'rsa') run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${name}.key`);
    else run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', `${name}.key`);
    run('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost');
    sign(name, issuer, days, ext);
  };
  ca('root');
  ca('other');
  leaf('rsa', 'rsa', 'root');
  leaf('ec', 'ec', 'root');
  newKey('inter', 'intermediate', 'inter.csr', '-new');
  sign('inter', 'root', 30, caExt);
  leaf('chain', 'ec', 'inter');
  leaf('expired', 'ec', 'root', -1);
  leaf('untrusted', 'ec', 'other');
  const r = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    ca: r('root.crt'),
    rsaKey: r('rsa.key'),
    rsaCert: r('rsa.crt'),
    ecKey: r('ec.key'),
    ecCert: r('ec.crt'),
    chainKey: r('chain.key'),
    chainCert: r('chain.crt') + r('inter.crt'),
    expiredKey: r('expired.key'),
    expiredCert: r('expired.crt'),
    otherKey: r('untrusted.key'),
    otherCert: r('untrusted.crt'),
    write: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
