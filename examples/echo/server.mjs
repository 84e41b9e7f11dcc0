// An ENet echo server: sends every packet back on the channel, with the reliability, it came with.
// Run: npm run build && node examples/echo/server.mjs [port]   (then examples/echo/client.mjs)
import { ENetConnection, ENetPacketPeer, EventType } from '../../dist/index.js';

const port = Number(process.argv[2] ?? 7777);
const server = new ENetConnection();
await server.createHostBound('*', port, 32);
console.log(`echo server listening on port ${server.getLocalPort()}`);
process.once('SIGINT', () => server.destroy());
for await (const e of server.events()) {
  if (e.type === EventType.CONNECT) console.log(`+ ${e.peer.getRemoteAddress()}:${e.peer.getRemotePort()}`);
  else if (e.type === EventType.DISCONNECT) console.log(`- ${e.peer.getRemoteAddress()}:${e.peer.getRemotePort()}`);
  else if (e.type === EventType.RECEIVE) {
    const flags =
      e.packetFlags & ENetPacketPeer.FLAG_RELIABLE ? ENetPacketPeer.FLAG_RELIABLE : e.packetFlags & ENetPacketPeer.FLAG_UNSEQUENCED;
    e.peer.send(e.channel, e.packet, flags);
  }
}
