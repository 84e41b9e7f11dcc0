import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz, loadVectorCorpus, defaultCorpus } from '../../src/cli/fuzz.js';
import { VECTORS_DIR } from '../support/cbuild.js';
import { CompressionMode } from '../../src/api/enums.js';
import { createCompressor } from '../../src/compress/registry.js';
import { loadVariantCorpus, runVariantFuzz } from '../../src/cli/fuzz-variant.js';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cbuild.js';

// The CI slice of `npm run fuzz`: about 200 000 hostile datagrams over the plain and checksum
// variants (compressed variants are added where the codecs are tested).
const corpus = loadVectorCorpus(VECTORS_DIR);

test('the vector corpus is loaded', () => {
  assert.ok(corpus.length > 100, `${corpus.length} captured datagrams`);
});

test('the corpus compiled into the fuzzer is every distinct datagram of test/vectors (node scripts/make-fuzz-corpus.mjs)', () => {
  const hex = (list: Uint8Array[]) => [...new Set(list.map((d) => Buffer.from(d).toString('hex')))].sort();
  assert.deepEqual(hex(defaultCorpus()), hex(corpus));
});

for (const [name, checksum] of [
  ['plain', false],
  ['checksum', true],
] as const) {
  test(`fuzz slice (${name}): no exception escapes, memory stays bounded, the legitimate peer keeps exchanging data`, () => {
    const r = runFuzz({ count: 100_000, seed: 20261124, corpus, checksum });
    assert.equal(r.exceptions, 0, r.firstException);
    assert.equal(r.datagrams, 100_000);
    // Blind acknowledgements no longer complete spoofed handshakes (they must echo the time VERIFY_CONNECT left), so
    // hostile events come from the attackers' real sessions: fewer than the 100+ of before.
    assert.ok(r.hostileEvents > 20, `hostile traffic reached the command handlers (${r.hostileEvents} events)`);
    assert.ok(r.legitConnected, 'legitimate peer still connected');
    assert.ok(r.legitSent >= 190);
    assert.equal(r.legitReceived, r.legitSent);
    assert.ok(r.legitInOrder);
    assert.ok(r.peakHeapMB < 256, `peak heap ${r.peakHeapMB} MB`);
  });
}

for (const [mode, checksum] of [
  [CompressionMode.RANGE_CODER, false],
  [CompressionMode.FASTLZ, true],
  [CompressionMode.ZLIB, false],
  [CompressionMode.ZSTD, true],
] as const) {
  test(`fuzz slice (${CompressionMode[mode]}${checksum ? ' + checksum' : ''}): compressed hostile datagrams never throw`, () => {
    const r = runFuzz({ count: 25_000, seed: 7 + mode, corpus, checksum, compressor: () => createCompressor(mode) });
    assert.equal(r.exceptions, 0, r.firstException);
    assert.ok(r.hostileEvents > 20, `hostile traffic reached the handlers (${r.hostileEvents})`);
    assert.ok(r.legitConnected && r.legitInOrder);
    assert.equal(r.legitReceived, r.legitSent);
    assert.ok(r.peakHeapMB < 256);
  });
}

test('fuzz slice (Variant decoder): hostile bytes only ever give ENetErrors, decoded values re-encode stably, memory stays bounded', () => {
  const variantCorpus = loadVariantCorpus(join(REPO_ROOT, 'test', 'vectors', 'variant'));
  assert.ok(variantCorpus.length > 100, `${variantCorpus.length} golden vectors`);
  const r = runVariantFuzz({ count: 150_000, seed: 20261201, corpus: variantCorpus });
  assert.equal(r.exceptions, 0, r.firstException);
  assert.equal(r.mismatches, 0, r.firstMismatch);
  assert.equal(r.inputs, 150_000);
  assert.ok(r.decoded > 10_000, `mutations still decode often (${r.decoded})`);
  assert.ok((r.errors.ERR_INVALID_DATA ?? 0) > 1000 && (r.errors.ERR_FILE_EOF ?? 0) > 100, JSON.stringify(r.errors));
  assert.ok(r.peakHeapMB < 256, `peak heap ${r.peakHeapMB} MB`);
});
