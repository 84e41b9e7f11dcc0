import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './cbuild.js';
import { OutputWaiters, lineSplitter } from './lines.js';

/** A spawned node process with its output lines; killed by close(). */
export class Proc {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  private readonly waiters = new OutputWaiters();

  constructor(args: string[]) {
    this.child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on(
      'data',
      lineSplitter(
        (l) => this.out.push(l),
        () => this.waiters.notify(),
      ),
    );
    this.child.stderr!.on(
      'data',
      lineSplitter(
        (l) => this.err.push(l),
        () => this.waiters.notify(),
      ),
    );
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        resolve(code ?? -1);
        this.waiters.notify();
      }),
    );
  }

  /** Resolves with the first stdout line matching `re`. */
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

/** Runs a node script to completion (bounded); resolves with exit code and output. */
export async function run(args: string[], ms = 20000): Promise<{ code: number; out: string[]; err: string[] }> {
  const p = new Proc(args);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: p.out, err: p.err };
}
