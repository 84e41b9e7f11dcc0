import { putU32BE, readU32BE } from '../protocol/big-endian.js';
import { HOST_BANDWIDTH_THROTTLE_INTERVAL, PACKET_FLAG_RELIABLE, PACKET_FLAG_UNSEQUENCED } from '../protocol/constants.js';
import { heldByWindow, type IncomingCommand, type OutgoingCommand } from './commands.js';
import { Host } from './host.js';
import { List } from './list.js';
import type { Peer } from './peer.js';
import { RingQueue } from './ring-queue.js';
import { PeerState } from '../protocol/peer-state.js';

/** Rounds of traffic the warm-up runs: enough for V8 to compile the hot paths. */
const ROUNDS = 8;
/** Rounds of {@link warmUpHandshakes}: all CONNECTIONS connect, then disconnect. */
const HANDSHAKE_ROUNDS = 50;
/** Packets per direction and kind in each round. */
const PER_ROUND = 20;
/** Connections opened at once (the handshake paths, as a burst of clients meets them). */
const CONNECTIONS = 16;
/**
 * Calls of each small primitive in {@link warmUpPrimitives}: V8 optimizes a function once it has
 * run about 66 KiB of its bytecode three times over, some thousands of calls of a small one
 * (`--trace-opt`: 5000 optimized every one of them here).
 */
const PRIMITIVE_CALLS = 5000;

/** Where the warm-up's clients and server are on its in-memory wire. */
const SERVER_ADDRESS = '10.0.0.2';
const SERVER_PORT = 1;
const CLIENT_ADDRESS = '10.0.0.1';
const CLIENT_PORT = 1000;

let warmedUp = false;
let handshakesWarmedUp = false;

/**
 * One object of each engine class that a fresh host has none of until its first peer, kept for
 * the life of the process. V8 drops a hidden class once no object has it any more (the
 * transitions that lead to it are weak), and with it the inline-cache feedback that names it: after
 * a full garbage collection between the warm-up and the first real peer (the bench's servers run
 * one before they report ready; V8 may run one in a process gone idle), a fresh server
 * learnt `Peer` and `Channel` over again during its first burst of 500 connections, field by field
 * (156 inline-cache misses on `peer.state` in the datagram decoder alone), and in a flood of
 * unreliable packets deoptimized `handleDatagram` and `queueIncomingCommand` at channel accesses
 * the warm-up had covered. A host of one slot holds them: about 40 KiB with its receive slab.
 */
const specimens: object[] = [];

/**
 * Runs a short, private exchange between an in-memory server and 16 client hosts (connect,
 * reliable, unreliable, unsequenced and fragmented packets both ways, lent and not,
 * acknowledgements, events, disconnect), once per process, so the first real peers meet compiled
 * code rather than the interpreter: cold, a burst of 200 reliable packets took 5-30 ms to
 * acknowledge, warm well under 1 ms. Then runs the smallest primitives until V8 optimizes them
 * ({@link warmUpPrimitives}). Touches no socket, timer or clock; 20-30 ms here, once.
 * Returns the packets delivered (0 when it had already run).
 */
