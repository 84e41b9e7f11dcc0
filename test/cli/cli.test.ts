import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Proc, run } from '../support/spawn.js';

// These run the built CLI (dist/), which the test script builds first.
const CLI = 'dist/cli/main.js';

test('--help on every command; errors are one line with a non-zero exit code', async () => {
  for (const args of [['--help'], ['serve', '--help'], ['ping', '--help'], ['bench', '--help']]) {
    const r = await run([CLI, ...args]);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out.join('\n'), /usage: enet-ts/);
  }
  const none = await run([CLI]);
  assert.equal(none.code, 2);
  for (const [args, re] of [
    [['frobnicate'], /unknown command/],
    [['ping'], /exactly one HOST:PORT/],
    [['ping', 'nohost'], /HOST:PORT/],
    [['ping', '127.0.0.1:9', '--count', 'x'], /--count must be an integer/],
    [['ping', '127.0.0.1:9', '--compress', 'lzma'], /--compress must be one of/],
    [['serve', '--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['serve', '--wat'], /unknown option --wat/],
  ] as const) {
    const r = await run([CLI, ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.length, 1, `one line: ${r.err.join(' / ')}`);
    assert.match(r.err[0]!, re);
  }
});

test('serve and ping end to end: RTT lines, summary, connect/disconnect logged', async () => {
  const serve = new Proc([CLI, 'serve', '--port', '0', '--bind', '127.0.0.1', '--echo']);
  try {
    const listening = await serve.waitFor(/^listening on /);
    assert.match(listening, /^listening on 127\.0\.0\.1:\d+ \(socket backend: (native|dgram)\)$/);
    const port = Number(/:(\d+) /.exec(listening)![1]);
    const r = await run([CLI, 'ping', `127.0.0.1:${port}`, '--count', '3', '--interval', '50']);
    assert.equal(r.code, 0, r.out.join('\n') + r.err.join('\n'));
    assert.match(r.out[0]!, /^PING 127\.0\.0\.1:\d+ \(ENet\)/);
    assert.equal(r.out.filter((l) => /^seq=\d time=\d+\.\d+ ms$/.test(l)).length, 3);
    assert.ok(r.out.includes('3 pings sent, 3 acknowledged, 0% loss'));
    assert.match(r.out.at(-1)!, /^rtt min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/);
    await serve.waitFor(/^connect peer=1 from 127\.0\.0\.1:\d+/);
    await serve.waitFor(/^disconnect peer=1/);
    assert.equal(await serve.close('SIGINT'), 0);
    assert.ok(serve.out.includes('stopped'));
  } finally {
    await serve.close();
  }
});

test('ping exits 1 with the likely reason when nothing answers', async () => {
  const r = await run([CLI, 'ping', '127.0.0.1:9', '--count', '1', '--timeout', '600']);
  assert.equal(r.code, 1);
  assert.match(r.out.at(-1)!, /cannot connect to 127\.0\.0\.1:9: no answer within 600 ms/);
});

test('the examples run: echo server and client, chat room', async () => {
  const chat = await run(['examples/chat/chat.mjs', '3']);
  assert.equal(chat.code, 0, chat.err.join('\n'));
  assert.ok(chat.out.includes('chat room closed'));
  assert.equal(chat.out.filter((l) => / heard: /.test(l)).length, 3);
  const server = new Proc(['examples/echo/server.mjs', '0']);
  try {
    const port = /(\d+)$/.exec(await server.waitFor(/^echo server listening on port \d+/))![1]!;
    const client = await run(['examples/echo/client.mjs', '127.0.0.1', port]);
    assert.equal(client.code, 0, client.out.join('\n'));
    assert.deepEqual(
      client.out.filter((l) => l.startsWith('echo: ')).map((l) => l.split(' ')[1]),
      ['hello', 'from', 'enet-ts'],
    );
    await server.waitFor(/^- 127\.0\.0\.1:/);
  } finally {
    await server.close();
  }
});

test('ping measures the round trip to a real C ENet server', async () => {
  const { CPeer } = await import('../support/c-peer.js');
  const c = await CPeer.start(['--server', '0']);
  try {
    const r = await run([CLI, 'ping', `127.0.0.1:${c.port}`, '--count', '3', '--interval', '20']);
    assert.equal(r.code, 0, r.out.join('\n'));
    assert.equal(r.out.filter((l) => /^seq=\d time=/.test(l)).length, 3);
    assert.ok(r.out.includes('3 pings sent, 3 acknowledged, 0% loss'));
    await c.waitFor((e) => e.event === 'disconnect', 5000, 'ping disconnects from the C server');
  } finally {
    await c.close();
  }
});

test('serve and ping over DTLS; ping reports a certificate it cannot verify', async () => {
  const { makePki } = await import('../support/pki.js');
  const pki = makePki();
  const serve = new Proc([
    CLI,
    'serve',
    '--port',
    '0',
    '--bind',
    '127.0.0.1',
    '--dtls-key',
    pki.write('k.pem', pki.ecKey),
    '--dtls-cert',
    pki.write('c.pem', pki.ecCert),
  ]);
  try {
    const port = Number(/:(\d+) /.exec(await serve.waitFor(/^listening on /))![1]);
    const ok = await run([
      CLI,
      'ping',
      `localhost:${port}`,
      '--dtls',
      '--ca',
      pki.write('ca.pem', pki.ca),
      '--count',
      '2',
      '--interval',
      '20',
    ]);
    assert.equal(ok.code, 0, ok.out.join('\n'));
    assert.ok(ok.out.includes('2 pings sent, 2 acknowledged, 0% loss'));
    const bad = await run([CLI, 'ping', `localhost:${port}`, '--dtls', '--count', '1', '--timeout', '3000']);
    assert.equal(bad.code, 1);
    assert.match(bad.out.at(-1)!, /DTLS handshake failed: certificate 'CN=localhost' is not signed by a trusted root/);
    const usage = await run([CLI, 'serve', '--dtls-key', 'x']);
    assert.equal(usage.code, 2);
    assert.match(usage.err[0]!, /--dtls-key and --dtls-cert go together/);
  } finally {
    await serve.close();
    pki.cleanup();
  }
});

test('the DTLS example runs: a wrong host name is refused, the right one talks', async () => {
  const r = await run(['examples/dtls/run.mjs'], 30000);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.ok(r.out.some((l) => /client \(evil\.example\): refused: certificate for .* does not match 'evil\.example'/.test(l)));
  assert.ok(r.out.includes('client (localhost): got "welcome, over DTLS"'));
});
