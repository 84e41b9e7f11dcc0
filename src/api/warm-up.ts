import { EventType } from './enums.js';
import type { ENetConnection, ServiceEvent } from './connection.js';
import { ENetPacketPeer } from './packet-peer.js';
import type { SocketBackendChoice } from '../transport/open-socket.js';
import { warmUpHandshakes } from '../engine/warm-up.js';

/** Client hosts of the warm-up, connecting at once in each round. */
const CLIENTS = 16;
/**
 * Peer slots of the warm-up's server: more than twice its clients, so that the half-open cap
 * (half the slots) admits every client of a round at once, as a real server's does in a burst.
 */
const SERVER_SLOTS = 4 * CLIENTS;
/**
 * Rounds of the warm-up, CLIENTS handshakes each. V8 optimizes a function only after it has run
 * its bytecode some thousands of times over; a warm-up that stops short of that for the functions
 * of a handshake (50 rounds, or the engine's own 16 connections) leaves them to be compiled during
 * the first real burst, on the CPU its clients need, which made that burst slower than no warm-up.
 */
const ROUNDS = 100;
/** Unreliable messages each client sends in the data round, in one flush (as B1's sender does). */
const UNRELIABLE_PER_FLUSH = 100;
/** Reliable messages each client sends in the data round (each echoed by the server). */
const RELIABLE_PER_ROUND = 4;
/** The warm-up gives up after this long (ms): it only ever makes the first host wait. */
const DEADLINE_MS = 5000;

/** The environment variable that turns the warm-up off ('0' or 'off'). */
export const WARM_UP_ENV = 'ENET_TS_WARM_UP';

/** The warm-up of each backend choice, once per process. */
const warmUps = new Map<SocketBackendChoice, Promise<number>>();
/** The warm-up's own connections (they do not wait for it). */
const own = new WeakSet<ENetConnection>();

/**
 * Resolves once the process has run its one warm-up for `backend` (at once for the warm-up's own
 * connections, or when ENET_TS_WARM_UP is '0' or 'off'): the engine's handshake warm-up, one
 * connection opened and closed, then a server and 16 clients, `make()`d and bound to 127.0.0.1,
 * go through 1600 handshakes over real sockets, the first round with data both ways, so that
 * the first real burst of clients and the first flood of packets meet code V8 has compiled all
 * the way (socket backend, pipeline, engine, this facade). About 0.25-0.4 s (up to 0.6 s on a
 * busy machine), once per process and backend. Never rejects: a warm-up that fails (no loopback,
 * no free port) just ends. Resolves to the handshakes its server completed (0 when it did not run).
 */
export function warmUpConnections(connection: ENetConnection, backend: SocketBackendChoice, make: () => ENetConnection): Promise<number> {
  if (own.has(connection)) return Promise.resolve(0);
  const setting = process.env[WARM_UP_ENV];
  if (setting === '0' || setting === 'off') return Promise.resolve(0);
  let warmUp = warmUps.get(backend);
  if (warmUp === undefined) {
    warmUp = run(backend, make).catch(() => 0);
    warmUps.set(backend, warmUp);
  }
  return warmUp;
}

/** @internal The backend choices the process has warmed up (or is warming up), for tests. */
export function warmedUpBackends(): SocketBackendChoice[] {
  return [...warmUps.keys()];
}

/** Hands each event `connection` has ready to `handle` (service(0), then checkEvents()). */
async function drain(connection: ENetConnection, event: ServiceEvent, handle: (e: ServiceEvent) => void): Promise<void> {
  for (let e = await connection.service(0); e.type !== EventType.NONE; e = connection.checkEvents(event)) handle(e);
}

/** One turn of the event loop (the sockets' reads run in it). */
function turn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Once, in the first round: each client sends a flood's flush (UNRELIABLE_PER_FLUSH unreliable
 * 64 B messages: a GSO train the server's socket gets coalesced) and RELIABLE_PER_ROUND reliable
 * ones (the first of 3000 B, in fragments), which the server takes without a copy and echoes. So
 * the transport's receive paths first meet data as well as handshakes: with handshakes only, one
 * in four first floods of unreliable messages (B1) lost 60 % of their messages. Data in every
 * other round did worse (B1 lost up to 18 % in each of 4 runs, B4's p99 round trip was 96-106 µs
 * against 64-75). False when the deadline passed.
 */