export function warmUpEngine(): number {
  if (warmedUp) return 0;
  warmedUp = true;
  const { server, clients, pump, advance, disconnectAll, delivered } = inMemoryWire(CONNECTIONS);
  const client = clients[0]!.connect(SERVER_ADDRESS, SERVER_PORT, 2, 0);
  if (client === null) return delivered();
  for (let i = 1; i < CONNECTIONS; i++) clients[i]!.connect(SERVER_ADDRESS, SERVER_PORT, 2, i);
  pump();
  // A second later, as a real connection's first second ends: every host runs its bandwidth
  // throttle and sends its peers BANDWIDTH_LIMIT (the warm-up is otherwise over in well under a
  // second, and a flood's first second then deoptimized `service` at the throttle's call and the
  // datagram decoder at the command, C clients sending it a second after connecting).
  advance(HOST_BANDWIDTH_THROTTLE_INTERVAL);
  pump();
  const accepted = server.active.find((p) => p.connectID === client.connectID);
  if (accepted === undefined) return delivered();
  const small = new Uint8Array(64);
  const large = new Uint8Array(3000);
  for (let round = 0; round < ROUNDS; round++) {
    // The second half lends what the server receives (as for an application taking packets with takePacket()).
    server.lendPackets = round >= ROUNDS / 2;
    for (const peer of [client, accepted])
      for (let i = 0; i < PER_ROUND; i++) {
        peer.send(0, small, PACKET_FLAG_RELIABLE);
        peer.send(1, small, 0);
        peer.send(1, small, PACKET_FLAG_UNSEQUENCED);
      }
    if (round % 10 === 0) client.send(0, large, PACKET_FLAG_RELIABLE);
    pump();
  }
  disconnectAll();
  keepSpecimens();
  warmUpPrimitives();
  return delivered();
}

/**
 * Runs 800 handshakes (16 clients connecting and disconnecting 50 times) between in-memory
 * hosts, once per process, after {@link warmUpEngine}, so that V8 optimizes the engine's
 * handshake functions on calls of their own. Part of the facade's warm-up through sockets
 * (src/api/warm-up.ts), whose engine calls V8 inlines into their callers there: without these
 * rounds a real burst of 500 clients still had V8 compile `peersAtEndpoint` (6 bursts of 6),
 * `receiveAt` (4) and `endpointKey` (3) during the burst (`--trace-opt`). Touches no socket,
 * timer or clock; about 30 ms here. Returns the handshakes completed (0 when it had already run).
 */
export function warmUpHandshakes(): number {
  warmUpEngine();
  if (handshakesWarmedUp) return 0;
  handshakesWarmedUp = true;
  // Slots enough for the half-open cap (half the slots) to admit all of a round at once.
  const { server, clients, pump, disconnectAll } = inMemoryWire(4 * CONNECTIONS);
  let handshakes = 0;
  for (let round = 0; round < HANDSHAKE_ROUNDS; round++) {
    for (let i = 0; i < CONNECTIONS; i++) clients[i]!.connect(SERVER_ADDRESS, SERVER_PORT, 2, i);
    pump();
    for (const peer of server.active) if (peer.state === PeerState.CONNECTED) handshakes++;
    disconnectAll();
  }
  return handshakes;
}

/** An in-memory server and its clients, and what drives them ({@link inMemoryWire}). */
interface InMemoryWire {
  server: Host;
  clients: Host[];
  /** Services every host and carries what they send until none has anything more to say. */
  pump: () => void;
  /** Moves the wire's clock on by `ms` (the next pump services the hosts at that time). */
  advance: (ms: number) => void;
  /** Disconnects every client's peers and pumps. */
  disconnectAll: () => void;
  /** Packets the hosts have received so far. */
  delivered: () => number;
}

