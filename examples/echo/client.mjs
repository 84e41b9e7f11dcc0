// An ENet echo client: connects, sends a few messages, prints the echoes and the RTT, disconnects.
// Run: node examples/echo/client.mjs [host] [port]
import { ENetConnection, ENetPacketPeer, EventType, PeerStatistic } from '../../dist/index.js';

const host = process.argv[2] ?? '127.0.0.1';
const port = Number(process.argv[3] ?? 7777);
const client = new ENetConnection();
await client.createHost(1);
const peer = await client.connectToHost(host, port, 2);
peer.setTimeout(0, 3000, 5000); // give up after 5 s instead of ENet's 30 s if nobody answers
const messages = ['hello', 'from', 'enet-ts'];
let echoed = 0;
for await (const e of client.events()) {
  if (e.type === EventType.CONNECT) {
    console.log(`connected to ${host}:${port}`);
    for (const m of messages) peer.send(0, new TextEncoder().encode(m), ENetPacketPeer.FLAG_RELIABLE);
  } else if (e.type === EventType.RECEIVE) {
    console.log(`echo: ${new TextDecoder().decode(e.packet)} (RTT ${peer.getStatistic(PeerStatistic.ROUND_TRIP_TIME)} ms)`);
    if (++echoed === messages.length) peer.peerDisconnect();
  } else if (e.type === EventType.DISCONNECT) {
    console.log(echoed === messages.length ? 'disconnected' : 'could not reach the server');
    client.destroy();
    process.exitCode = echoed === messages.length ? 0 : 1;
  }
}
