// enet-ts side of `npm run bench`: the same work as bench/c/enet_bench.c (same parameters, sizes,
// channels, flags), through the public API only (ENetConnection.service(), checkEvents() and
// ENetPacketPeer).
// Usage: node bench/roles/ts.mjs server SCENARIO [key=value ...]
//        node bench/roles/ts.mjs client SCENARIO port=P [key=value ...]
// Prints "READY <port>" (server), "CREATED n" (B5 clients), "DONE" (client finished a round),
// "IDLE round=N" (B5 server, everyone dropped after round N, all but the last), "RESULT k=v ...".
// Exits on stdin EOF or after `watchdog` seconds (default 60). Each stdin line "GO" starts a B5
// round (`rounds`, default 1). B7-B9 have only the server side here (C's load generator is the
// client): B7 stamps CLOCK_MONOTONIC like the C side, B8 counts what arrived before each marker,
// B9 counts like B1 until every client's marker. The socket backend comes from ENET_TS_SOCKET
// (set by bench/run.mjs), read by the library itself.
import { ENetConnection, ENetPacketPeer, EventType, HostStatistic } from '../../dist/index.js';

const [role, scenarioArg, ...rest] = process.argv.slice(2);
// The harness's own per-message work kept as cheap as the C role's (strcmp, clock_gettime): the
// scenario as the string literal (compared by identity, not character by character), and the
// clock object read once (the global `performance` is a getter with checks on every access).
const sc = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9'].find((s) => s === scenarioArg) ?? scenarioArg;
const perf = performance;
const params = Object.fromEntries(rest.map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
const param = (key, fallback) => params[key] ?? fallback;
const RELIABLE = ENetPacketPeer.FLAG_RELIABLE;
const bytes = (n) => new Uint8Array(n).fill(0x5a);
/** First byte of the B1 messages of the warm-up phase (the timed ones start with 0x5a). */
const WARM = 0x57;
const out = (s) => process.stdout.write(`${s}\n`);
/** CLOCK_MONOTONIC in ms, the clock the C roles stamp with (B7 compares the two). */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

setTimeout(() => process.exit(3), param('watchdog', 60) * 1000).unref();
// Each "GO" line on stdin starts a round (B5 runs a warm-up round, then the timed one).
let goAt = 0;
let gos = 0;
let onGo = () => {};
let stdinBuf = '';
process.stdin.on('data', (d) => {
  stdinBuf += d;
  const lines = stdinBuf.split('\n');
  stdinBuf = lines.pop();
  for (const line of lines)
    if (line.trim() === 'GO') {
      goAt = perf.now();
      gos++;
      onGo();
    }
});
/** Resolves once `n` GO lines have arrived. */
const goNumber = (n) =>
  new Promise((resolve) => {
    onGo = () => {
      if (gos >= n) resolve();
    };
    onGo();
  });
process.stdin.on('end', () => process.exit(0));
const memory = () => {
  global.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external };
};

