// A server that Godot 3.2's NetworkedMultiplayerENet clients can join (see client.gd beside it).
// Godot 3 frames every packet on channels 1 (reliable) and 2 (unreliable) with an 8-byte header,
// [u32 LE source id][i32 LE target id]; a client's id is the data of its CONNECT; the server is id 1.
// This one echoes every packet back to its sender.
//
// Run:  npm run build && node examples/godot3/server.mjs [port] [compression mode 0-4]
// Then: godot3-server --no-window -s examples/godot3/client.gd --port=PORT --compress=MODE
import { ENetConnection, ENetPacketPeer, EventType } from '../../dist/index.js';

/**
 * Serves Godot 3 clients on `conn` (already created) until `signal` aborts; `log` gets one line per
 * event. Returns counters.
 */
export async function serveGodot3(conn, { log = () => {}, signal } = {}) {
  const ids = new Map();
  const stats = { connects: 0, disconnects: 0, echoed: 0, dropped: 0 };
  while (!signal?.aborted) {
    const e = await conn.service(100);
    if (e.type === EventType.ERROR) break;
    if (e.type === EventType.CONNECT) {
      if (e.data < 2) {
        log(`refusing client with invalid id ${e.data}`);
        e.peer.peerDisconnectNow(0);
        continue;
      }
      ids.set(e.peer, e.data);
      stats.connects++;
      log(`client ${e.data} joined from ${e.peer.getRemoteAddress()}:${e.peer.getRemotePort()}`);
    } else if (e.type === EventType.DISCONNECT) {
      stats.disconnects++;
      log(`client ${ids.get(e.peer)} left`);
      ids.delete(e.peer);
    } else if (e.type === EventType.RECEIVE) {
      const peer = e.peer;
      while (peer.getAvailablePacketCount() > 0) {
        const flags = peer.getPacketFlags();
        const packet = Buffer.from(peer.getPacket());
        const channel = peer.getPacketChannel();
        const id = ids.get(peer);
        if (channel === 0 || packet.length < 8 || packet.readUInt32LE(0) !== id) {
          stats.dropped++;
          continue;
        }
        const reply = Buffer.alloc(packet.length);
        packet.copy(reply);
        reply.writeUInt32LE(1, 0);
        reply.writeInt32LE(id, 4);
        peer.send(channel, reply, channel === 1 ? ENetPacketPeer.FLAG_RELIABLE : flags & ENetPacketPeer.FLAG_UNSEQUENCED);
        stats.echoed++;
      }
    }
  }
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 7777);
  const mode = Number(process.argv[3] ?? 0);
  const conn = new ENetConnection();
  await conn.createHostBound('*', port, 32, 3);
  conn.compress(mode);
  console.log(`Godot 3 echo server on port ${conn.getLocalPort()}, compression mode ${mode}`);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const stats = await serveGodot3(conn, { log: console.log, signal: abort.signal });
  conn.destroy();
  console.log(stats);
}
