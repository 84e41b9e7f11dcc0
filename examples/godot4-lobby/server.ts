/**
 * A dedicated server for the Godot 4 lobby (godot/client.gd), in TypeScript: players join with a
 * name, chat through the server, and move (their move RPCs reach the other players through the
 * server's relay). `--bots N` instead plays as N clients against a running server: a load test.
 *
 *   npx tsx examples/godot4-lobby/server.ts [--port 7777]
 *   npx tsx examples/godot4-lobby/server.ts --bots 20 [--host 127.0.0.1] [--port 7777] [--seconds 10]
 */
import { ENetMultiplayerPeer, SceneMultiplayer, Vector2 } from '../../src/index.js';
import { declareLobby } from './lobby.js';

interface Player {
  name: string;
  pos: Vector2;
}

/** Starts the lobby server on `port` (0: any); `log` gets one line per event. */
export async function startLobbyServer(port: number, log: (line: string) => void = console.log) {
  const mp = new SceneMultiplayer();
  const players = new Map<number, Player>();
  const lobby = declareLobby(mp, {
    join: (name: string) => {
      const id = mp.getRemoteSenderId();
      const clean = String(name).slice(0, 32) || `player ${id}`;
      players.set(id, { name: clean, pos: new Vector2(0, 0) });
      lobby.rpcId(id, 'welcome', new Map([...players].map(([pid, p]) => [pid, p.name])));
      lobby.rpcId(-id, 'player_joined', id, clean);
      log(`${clean} (${id}) joined; ${players.size} playing`);
    },
    chat: (text: string) => {
      const id = mp.getRemoteSenderId();
      const p = players.get(id);
      if (p === undefined) return;
      lobby.rpc('chat_message', id, p.name, String(text).slice(0, 200));
      log(`[${p.name}] ${text}`);
    },
    move: (pos: Vector2) => {
      const p = players.get(mp.getRemoteSenderId());
      if (p !== undefined && pos instanceof Vector2) p.pos = pos;
    },
  });
  mp.on('peerConnected', (id) => log(`peer ${id} connected`));
  mp.on('peerDisconnected', (id) => {
    const p = players.get(id);
    players.delete(id);
    if (p !== undefined) {
      lobby.rpc('player_left', id);
      log(`${p.name} (${id}) left; ${players.size} playing`);
    }
  });
  mp.onWarning = (w) => log(`warning from ${w.peer}: ${w.message}`);
  const peer = new ENetMultiplayerPeer();
  await peer.createServer(port, 4000);
  mp.multiplayerPeer = peer;
  log(`lobby listening on port ${peer.host!.getLocalPort()}`);
  return { mp, players, port: peer.host!.getLocalPort(), close: () => peer.close() };
}

/** Summary of a bot run. */
export interface BotReport {
  bots: number;
  joined: number;
  joinMs: { p50: number; max: number };
  chatRoundTripMs: { p50: number; p95: number; max: number; samples: number };
  movesSent: number;
  movesReceived: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/**
 * Plays as `count` clients for `seconds`: each joins, chats once a second (timing the round trip
 * through the server) and moves five times a second (relayed to every other player).
 */
export async function runBots(
  host: string,
  port: number,
  count: number,
  seconds: number,
  enough: (r: { roundTrips: number; movesReceived: number }) => boolean = () => false,
): Promise<BotReport> {
  const joinTimes: number[] = [];
  const roundTrips: number[] = [];
  let movesSent = 0;
  let movesReceived = 0;
  const peers: ENetMultiplayerPeer[] = [];
  const timers: NodeJS.Timeout[] = [];
  const start = performance.now();
  let check = () => {};
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const mp = new SceneMultiplayer();
      mp.onWarning = null;
      const name = `bot-${i}`;
      const lobby = declareLobby(mp, {
        chat_message: (_id: number, who: string, text: string) => {
          const m = /^t=([\d.]+)$/.exec(text);
          if (who !== name || !m) return;
          roundTrips.push(performance.now() - Number(m[1]));
          check();
        },
        move: () => movesReceived++,
      });
      const peer = new ENetMultiplayerPeer();
      peers.push(peer);
      await peer.createClient(host, port);
      mp.multiplayerPeer = peer;
      await new Promise<void>((resolve) => mp.once('connectedToServer', resolve));
      joinTimes.push(performance.now() - start);
      lobby.rpcId(1, 'join', name);
      let step = 0;
      timers.push(
        setInterval(() => {
          if (peer.getConnectionStatus() !== 2) return;
          step++;
          lobby.rpc('move', new Vector2(i, step));
          movesSent++;
          if (step % 5 === 0) lobby.rpcId(1, 'chat', `t=${performance.now()}`);
        }, 200),
      );
    }),
  );
  // Plays until the time is up, or earlier once `enough` says so (checked on every chat round trip).
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, seconds * 1000);
    check = () => {
      if (enough({ roundTrips: roundTrips.length, movesReceived })) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  for (const t of timers) clearInterval(t);
  for (const p of peers) p.close();
  joinTimes.sort((a, b) => a - b);
  roundTrips.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    bots: count,
    joined: joinTimes.length,
    joinMs: { p50: round(percentile(joinTimes, 50)), max: round(joinTimes.at(-1) ?? Number.NaN) },
    chatRoundTripMs: {
      p50: round(percentile(roundTrips, 50)),
      p95: round(percentile(roundTrips, 95)),
      max: round(roundTrips.at(-1) ?? Number.NaN),
      samples: roundTrips.length,
    },
    movesSent,
    movesReceived,
  };
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(option('--port', '7777'));
  if (process.argv.includes('--bots')) {
    const report = await runBots(option('--host', '127.0.0.1'), port, Number(option('--bots', '10')), Number(option('--seconds', '10')));
    console.log(JSON.stringify(report));
  } else {
    const server = await startLobbyServer(port);
    process.on('SIGINT', () => {
      server.close();
      process.exit(0);
    });
  }
}
