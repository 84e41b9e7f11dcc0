import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/cbuild.js';
import { BUILT_ADDON_PATH, NATIVE_ADDON_ENV, nativeAddonStatus } from '../../src/transport/native-addon.js';
import { openDatagramSocket, SOCKET_BACKEND_ENV, setSocketBackendNotice, socketBackendFromEnv } from '../../src/transport/open-socket.js';

const options = { bindAddress: '127.0.0.1', port: 0, receiveBufferSize: 0, sendBufferSize: 0 };
const OPEN_SOCKET_URL = pathToFileURL(`${REPO_ROOT}/src/transport/open-socket.ts`).href;

test("'auto' uses the native addon whenever it was built (fails if it silently fell back to node:dgram)", {
  skip: existsSync(BUILT_ADDON_PATH) ? false : `native addon not built (no ${BUILT_ADDON_PATH})`,
  timeout: 20_000,
}, async () => {
  const notices: string[] = [];
  const previous = setSocketBackendNotice((m) => notices.push(m));
  try {
    assert.equal(nativeAddonStatus().reason, null, 'the built addon loads');
    const socket = await openDatagramSocket(options, 'auto');
    socket.close();
    assert.equal(socket.backend, 'native');
    assert.deepEqual(notices, []);
  } finally {
    setSocketBackendNotice(previous);
  }
});

test("'dgram' always opens the node:dgram backend", { timeout: 20_000 }, async () => {
  const socket = await openDatagramSocket(options, 'dgram');
  socket.close();
  assert.equal(socket.backend, 'dgram');
});

test('ENET_TS_SOCKET: auto, native or dgram; anything else is refused', () => {
  const saved = process.env[SOCKET_BACKEND_ENV];
  try {
    delete process.env[SOCKET_BACKEND_ENV];
    assert.equal(socketBackendFromEnv(), 'auto');
    for (const value of ['auto', 'native', 'dgram'] as const) {
      process.env[SOCKET_BACKEND_ENV] = value;
      assert.equal(socketBackendFromEnv(), value);
    }
    process.env[SOCKET_BACKEND_ENV] = 'uv';
    assert.throws(() => socketBackendFromEnv(), /ENET_TS_SOCKET=uv/);
  } finally {
    if (saved === undefined) delete process.env[SOCKET_BACKEND_ENV];
    else process.env[SOCKET_BACKEND_ENV] = saved;
  }
});

test("without the addon, 'auto' falls back to node:dgram with one notice per process and 'native' throws", {
  timeout: 30_000,
}, async () => {
  const script = `
    import { openDatagramSocket } from ${JSON.stringify(OPEN_SOCKET_URL)};
    const o = ${JSON.stringify(options)};
    const a = await openDatagramSocket(o, 'auto');
    const b = await openDatagramSocket(o);
    console.log('backends', a.backend, b.backend);
    a.close();
    b.close();
    await openDatagramSocket(o, 'native').then(() => console.log('native opened'), (e) => console.log('native refused:', e.message));
    process.env.ENET_TS_SOCKET = 'dgram';
    const c = await openDatagramSocket(o);
    console.log('env', c.backend);
    c.close();`;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    timeout: 25_000,
    env: { ...process.env, [NATIVE_ADDON_ENV]: '/nonexistent/enet_udp.node', [SOCKET_BACKEND_ENV]: '' },
  });
  const out = stdout.trim().split('\n');
  assert.deepEqual(out[0], 'backends dgram dgram');
  assert.match(out[1]!, /^native refused: native UDP backend unavailable: .*\/nonexistent\/enet_udp\.node/);
  assert.equal(out[2], 'env dgram');
  const notices = stderr.trim().split('\n');
  assert.equal(notices.length, 1, stderr);
  assert.match(notices[0]!, /^enet-ts: .*using the node:dgram backend$/);
});
