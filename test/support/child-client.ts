/**
 * A child process for fault tests: connects an enet-ts client to 127.0.0.1:PORT (argv[2]) and
 * streams 1 KiB reliable packets forever, printing "connected" once connected. Exits on stdin EOF.
 */
import { ENetConnection, ENetPacketPeer, EventType } from '../../src/index.js';

const port = Number(process.argv[2]);
const c = new ENetConnection();
await c.createHost(1);
const peer = await c.connectToHost('127.0.0.1', port, 2);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
for (;;) {
  const e = await c.service(5);
  if (e.type === EventType.CONNECT) process.stdout.write('connected\n');
  if (peer.getState() === 5) for (let i = 0; i < 4; i++) peer.send(0, new Uint8Array(1024).fill(i), ENetPacketPeer.FLAG_RELIABLE);
  if (e.type === EventType.DISCONNECT) process.exit(0);
}
