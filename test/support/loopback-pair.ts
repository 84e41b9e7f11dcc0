import { ENetConnection, type ENetPacketPeer, EventType, PeerState } from '../../src/index.js';

/** A server and a client connected to it over loopback (one slot, one channel each way). */
export interface LoopbackPair {
  server: ENetConnection;
  client: ENetConnection;
  /** The client's peer (towards the server). */
  peer: ENetPacketPeer;
  /** The server's peer (towards the client). */
  serverPeer: ENetPacketPeer;
  /** Destroys both connections and stops the watchdog. */
  close(): void;
}

/**
 * Connects a fresh client to a fresh server on 127.0.0.1; a watchdog destroys both after
 * `watchdogMs` so that a stuck test ends. Call close() when done.
 */
export async function loopbackPair(watchdogMs = 30_000): Promise<LoopbackPair> {
  const server = new ENetConnection();
  const client = new ENetConnection();
  const close = () => {
    clearTimeout(watchdog);
    server.destroy();
    client.destroy();
  };
  const watchdog = setTimeout(close, watchdogMs);
  try {
    await server.createHostBound('127.0.0.1', 0, 1, 1);
    await client.createHost(1, 1);
    const peer = await client.connectToHost('127.0.0.1', server.getLocalPort(), 1);
    let serverPeer: ENetPacketPeer | null = null;
    while (serverPeer === null || peer.getState() !== PeerState.CONNECTED) {
      const e = await server.service(5);
      if (e.type === EventType.CONNECT) serverPeer = e.peer;
      else if (e.type === EventType.ERROR) throw new Error('the server stopped while connecting');
      await client.service(5);
    }
    return { server, client, peer, serverPeer, close };
  } catch (err) {
    close();
    throw err;
  }
}
