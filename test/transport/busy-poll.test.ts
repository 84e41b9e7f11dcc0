// The native backend's busy poll: a socket that has just handed out datagrams keeps reading for
// a while when a reply is likely on its way. It must read replies that come from another process
// within it, back off when the reply depends on its own event loop, and stay off while another
// socket of the addon is open in the process. Its own file: a test process of its own, in which
// no other test holds a socket open.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, describe, test } from 'node:test';
import { setMetaAddress } from '../../src/transport/address-words.js';
import { type DatagramBatch, type DatagramSocket, META_LENGTH, META_OFFSET, META_WORDS } from '../../src/transport/datagram-socket.js';
import { nativeAddonStatus } from '../../src/transport/native-addon.js';
import { BUSY_POLL_ENV, DEFAULT_BUSY_POLL_MICROSECONDS, NativeDatagramSocket, busyPollFromEnv } from '../../src/transport/native-socket.js';
import { Proc } from '../support/spawn.js';

const native = nativeAddonStatus();
const nativeSkip = native.addon === null ? (native.reason ?? 'native addon unavailable') : false;
const TEST_TIMEOUT = 20_000;
const ROUND_TRIPS = 200;
/** Long enough that an echo from another process comes within it even on a loaded machine. */
const GENEROUS_POLL_US = 5000;

/** A node:dgram echo server in a child process; resolves with its port once it listens. */
async function startEchoChild(): Promise<{ port: number; proc: Proc }> {
  const proc = new Proc([
    '-e',
    `const s = require('node:dgram').createSocket('udp4');
     s.on('message', (m, r) => s.send(m, r.port, r.address));
     s.bind(0, '127.0.0.1', () => console.log('PORT ' + s.address().port));
     process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`,
  ]);
  const line = await proc.waitFor(/^PORT \d+$/);
  return { port: Number(line.slice(5)), proc };
}

function openNative(busyPollMicroseconds?: number): NativeDatagramSocket {
  return NativeDatagramSocket.open(native.addon!, {
    bindAddress: '127.0.0.1',
    port: 0,
    receiveBufferSize: 256 * 1024,
    sendBufferSize: 256 * 1024,
    busyPollMicroseconds,
  });
}

/**
 * Sends `count` datagrams to 127.0.0.1:`port` one at a time, each once the previous one came
 * back (the next leaves from the receive callback, as an ENet reply would); rejects on a wrong
 * or missing echo.
 */
async function pingPong(socket: DatagramSocket, port: number, count: number): Promise<void> {
  const out = new Uint8Array(16);
  const meta = new Uint32Array(META_WORDS);
  assert.ok(setMetaAddress(meta, 0, '127.0.0.1', port));
  meta[META_LENGTH] = out.length;
  const batch: DatagramBatch = { data: out, meta, count: 1 };
  const send = (i: number) => {
    new DataView(out.buffer).setUint32(0, i);
    socket.send(batch);
  };
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    const timer = setTimeout(() => reject(new Error(`${next} of ${count} echoes came back`)), 15_000);
    socket.onReceive = (b) => {
      for (let k = 0; k < b.count; k++) {
        const at = b.meta[k * META_WORDS + META_OFFSET]!;
        const got = new DataView(b.data.buffer, b.data.byteOffset + at, 4).getUint32(0);
        if (got !== next) {
          clearTimeout(timer);
          reject(new Error(`echo ${got} where ${next} was due`));
          return;
        }
        next++;
      }
      if (next === count) {
        clearTimeout(timer);
        resolve();
      } else send(next);
    };
    send(0);
  });
}

describe('native busy poll', { skip: nativeSkip, timeout: TEST_TIMEOUT }, () => {
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  test('replies from another process are read by busy polls', async () => {
    const { port, proc } = await startEchoChild();
    closers.push(() => proc.close());
    const socket = openNative(GENEROUS_POLL_US);
    try {
      await pingPong(socket, port, ROUND_TRIPS);
      const stats = socket.stats();
      assert.ok(stats.busyPolls > 0, `busy polls: ${stats.busyPolls}`);
      assert.ok(stats.busyPollHits > 0, `busy polls ${stats.busyPolls}, hits ${stats.busyPollHits}`);
    } finally {
      socket.close();
    }
  });

  test('busyPollMicroseconds 0 turns it off', async () => {
    const { port, proc } = await startEchoChild();
    closers.push(() => proc.close());
    const socket = openNative(0);
    try {
      await pingPong(socket, port, ROUND_TRIPS);
      assert.equal(socket.stats().busyPolls, 0);
    } finally {
      socket.close();
    }
  });

  test('a reply that needs this event loop makes busy polls back off (1, 2, 4 ... wake-ups skipped)', async () => {
    // The echo is a node:dgram socket of this process: it cannot answer while the native one
    // polls, so every poll ends empty.
    const echo = dgram.createSocket('udp4');
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    const socket = openNative(GENEROUS_POLL_US);
    try {
      await pingPong(socket, echo.address().port, ROUND_TRIPS);
      const stats = socket.stats();
      assert.equal(stats.busyPollHits, 0);
      // Polls at wake-ups 2, 4, 7, 12, 21, 38, 71, 136 of 200 (fewer if a gap exceeded twice the poll).
      assert.ok(stats.busyPolls >= 1 && stats.busyPolls <= 8, `busy polls: ${stats.busyPolls}`);
    } finally {
      socket.close();
      echo.close();
    }
  });

  test('with two addon sockets open in the process, neither busy-polls', async () => {
    const a = openNative(GENEROUS_POLL_US);
    const b = openNative(GENEROUS_POLL_US);
    try {
      b.onReceive = (batch) => {
        // Echo every datagram back to a.
        const meta = new Uint32Array(META_WORDS * batch.count);
        for (let k = 0; k < batch.count; k++) {
          meta.set(batch.meta.subarray(k * META_WORDS, (k + 1) * META_WORDS), k * META_WORDS);
          assert.ok(setMetaAddress(meta, k, '127.0.0.1', a.localPort()));
        }
        b.send({ data: batch.data, meta, count: batch.count });
      };
      await pingPong(a, b.localPort(), ROUND_TRIPS);
      assert.equal(a.stats().busyPolls, 0);
      assert.equal(b.stats().busyPolls, 0);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe(`${BUSY_POLL_ENV}`, () => {
  const saved = process.env[BUSY_POLL_ENV];
  after(() => {
    if (saved === undefined) delete process.env[BUSY_POLL_ENV];
    else process.env[BUSY_POLL_ENV] = saved;
  });

  test('unset or empty: the default; a number of microseconds: that; anything else throws', () => {
    delete process.env[BUSY_POLL_ENV];
    assert.equal(busyPollFromEnv(), DEFAULT_BUSY_POLL_MICROSECONDS);
    process.env[BUSY_POLL_ENV] = '';
    assert.equal(busyPollFromEnv(), DEFAULT_BUSY_POLL_MICROSECONDS);
    process.env[BUSY_POLL_ENV] = '0';
    assert.equal(busyPollFromEnv(), 0);
    process.env[BUSY_POLL_ENV] = '200';
    assert.equal(busyPollFromEnv(), 200);
    for (const bad of ['-1', '1.5', 'fast', '2000000']) {
      process.env[BUSY_POLL_ENV] = bad;
      assert.throws(() => busyPollFromEnv(), new RegExp(`${BUSY_POLL_ENV}=${bad}`));
    }
  });
});
