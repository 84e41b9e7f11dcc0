import type { ENetConnection } from '../api/connection.js';
import { UsageError, type ParsedArgs } from './args.js';

/** Applies --dtls / --insecure / --ca (client) or --dtls-key / --dtls-cert (server) to a connection. */
export async function applySecurity(conn: ENetConnection, args: ParsedArgs, hostname: string): Promise<void> {
  if (args.options.has('dtls') || args.options.has('dtls-key') || args.options.has('dtls-cert'))
    throw new UsageError(`DTLS is not available in this build (connecting to ${hostname})`);
  void conn;
}