async function server() {
  const conn = new ENetConnection();
  await conn.createHostBound('127.0.0.1', 0, 4095, 2);
  conn.onWarning = null; // B5's clients still send to the peers dropped after the warm-up round
  const credit = param('credit', 16);
  const countExpected = param('count', 0);
  const warmup = param('warmup', 0);
  const creditMsg = bytes(4);
  const one = bytes(1);
  const idle = memory();
  out(`READY ${conn.getLocalPort()} idle_kb=${Math.round(idle.rss / 1024)}`);
  let count = 0;
  let total = 0;
  let connects = 0;
  let markers = 0;
  let burst = 0;
  let arrivals = ''; // B8: the fields of each connection's marker so far
  const clients = param('clients', 1);
  let first = 0;
  let last = 0;
  // B1/B2 warm-up phase (a fresh process's first `warmup` messages): messages, bytes and span.
  let warmCount = 0;
  let warmBytes = 0;
  let warmFirst = 0;
  let warmLast = 0;
  // B5: the first round (all clients connect, then the server drops them) is the warm-up; the
  // last is timed and its memory measured above the host idle again after the warm-up, as well
  // as above the fresh host ("cold", first round).
  const rounds = param('rounds', 1);
  let round = 1;
  let cold = '';
  let warmIdle = idle;
  // The first event of a burst comes from service(), the rest from checkEvents() with no Promise
  // each, as C's enet_host_service hands out queued events without waiting.
  // checkEvents() fills one reused event object, as C's loop reuses its ENetEvent.
  const event = { type: EventType.NONE, peer: null, data: 0, channel: 0 };
  // B1/B9: the time of the last message is read once its burst is handled (when no event is
  // left, or at the marker), not per message: a few µs later than the message itself at most,
  // which only lengthens the span measured.
  let stampDue = 0;
  const stamp = () => {
    if (stampDue === WARM) warmLast = perf.now();
    else if (stampDue) last = perf.now();
    stampDue = 0;
  };
  /** A CONNECT event: B5 and B7 time the burst of connections. */
  const onConnect = (e) => {
    if (!connects) first = perf.now();
    connects++;
    if (sc === 'b7' && connects === clients) {
      const seenAt = monotonicMs();
      out(`RESULT seen_at=${seenAt.toFixed(3)} first_at=${(seenAt - (perf.now() - first)).toFixed(3)} peers=${connects}`);
    }
    if (sc === 'b5' && e.data && connects === e.data) {
      const ms = (perf.now() - (goAt || first)).toFixed(1);
      const m = memory();
      const perPeer = (base) => `${Math.round((m.rss - base.rss) / connects)}`;
      const heapPerPeer = (base) => `${Math.round((m.heap - base.heap) / connects)}`;
      if (round === 1)
        cold = `cold_ms=${ms} idle_kb=${Math.round(idle.rss / 1024)} cold_per_peer_bytes=${perPeer(idle)} cold_heap_per_peer_bytes=${heapPerPeer(idle)}`;
      if (round === rounds)
        out(`RESULT ms=${ms} peers=${connects} per_peer_bytes=${perPeer(warmIdle)} heap_per_peer_bytes=${heapPerPeer(warmIdle)} ${cold}`);
      else {
        for (const p of conn.getPeers()) p.peerDisconnectNow();
        conn.flush(); // every DISCONNECT leaves before the IDLE line (and so before the next GO)
        warmIdle = memory();
        out(`IDLE round=${round} peers=${conn.getPeers().length} idle_kb=${Math.round(warmIdle.rss / 1024)}`);
        round++;
        connects = 0;
      }
    }
  };
  // Each scenario's RECEIVE handling is a function of its own, chosen once: V8 then compiles
  // only the running scenario's few lines, not every scenario's in one function (which took
  // 14-42 ms of compiling in the middle of B9's flood).
  /** B1/B9: counts the messages (the bytes lent, no copy of their own, as C's packet->data). */
  const countUnreliable = (e) => {
    const p = e.peer;
    p.takePacket();
    if (e.channel === 0 && p.packetBytes[p.packetOffset] === WARM) {
      // b1's warm-up phase: counted apart, reported as the cold figures.
      if (!warmCount) warmFirst = perf.now();
      warmCount++;
      stampDue = WARM;
    } else if (e.channel === 0) {
      if (!count) {
        first = perf.now();
        conn.popStatistic(HostStatistic.TOTAL_RECEIVED_PACKETS); // datagrams from here on
      }
      count++;
      stampDue = 1;
    } else {
      stamp();
      // b9: every client has sent its marker (b1: one client)
      if (++markers === clients)
        out(
          `RESULT received=${count} ms=${(last - first).toFixed(1)} datagrams=${conn.popStatistic(HostStatistic.TOTAL_RECEIVED_PACKETS)} cold_received=${warmCount} cold_ms=${(warmLast - warmFirst).toFixed(1)}`,
        );
    }
  };
  /** B8: counts what arrived before each connection's marker. */
  const countBeforeMarker = (e) => {
    const p = e.peer;
    p.takePacket();
    if (e.channel === 0 && p.packetBytes[p.packetOffset] === 0x5a) burst++;
    else if (e.channel === 0) count++;
    else {
      markers++;
      arrivals += ` burst_${markers}=${burst} arrived_${markers}=${count}`;
      if (markers === param('connections', 1)) out(`RESULT${arrivals}`);
      burst = count = 0;
    }
  };
  /** B2: the first `warmup` messages are the warm-up phase (the cold figures); the next `count` are timed, from the last warm-up message on. */
  const countReliable = (e) => {
    const p = e.peer;
    if (!count) first = perf.now();
    count++;
    total += p.takePacket();
    if (count % credit === 0) p.send(1, creditMsg, RELIABLE);
    if (count === warmup) {
      warmFirst = first;
      first = warmLast = perf.now();
      warmBytes = total;
      total = 0;
    }
    if (count === warmup + countExpected)
      out(
        `RESULT bytes=${total} ms=${(perf.now() - first).toFixed(1)} cold_bytes=${warmBytes} cold_ms=${(warmLast - warmFirst).toFixed(1)}`,
      );
  };
  /** B3: a one-byte reply to each transfer. */
  const answer = (e) => {
    e.peer.getPacket();
    e.peer.send(0, one, RELIABLE);
  };
  /** B4: the packet back. */
  const echo = (e) => e.peer.send(0, e.peer.getPacket(), RELIABLE);
  const receiveHandlers = { b1: countUnreliable, b9: countUnreliable, b8: countBeforeMarker, b2: countReliable, b3: answer, b4: echo };
  const onReceive = receiveHandlers[sc] ?? (() => {});
  await serve(conn, event, stamp, onReceive, onConnect);
}

