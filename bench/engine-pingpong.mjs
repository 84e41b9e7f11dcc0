// The engine alone, in one process with no sockets: B4's work (a 32-byte reliable message one way,
// echoed back, the acknowledgements riding with the replies) between two in-memory hosts, each
// datagram decoded from one reused receive buffer as the pipeline does. Five rounds of N round
// trips; later ones are JIT-warm. Usage: npm run build && node bench/engine-pingpong.mjs [N]
import { Host } from '../dist/engine/host.js';

const N = Number(process.argv[2] ?? 200000);
/** The receive buffer both hosts decode from (one per process in the pipeline). */
const received = Buffer.alloc(4096);
let receivedLength = 0;
/** The host the datagram in `received` is for, or null. */
let pendingFor = null;
const deliver = (to) => (data, start, end) => {
  received.set(data.subarray(start, end));
  receivedLength = end - start;
  pendingFor = to;
};
const a = new Host({ peerCount: 1, random: () => 1 }, (d, s, e) => deliver(b)(d, s, e));
const b = new Host({ peerCount: 4095, random: () => 2 }, (d, s, e) => deliver(a)(d, s, e));
const from = (host) => (host === a ? '2.2.2.2' : '1.1.1.1');
/** Hands the datagram in flight to its host; false when there is none. */
const carry = () => {
  const to = pendingFor;
  if (to === null) return false;
  pendingFor = null;
  to.receiveAt(received, 0, receivedLength, from(to), to === a ? 2 : 1);
  return true;
};

let now = 1000;
a.setTime(now);
b.setTime(now);
const peer = a.connect('2.2.2.2', 2, 2, 0);
for (let k = 0; k < 20; k++) {
  a.flush();
  carry();
  b.flush();
  carry();
}
while (b.checkEvents() !== null);
while (a.checkEvents() !== null);

const message = new Uint8Array(32).fill(0x5a);
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    if ((i & 63) === 0) {
      now++;
      a.setTime(now);
      b.setTime(now);
    }
    peer.send(0, message.slice(), 1);
    a.flushMarked();
    carry();
    const e = b.checkEvents();
    e.peer.send(0, e.packet, 1);
    b.flushMarked();
    carry();
    if (a.checkEvents()?.type !== 'receive') throw new Error('the echo did not come back');
  }
  console.log(`round ${round}: ${(((performance.now() - t0) * 1000) / N).toFixed(2)} µs per round trip`);
}
