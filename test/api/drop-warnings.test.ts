import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { DropWarningLimiter, type DropWarningLine } from '../../src/api/drop-warnings.js';
import { ENetConnection, type ENetWarning } from '../../src/index.js';
import type { DropReason } from '../../src/engine/host.js';

function limiter(limits: { windowMs?: number; linesPerWindow?: number } = {}) {
  let now = 0;
  const lines: DropWarningLine[] = [];
  const l = new DropWarningLimiter((line) => lines.push(line), { ...limits, now: () => now });
  const drop = (reason: DropReason, n = 1, port = 1000) => {
    for (let i = 0; i < n; i++) l.report(reason, '192.0.2.1', port + i, () => `${reason} from ${port + i}`);
  };
  return { lines, drop, advance: (ms: number) => (now += ms) };
}

test('a flood of drops gives one line per kind, at most three kinds a minute, then one summary with exact counts', () => {
  const { lines, drop, advance } = limiter();
  drop('unknownPeer', 9000);
  drop('malformed', 3345);
  drop('checksum', 2);
  drop('oversized', 5);
  assert.deepEqual(
    lines.map((l) => l.message),
    ['unknownPeer from 1000', 'malformed from 1000', 'checksum from 1000'],
  );
  advance(59_999);
  drop('unknownPeer');
  assert.equal(lines.length, 3, 'still the same window');
  advance(1);
  drop('malformed');
  assert.equal(lines.length, 5);
  assert.equal(
    lines[3]!.message,
    '… 12 350 more datagrams dropped in the last 60 s: 9 000 unknown peer, 3 344 malformed, 5 oversized, 1 checksum failed',
  );
  assert.deepEqual(lines[3]!.counts, { unknownPeer: 9000, malformed: 3344, checksum: 1, oversized: 5 });
  assert.equal(lines[3]!.reason, 'unknownPeer', 'a summary carries its most frequent kind');
  assert.equal(lines[3]!.address, '');
  assert.equal(lines[4]!.message, 'malformed from 1000', 'the new window starts with a line of its own');
});

test('a quiet window gives no summary, and the message is only built for lines shown', () => {
  let built = 0;
  let now = 0;
  const lines: DropWarningLine[] = [];
  const l = new DropWarningLimiter((line) => lines.push(line), { windowMs: 1000, linesPerWindow: 1, now: () => now });
  const report = (reason: DropReason) =>
    l.report(reason, '192.0.2.1', 1, () => {
      built++;
      return reason;
    });
  report('checksum');
  now += 5000;
  report('checksum');
  assert.deepEqual(
    lines.map((x) => x.message),
    ['checksum', 'checksum'],
  );
  for (let i = 0; i < 1000; i++) report('decompress');
  assert.equal(built, 2);
  now += 1000;
  report('refused');
  assert.equal(lines[2]!.message, '… 1 000 more datagrams dropped in the last 1 s: 1 000 not decompressible');
});

test('a host flooded from many ports warns a few times while engine.drops counts every datagram', async () => {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 4);
  const warnings: ENetWarning[] = [];
  server.onWarning = (w) => warnings.push(w);
  const sockets: dgram.Socket[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1');
      await once(s, 'listening');
      sockets.push(s);
    }
    const drops = server.engine!.drops;
    const sendAll = async (make: (i: number) => Buffer, n: number) => {
      for (let i = 0; i < n; i++) {
        const s = sockets[i % sockets.length]!;
        await new Promise<void>((resolve) => s.send(make(i), server.getLocalPort(), '127.0.0.1', () => resolve()));
      }
    };
    await sendAll(() => Buffer.from([0x12]), 300);
    await sendAll((i) => Buffer.from([0x80, i % 4, 0, 0, 0x86, 0, 0, 1, 0, 1, 7]), 300);
    await sendAll(() => Buffer.alloc(5000, 1), 100);
    const deadline = Date.now() + 10_000;
    while (drops.malformed + drops.unknownPeer + drops.oversized < 700 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    assert.equal(drops.malformed, 300);
    assert.equal(drops.unknownPeer, 300);
    assert.equal(drops.oversized, 100);
    assert.deepEqual(
      warnings.map((w) => w.reason),
      ['malformed', 'unknownPeer', 'oversized'],
    );
  } finally {
    for (const s of sockets) s.close();
    server.destroy();
  }
});
