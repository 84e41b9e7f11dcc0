import { CompressionMode } from '../api/enums.js';

/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** Parsed options: `--name value` pairs and bare `--flags`, plus positional arguments. */
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

/** Parses argv against the options a command knows; unknown options are a UsageError. */
export function parseArgs(argv: string[], valued: string[], flags: string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const name = a.slice(2);
    if (flags.includes(name)) options.set(name, true);
    else if (valued.includes(name)) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, v);
    } else throw new UsageError(`unknown option ${a}`);
  }
  return { positional, options };
}

/** An integer option within [min, max], or `def` when absent. */
export function intOption(args: ParsedArgs, name: string, def: number, min: number, max: number): number {
  const v = args.options.get(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** The compression mode named by --compress (none, range-coder, fastlz, zlib, zstd). */
export function compressionOption(args: ParsedArgs): CompressionMode {
  const v = args.options.get('compress');
  if (v === undefined) return CompressionMode.NONE;
  const names: Record<string, CompressionMode> = {
    none: CompressionMode.NONE,
    range: CompressionMode.RANGE_CODER,
    'range-coder': CompressionMode.RANGE_CODER,
    fastlz: CompressionMode.FASTLZ,
    zlib: CompressionMode.ZLIB,
    zstd: CompressionMode.ZSTD,
  };
  const mode = typeof v === 'string' ? names[v.toLowerCase()] : undefined;
  if (mode === undefined) throw new UsageError('--compress must be one of none, range-coder, fastlz, zlib, zstd');
  return mode;
}

/** Splits "host:port" (IPv6 as "[::1]:port"). */
export function hostPort(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new UsageError(`expected HOST:PORT (port 1-65535), got ${JSON.stringify(s)}`);
  return { host: m[1]!, port };
}
