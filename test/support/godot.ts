import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cbuild.js';
import { OutputWaiters, lineSplitter } from './lines.js';

/** A free UDP port on 127.0.0.1 (bound and released; Godot 3.2 cannot report its own port). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const port = s.address().port;
  s.close();
  return port;
}

/** A headless Godot 3.2 process running one of the repo's GDScripts, with its output lines. */
export class GodotProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly waiters = new OutputWaiters();
  private exited = false;
  /** Godot writes logs/ into its working directory: give it a temporary one. */
  private readonly dir = mkdtempSync(join(tmpdir(), 'enet-ts-godot-'));

  constructor(script: string, args: string[]) {
    this.child = spawn('godot3-server', ['--no-window', '-s', join(REPO_ROOT, script), ...args], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = lineSplitter(
      (l) => this.lines.push(l),
      () => this.waiters.notify(),
    );
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.child.on('exit', () => {
      this.exited = true;
      this.waiters.notify();
    });
  }

  /** Resolves with the first output line matching `re`; rejects on timeout or exit. */
  waitFor(re: RegExp, ms = 20000): Promise<string> {
    return this.waiters.wait(
      () => this.lines.find((l) => re.test(l)),
      () => (this.exited ? `godot exited before ${re}; output:\n${this.lines.join('\n')}` : null),
      ms,
      () => `timed out waiting for ${re}; output:\n${this.lines.join('\n')}`,
    );
  }

  /** Kills the process and waits for it to exit. */
  async close(): Promise<void> {
    if (!this.exited) {
      const exit = once(this.child, 'exit');
      this.child.kill('SIGKILL');
      await exit;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
