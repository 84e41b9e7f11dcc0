import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { runDtlsFuzz } from '../../src/cli/fuzz-dtls.js';
import { DtlsServer, TLSOptions } from '../../src/transport/dtls/index.js';
import { serveDtlsEcho } from '../support/dtls-driver.js';
import { makePki } from '../support/pki.js';
import { Proc } from '../support/spawn.js';

// The CI slice of `npm run fuzz -- --dtls` (a full run is 1 000 000 datagrams).
const pki = makePki();
after(() => pki.cleanup());

/** A handshake and a line of data between openssl s_client and our server, every datagram recorded by a relay between them. */
async function captureOpenssl(): Promise<Buffer[]> {
  const echo = await serveDtlsEcho(new DtlsServer({ options: TLSOptions.server(pki.ecKey, pki.ecCert) }));
  const relay = dgram.createSocket('udp4');
  const upstream = dgram.createSocket('udp4');
  relay.bind(0, '127.0.0.1');
  upstream.bind(0, '127.0.0.1');
  await Promise.all([once(relay, 'listening'), once(upstream, 'listening')]);
  const captured: Buffer[] = [];
  let client: { port: number } | null = null;
  relay.on('message', (m, from) => {
    client = { port: from.port };
    captured.push(m);
    upstream.send(m, echo.port, '127.0.0.1');
  });
  upstream.on('message', (m) => {
    captured.push(m);
    if (client) relay.send(m, client.port, '127.0.0.1');
  });
  const openssl = new Proc(
    ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${relay.address().port}`, '-CAfile', pki.write('ca.pem', pki.ca)],
    { command: 'openssl', mergeStderr: true },
  );
  try {
    await openssl.waitFor(/Verify return code: 0 \(ok\)/, 8000);
    openssl.child.stdin!.write('hello from openssl\n');
    await openssl.waitFor(/echo: hello from openssl/, 8000);
    return captured;
  } finally {
    await openssl.close();
    relay.close();
    upstream.close();
    echo.close();
  }
}

test('DTLS fuzz slice: 25 000 hostile datagrams at every handshake state and at a connected session, 0 exceptions, nothing forged accepted, the session keeps carrying data, memory bounded', async () => {
  const corpus = await captureOpenssl();
  assert.ok(corpus.length >= 6, `${corpus.length} datagrams captured between openssl and our server`);
  const r = runDtlsFuzz({ count: 25_000, seed: 20261201, corpus });
  assert.equal(r.exceptions, 0, r.firstException);
  assert.equal(r.inputs, 25_000);
  assert.equal(r.acceptedForgeries, 0, r.firstForgery);
  assert.ok(r.legitConnected, 'the connected session survives');
  assert.ok(r.legitSent >= 390, `${r.legitSent} exchanges`);
  assert.ok(r.legitIntact, `${r.legitReceived}/${r.legitSent} exchanges intact`);
  for (const [where, n] of Object.entries(r.byTarget)) assert.ok(n > 2000, `${n} datagrams to ${where}`);
  const states = Object.keys(r.targetStates);
  for (const expected of [
    'client awaiting HelloVerifyRequest',
    'client before server flight record 1/4',
    'client before server flight record 5/5',
    'server before client flight record 1/3',
    'server before client flight record 3/3',
    'client before server final record 2/2',
  ])
    assert.ok(states.includes(expected), `targets at "${expected}" (got ${states.join('; ')})`);
  assert.ok(r.targetsFailed > 0 && r.targetsCompleted > 0, `${r.targetsFailed} failed, ${r.targetsCompleted} completed`);
  assert.ok(r.hostileSessionsOpened > 0, 'mutated ClientHellos with a valid cookie opened sessions');
  assert.ok(r.peakServerSessions <= r.maxPending + 1, `${r.peakServerSessions} sessions at most`);
  assert.ok(r.heapAfterMB - r.heapBeforeMB < 64, `heap ${r.heapBeforeMB} → ${r.heapAfterMB} MB`);
  assert.ok(r.peakHeapMB < 256, `peak heap ${r.peakHeapMB} MB`);
});
