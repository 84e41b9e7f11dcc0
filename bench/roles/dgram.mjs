// Raw node:dgram rows of `npm run bench`: one-way floods for B1 and B2 and the B4 ping-pong, with
// no protocol at all — the physical limit of Node's UDP on this machine. B1 packs `pack` messages
// (each with an 8-byte header, as an ENet SEND_UNRELIABLE command) into one datagram, as ENet
// does (~17 per datagram at 64 B), with the same count and batching as the ENet senders. B2 sends
// its `count` 1 KiB messages one per datagram, `window` per event-loop turn, with no credits or
// acknowledgements: what the receiver takes in is the bound (lost datagrams are not counted). B3
// sends a `size`-byte packet as ENet fragments it (1392-byte datagrams carrying 1364 bytes each),
// `window` bytes per event-loop turn as ENet's 64 KiB reliable window, then an end marker; the
// receiver answers it with the number of datagrams it took in and the sender times until that
// answer (a lost datagram is not resent: the answer says how many arrived). B1 and B2 first send
// a warm-up phase of `warmup` messages (datagrams whose second byte is WARM), counted apart as
// the cold figures, as the ENet roles do.
// Usage: node bench/roles/dgram.mjs server b1|b2|b3|b4 | client b1|b2|b3|b4 port=P [key=value ...]
// Exits on stdin EOF or after `watchdog` seconds (default 60).
import dgram from 'node:dgram';

const [role, scenarioArg, ...rest] = process.argv.slice(2);
// The harness's own per-message work kept as cheap as the C role's (strcmp, clock_gettime): the
// scenario as the string literal (compared by identity, not character by character), and the
// clock object read once (the global `performance` is a getter with checks on every access).
const sc = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9'].find((s) => s === scenarioArg) ?? scenarioArg;
const perf = performance;
const params = Object.fromEntries(rest.map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
const param = (key, fallback) => params[key] ?? fallback;
setTimeout(() => process.exit(3), param('watchdog', 60) * 1000).unref();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
const out = (s) => process.stdout.write(`${s}\n`);
// The same socket buffers as an enet-ts host (2 MiB to receive, ENet's 256 KiB to send).
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 2 * 1024 * 1024, sendBufferSize: 256 * 1024 });
const flood = sc === 'b1' || sc === 'b2';
/** Second byte of the datagrams of the B1/B2 warm-up phase. */
const WARM = 0x57;

if (role === 'server') {
  let count = 0;
  let first = 0;
  let last = 0;
  let reported = false;
  let datagrams = 0;
  // The warm-up phase: messages and span.
  let warmCount = 0;
  let warmFirst = 0;
  let warmLast = 0;
  sock.on('message', (m, r) => {
    if (sc === 'b4') return sock.send(m, r.port, r.address);
    if (sc === 'b3') {
      if (m.length > 1) datagrams++;
      else {
        sock.send(String(datagrams), r.port, r.address);
        datagrams = 0;
      }
      return;
    }
    if (m.length === 1) {
      const ms = (last - first).toFixed(1);
      const cold = `cold_ms=${(warmLast - warmFirst).toFixed(1)}`;
      if (!reported && sc === 'b2')
        out(`RESULT bytes=${count * param('size', 1024)} ms=${ms} cold_bytes=${warmCount * param('size', 1024)} ${cold}`);
      else if (!reported) out(`RESULT received=${count} ms=${ms} datagrams=${datagrams} cold_received=${warmCount} ${cold}`);
      reported = true;
      return;
    }
    if (m[1] === WARM) {
      warmLast = perf.now();
      if (!warmCount) warmFirst = warmLast;
      warmCount += m[0];
      return;
    }
    last = perf.now();
    if (!count) first = last;
    count += m[0]; // messages in this datagram
    datagrams++;
  });
  sock.bind(0, '127.0.0.1', () => out(`READY ${sock.address().port}`));
} else {
  const port = param('port', 0);
  const count = param('count', 1000);
  const msg = Buffer.alloc(param('size', 64), 0x5a);
  sock.bind(0, '127.0.0.1', async () => {
    sock.connect(port, '127.0.0.1', async () => {
      if (flood) {
        const batch = sc === 'b2' ? param('window', 64) : param('batch', 100);
        const pack = sc === 'b2' ? 1 : param('pack', 1);
        const size = param('size', 64);
        const datagram = (n, mark = 0x5a) =>
          Buffer.alloc(n * (size + 8), 0x5a)
            .fill(n, 0, 1)
            .fill(mark, 1, 2);
        for (const [n, mark] of [
          [param('warmup', 0), WARM],
          [count, 0x5a],
        ]) {
          const full = datagram(pack, mark);
          for (let i = 0; i < n; i += batch) {
            const inBatch = Math.min(batch, n - i);
            for (let k = 0; k < inBatch; k += pack) sock.send(k + pack <= inBatch ? full : datagram(inBatch - k, mark));
            await new Promise((r) => setImmediate(r));
          }
        }
        // The end marker, repeated (it is not reliable) until the orchestrator ends this process.
        for (;;) {
          await new Promise((r) => setTimeout(r, 20));
          sock.send(Buffer.alloc(1));
        }
      }
      if (sc === 'b3') {
        const fragment = Buffer.alloc(1392, 0x5a);
        const fragments = Math.ceil(param('size', 1 << 20) / 1364);
        const perTurn = Math.floor(param('window', 65536) / 1364);
        const transfer = async () => {
          const answer = new Promise((r) => sock.once('message', r));
          for (let i = 0; i < fragments; i += perTurn) {
            for (let k = i; k < Math.min(i + perTurn, fragments); k++) sock.send(fragment);
            await new Promise((r) => setImmediate(r));
          }
          const end = Buffer.alloc(1);
          sock.send(end);
          const resend = setInterval(() => sock.send(end), 20);
          const received = Number(String(await answer));
          clearInterval(resend);
          return received;
        };
        // As the enet-ts role: warm-up transfers (the first is the cold figure), then the median
        // of `timed` transfers.
        const times = [];
        let cold = '';
        let received = 0;
        for (let i = -param('warmup', 0); i < param('timed', 1); i++) {
          const t0 = perf.now();
          received = await transfer();
          const ms = perf.now() - t0;
          if (i >= 0) times.push(ms);
          else if (cold === '') cold = ` cold_ms=${ms.toFixed(1)}`;
        }
        times.sort((a, b) => a - b);
        out(`RESULT ms=${times[times.length >> 1].toFixed(1)} datagrams=${received} of=${fragments}${cold}`);
        out('DONE');
        return;
      }
      const warmup = param('warmup', 0);
      const cold = new Float64Array(Math.min(param('cold', 0), warmup));
      const rtt = new Float64Array(count);
      for (let i = -warmup; i < count; i++) {
        const t0 = perf.now();
        await new Promise((r) => {
          sock.once('message', r);
          sock.send(msg);
        });
        if (i >= 0) rtt[i] = (perf.now() - t0) * 1000;
        else if (i + warmup < cold.length) cold[i + warmup] = (perf.now() - t0) * 1000;
      }
      rtt.sort();
      cold.sort();
      out(
        `RESULT median_us=${rtt[count >> 1].toFixed(1)} p99_us=${rtt[Math.floor((count * 99) / 100)].toFixed(1)} cold_median_us=${(cold[cold.length >> 1] ?? 0).toFixed(1)}`,
      );
      out('DONE');
    });
  });
}
