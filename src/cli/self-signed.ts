/**
 * A minimal X.509 v3 self-signed certificate maker (DER by hand, signed with node:crypto), so
 * the DTLS fuzzer needs no openssl and no key material in the repository.
 */
import { type KeyObject, X509Certificate, generateKeyPairSync, sign } from 'node:crypto';

/** One DER element: tag, definite length, content. */
function der(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const length =
    n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

/** An OBJECT IDENTIFIER from its dotted form. */
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const v of rest) {
    const groups = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) groups.unshift((x & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
}

const sequence = (...content: Uint8Array[]) => der(0x30, ...content);
const utcTime = (d: Date) => der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));
const name = (cn: string) => sequence(der(0x31, sequence(oid('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));

/** A key and a self-signed CA:TRUE certificate for `cn` (also its DNS subjectAltName), valid a day back and a year on. */
export function selfSigned(kind: 'ec' | 'rsa', cn: string): { key: KeyObject; certificate: X509Certificate } {
  const { privateKey, publicKey } =
    kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const algorithm = kind === 'ec' ? sequence(oid('1.2.840.10045.4.3.2')) : sequence(oid('1.2.840.113549.1.1.11'), der(0x05));
  const now = Date.now();
  const extensions = der(
    0xa3,
    sequence(
      sequence(oid('2.5.29.19'), der(0x01, Buffer.from([0xff])), der(0x04, sequence(der(0x01, Buffer.from([0xff]))))),
      sequence(oid('2.5.29.17'), der(0x04, sequence(der(0x82, Buffer.from(cn, 'ascii'))))),
    ),
  );
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([0x01, ...Buffer.from(String(now), 'ascii').subarray(0, 8)])),
    algorithm,
    name(cn),
    sequence(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 365 * 86_400_000))),
    name(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = new X509Certificate(sequence(tbs, algorithm, der(0x03, Buffer.from([0]), signature)));
  return { key: privateKey, certificate };
}
