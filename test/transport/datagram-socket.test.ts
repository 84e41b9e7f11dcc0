// Both DatagramSocket backends on loopback: binding, batches both ways, addresses, GSO runs,
// truncation, errors. The native variants show a visible skip where the addon is not built.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { setMetaAddress, wordsToAddress } from '../../src/transport/address-words.js';
import {
  type DatagramBatch,
  type DatagramSocket,
  FLAG_TRUNCATED,
  META_ADDRESS,
  META_FLAGS,
  META_LENGTH,
  META_OFFSET,
  META_PORT,
  META_WORDS,
  type SocketBackendName,
} from '../../src/transport/datagram-socket.js';
import type { DgramDatagramSocket } from '../../src/transport/dgram-socket.js';
import { NATIVE_ADDON_PATH, nativeAddonStatus } from '../../src/transport/native-addon.js';
import { NATIVE_SLOT_SIZE, NativeDatagramSocket } from '../../src/transport/native-socket.js';
import { openDatagramSocket } from '../../src/transport/open-socket.js';

const native = nativeAddonStatus();
const nativeSkip = native.addon === null ? (native.reason ?? 'native addon unavailable') : false;
const TEST_TIMEOUT = 20_000;
const WAIT_MS = 10_000;

/** One received datagram, copied out of the batch. */
interface Received {
  bytes: Uint8Array;
  words: number[];
  address: string;
  port: number;
  flags: number;
}

/** Records what a socket receives and lets a test wait for a number of datagrams. */
class Inbox {
  readonly list: Received[] = [];
  batches = 0;
  private wake: (() => void) | null = null;

  constructor(socket: DatagramSocket) {
    socket.onReceive = (batch: DatagramBatch) => {
      this.batches++;
      for (let i = 0; i < batch.count; i++) {
        const r = i * META_WORDS;
        const offset = batch.meta[r + META_OFFSET]!;
        this.list.push({
          bytes: batch.data.slice(offset, offset + batch.meta[r + META_LENGTH]!),
          words: [...batch.meta.subarray(r + META_ADDRESS, r + META_ADDRESS + 4)],
          address: wordsToAddress(batch.meta, r + META_ADDRESS),
          port: batch.meta[r + META_PORT]!,
          flags: batch.meta[r + META_FLAGS]!,
        });
      }
      this.wake?.();
    };
  }

  /** Resolves once `count` datagrams are in; rejects after WAIT_MS with what did arrive. */
  async waitFor(count: number): Promise<Received[]> {
    if (this.list.length >= count) return this.list;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null;
        reject(new Error(`got ${this.list.length} of ${count} datagrams`));
      }, WAIT_MS);
      this.wake = () => {
        if (this.list.length < count) return;
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
    return this.list;
  }
}

/** A batch of datagrams to one address: `payloads` back to back. */
function batchTo(address: string, port: number, payloads: Uint8Array[]): DatagramBatch {
  const total = payloads.reduce((n, p) => n + p.length, 0);
  const data = new Uint8Array(total + 16);
  const meta = new Uint32Array(payloads.length * META_WORDS);
  let offset = 16; // not at 0, to show offsets are honoured
  payloads.forEach((p, i) => {
    data.set(p, offset);
    meta[i * META_WORDS + META_OFFSET] = offset;
    meta[i * META_WORDS + META_LENGTH] = p.length;
    assert.ok(setMetaAddress(meta, i, address, port));
    offset += p.length;
  });
  return { data: data.subarray(0), meta, count: payloads.length };
}

/** A payload of `length` bytes whose content depends on `seed`. */
function payload(length: number, seed: number): Uint8Array {
  const p = new Uint8Array(length);
  for (let i = 0; i < length; i++) p[i] = (seed * 31 + i * 7) & 255;
  return p;
}

const BIG_BUFFER = 4 * 1024 * 1024;