/**
 * The server's event loop, a function of its own (the setup above is compiled with it otherwise):
 * the first event of a burst from service(), the rest from checkEvents() into `event`.
 */
async function serve(conn, event, onNone, onReceive, onConnect) {
  for (let e = await conn.service(1000); ; e = e.type === EventType.NONE ? await conn.service(1000) : conn.checkEvents(event)) {
    if (e.type === EventType.NONE) onNone();
    else if (e.type === EventType.RECEIVE) onReceive(e);
    else if (e.type === EventType.CONNECT) onConnect(e);
  }
}

async function b5Client(port) {
  const n = param('clients', 2000);
  const totalClients = param('total', n);
  const conns = [];
  for (let i = 0; i < n; i++) {
    const c = new ENetConnection();
    await c.createHost(1, 2);
    conns.push(c);
  }
  out(`CREATED ${n}`);
  const rounds = param('rounds', 1);
  let peers = [];
  for (let round = 1; round <= rounds; round++) {
    await goNumber(round);
    let connected = 0;
    peers = await Promise.all(
      conns.map(async (c, i) => {
        // After a round the server has dropped everyone: take its DISCONNECT (waiting for it up to
        // 1 s, as the C client services its hosts while it waits for GO), then forget the peer. A
        // DISCONNECT read only after the next CONNECT left would end that new connection (a
        // connecting peer has no session to tell an old datagram by, in ENet as here).
        if (peers[i]) {
          const until = perf.now() + 1000;
          while (peers[i].isActive() && perf.now() < until) await c.service(5);
          while ((await c.service(0)).type !== EventType.NONE);
          if (peers[i].isActive()) peers[i].reset();
        }
        const peer = await c.connectToHost('127.0.0.1', port, 2, totalClients);
        for (;;) {
          const e = await c.service(1000);
          if (e.type === EventType.CONNECT) {
            connected++;
            return peer;
          }
          if (e.type !== EventType.NONE) return null;
        }
      }),
    );
    out(`DONE connected=${connected}`);
  }
  await Promise.all(
    conns.map(async (c) => {
      for (;;) await c.service(1000);
    }),
  );
}

/**
 * Sends `msg` reliably on channel 0, flushes, and waits for the next RECEIVE event (servicing with
 * a 1 ms timeout, as the C side's await_receive) and takes its packet.
 */
