import { readFileSync } from 'node:fs';
import type { ENetConnection } from '../api/connection.js';
import { TLSOptions } from '../transport/dtls/tls-options.js';
import { UsageError, type ParsedArgs } from './args.js';

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Applies DTLS options to a connection: --dtls-key F --dtls-cert F (server), or --dtls with
 * --insecure (no verification) and --ca FILE (trusted roots; default Node's root store) (client).
 */
export function applySecurity(conn: ENetConnection, args: ParsedArgs, hostname: string): void {
  const key = args.options.get('dtls-key');
  const cert = args.options.get('dtls-cert');
  if (key !== undefined || cert !== undefined) {
    if (typeof key !== 'string' || typeof cert !== 'string') throw new UsageError('--dtls-key and --dtls-cert go together');
    let options: TLSOptions;
    try {
      options = TLSOptions.server(read(key, 'key'), read(cert, 'certificate'));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`bad DTLS key or certificate: ${(err as Error).message}`);
    }
    conn.dtlsServerSetup(options);
    return;
  }
  if (!args.options.has('dtls')) {
    if (args.options.has('insecure') || args.options.has('ca')) throw new UsageError('--insecure and --ca need --dtls');
    return;
  }
  const ca = args.options.get('ca');
  const trusted = typeof ca === 'string' ? read(ca, 'CA file') : null;
  conn.dtlsClientSetup(hostname, args.options.has('insecure') ? TLSOptions.clientUnsafe(trusted) : TLSOptions.client(trusted));
}