for (const backend of ['native', 'dgram'] as SocketBackendName[]) {
  describe(`${backend} backend`, { skip: backend === 'native' ? nativeSkip : false, timeout: TEST_TIMEOUT }, () => {
    const open: DatagramSocket[] = [];
    const openSocket = async (bindAddress: string | null, port = 0, receiveBufferSize = 256 * 1024) => {
      const s = await openDatagramSocket({ bindAddress, port, receiveBufferSize, sendBufferSize: 256 * 1024 }, backend);
      open.push(s);
      assert.equal(s.backend, backend);
      return s;
    };
    after(() => {
      for (const s of open) s.close();
    });

    test('IPv4 literal: batches echo both ways byte-exact, with source words and ports', async () => {
      const a = await openSocket('127.0.0.1');
      const b = await openSocket('127.0.0.1');
      assert.equal(a.ipv6, false);
      assert.ok(a.localPort() > 0 && b.localPort() > 0 && a.localPort() !== b.localPort());
      const inA = new Inbox(a);
      const inB = new Inbox(b);
      const forward = [payload(1, 1), payload(100, 2), payload(1400, 3)];
      b.send(batchTo('127.0.0.1', a.localPort(), forward));
      const got = await inA.waitFor(3);
      assert.deepEqual(
        got.map((r) => r.bytes),
        forward,
      );
      for (const r of got) {
        assert.deepEqual(r.words, [0, 0, 0xffff, 0x7f000001]);
        assert.equal(r.port, b.localPort());
        assert.equal(r.flags, 0);
      }
      // Echo back to the words as received.
      const reply = batchTo('127.0.0.1', 1, got.map((r) => r.bytes).reverse());
      for (let i = 0; i < reply.count; i++) {
        reply.meta.set(got[0]!.words, i * META_WORDS + META_ADDRESS);
        reply.meta[i * META_WORDS + META_PORT] = got[0]!.port;
      }
      a.send(reply);
      const back = await inB.waitFor(3);
      assert.deepEqual(
        back.map((r) => r.bytes),
        [...forward].reverse(),
      );
      assert.ok(back.every((r) => r.address === '127.0.0.1' && r.port === a.localPort()));
    });

    test("'*' is dual-stack: IPv4 peers appear as ::ffff:v4 words, IPv6 peers as IPv6, replies reach both", async () => {
      const server = await openSocket('*');
      assert.equal(server.ipv6, true);
      const v4 = await openSocket('127.0.0.1');
      const v6 = await openSocket('::1');
      const inServer = new Inbox(server);
      const inV4 = new Inbox(v4);
      const inV6 = new Inbox(v6);
      v4.send(batchTo('127.0.0.1', server.localPort(), [payload(10, 4)]));
      v6.send(batchTo('::1', server.localPort(), [payload(11, 5)]));
      const got = await inServer.waitFor(2);
      const fromV4 = got.find((r) => r.port === v4.localPort())!;
      const fromV6 = got.find((r) => r.port === v6.localPort())!;
      assert.deepEqual(fromV4.words, [0, 0, 0xffff, 0x7f000001]);
      assert.deepEqual(fromV4.bytes, payload(10, 4));
      assert.deepEqual(fromV6.words, [0, 0, 0, 1]);
      assert.deepEqual(fromV6.bytes, payload(11, 5));
      server.send(batchTo(fromV4.address, fromV4.port, [payload(12, 6)]));
      server.send(batchTo(fromV6.address, fromV6.port, [payload(13, 7)]));
      assert.deepEqual((await inV4.waitFor(1))[0]!.bytes, payload(12, 6));
      const [reply6] = await inV6.waitFor(1);
      assert.deepEqual(reply6!.bytes, payload(13, 7));
      assert.equal(reply6!.address, '::1');
    });

    test('IPv6 literal ::1: echo with source ::1', async () => {
      const a = await openSocket('::1');
      const b = await openSocket('::1');
      assert.equal(a.ipv6, true);
      const inA = new Inbox(a);
      const inB = new Inbox(b);
      b.send(batchTo('::1', a.localPort(), [payload(300, 8), payload(301, 9)]));
      const got = await inA.waitFor(2);
      assert.deepEqual(got[1]!.bytes, payload(301, 9));
      assert.ok(got.every((r) => r.address === '::1' && r.port === b.localPort()));
      a.send(batchTo('::1', b.localPort(), [payload(5, 10)]));
      assert.deepEqual((await inB.waitFor(1))[0]!.bytes, payload(5, 10));
    });

    test('a batch of 256 datagrams of mixed sizes arrives complete and in order', async () => {
      const receiver = await openSocket('127.0.0.1', 0, BIG_BUFFER);
      const sender = await openSocket('127.0.0.1');
      const inbox = new Inbox(receiver);
      const sent = Array.from({ length: 256 }, (_, i) => payload(1 + ((i * 397) % 1400), i));
      sender.send(batchTo('127.0.0.1', receiver.localPort(), sent));
      const got = await inbox.waitFor(256);
      assert.equal(got.length, 256);
      got.forEach((r, i) => {
        assert.deepEqual(r.bytes, sent[i], `datagram ${i}`);
      });
      if (backend === 'native') assert.ok(inbox.batches < 256, `${inbox.batches} batches for 256 datagrams`);
    });

    for (const gso of backend === 'native' ? [true, false] : [false]) {
      test(`runs of equal sizes${gso ? ' (the GSO path)' : ''} arrive as separate datagrams of the right sizes`, async () => {
        const receiver = await openSocket('127.0.0.1', 0, BIG_BUFFER);
        const other = await openSocket('127.0.0.1', 0, BIG_BUFFER);
        const sender = await openSocket('127.0.0.1');
        if (sender instanceof NativeDatagramSocket) sender.setGso(gso);
        const inbox = new Inbox(receiver);
        const inOther = new Inbox(other);
        // 40 × 1200 then a shorter tail (one run), 70 × 64 (more than 64 segments), a lone 4096,
        // then 3 × 500 to another port, then 5 × 1000 back to the first.
        const sizes = [...Array(40).fill(1200), 700, ...Array(70).fill(64), 4096];
        const first = batchTo(
          '127.0.0.1',
          receiver.localPort(),
          sizes.map((n, i) => payload(n, i)),
        );
        const second = batchTo(
          '127.0.0.1',
          other.localPort(),
          [500, 500, 500].map((n, i) => payload(n, 1000 + i)),
        );
        const third = batchTo(
          '127.0.0.1',
          receiver.localPort(),
          [1000, 1000, 1000, 1000, 1000].map((n, i) => payload(n, 2000 + i)),
        );
        // All three in one batch.
        const data = new Uint8Array(first.data.length + second.data.length + third.data.length);
        const meta = new Uint32Array(first.meta.length + second.meta.length + third.meta.length);
        let base = 0;
        let at = 0;
        for (const part of [first, second, third]) {
          data.set(part.data, base);
          for (let i = 0; i < part.count; i++) {
            meta.set(part.meta.subarray(i * META_WORDS, (i + 1) * META_WORDS), at);
            meta[at + META_OFFSET]! += base;
            at += META_WORDS;
          }
          base += part.data.length;
        }
        sender.send({ data, meta, count: first.count + second.count + third.count });
        const got = await inbox.waitFor(sizes.length + 5);
        assert.deepEqual(
          got.map((r) => r.bytes.length),
          [...sizes, 1000, 1000, 1000, 1000, 1000],
        );
        got.slice(0, sizes.length).forEach((r, i) => {
          assert.deepEqual(r.bytes, payload(sizes[i]!, i), `datagram ${i}`);
        });
        assert.deepEqual(
          (await inOther.waitFor(3)).map((r) => r.bytes),
          [500, 500, 500].map((n, i) => payload(n, 1000 + i)),
        );
        if (sender instanceof NativeDatagramSocket) {
          const stats = sender.stats();
          // GSO messages carry 16 datagrams at most: 41 → 3 messages, 70 → 5, then 3 and 5 → 1 each.
          if (gso) assert.ok(stats.gsoMessages === 10 || !stats.gsoEnabled, `GSO messages: ${stats.gsoMessages}`);
          else assert.equal(stats.gsoMessages, 0);
          assert.equal(stats.sentDatagrams, sizes.length + 8);
        }
      });
    }

    test('a datagram longer than a receive slot is flagged truncated (native) or delivered whole (dgram)', async () => {
      const receiver = await openSocket('127.0.0.1');
      const sender = await openSocket('127.0.0.1');
      const inbox = new Inbox(receiver);
      sender.send(batchTo('127.0.0.1', receiver.localPort(), [payload(NATIVE_SLOT_SIZE + 700, 1), payload(20, 2)]));
      const [big, small] = await inbox.waitFor(2);
      if (backend === 'native') {
        assert.equal(big!.flags & FLAG_TRUNCATED, FLAG_TRUNCATED);
        assert.equal(big!.bytes.length, NATIVE_SLOT_SIZE);
      } else {
        assert.equal(big!.flags, 0);
        assert.deepEqual(big!.bytes, payload(NATIVE_SLOT_SIZE + 700, 1));
      }
      assert.equal(small!.flags, 0);
      assert.deepEqual(small!.bytes, payload(20, 2));
    });

    test('a port in use rejects with EADDRINUSE', async () => {
      const a = await openSocket('127.0.0.1');
      await assert.rejects(openSocket('127.0.0.1', a.localPort()), { code: 'EADDRINUSE' });
      const b = await openSocket('*');
      await assert.rejects(openSocket('*', b.localPort()), { code: 'EADDRINUSE' });
      await assert.rejects(openSocket('127.0.0.1', b.localPort()), { code: 'EADDRINUSE' });
    });

    test('sending to a closed port or an unreachable family neither throws nor stops reception', async () => {
      const probe = dgram.createSocket('udp4');
      probe.bind(0, '127.0.0.1');
      await once(probe, 'listening');
      const closedPort = probe.address().port;
      probe.close();
      const a = await openSocket('127.0.0.1');
      const d = await openSocket('*');
      const b = await openSocket('127.0.0.1');
      const errors: Error[] = [];
      a.onError = (e) => errors.push(e);
      d.onError = (e) => errors.push(e);
      const inA = new Inbox(a);
      const inD = new Inbox(d);
      for (let round = 0; round < 3; round++) {
        a.send(batchTo('127.0.0.1', closedPort, [payload(10, round), payload(10, round)]));
        d.send(batchTo('127.0.0.1', closedPort, [payload(10, round)]));
        a.send(batchTo('::1', closedPort, [payload(10, round)])); // IPv6 on an AF_INET socket: dropped
        a.send(batchTo('127.0.0.1', 0, [payload(10, round)])); // port 0: refused, dropped
        b.send(batchTo('127.0.0.1', a.localPort(), [payload(30, round)]));
        b.send(batchTo('127.0.0.1', d.localPort(), [payload(31, round)]));
        await inA.waitFor(round + 1);
        await inD.waitFor(round + 1);
      }
      assert.deepEqual(
        inA.list.map((r) => r.bytes),
        [0, 1, 2].map((round) => payload(30, round)),
      );
      assert.deepEqual(errors, []);
      if (a instanceof NativeDatagramSocket) assert.ok(a.stats().droppedDatagrams >= 6, 'the IPv6 and port-0 destinations were dropped');
    });

    // Native only: node:dgram cannot set IP_RECVERR.
    if (backend === 'native')
      test('ICMP errors that reach the socket (IP_RECVERR) are skipped without stopping reception', async () => {
        const probe = dgram.createSocket('udp4');
        probe.bind(0, '127.0.0.1');
        await once(probe, 'listening');
        const closedPort = probe.address().port;
        probe.close();
        for (const bind of ['127.0.0.1', '*']) {
          const a = (await openSocket(bind)) as NativeDatagramSocket;
          const b = await openSocket('127.0.0.1');
          a.receiveIcmpErrors(true);
          const errors: Error[] = [];
          a.onError = (e) => errors.push(e);
          const inA = new Inbox(a);
          for (let round = 0; round < 3; round++) {
            a.send(batchTo('127.0.0.1', closedPort, [payload(10, round)]));
            if (bind === '*') a.send(batchTo('::1', closedPort, [payload(10, round)]));
            // Reception goes on once the errors are in.
            const deadline = Date.now() + WAIT_MS;
            while (a.stats().receiveErrors <= round && Date.now() < deadline) {
              b.send(batchTo('127.0.0.1', a.localPort(), [payload(1, 99)]));
              await inA.waitFor(inA.list.length + 1);
            }
            b.send(batchTo('127.0.0.1', a.localPort(), [payload(30, round)]));
            const got = await inA.waitFor(inA.list.length + 1);
            assert.deepEqual(got.at(-1)!.bytes, payload(30, round));
          }
          assert.ok(a.stats().receiveErrors >= 3, `${bind}: ${a.stats().receiveErrors} errors seen`);
          assert.deepEqual(errors, []);
        }
      });

    test('close() twice is safe; a closed socket reports port 0 and ignores send()', async () => {
      const a = await openSocket('127.0.0.1');
      const port = a.localPort();
      a.close();
      a.close();
      assert.equal(a.localPort(), 0);
      a.send(batchTo('127.0.0.1', port, [payload(4, 1)]));
      if (backend === 'native') {
        // The native socket lets go of its port at once.
        const again = await openSocket('127.0.0.1', port);
        assert.equal(again.localPort(), port);
        return;
      }
      // node:dgram closes once libuv's send queue is empty, a turn or more later.
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        try {
          const again = await openSocket('127.0.0.1', port);
          assert.equal(again.localPort(), port);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw error;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    });

    test('SO_BROADCAST is on', {
      skip: native.addon === null ? `needs the native addon to read SO_BROADCAST (${native.reason})` : false,
    }, async () => {
      for (const bind of ['127.0.0.1', '*']) {
        const s = (await openSocket(bind)) as NativeDatagramSocket | DgramDatagramSocket;
        const fd = s.fd();
        assert.ok(fd >= 0, 'the socket has a descriptor');
        assert.equal(native.addon!.broadcastEnabled(fd), true, bind);
      }
      const plain = dgram.createSocket('udp4');
      plain.bind(0, '127.0.0.1');
      await once(plain, 'listening');
      const probe = new DgramSocketFd(plain).fd();
      assert.equal(native.addon!.broadcastEnabled(probe), false, 'a socket without SO_BROADCAST reads false');
      plain.close();
    });
  });
}

/** Reads a plain node:dgram socket's descriptor the way DgramDatagramSocket.fd() does. */
class DgramSocketFd {
  constructor(private readonly socket: dgram.Socket) {}
  fd(): number {
    const state = Object.getOwnPropertySymbols(this.socket).find((s) => s.description === 'state symbol')!;
    return (this.socket as unknown as Record<symbol, { handle: { fd: number } }>)[state]!.handle.fd;
  }
}

describe('native backend with GRO', { skip: nativeSkip, timeout: TEST_TIMEOUT }, () => {
  test('GSO runs reach a GRO receiver coalesced and are handed out one record per datagram', async () => {
    const base = { port: 0, receiveBufferSize: BIG_BUFFER, sendBufferSize: 256 * 1024 };
    for (const bindAddress of ['127.0.0.1', '*']) {
      const receiver = (await openDatagramSocket({ ...base, bindAddress, gro: true }, 'native')) as NativeDatagramSocket;
      const sender = (await openDatagramSocket({ ...base, bindAddress }, 'native')) as NativeDatagramSocket;
      try {
        assert.equal(receiver.stats().groEnabled, true);
        const inbox = new Inbox(receiver);
        const sizes = [...Array(40).fill(1200), 700, ...Array(64).fill(64), 3, 4096, 4096];
        const target = bindAddress === '*' ? '::1' : '127.0.0.1';
        sender.send(
          batchTo(
            target,
            receiver.localPort(),
            sizes.map((n, i) => payload(n, i)),
          ),
        );
        const plain = dgram.createSocket('udp4');
        plain.send(payload(9, 9), receiver.localPort(), '127.0.0.1'); // a plain datagram to the GRO socket
        const got = await inbox.waitFor(sizes.length + 1);
        plain.close();
        const fromSender = got.filter((r) => r.port === sender.localPort());
        assert.deepEqual(
          fromSender.map((r) => r.bytes),
          sizes.map((n, i) => payload(n, i)),
        );
        assert.ok(fromSender.every((r) => r.flags === 0));
        assert.deepEqual(got.find((r) => r.port !== sender.localPort())!.bytes, payload(9, 9));
        assert.ok(receiver.stats().groDatagrams >= 40, `${receiver.stats().groDatagrams} datagrams arrived coalesced`);
      } finally {
        receiver.close();
        sender.close();
      }
    }
  });
});

describe('native: a run after the reactions to a batch', { skip: nativeSkip, timeout: TEST_TIMEOUT }, () => {
  test('onReactionsRun comes once the microtasks and process.nextTick callbacks of the batch have run, before the next batch', async () => {
    const options = { bindAddress: '127.0.0.1', port: 0, receiveBufferSize: BIG_BUFFER, sendBufferSize: 256 * 1024 };
    const receiver = (await openDatagramSocket(options, 'native')) as NativeDatagramSocket;
    const sender = await openDatagramSocket(options, 'native');
    try {
      assert.equal(receiver.askForReactionsRun(), false, 'outside onReceive it cannot be asked for');
      const log: string[] = [];
      let batches = 0;
      let done: () => void = () => {};
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      receiver.onReceive = () => {
        const n = batches++;
        log.push(`batch ${n}`);
        // A reaction some awaits deep, and a process.nextTick queued from a microtask.
        void (async () => {
          for (let i = 0; i < 5; i++) await null;
          log.push(`awaits ${n}`);
          queueMicrotask(() => process.nextTick(() => log.push(`tick ${n}`)));
        })();
        assert.equal(receiver.askForReactionsRun(), true);
      };
      receiver.onReactionsRun = () => {
        log.push(`run ${batches - 1}`);
        if (batches === 2) done();
        else sender.send(batchTo('127.0.0.1', receiver.localPort(), [payload(8, 2)]));
      };
      sender.send(batchTo('127.0.0.1', receiver.localPort(), [payload(8, 1)]));
      await finished;
      assert.deepEqual(log, ['batch 0', 'awaits 0', 'tick 0', 'run 0', 'batch 1', 'awaits 1', 'tick 1', 'run 1']);
    } finally {
      receiver.close();
      sender.close();
    }
  });

  test('node:dgram cannot: the caller defers with process.nextTick itself', async () => {
    const socket = await openDatagramSocket({ bindAddress: '127.0.0.1', port: 0, receiveBufferSize: 0, sendBufferSize: 0 }, 'dgram');
    try {
      assert.equal(socket.askForReactionsRun, undefined);
    } finally {
      socket.close();
    }
  });
});

describe('native send queue (EAGAIN simulated: loopback never fills a send buffer)', { skip: nativeSkip, timeout: TEST_TIMEOUT }, () => {
  const base = { bindAddress: '127.0.0.1', port: 0, receiveBufferSize: BIG_BUFFER, sendBufferSize: 256 * 1024 };
  /** Tiny datagrams numbered 0..count-1 (the number in the first four bytes). */
  const numbered = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => {
      const p = new Uint8Array(4);
      new DataView(p.buffer).setUint32(0, from + i);
      return p;
    });
  const numbers = (list: Received[]) => list.map((r) => new DataView(r.bytes.buffer, r.bytes.byteOffset).getUint32(0));
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  const pair = async () => {
    const receiver = (await openDatagramSocket(base, 'native')) as NativeDatagramSocket;
    const sender = (await openDatagramSocket(base, 'native')) as NativeDatagramSocket;
    sender.setGso(false); // one datagram per message, so that the failing calls are predictable
    return { receiver, sender, inbox: new Inbox(receiver) };
  };

  test('datagrams that meet EAGAIN are queued, later batches queue behind them, all leave in order when writable', async () => {
    const { receiver, sender, inbox } = await pair();
    try {
      sender.simulateFullSendBuffer(0b10); // the second sendmmsg call of the first batch fails
      sender.send(batchTo('127.0.0.1', receiver.localPort(), numbered(0, 150)));
      assert.equal(sender.stats().queueLength, 150 - 64);
      sender.send(batchTo('127.0.0.1', receiver.localPort(), numbered(150, 50))); // behind the queue
      assert.equal(sender.stats().queueLength, 136);
      assert.deepEqual(numbers(await inbox.waitFor(200)), range(0, 200));
      const stats = sender.stats();
      assert.equal(stats.queuedDatagrams, 136);
      assert.equal(stats.queueLength, 0);
      assert.equal(stats.sentDatagrams, 200);
      assert.equal(stats.droppedDatagrams, 0);
    } finally {
      receiver.close();
      sender.close();
    }
  });

  test('a partly flushed queue is compacted to take more; what does not fit is dropped', async () => {
    const { receiver, sender, inbox } = await pair();
    const peer = await openDatagramSocket(base, 'native');
    try {
      // The flush runs when the socket is writable; a datagram waiting for the sender makes the
      // same wake-up call onReceive right after it, where the next batch goes in.
      let second = false;
      sender.onReceive = () => {
        if (second) return;
        second = true;
        assert.equal(sender.stats().queueLength, 100 - 64, 'the flush stopped after one call');
        sender.send(batchTo('127.0.0.1', receiver.localPort(), numbered(100, 4100)));
      };
      peer.send(batchTo('127.0.0.1', sender.localPort(), [payload(1, 1)]));
      sender.simulateFullSendBuffer(0b101); // this batch's call fails; then the flush's first passes, its second fails
      sender.send(batchTo('127.0.0.1', receiver.localPort(), numbered(0, 100)));
      assert.equal(sender.stats().queueLength, 100);
      // 36 left + 4100 new: the queue holds 4096 entries once compacted, so 40 are dropped.
      const got = await inbox.waitFor(4096 + 64);
      assert.ok(second);
      assert.deepEqual(numbers(got), range(0, 4096 + 64));
      const stats = sender.stats();
      assert.equal(stats.droppedDatagrams, 40);
      assert.equal(stats.queueLength, 0);
    } finally {
      receiver.close();
      sender.close();
      peer.close();
    }
  });

  test('close() sends what is queued first', async () => {
    const { receiver, sender, inbox } = await pair();
    try {
      sender.simulateFullSendBuffer(0b1);
      sender.send(batchTo('127.0.0.1', receiver.localPort(), numbered(0, 30)));
      assert.equal(sender.stats().queueLength, 30);
      sender.close();
      assert.deepEqual(numbers(await inbox.waitFor(30)), range(0, 30));
    } finally {
      receiver.close();
    }
  });
});

