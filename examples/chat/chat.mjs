// A chat room: one server and several clients in one process. Each client says something; the
// server relays every line to everyone else (reliable, ordered), then all leave.
// Run: npm run build && node examples/chat/chat.mjs [clients]
import { ENetConnection, ENetPacketPeer, EventType, PeerState } from '../../dist/index.js';

const names = ['ada', 'bob', 'cy', 'dee', 'eve'].slice(0, Number(process.argv[2] ?? 3));
const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);

const server = new ENetConnection();
await server.createHostBound('127.0.0.1', 0, 16);
const port = server.getLocalPort();
// Peers the room has seen CONNECT for, with their names, and every line said so far: a client
// whose CONNECT the server handles after someone spoke gets the earlier lines then.
const nick = new Map();
const history = [];
const serverDone = (async () => {
  let left = 0;
  for await (const e of server.events()) {
    if (e.type === EventType.CONNECT) {
      nick.set(e.peer, names[e.data]);
      for (const line of history) e.peer.send(0, enc(line), ENetPacketPeer.FLAG_RELIABLE);
    } else if (e.type === EventType.RECEIVE) {
      const line = `<${nick.get(e.peer)}> ${dec(e.packet)}`;
      console.log(`[room] ${line}`);
      history.push(line);
      for (const p of nick.keys())
        if (p !== e.peer && p.getState() === PeerState.CONNECTED) p.send(0, enc(line), ENetPacketPeer.FLAG_RELIABLE);
    } else if (e.type === EventType.DISCONNECT) {
      nick.delete(e.peer);
      if (++left === names.length) return;
    }
  }
})();

const clients = await Promise.all(
  names.map(async (name, i) => {
    const c = new ENetConnection();
    await c.createHost(1);
    const peer = await c.connectToHost('127.0.0.1', port, 1, i);
    const heard = [];
    const run = (async () => {
      for await (const e of c.events()) {
        if (e.type === EventType.CONNECT) peer.send(0, enc(`hi, I am ${name}`), ENetPacketPeer.FLAG_RELIABLE);
        else if (e.type === EventType.RECEIVE) {
          heard.push(dec(e.packet));
          if (heard.length === names.length - 1) peer.peerDisconnectLater();
        } else if (e.type === EventType.DISCONNECT) return heard;
      }
    })();
    return { c, name, run };
  }),
);
for (const { c, name, run } of clients) {
  const heard = await run;
  console.log(`${name} heard: ${heard.join(' | ')}`);
  c.destroy();
}
await serverDone;
server.destroy();
console.log('chat room closed');