/** An in-memory server of `serverSlots` slots and CONNECTIONS client hosts wired to each other. */
function inMemoryWire(serverSlots: number): InMemoryWire {
  let delivered = 0;
  const wire: Array<{ to: Host; data: Buffer; port: number }> = [];
  let id = 0;
  // Full-range u32 values, as real connect IDs and session tokens are: counting from 1 left V8's
  // feedback at small integers, and the first real peer's ID deoptimized the u32 codec.
  const random = () => Math.imul(++id, 2654435761) >>> 0;
  // Each client a host of its own on a port of its own, as real clients are: with all of them on
  // one host (one endpoint) the server learnt the path of a client reconnecting from the port of
  // a connection still open, and a real burst of distinct clients deoptimized `admitConnect`.
  const clients: Host[] = [];
  const server: Host = new Host({ peerCount: serverSlots, random }, (data, start, end, _address, port) =>
    wire.push({ to: clients[port - CLIENT_PORT]!, data: Buffer.from(data.subarray(start, end)), port: SERVER_PORT }),
  );
  for (let i = 0; i < CONNECTIONS; i++)
    clients.push(
      new Host({ peerCount: 1, random }, (data, start, end) =>
        wire.push({ to: server, data: Buffer.from(data.subarray(start, end)), port: CLIENT_PORT + i }),
      ),
    );
  const hosts = [server, ...clients];
  let now = 1;
  const pump = () => {
    let carried: boolean;
    do {
      now += 1;
      for (const h of hosts) {
        h.setTime(now);
        h.service();
        for (let e = h.checkEvents(); e !== null; e = h.checkEvents())
          if (e.type === 'receive') {
            delivered++;
            if (e.lent >= 0) h.giveBackLent();
          }
      }
      carried = wire.length > 0;
      for (const { to, data, port } of wire.splice(0)) {
        to.setTime(now);
        to.receiveAt(data, 0, data.length, to === server ? CLIENT_ADDRESS : SERVER_ADDRESS, port);
      }
      // Once more after anything was carried: what it made its receivers send leaves at their service.
    } while (carried || hosts.some((h) => h.hasDispatch()));
  };
  const disconnectAll = () => {
    for (const h of clients) for (const peer of h.active) peer.disconnect(0);
    pump();
  };
  return {
    server,
    clients,
    pump,
    advance: (ms) => {
      now += ms;
    },
    disconnectAll,
    delivered: () => delivered,
  };
}

/** Builds the objects {@link specimens} keeps, on a host of their own that never sees traffic. */
function keepSpecimens(): void {
  // Nothing of the warm-up's scope (its closures would hold its hosts, and their buffers).
  const host = new Host({ peerCount: 1 }, () => {});
  const peer = host.peerAt(0);
  specimens.push(host, peer, peer.channel(0), host.newIncomingCommand(new Uint8Array(0), 0), host.newOutgoingCommand());
}

/**
 * Runs the engine's smallest per-datagram and per-command primitives (byte-order fields, list
 * links, the dispatch ring, acknowledgement arrays, send marks) on the specimens until V8
 * optimizes them. The traffic above calls each a thousand times or so, short of that: a fresh
 * server's first burst of 500 connections then had V8 compile them (9 of its 11 optimizations
 * during the burst), on the CPU the clients needed. Leaves the specimens as they were.
 */
function warmUpPrimitives(): void {
  const [host, peer, , incoming, outgoing] = specimens as [Host, Peer, unknown, IncomingCommand, OutgoingCommand];
  const bytes = new Uint8Array(64);
  const outgoingList = new List<OutgoingCommand>();
  const incomingList = new List<IncomingCommand>();
  const ring = new RingQueue<Peer>();
  const arrays = host.acknowledgementArrays;
  // Every step is called from the one call site in `repeat`: once that has seen two of them, V8
  // inlines no step there, and each step's calls count towards its primitives' own optimization.
  const steps: Array<(i: number) => void> = [
    (i) => putU32BE(bytes, i & 31, Math.imul(i, 2654435761) >>> 0),
    (i) => (bytes[32] = readU32BE(bytes, i & 31) & 0xff),
    () => {
      outgoingList.pushBack(outgoing);
      if (!outgoingList.isEmpty() && heldByWindow(outgoing)) bytes[34] = 1;
      outgoingList.shift();
    },
    () => {
      incomingList.pushBack(incoming);
      incomingList.shift();
    },
    () => {
      ring.push(peer);
      ring.shift();
    },
    (i) => {
      const acks = arrays.take();
      acks.push(0, i & 0xffff, i & 0xffff, i);
      arrays.give(acks);
    },
    () => {
      host.markForSend(peer);
      host.clearSendMarks();
    },
  ];
  for (const step of steps) repeat(PRIMITIVE_CALLS, step);
}

/** Calls `step(0 .. times - 1)`. */
function repeat(times: number, step: (i: number) => void): void {
  for (let i = 0; i < times; i++) step(i);
}

/** @internal The objects the warm-up keeps so that their hidden classes outlive it (for tests). */
export function warmUpSpecimens(): readonly object[] {
  return specimens;
}
