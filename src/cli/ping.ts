import { ENetConnection } from '../api/connection.js';
import { EventType } from '../api/enums.js';
import { compressionOption, hostPort, intOption, parseArgs, type ParsedArgs } from './args.js';
import { applySecurity } from './security.js';

/** Help text of `enet-ts ping`. */
export const PING_HELP = `usage: enet-ts ping HOST:PORT [--count N] [--interval MS] [--timeout MS] [--compress MODE] [--checksum] [--dtls [--insecure] [--ca FILE]]

Connects to any ENet server (C ENet, Godot or enet-ts) and measures the round trip of ENet's own
PING command, printing one line per ping and a summary as ping(8) does. Exits 1 when it cannot
connect, with the likely reason.
  --count N        pings to send (default 4)
  --interval MS    time between pings (default 1000)
  --timeout MS     give up connecting after MS (default 5000)
  --compress MODE  none, range-coder, fastlz, zlib, zstd (must match the server)
  --checksum       ENet CRC32 checksums (must match the server)
  --dtls           connect over DTLS; --insecure skips certificate checks; --ca FILE trusts FILE`;

/** Runs `enet-ts ping`; resolves with the exit code. */
export async function ping(argv: string[], out: (line: string) => void): Promise<number> {
  const args: ParsedArgs = parseArgs(argv, ['count', 'interval', 'timeout', 'compress', 'ca'], ['checksum', 'dtls', 'insecure']);
  if (args.positional.length !== 1) throw new (await import('./args.js')).UsageError('ping needs exactly one HOST:PORT');
  const { host, port } = hostPort(args.positional[0]!);
  const count = intOption(args, 'count', 4, 1, 1_000_000);
  const interval = intOption(args, 'interval', 1000, 1, 3_600_000);
  const timeout = intOption(args, 'timeout', 5000, 100, 600_000);
  const mode = compressionOption(args);
  const conn = new ENetConnection();
  const drops = new Set<string>();
  conn.onWarning = (w) => drops.add(w.reason);
  await conn.createHost(1);
  try {
    conn.compress(mode);
    if (args.options.has('checksum')) conn.setChecksum(true);
    applySecurity(conn, args, host);
    out(`PING ${host}:${port} (ENet)`);
    const started = performance.now();
    const peer = await conn.connectToHost(host, port, 0, 2 + Math.floor(Math.random() * 0x7ffffff0));
    peer.setTimeout(0, Math.min(timeout, 5000), timeout);
    let connected = false;
    let failure = '';
    while (!connected && !failure) {
      const e = await conn.service(Math.max(1, Math.ceil(timeout - (performance.now() - started))));
      if (e.type === EventType.CONNECT) connected = true;
      else if (e.type === EventType.DISCONNECT || (e.type === EventType.NONE && performance.now() - started >= timeout))
        failure = 'timeout';
      else if (e.type === EventType.ERROR) failure = conn.lastError ?? 'error';
    }
    if (!connected) {
      let reason = `no answer within ${timeout} ms: is an ENet server listening on ${host}:${port} (UDP), reachable through firewalls?`;
      if (drops.has('compressedWithoutCodec') || drops.has('decompress'))
        reason =
          "the server answers with datagrams this client cannot decompress: compression mismatch (try --compress with the server's mode)";
      else if (drops.has('checksum'))
        reason = "the server's datagrams fail the checksum: checksum mismatch (try with or without --checksum)";
      else if (failure !== 'timeout') reason = `DTLS handshake failed: ${failure}`;
      else if (args.options.has('dtls')) reason += ' (a DTLS server that refuses new connections also looks like this)';
      out(`enet-ts ping: cannot connect to ${host}:${port}: ${reason}`);
      return 1;
    }
    out(`connected to ${peer.getRemoteAddress()}:${peer.getRemotePort()} in ${(performance.now() - started).toFixed(1)} ms`);
    const engine = conn.engine!;
    const enginePeer = engine.peerAt(0);
    const rtts: number[] = [];
    for (let seq = 1; seq <= count; seq++) {
      const before = enginePeer.roundTripSamples;
      const t0 = performance.now();
      peer.ping();
      conn.flush();
      const rtt = await new Promise<number | null>((resolve) => {
        const check = () => {
          if (enginePeer.roundTripSamples !== before) done(performance.now() - t0);
        };
        const timer = setTimeout(() => done(null), Math.max(interval, 1000));
        const done = (v: number | null) => {
          clearTimeout(timer);
          conn.receiveListeners.delete(check);
          resolve(v);
        };
        conn.receiveListeners.add(check);
      });
      if (rtt === null) out(`seq=${seq} no reply`);
      else {
        rtts.push(rtt);
        out(`seq=${seq} time=${rtt.toFixed(3)} ms`);
      }
      if (seq < count) await new Promise((r) => setTimeout(r, interval));
      if (!peer.isActive()) break;
    }
    const lost = count - rtts.length;
    out(`--- ${host}:${port} ENet ping statistics ---`);
    out(`${count} pings sent, ${rtts.length} acknowledged, ${Math.round((lost / count) * 100)}% loss`);
    if (rtts.length > 0) {
      const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
      out(`rtt min/avg/max = ${Math.min(...rtts).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...rtts).toFixed(3)} ms`);
    }
    peer.peerDisconnectNow(0);
    return rtts.length > 0 ? 0 : 1;
  } finally {
    conn.destroy();
  }
}
