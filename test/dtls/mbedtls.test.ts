import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsServer, DtlsSession, TLSOptions } from '../../src/transport/dtls/index.js';
import { compileC } from '../support/cbuild.js';
import { runDtlsClient, serveDtlsEcho } from '../support/dtls-driver.js';
import { makePki } from '../support/pki.js';
import { Proc, run } from '../support/spawn.js';

const pki = makePki();
after(() => pki.cleanup());
const bin = compileC('dtls_mbedtls_peer', ['-lmbedtls', '-lmbedx509', '-lmbedcrypto']);

/** Runs the mbedTLS peer (not node) to completion: its output lines, stderr included. */
async function mbedtls(args: string[]): Promise<string[]> {
  return (await run(args, 15000, { command: bin, mergeStderr: true })).out;
}

for (const kind of ['ec', 'rsa'] as const) {
  test(`mbedTLS client (verify required, host name) ↔ our DTLS server, ${kind.toUpperCase()} certificate`, async () => {
    const [key, cert] = kind === 'ec' ? [pki.ecKey, pki.ecCert] : [pki.rsaKey, pki.rsaCert];
    const echo = await serveDtlsEcho(new DtlsServer({ options: TLSOptions.server(key, cert) }));
    try {
      const out = await mbedtls(['client', String(echo.port), pki.write('ca.pem', pki.ca), 'localhost']);
      assert.match(out[0]!, /^HANDSHAKE OK TLS-ECDHE-(ECDSA|RSA)-WITH-AES-(128|256)-GCM-SHA(256|384)$/, out.join('\n'));
      assert.equal(out[1], 'GOT echo: hello from mbedtls');
      assert.deepEqual(echo.got, ['hello from mbedtls']);
      const bad = await mbedtls(['client', String(echo.port), pki.write('ca.pem', pki.ca), 'evil.example']);
      assert.match(bad[0]!, /^HANDSHAKE FAILED .*(CN|name)/i, bad.join('\n'));
    } finally {
      echo.close();
    }
  });

  test(`our DTLS client ↔ mbedTLS server with cookies, ${kind.toUpperCase()} certificate`, async () => {
    const [key, cert] = kind === 'ec' ? [pki.ecKey, pki.ecCert] : [pki.rsaKey, pki.rsaCert];
    const child = new Proc(['server', pki.write(`${kind}.crt`, cert), pki.write(`${kind}.key`, key)], { command: bin });
    try {
      const port = Number(/PORT (\d+)/.exec(await child.waitFor(/PORT \d+/, 5000))![1]);
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
      await child.waitFor(/GOT hello from enet-ts/, 5000);
      assert.match(child.out.join('\n'), /HANDSHAKE OK/);
    } finally {
      await child.close();
    }
  });
}
