import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './cbuild.js';

/** A spawned node process with its output lines; killed by close(). */
export class Proc {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  private readonly waiters = new Set<() => void>();

  constructor(args: string[]) {
    this.child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = (into: string[]) => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          into.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        for (const w of this.waiters) w();
      };
    };
    this.child.stdout!.on('data', lines(this.out));
    this.child.stderr!.on('data', lines(this.err));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        resolve(code ?? -1);
        for (const w of this.waiters) w();
      }),
    );
  }

  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp, ms = 10000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const l = this.out.find((x) => re.test(x));
        if (l !== undefined) done(null, l);
        else if (this.child.exitCode !== null) done(new Error(`exited before ${re}: ${this.out.join('\n')} ${this.err.join('\n')}`));
      };
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${re}: ${this.out.join('\n')}`)), ms);
      const done = (e: Error | null, l?: string) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (e) reject(e);
        else resolve(l!);
      };
      this.waiters.add(check);
      check();
    });
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
