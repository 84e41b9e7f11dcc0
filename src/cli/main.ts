#!/usr/bin/env node
/** The `enet-ts` command: serve, ping, bench. */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { ENetError } from '../api/errors.js';
import { UsageError } from './args.js';
import { ping, PING_HELP } from './ping.js';
import { serve, SERVE_HELP } from './serve.js';

const HELP = `usage: enet-ts <command> [options]

commands:
  serve   run an ENet server with a live peer table (enet-ts serve --help)
  ping    measure the round trip to any ENet server (enet-ts ping --help)
  bench   run the benchmarks against C ENet (enet-ts bench --help)

Every command takes --help.`;

const BENCH_HELP = `usage: enet-ts bench [--quick] [--only B1,B2,...]

Runs the benchmark scenarios side by side on enet-ts and C ENet (needs gcc and libenet-dev),
showing progress, and writes the table and chart to bench/results/.`;

async function bench(argv: string[]): Promise<number> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const runner = resolve(root, 'bench', 'run.mjs');
  if (!existsSync(runner)) throw new UsageError('the benchmarks are not part of this installation (bench/run.mjs is missing)');
  return await new Promise((resolveCode) => {
    const child = spawn(process.execPath, [runner, '--progress', ...argv], { stdio: 'inherit', cwd: root });
    child.on('exit', (code) => resolveCode(code ?? 1));
  });
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      out(HELP);
      return command === undefined ? 2 : 0;
    }
    const wantsHelp = rest.includes('--help') || rest.includes('-h');
    switch (command) {
      case 'serve': {
        if (wantsHelp) {
          out(SERVE_HELP);
          return 0;
        }
        const stop = new Promise<void>((r) => {
          process.once('SIGINT', r);
          process.once('SIGTERM', r);
        });
        return await serve(rest, out, stop, process.stdout.isTTY === true);
      }
      case 'ping':
        if (wantsHelp) {
          out(PING_HELP);
          return 0;
        }
        return await ping(rest, out);
      case 'bench':
        if (wantsHelp) {
          out(BENCH_HELP);
          return 0;
        }
        return await bench(rest);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)} (try enet-ts --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`enet-ts: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ENetError) {
      process.stderr.write(`enet-ts: ${err.message} (${err.code})\n`);
      return 1;
    }
    process.stderr.write(`enet-ts: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Output piped into `head` and closed: end quietly, as command-line tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2)).then((code) => {
    // Let pending sends (a final DISCONNECT) leave before the process ends.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 500).unref();
  });
}
