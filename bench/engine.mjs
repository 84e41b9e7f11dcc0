// The engine alone, in one process with no sockets: host A queues and encodes N unreliable 64-byte
// messages (100 per flush, as B1), host B decodes them and hands out the events. Three rounds;
// later ones are JIT-warm. Usage: npm run build && node bench/engine.mjs [N]
import { Host } from '../dist/engine/host.js';

const N = Number(process.argv[2] ?? 500000);
const toA = [];
let toB = [];
const a = new Host({ peerCount: 1, random: () => 1 }, (d, start, end) => toB.push(d.slice(start, end)));
const b = new Host({ peerCount: 4095, random: () => 2 }, (d, start, end) => toA.push(d.slice(start, end)));

/** Moves datagrams both ways until the hosts have nothing more to say. */
function pump() {
  for (let moved = true; moved; ) {
    moved = false;
    for (const d of toB.splice(0)) {
      b.receive(d, '1.1.1.1', 1);
      moved = true;
    }
    for (const d of toA.splice(0)) {
      a.receive(d, '2.2.2.2', 2);
      moved = true;
    }
    a.flush();
    b.flush();
  }
}

const peer = a.connect('2.2.2.2', 2, 2, 0);
a.flush();
pump();
while (b.checkEvents() !== null);
while (a.checkEvents() !== null);

const message = new Uint8Array(64).fill(0x5a);
const rate = (label, run) => {
  const t0 = performance.now();
  run();
  console.log(label.padEnd(14), (((N / (performance.now() - t0)) * 1000) / 1e6).toFixed(2), 'M msgs/s');
};
for (let round = 0; round < 3; round++) {
  const datagrams = [];
  toB = datagrams;
  rate('send+encode', () => {
    for (let i = 0; i < N; i += 100) {
      for (let k = 0; k < 100; k++) peer.send(0, message.slice(), 0);
      a.flushMarked();
    }
  });
  toB = [];
  let received = 0;
  rate('receive', () => {
    for (const d of datagrams) {
      b.receive(d, '1.1.1.1', 1);
      while (b.checkEvents() !== null) received++;
    }
  });
  if (received !== N) console.log(`received ${received} of ${N}`);
  toA.length = 0;
}
