// Raw node:dgram rows of `npm run bench`: the same one-way flood (B1, one 64-byte datagram per
// message) and ping-pong (B4) with no protocol at all — the physical limit of Node's UDP here.
// Usage: node bench/roles/dgram.mjs server b1|b4 | client b1|b4 PORT
import dgram from 'node:dgram';

const [role, sc, portArg] = process.argv.slice(2);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(3), 60000).unref();
const out = (s) => process.stdout.write(`${s}\n`);
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });

if (role === 'server') {
  let count = 0;
  let first = 0;
  sock.on('message', (m, r) => {
    if (sc === 'b4') return sock.send(m, r.port, r.address);
    if (m.length === 1) return out(`RESULT received=${count} ms=${(performance.now() - first).toFixed(1)}`);
    if (!count) first = performance.now();
    count++;
  });
  sock.bind(0, '127.0.0.1', () => out(`READY ${sock.address().port}`));
} else {
  const port = Number(portArg);
  sock.bind(0, '127.0.0.1', async () => {
    if (sc === 'b1') {
      const m = Buffer.alloc(64, 0x5a);
      for (let i = 0; i < 200000; i += 100) {
        for (let k = 0; k < 100; k++) sock.send(m, port, '127.0.0.1');
        await new Promise((r) => setImmediate(r));
      }
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 50));
        sock.send(Buffer.alloc(1), port, '127.0.0.1');
      }
    } else {
      const rtt = [];
      const m = Buffer.alloc(32);
      for (let i = 0; i < 2000; i++) {
        const t0 = performance.now();
        await new Promise((r) => {
          sock.once('message', r);
          sock.send(m, port, '127.0.0.1');
        });
        rtt.push((performance.now() - t0) * 1000);
      }
      rtt.sort((a, b) => a - b);
      out(`RESULT median_us=${rtt[1000].toFixed(1)} p99_us=${rtt[1980].toFixed(1)}`);
    }
    setTimeout(() => process.exit(0), 100);
  });
}
