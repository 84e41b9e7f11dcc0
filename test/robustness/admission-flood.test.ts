import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENetConnection, ENetPacketPeer, EventType } from '../../src/index.js';
import { crc32 } from '../../src/protocol/crc32.js';
import { CPeer } from '../support/c-peer.js';
import { Proc } from '../support/spawn.js';

// The admission test of the README's reliability section: a server with 64 slots under a flood
// of hostile datagrams (a fifth of them spoofed CONNECTs that never complete), and a real C ENet
// client that starts connecting into it. The suite runs a 5 s flood at 10 000 datagrams/s (the
// client connects during it; the exchange may outlast it), gentle enough for a loaded 2-core CI
// box whose kernel would otherwise drop the client's CONNECTs with the flood's; the full-size run
// (20 000/s, the flood outlasts the exchange) is
//   FLOOD_RATE=20000 FLOOD_SECONDS=20 FLOOD_CLIENT_AFTER_MS=2000 node --import tsx --test test/robustness/admission-flood.test.ts
const RATE = Number(process.env.FLOOD_RATE ?? 10000);
const SECONDS = Number(process.env.FLOOD_SECONDS ?? 5);
const CLIENT_AFTER_MS = Number(process.env.FLOOD_CLIENT_AFTER_MS ?? 1000);
const MESSAGES = 30000;
const SIZE = 64;

/** The content of the C peer's `sendseq` packet number `i`. */
function seqPacket(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(i >>> 0, 0);
  for (let k = 4; k < size; k++) b[k] = (i + k) & 0xff;
  return b;
}

test('during a CONNECT flood a real C client connects at its first attempt and exchanges 30 000 reliable messages byte-exact', async () => {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 64, 2);
  const warnings: string[] = [];
  server.onWarning = (w) => warnings.push(w.message);
  const started = performance.now();
  const port = server.getLocalPort();
  let running = true;
  const floodPorts = new Set<number>();
  let received = 0;
  let mismatched = 0;
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const echoed = (async () => {
    while (running) {
      const e = await server.service(100);
      if (e.type === EventType.ERROR) return;
      // Mutated captured datagrams from the flooder's own ports can complete a handshake: only the C client counts.
      if (e.type !== EventType.RECEIVE || floodPorts.has(e.peer!.getRemotePort())) continue;
      const packet = e.peer!.getPacket();
      if (!Buffer.from(packet).equals(seqPacket(received, SIZE))) mismatched++;
      received++;
      e.peer!.send(e.channel, packet, ENetPacketPeer.FLAG_RELIABLE);
    }
  })();
  const flood = new Proc(['--import', 'tsx', 'test/support/flood-sender.ts', String(port), String(RATE), String(SECONDS)]);
  let client: CPeer | null = null;
  try {
    for (const p of (await flood.waitFor(/^flooding from /)).split(' ').slice(2)) floodPorts.add(Number(p));
    await new Promise<void>((resolve) => setTimeout(resolve, CLIENT_AFTER_MS));
    client = await CPeer.start(['--connect', `127.0.0.1:${port}`, '--channels', '2']);
    const clientStart = performance.now();
    await client.waitFor((e) => e.event === 'connect', 5000, 'the C client connects within its first 5 s');
    const connectMs = performance.now() - clientStart;
    const exchangeStart = performance.now();
    client.command(`sendseq 0 0 1 ${MESSAGES} ${SIZE}`);
    await client.until(() => client!.count('receive') >= MESSAGES, 60000, `${MESSAGES} echoes`);
    const exchangeMs = performance.now() - exchangeStart;
    const floodStillRunning = !flood.out.some((l) => l.startsWith('sent '));
    // The flood runs its whole course; the client must still be connected at its end.
    const summary = await flood.waitFor(/^sent /, SECONDS * 1000 + 30000);
    assert.equal(client.count('disconnect'), 0, 'the C client stayed connected through the flood');
    const echoes = client.all('receive');
    let bad = 0;
    echoes.forEach((e, i) => {
      if (e.seq !== i || e.length !== SIZE || e.crc !== (crc32(seqPacket(i, SIZE)) >>> 0).toString(16).padStart(8, '0')) bad++;
    });
    const host = server.engine!;
    console.log(
      `admission flood: ${summary} at ${RATE}/s, ${host.totalReceivedPackets} reached the server; C client connected in ${connectMs.toFixed(0)} ms, ${MESSAGES} messages echoed in ${exchangeMs.toFixed(0)} ms ` +
        `(flood ${floodStillRunning ? 'still running' : 'over'}); evicted handshakes ${host.halfOpenEvictions}, revived ${host.revivedHandshakes}; peak RSS ${(peakRss / 1048576).toFixed(0)} MB; ` +
        `drops ${JSON.stringify(host.drops)}; ${warnings.length} warning lines`,
    );
    assert.equal(received, MESSAGES);
    assert.equal(mismatched, 0, 'every message reached the server byte-exact and in order');
    assert.equal(echoes.length, MESSAGES);
    assert.equal(bad, 0, 'every echo reached the C client byte-exact and in order');
    assert.ok(host.halfOpenEvictions > 0, 'the flood did fill the half-open cap');
    assert.ok(peakRss < 400 * 1048576, `peak RSS ${(peakRss / 1048576).toFixed(0)} MB`);
    const minutes = Math.ceil((performance.now() - started) / 60000);
    assert.ok(warnings.length <= 4 * minutes, `rate-limited warnings: ${warnings.length} lines in ${minutes} min`);
  } finally {
    running = false;
    clearInterval(rssTimer);
    await client?.close();
    await flood.close();
    server.destroy();
    await echoed;
  }
});