async function exchangeData(
  server: ENetConnection,
  clients: ENetConnection[],
  peers: ENetPacketPeer[],
  event: ServiceEvent,
  small: Uint8Array,
  large: Uint8Array,
  deadline: number,
): Promise<boolean> {
  for (const peer of peers) {
    for (let i = 0; i < UNRELIABLE_PER_FLUSH; i++) peer.send(1, small, 0);
    for (let i = 0; i < RELIABLE_PER_ROUND; i++) peer.send(0, i === 0 ? large : small, ENetPacketPeer.FLAG_RELIABLE);
  }
  for (const client of clients) client.flush();
  let reliable = 0;
  let echoed = 0;
  const expected = CLIENTS * RELIABLE_PER_ROUND;
  while (reliable < expected || echoed < expected) {
    if (performance.now() > deadline) return false;
    await drain(server, event, (e) => {
      if (e.type !== EventType.RECEIVE || e.peer === null) return;
      e.peer.takePacket();
      if (e.channel === 0) {
        reliable++;
        e.peer.send(0, small, ENetPacketPeer.FLAG_RELIABLE);
      }
    });
    for (const client of clients)
      await drain(client, event, (e) => {
        if (e.type !== EventType.RECEIVE || e.peer === null) return;
        e.peer.getPacket();
        echoed++;
      });
    await turn();
  }
  return true;
}

/**
 * Opens a connection, waits once with a timeout on it and destroys it, before the rounds. V8
 * treats a field no object has changed yet as a constant (a socket's, pipeline's and driver's
 * `closed`, a connection's `errorPending`) and one that has only held small integers as one (a
 * wait's deadline), and compiles on that assumption. The warm-up's rounds only ever poll, and
 * its connections closed only at its end: that deoptimized the transport's hot functions
 * (`receive`, `onBatch`, `flush`, `send`, `flushReactions`, `waitEvent`, `pass`) just as the
 * warm-up finished, and a burst of 500 clients then ran them unoptimized; a flood compiled 28-31
 * functions after the warm-up instead of 23-27.
 */
async function openAndClose(open: (slots: number) => Promise<ENetConnection>): Promise<void> {
  const connection = await open(1);
  await connection.service(1);
  connection.destroy();
}

async function run(backend: SocketBackendChoice, make: () => ENetConnection): Promise<number> {
  const deadline = performance.now() + DEADLINE_MS;
  const opened: ENetConnection[] = [];
  let handshakes = 0;
  const open = async (slots: number): Promise<ENetConnection> => {
    const connection = make();
    own.add(connection);
    connection.onWarning = null;
    connection.setSocketBackend(backend);
    opened.push(connection);
    await connection.createHostBound('127.0.0.1', 0, slots, 2);
    return connection;
  };
  try {
    warmUpHandshakes();
    await openAndClose(open);
    const server = await open(SERVER_SLOTS);
    const clients: ENetConnection[] = [];
    for (let i = 0; i < CLIENTS; i++) clients.push(await open(1));
    const port = server.getLocalPort();
    const event: ServiceEvent = { type: EventType.NONE, peer: null, data: 0, channel: 0 };
    const small = new Uint8Array(64);
    const large = new Uint8Array(3000);
    for (let round = 0; round < ROUNDS; round++) {
      const peers = await Promise.all(clients.map((c) => c.connectToHost('127.0.0.1', port, 2, round)));
      let accepted = 0;
      let connected = 0;
      // Two turns more once all are in: the server reads the clients' last PINGs.
      for (let settle = 2; settle > 0; settle -= accepted === CLIENTS && connected === CLIENTS ? 1 : 0) {
        if (performance.now() > deadline) return handshakes;
        await drain(server, event, (e) => {
          if (e.type === EventType.CONNECT) accepted++;
        });
        for (const client of clients)
          await drain(client, event, (e) => {
            if (e.type !== EventType.CONNECT) return;
            // As a C ENet client does right after connecting (its last receive time starts at 0).
            e.peer?.ping();
            connected++;
          });
        await turn();
      }
      handshakes += accepted;
      if (round === 0 && !(await exchangeData(server, clients, peers, event, small, large, deadline))) return handshakes;
      for (const peer of server.getPeers()) peer.reset();
      for (const peer of peers) peer.reset();
    }
  } finally {
    for (const connection of opened) connection.destroy();
  }
  return handshakes;
}
