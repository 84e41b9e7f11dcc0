import { ENetConnection, type ENetPacketPeer, EventType, PeerState, type SocketBackendChoice } from '../../src/index.js';

/** How {@link loopbackPair} sets the two up; every field has a default. */
export interface LoopbackPairOptions {
  /** The server's peer slots (default 1; the client always has one). */
  serverSlots?: number;
  /** Channels of both hosts and of the connection (default 1). */
  channels?: number;
  /** Socket backend of both (default: the environment's choice). */
  backend?: SocketBackendChoice;
  /** Ms after which a watchdog destroys both (default 30 000). */
  watchdogMs?: number;
}

/** A server and a client connected to it over loopback. */
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
export async function loopbackPair(options: LoopbackPairOptions = {}): Promise<LoopbackPair> {
  const { serverSlots = 1, channels = 1, backend, watchdogMs = 30_000 } = options;
  const server = new ENetConnection();
  const client = new ENetConnection();
  if (backend !== undefined) for (const c of [server, client]) c.setSocketBackend(backend);
  const close = () => {
    clearTimeout(watchdog);
    server.destroy();
    client.destroy();
  };
  const watchdog = setTimeout(close, watchdogMs);
  try {
    await server.createHostBound('127.0.0.1', 0, serverSlots, channels);
    await client.createHost(1, channels);
    const peer = await client.connectToHost('127.0.0.1', server.getLocalPort(), channels);
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
