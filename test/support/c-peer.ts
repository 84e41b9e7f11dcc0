import { spawn, type ChildProcess } from 'node:child_process';
import { compileC } from './cbuild.js';
import { OutputWaiters, lineSplitter } from './lines.js';

/** One JSON line reported by the C peer. */
// biome-ignore lint/suspicious/noExplicitAny: free-form JSON events from the C program
export type CEvent = Record<string, any> & { event: string };

/** Content the C peer generates for `send PEER CH FLAGS SIZE SEED`. */
export function generated(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (seed + i * 7 + (i >> 8)) & 0xff;
  return b;
}

/**
 * A real C ENet 1.3.17 peer (test/c/interop_peer.c linked against Debian's libenet), driven over
 * stdin with JSON-line events on stdout. Every instance is killed by close().
 */
export class CPeer {
  readonly events: CEvent[] = [];
  port = 0;
  private readonly child: ChildProcess;
  private readonly waiters = new OutputWaiters();
  private stderr = '';
  private exited = false;

  private constructor(args: string[]) {
    const bin = compileC('interop_peer');
    this.child = spawn(bin, [...args, '--max-seconds', '120'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on(
      'data',
      lineSplitter(
        (line) => {
          try {
            this.events.push(JSON.parse(line) as CEvent);
          } catch {
            this.events.push({ event: 'garbage', line });
          }
        },
        () => this.waiters.notify(),
      ),
    );
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child.on('exit', () => {
      this.exited = true;
      this.waiters.notify();
    });
  }

  /** Spawns a C peer (`--server 0` or `--connect HOST:PORT` plus options) and waits until it is ready. */
  static async start(args: string[]): Promise<CPeer> {
    const p = new CPeer(args);
    const ready = await p.waitFor((e) => e.event === 'ready', 10000, 'ready');
    p.port = ready.port as number;
    return p;
  }

  /** Writes one command line. */
  command(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Resolves with the first event at index ≥ `from` matching `pred`; rejects on timeout or exit. */
  waitFor(pred: (e: CEvent) => boolean, ms = 10000, what = 'event', from = 0): Promise<CEvent> {
    return this.waiters.wait(
      () => {
        for (let i = from; i < this.events.length; i++) if (pred(this.events[i]!)) return this.events[i];
        return undefined;
      },
      () => (this.exited ? `C peer exited before ${what}: ${this.stderr} ${JSON.stringify(this.events.slice(-5))}` : null),
      ms,
      () => `timed out waiting for ${what}; last events ${JSON.stringify(this.events.slice(-5))}`,
    );
  }

  /** Resolves when `condition` holds (checked once per output chunk); rejects on timeout or exit. */
  until(condition: () => boolean, ms = 10000, what = 'condition'): Promise<void> {
    return this.waitFor(
      (e) => e === this.events[this.events.length - 1] && condition(),
      ms,
      what,
      Math.max(0, this.events.length - 1),
    ).then(() => undefined);
  }

  /** Number of events named `name` (kept incrementally). */
  count(name: string): number {
    let n = 0;
    for (const e of this.events) if (e.event === name) n++;
    return n;
  }

  /** Sends a command and waits for the next event named `name` after it. */
  request(line: string, name: string, ms = 10000): Promise<CEvent> {
    const from = this.events.length;
    this.command(line);
    return this.waitFor((e) => e.event === name, ms, name, from);
  }

  /** Events with the given name. */
  all(name: string): CEvent[] {
    return this.events.filter((e) => e.event === name);
  }

  /** Asks the peer to quit, and kills it if it does not within 2 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.command('quit');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exit;
    clearTimeout(t);
  }
}
