import { createHash, createHmac } from 'node:crypto';

/** Hash of a cipher suite's PRF. */
export type PrfHash = 'sha256' | 'sha384';

/** The TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label ‖ seed) truncated to `length` bytes. */
export function prf(hash: PrfHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'ascii'), seed]);
  const out: Buffer[] = [];
  let total = 0;
  let a: Buffer = createHmac(hash, secret).update(labelSeed).digest();
  while (total < length) {
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.push(block);
    total += block.length;
    a = createHmac(hash, secret).update(a).digest();
  }
  return Buffer.concat(out).subarray(0, length);
}

/** Digest of the handshake transcript so far. */
export function transcriptHash(hash: PrfHash, messages: Uint8Array[]): Buffer {
  const h = createHash(hash);
  for (const m of messages) h.update(m);
  return h.digest();
}