async function exchange(conn, peer, msg) {
  peer.send(0, msg, RELIABLE);
  conn.flush();
  for (;;) {
    const e = await conn.service(1);
    if (e.type === EventType.RECEIVE) return peer.getPacket();
  }
}

async function client() {
  const port = param('port', 0);
  if (sc === 'b5') return b5Client(port);
  const conn = new ENetConnection();
  await conn.createHost(1, 2);
  const peer = await conn.connectToHost('127.0.0.1', port, 2, 0);
  for (;;) {
    const e = await conn.service(1);
    if (e.type === EventType.CONNECT) break;
    if (e.type !== EventType.NONE) process.exit(1);
  }
  const count = param('count', 1000);
  const size = param('size', 64);
  const msg = bytes(size);
  if (sc === 'b1') {
    // Queue a batch, flush, then service(0) until no event is ready, exactly as the C sender
    // (enet_host_flush + enet_host_service(host, &e, 0)); service(0) with nothing ready resolves
    // at once, giving the event loop a turn once a millisecond.
    // A warm-up phase of `warmup` messages marked WARM first, then the `count` timed ones.
    const batch = param('batch', 100);
    const warm = bytes(size).fill(WARM, 0, 1);
    for (const [phase, n] of [
      [warm, param('warmup', 0)],
      [msg, count],
    ])
      for (let i = 0; i < n; i += batch) {
        for (let k = 0; k < batch && i + k < n; k++) peer.send(0, phase, 0);
        conn.flush();
        for (let e = await conn.service(0); e.type !== EventType.NONE; e = await conn.service(0))
          if (e.type === EventType.RECEIVE) peer.getPacket();
      }
    peer.send(1, bytes(1), RELIABLE);
    conn.flush();
  } else if (sc === 'b2') {
    const window = param('window', 64);
    const credit = param('credit', 16);
    const total = param('warmup', 0) + count; // the warm-up phase, then the timed one
    let sent = 0;
    let credited = 0;
    while (sent < total) {
      while (sent < total && sent - credited < window) {
        peer.send(0, msg, RELIABLE);
        sent++;
      }
      const e = await conn.service(1);
      if (e.type === EventType.RECEIVE) {
        peer.getPacket();
        credited += credit;
      }
    }
  } else if (sc === 'b3') {
    // Warm-up transfers of the same packet first (as the C side; the first is the cold figure),
    // then `timed` transfers, of which the median is reported.
    const times = [];
    let cold = '';
    for (let i = -param('warmup', 0); i < param('timed', 1); i++) {
      const t0 = perf.now();
      await exchange(conn, peer, msg);
      const ms = perf.now() - t0;
      if (i >= 0) times.push(ms);
      else if (cold === '') cold = ` cold_ms=${ms.toFixed(1)}`;
    }
    times.sort((a, b) => a - b);
    out(`RESULT ms=${times[times.length >> 1].toFixed(1)}${cold}`);
  } else if (sc === 'b4') {
    // The first `cold` round trips of the warm-up are kept too: the cold row.
    const warmup = param('warmup', 0);
    const cold = new Float64Array(Math.min(param('cold', 0), warmup));
    const rtt = new Float64Array(count);
    for (let i = -warmup; i < count; i++) {
      const t0 = perf.now();
      await exchange(conn, peer, msg);
      if (i >= 0) rtt[i] = (perf.now() - t0) * 1000;
      else if (i + warmup < cold.length) cold[i + warmup] = (perf.now() - t0) * 1000;
    }
    rtt.sort();
    cold.sort();
    out(
      `RESULT median_us=${rtt[count >> 1].toFixed(1)} p99_us=${rtt[Math.floor((count * 99) / 100)].toFixed(1)} cold_median_us=${(cold[cold.length >> 1] ?? 0).toFixed(1)}`,
    );
  }
  out('DONE');
  for (;;) {
    const e = await conn.service(1000);
    if (e.type === EventType.RECEIVE) peer.getPacket();
  }
}

if (role === 'server') await server();
else if (role === 'client') await client();
else {
  console.error('usage: ts.mjs server b1..b9 | client b1..b5 [key=value ...]');
  process.exit(2);
}
