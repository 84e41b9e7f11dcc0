/**
 * A hostile sender for flood tests, run as its own process: `flood-sender.ts PORT RATE SECONDS`
 * sends RATE datagrams a second to 127.0.0.1:PORT from 64 source ports for SECONDS (or until
 * stdin closes): a fifth spoofed CONNECTs that never complete (fresh connect ids), the rest random
 * bytes, mutated captured ENet datagrams (aimed at the server's first 64 slots) and oversized
 * datagrams. Prints "flooding from PORT…" once its sockets are bound, then "sent N connects C" when it stops.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { defaultCorpus } from '../../src/cli/fuzz.js';
import { mulberry32 } from '../../src/transport/link-shaper.js';
import { spoofedConnect } from './spoofed-connect.js';

const [port, rate, seconds] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const rnd = mulberry32(4242);
const int = (n: number) => Math.floor(rnd() * n);
const corpus = defaultCorpus();

function connect(connectID: number): Uint8Array {
  return spoofedConnect(connectID, { outgoingPeerID: int(4096), channelCount: 1 + int(8) });
}

function mutated(): Uint8Array {
  const d = Buffer.from(corpus[int(corpus.length)]!);
  if (d.length >= 2) d.writeUInt16BE((d.readUInt16BE(0) & 0xf000) | int(64), 0);
  for (let k = int(4); k >= 0; k--) d[int(d.length)] ^= 1 << int(8);
  return d;
}

function random(): Uint8Array {
  const d = Buffer.allocUnsafe(1 + int(1400));
  for (let i = 0; i < d.length; i++) d[i] = int(256);
  return d;
}

const oversized = Buffer.alloc(5000, 0xab);
const sockets: dgram.Socket[] = [];
for (let i = 0; i < 64; i++) {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  s.bind(0, '127.0.0.1');
  sockets.push(s);
}
await Promise.all(sockets.map((s) => once(s, 'listening')));
process.stdout.write(`flooding from ${sockets.map((s) => s.address().port).join(' ')}\n`);

let sent = 0;
let connects = 0;
let stopped = false;
const start = performance.now();
const stop = () => {
  if (stopped) return;
  stopped = true;
  process.stdout.write(`sent ${sent} connects ${connects}\n`);
  for (const s of sockets) s.close();
};
process.stdin.on('end', stop);
process.stdin.resume();

function burst(): void {
  if (stopped) return;
  const elapsed = (performance.now() - start) / 1000;
  if (elapsed >= seconds) {
    stop();
    return;
  }
  const due = Math.min(Math.floor(elapsed * rate) - sent, 500);
  for (let k = 0; k < due; k++) {
    const kind = sent % 20;
    let d: Uint8Array;
    if (kind < 4) d = connect(0x10000000 + connects++);
    else if (kind < 11) d = random();
    else if (kind < 19) d = mutated();
    else d = oversized;
    sockets[sent % sockets.length]!.send(d, port, '127.0.0.1');
    sent++;
  }
  setTimeout(burst, 1);
}
burst();
