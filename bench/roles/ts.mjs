// enet-ts side of `npm run bench`: the same work as bench/c/enet_bench.c, through the public API.
// Usage: node bench/roles/ts.mjs server SCENARIO | client SCENARIO PORT [N]
import { ENetConnection, ENetPacketPeer, EventType } from '../../dist/index.js';

const [role, sc, portArg, nArg] = process.argv.slice(2);
const B1_COUNT = 200000;
const B2_COUNT = 20000;
const B2_WINDOW = 64;
const B4_COUNT = 2000;
const RELIABLE = ENetPacketPeer.FLAG_RELIABLE;
const bytes = (n) => new Uint8Array(n).fill(0x5a);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(3), 60000).unref();
const out = (s) => process.stdout.write(`${s}\n`);

async function server() {
  const conn = new ENetConnection();
  await conn.createHostBound('127.0.0.1', 0, 4095, 2);
  global.gc?.();
  const idle = process.memoryUsage();
  out(`READY ${conn.getLocalPort()}`);
  let count = 0;
  let total = 0;
  let connects = 0;
  let first = 0;
  for (;;) {
    const e = await conn.service(1000);
    if (e.type === EventType.CONNECT) {
      if (!connects) first = performance.now();
      connects++;
      if (sc === 'b5' && e.data && connects === e.data) {
        const ms = performance.now() - first;
        global.gc?.();
        const m = process.memoryUsage();
        out(
          `RESULT ms=${ms.toFixed(1)} peers=${connects} idle_kb=${Math.round(idle.rss / 1024)} per_peer_bytes=${Math.round((m.rss - idle.rss) / connects)} heap_per_peer_bytes=${Math.round((m.heapUsed - idle.heapUsed) / connects)}`,
        );
      }
    } else if (e.type === EventType.RECEIVE) {
      const p = e.peer;
      while (p.getAvailablePacketCount() > 0) {
        const packet = p.getPacket();
        const channel = p.getPacketChannel();
        if (sc === 'b1') {
          if (channel === 0) {
            if (!count) first = performance.now();
            count++;
          } else out(`RESULT received=${count} ms=${(performance.now() - first).toFixed(1)}`);
        } else if (sc === 'b2') {
          if (!count) first = performance.now();
          count++;
          total += packet.length;
          if (count % 16 === 0) p.send(1, bytes(4), RELIABLE);
          if (count === B2_COUNT) out(`RESULT bytes=${total} ms=${(performance.now() - first).toFixed(1)}`);
        } else if (sc === 'b3') p.send(0, bytes(1), RELIABLE);
        else if (sc === 'b4') p.send(0, packet, RELIABLE);
      }
    }
  }
}

async function client() {
  const port = Number(portArg);
  if (sc === 'b5') {
    const n = Number(nArg ?? 2000);
    const conns = [];
    for (let i = 0; i < n; i++) {
      const c = new ENetConnection();
      await c.createHost(1, 2);
      conns.push(c);
    }
    let connected = 0;
    await Promise.all(
      conns.map(async (c) => {
        await c.connectToHost('127.0.0.1', port, 2, n);
        for (;;) {
          const e = await c.service(50000);
          if (e.type === EventType.CONNECT) return connected++;
          if (e.type !== EventType.NONE) return;
        }
      }),
    );
    out(`CLIENT connected=${connected}`);
    for (;;) await Promise.all(conns.map((c) => c.service(1000)));
  }
  const conn = new ENetConnection();
  await conn.createHost(1, 2);
  const peer = await conn.connectToHost('127.0.0.1', port, 2, 0);
  for (;;) {
    const e = await conn.service(5000);
    if (e.type === EventType.CONNECT) break;
    if (e.type !== EventType.NONE) process.exit(1);
  }
  if (sc === 'b1') {
    const m = bytes(64);
    for (let i = 0; i < B1_COUNT; i += 100) {
      for (let k = 0; k < 100; k++) peer.send(0, m, 0);
      conn.flush();
      await new Promise((r) => setImmediate(r));
    }
    peer.send(1, bytes(1), RELIABLE);
    conn.flush();
  } else if (sc === 'b2') {
    let sent = 0;
    let credited = 0;
    const m = bytes(1024);
    while (sent < B2_COUNT) {
      while (sent < B2_COUNT && sent - credited < B2_WINDOW) {
        peer.send(0, m, RELIABLE);
        sent++;
      }
      const e = await conn.service(1);
      if (e.type === EventType.RECEIVE) {
        while (peer.getAvailablePacketCount() > 0) {
          peer.getPacket();
          credited += 16;
        }
      }
    }
  } else if (sc === 'b3') {
    const t0 = performance.now();
    peer.send(0, bytes(8 << 20), RELIABLE);
    for (;;) {
      const e = await conn.service(50000);
      if (e.type === EventType.RECEIVE) break;
    }
    out(`RESULT ms=${(performance.now() - t0).toFixed(1)}`);
  } else if (sc === 'b4') {
    const rtt = [];
    const m = bytes(32);
    for (let i = 0; i < B4_COUNT; i++) {
      const t0 = performance.now();
      peer.send(0, m, RELIABLE);
      conn.flush();
      for (;;) {
        const e = await conn.service(1000);
        if (e.type === EventType.RECEIVE) {
          peer.getPacket();
          break;
        }
      }
      rtt.push((performance.now() - t0) * 1000);
    }
    rtt.sort((a, b) => a - b);
    out(`RESULT median_us=${rtt[B4_COUNT >> 1].toFixed(1)} p99_us=${rtt[Math.floor((B4_COUNT * 99) / 100)].toFixed(1)}`);
  }
  const end = performance.now() + 200;
  while (performance.now() < end) await conn.service(10);
  process.exit(0);
}

if (role === 'server') await server();
else await client();
