/**
 * The demo the README's first command runs: one server and three clients in one process
 * exchange reliable, unreliable and fragmented messages over loopback, print what happens and
 * each peer's round-trip time, then disconnect cleanly.
 */
import { ENetConnection, ENetPacketPeer, EventType, PeerStatistic } from './index.js';

const CLIENTS = 3;
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

async function main(): Promise<void> {
  const server = new ENetConnection();
  await server.createHostBound('127.0.0.1', 0, 8, 3);
  const port = server.getLocalPort();
  console.log(`server listening on 127.0.0.1:${port}`);

  const clients: ENetConnection[] = [];
  const peers: ENetPacketPeer[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const c = new ENetConnection();
    await c.createHost(1, 3);
    peers.push(await c.connectToHost('127.0.0.1', port, 3, 100 + i));
    clients.push(c);
  }

  let serverDisconnects = 0;
  let received = 0;
  const expected = CLIENTS * 3;
  const serverLoop = (async () => {
    for await (const e of server.events()) {
      if (e.type === EventType.CONNECT) {
        console.log(`server: client ${e.data} connected from ${e.peer!.getRemoteAddress()}:${e.peer!.getRemotePort()}`);
        e.peer!.send(0, bytes(`welcome, client ${e.data}`), ENetPacketPeer.FLAG_RELIABLE);
      } else if (e.type === EventType.RECEIVE) {
        received++;
        const p = e.packet!;
        const what = p.length > 100 ? `${p.length} bytes (fragmented, reliable)` : JSON.stringify(text(p));
        console.log(`server: channel ${e.channel} ${['reliable', 'unreliable', 'fragment'][e.channel]}: ${what}`);
        if (received === expected) for (const peer of server.getPeers()) peer.peerDisconnectLater(7);
      } else if (e.type === EventType.DISCONNECT) {
        console.log(`server: a client left (data ${e.data})`);
        if (++serverDisconnects === CLIENTS) return;
      }
    }
  })();

  const clientLoops = clients.map(async (c, i) => {
    for await (const e of c.events()) {
      if (e.type === EventType.CONNECT) {
        const peer = e.peer!;
        peer.send(0, bytes(`hello from client ${100 + i}`), ENetPacketPeer.FLAG_RELIABLE);
        peer.send(1, bytes(`position ${i},${i * 2}`), 0);
        peer.send(2, new Uint8Array(20_000).fill(i), ENetPacketPeer.FLAG_RELIABLE);
      } else if (e.type === EventType.RECEIVE) {
        const rtt = e.peer!.getStatistic(PeerStatistic.ROUND_TRIP_TIME);
        console.log(`client ${100 + i}: got ${JSON.stringify(text(e.packet!))} (RTT ${rtt} ms)`);
      } else if (e.type === EventType.DISCONNECT) {
        console.log(`client ${100 + i}: disconnected by the server (data ${e.data})`);
        return;
      }
    }
  });

  const timeout = setTimeout(() => {
    console.error('demo: timed out');
    process.exit(1);
  }, 15000);
  await Promise.all([serverLoop, ...clientLoops]);
  clearTimeout(timeout);
  for (const c of clients) c.destroy();
  server.destroy();
  console.log(`demo finished: ${received} messages received by the server, ${serverDisconnects} clean disconnects`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