describe('native and dgram backends together', { skip: nativeSkip, timeout: TEST_TIMEOUT }, () => {
  test('native to dgram and dgram to native carry the same batches', async () => {
    const options = { bindAddress: '*', port: 0, receiveBufferSize: BIG_BUFFER, sendBufferSize: 256 * 1024 };
    const n = await openDatagramSocket(options, 'native');
    const d = await openDatagramSocket(options, 'dgram');
    const d4 = await openDatagramSocket({ ...options, bindAddress: '127.0.0.1' }, 'dgram');
    try {
      const inN = new Inbox(n);
      const inD = new Inbox(d);
      const inD4 = new Inbox(d4);
      const sent = Array.from({ length: 50 }, (_, i) => payload(i < 30 ? 1000 : 1 + i * 13, i));
      n.send(batchTo('::1', d.localPort(), sent));
      n.send(batchTo('127.0.0.1', d4.localPort(), sent)); // IPv4-mapped from the dual-stack socket
      d.send(batchTo('127.0.0.1', n.localPort(), sent));
      const atD = await inD.waitFor(50);
      const atN = await inN.waitFor(50);
      assert.deepEqual(
        (await inD4.waitFor(50)).map((r) => r.bytes),
        sent,
      );
      assert.deepEqual(
        atD.map((r) => r.bytes),
        sent,
      );
      assert.deepEqual(
        atN.map((r) => r.bytes),
        sent,
      );
      assert.ok(atD.every((r) => r.address === '::1' && r.port === n.localPort()));
      assert.ok(atN.every((r) => r.address === '127.0.0.1' && r.port === d.localPort()));
    } finally {
      n.close();
      d.close();
      d4.close();
    }
  });

  test('a worker that ends with its native socket open releases the port (environment cleanup hook)', async () => {
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const addon = require(workerData.path);
       const handle = addon.open(4, '127.0.0.1', 0, 0, 0, new Uint8Array(4352 * 4), new Uint32Array(32), 4352, () => {});
       parentPort.postMessage(addon.localPort(handle));`,
      { eval: true, workerData: { path: NATIVE_ADDON_PATH } },
    );
    const [port] = (await once(worker, 'message')) as [number];
    assert.ok(port > 0);
    await assert.rejects(openDatagramSocket({ bindAddress: '127.0.0.1', port, receiveBufferSize: 0, sendBufferSize: 0 }, 'native'), {
      code: 'EADDRINUSE',
    });
    await worker.terminate();
    const again = await openDatagramSocket({ bindAddress: '127.0.0.1', port, receiveBufferSize: 0, sendBufferSize: 0 }, 'native');
    assert.equal(again.localPort(), port);
    again.close();
  });
});
