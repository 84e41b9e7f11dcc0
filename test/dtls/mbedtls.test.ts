import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DtlsServer, DtlsSession, TLSOptions } from '../../src/transport/dtls/index.js';
import { compileC } from '../support/cbuild.js';
import { runDtlsClient, serveDtlsEcho } from '../support/dtls-driver.js';
import { makePki } from '../support/pki.js';
import { spawn } from 'node:child_process';

const pki = makePki();
after(() => pki.cleanup());
const bin = compileC('dtls_mbedtls_peer', ['-lmbedtls', '-lmbedx509', '-lmbedcrypto']);
const file = (name: string, text: string) => {
  const p = join(pki.dir, name);
  writeFileSync(p, text);
  return p;
};

/** Runs the mbedTLS peer as a child process (not node): resolves with its output lines. */
function mbedtls(args: string[]): Promise<string[]> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.on('exit', () => {
      clearTimeout(t);
      resolve(out.trim().split('\n'));
    });
  });
}

for (const kind of ['ec', 'rsa'] as const) {
  test(`mbedTLS client (verify required, host name) ↔ our DTLS server, ${kind.toUpperCase()} certificate`, async () => {
    const [key, cert] = kind === 'ec' ? [pki.ecKey, pki.ecCert] : [pki.rsaKey, pki.rsaCert];
    const echo = await serveDtlsEcho(new DtlsServer({ options: TLSOptions.server(key, cert) }));
    try {
      const out = await mbedtls(['client', String(echo.port), file('ca.pem', pki.ca), 'localhost']);
      assert.match(out[0]!, /^HANDSHAKE OK TLS-ECDHE-(ECDSA|RSA)-WITH-AES-(128|256)-GCM-SHA(256|384)$/, out.join('\n'));
      assert.equal(out[1], 'GOT echo: hello from mbedtls');
      assert.deepEqual(echo.got, ['hello from mbedtls']);
      const bad = await mbedtls(['client', String(echo.port), file('ca.pem', pki.ca), 'evil.example']);
      assert.match(bad[0]!, /^HANDSHAKE FAILED .*(CN|name)/i, bad.join('\n'));
    } finally {
      echo.close();
    }
  });

  test(`our DTLS client ↔ mbedTLS server with cookies, ${kind.toUpperCase()} certificate`, async () => {
    const [key, cert] = kind === 'ec' ? [pki.ecKey, pki.ecCert] : [pki.rsaKey, pki.rsaCert];
    const child = spawn(bin, ['server', file(`${kind}.crt`, cert), file(`${kind}.key`, key)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      const end = Date.now() + 5000;
      while (!/PORT \d+/.test(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      const port = Number(/PORT (\d+)/.exec(out)![1]);
      const session = new DtlsSession('client', TLSOptions.client(pki.ca), 'localhost');
      let sent = false;
      let reply = '';
      await runDtlsClient(
        session,
        port,
        () => {
          if (session.state === 'connected' && !sent) {
            sent = true;
            session.sendApplicationData(Buffer.from('hello from enet-ts'));
          }
          const a = session.readApplicationData();
          if (a) reply = a.toString();
          return reply !== '';
        },
        8000,
      );
      assert.equal(session.state, 'connected', session.failureReason);
      assert.equal(reply, 'echo: hello from enet-ts');
      assert.match(out, /HANDSHAKE OK/);
      assert.match(out, /GOT hello from enet-ts/);
    } finally {
      child.kill('SIGKILL');
    }
  });
}
