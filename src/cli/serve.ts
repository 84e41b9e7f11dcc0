import { ENetConnection } from '../api/connection.js';
import { EventType, PeerStatistic } from '../api/enums.js';
import type { ENetPacketPeer } from '../api/packet-peer.js';
import { compressionOption, intOption, parseArgs, UsageError } from './args.js';
import { applySecurity } from './security.js';

/** Help text of `enet-ts serve`. */
export const SERVE_HELP = `usage: enet-ts serve [--port P] [--bind ADDR] [--peers N] [--compress MODE] [--checksum] [--dtls-key F --dtls-cert F] [--echo]

Runs an ENet server that logs connects and disconnects and shows a live table of its peers
(RTT, loss, throughput), refreshed in place on a terminal, as plain lines otherwise. Ctrl-C stops it.
  --port P         UDP port (default 7777; 0 picks one)
  --bind ADDR      address to bind (default * = all interfaces)
  --peers N        peer slots (default 32)
  --compress MODE  none, range-coder, fastlz, zlib, zstd
  --checksum       ENet CRC32 checksums
  --dtls-key F --dtls-cert F   serve over DTLS with this key and certificate (PEM)
  --echo           send every packet back on its channel with its flags`;

interface PeerRow {
  peer: ENetPacketPeer;
  id: number;
  bytesIn: number;
  packetsIn: number;
}

/** Runs `enet-ts serve` until `stop` resolves (SIGINT/SIGTERM in the CLI); resolves with the exit code. */
export async function serve(argv: string[], out: (line: string) => void, stop: Promise<void>, tty: boolean): Promise<number> {
  const args = parseArgs(argv, ['port', 'bind', 'peers', 'compress', 'dtls-key', 'dtls-cert'], ['checksum', 'echo']);
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const port = intOption(args, 'port', 7777, 0, 65535);
  const peers = intOption(args, 'peers', 32, 1, 4095);
  const bind = (args.options.get('bind') as string | undefined) ?? '*';
  const mode = compressionOption(args);
  const conn = new ENetConnection();
  await conn.createHostBound(bind, port, peers);
  conn.onWarning = (w) => out(`warning: ${w.message}`);
  conn.compress(mode);
  if (args.options.has('checksum')) conn.setChecksum(true);
  applySecurity(conn, args, bind);
  const echo = args.options.has('echo');
  out(`listening on ${bind === '*' ? '*' : bind}:${conn.getLocalPort()} (socket backend: ${conn.socketBackend})`);
  const rows = new Map<ENetPacketPeer, PeerRow>();
  let nextId = 1;
  let stopped = false;
  let lastTable = 0;
  let tableLines = 0;
  const table = () => {
    const now = performance.now();
    const elapsed = (now - lastTable) / 1000 || 1;
    lastTable = now;
    const lines = [
      `${'peer'.padEnd(6)}${'address'.padEnd(28)}${'rtt ms'.padStart(8)}${'loss %'.padStart(8)}${'pkts/s'.padStart(9)}${'KB/s'.padStart(9)}`,
    ];
    for (const r of rows.values()) {
      const loss = (r.peer.getStatistic(PeerStatistic.PACKET_LOSS) / 65536) * 100;
      lines.push(
        `${String(r.id).padEnd(6)}${`${r.peer.getRemoteAddress()}:${r.peer.getRemotePort()}`.padEnd(28)}${String(r.peer.getStatistic(PeerStatistic.ROUND_TRIP_TIME)).padStart(8)}${loss.toFixed(1).padStart(8)}${(r.packetsIn / elapsed).toFixed(0).padStart(9)}${(r.bytesIn / 1024 / elapsed).toFixed(1).padStart(9)}`,
      );
      r.bytesIn = 0;
      r.packetsIn = 0;
    }
    if (tty) {
      if (tableLines > 0) process.stdout.write(`\x1b[${tableLines}A\x1b[J`);
      process.stdout.write(`${lines.join('\n')}\n`);
      tableLines = lines.length;
    } else if (rows.size > 0) for (const l of lines.slice(1)) out(`stats ${l.replace(/\s+/g, ' ').trim()}`);
  };
  const log = (line: string) => {
    if (tty && tableLines > 0) {
      process.stdout.write(`\x1b[${tableLines}A\x1b[J`);
      tableLines = 0;
    }
    out(line);
  };
  const timer = setInterval(table, 1000);
  void stop.then(() => {
    stopped = true;
  });
  try {
    while (!stopped) {
      const e = await Promise.race([conn.service(250), stop.then(() => null)]);
      if (e === null) break;
      if (e.type === EventType.CONNECT) {
        const row = { peer: e.peer!, id: nextId++, bytesIn: 0, packetsIn: 0 };
        rows.set(e.peer!, row);
        log(`connect peer=${row.id} from ${e.peer!.getRemoteAddress()}:${e.peer!.getRemotePort()} data=${e.data}`);
      } else if (e.type === EventType.DISCONNECT) {
        const row = rows.get(e.peer!);
        rows.delete(e.peer!);
        log(`disconnect peer=${row?.id ?? '?'} data=${e.data}`);
      } else if (e.type === EventType.RECEIVE) {
        const p = e.peer!;
        const row = rows.get(p);
        while (p.getAvailablePacketCount() > 0) {
          const flags = p.getPacketFlags();
          const packet = p.getPacket();
          if (row) {
            row.bytesIn += packet.length;
            row.packetsIn++;
          }
          if (echo && p.isActive()) p.send(p.getPacketChannel(), packet, flags & 1 ? 1 : flags & 2 ? 2 : flags & 8 ? 8 : 0);
        }
      }
    }
  } finally {
    clearInterval(timer);
    for (const r of rows.values()) if (r.peer.isActive()) r.peer.peerDisconnectNow(0);
    conn.destroy();
  }
  log('stopped');
  return 0;
}
