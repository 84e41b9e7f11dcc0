import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './cbuild.js';
import { OutputWaiters, lineSplitter } from './lines.js';

/** How to start a {@link Proc}: another program than node, and stderr lines kept in `out` too. */
export interface ProcOptions {
  command?: string;
  mergeStderr?: boolean;
}

/** A spawned process (node by default) with its output lines; killed by close(). */
export class Proc {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  private readonly waiters = new OutputWaiters();

  constructor(args: string[], options: ProcOptions = {}) {
    this.child = spawn(options.command ?? process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const notify = () => this.waiters.notify();
    const errLines = options.mergeStderr ? this.out : this.err;
    this.child.stdout!.on(
      'data',
      lineSplitter((l) => this.out.push(l), notify),
    );
    this.child.stderr!.on(
      'data',
      lineSplitter((l) => errLines.push(l), notify),
    );
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        resolve(code ?? -1);
        this.waiters.notify();
      }),
    );
  }

  /** Resolves with the first stdout line (stdout or stderr with `mergeStderr`) matching `re`. */
  waitFor(re: RegExp, ms = 10000): Promise<string> {
    return this.waiters.wait(
      () => this.out.find((x) => re.test(x)),
      () => (this.child.exitCode !== null ? `exited before ${re}: ${this.out.join('\n')} ${this.err.join('\n')}` : null),
      ms,
      () => `timed out waiting for ${re}: ${this.out.join('\n')}`,
    );
  }

  /** Sends a signal (default SIGKILL) and waits for the exit code. */
  async close(signal: NodeJS.Signals = 'SIGKILL'): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Runs a node script (or `options.command`) to completion (bounded); resolves with exit code and output. */
export async function run(args: string[], ms = 20000, options: ProcOptions = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const p = new Proc(args, options);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: p.out, err: p.err };
}

/**
 * Starts a server that binds the port it is given (found free just before by `freePort`) and
 * waits for its `ready` line. Another test's socket can take that port in between: when the
 * server says "Address already in use", another port is tried (three attempts in all).
 */
export async function startOnFreePort(
  freePort: () => Promise<number>,
  start: (port: number) => Proc,
  ready: RegExp,
  ms = 5000,
): Promise<{ proc: Proc; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = start(port);
    try {
      await proc.waitFor(ready, ms);
      return { proc, port };
    } catch (error) {
      await proc.close();
      if (attempt < 3 && /Address already in use/.test(String(error))) continue;
      throw error;
    }
  }
}
