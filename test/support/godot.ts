import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cbuild.js';

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
  private readonly waiters = new Set<() => void>();
  private exited = false;
  /** Godot writes logs/ into its working directory: give it a temporary one. */
  private readonly dir = mkdtempSync(join(tmpdir(), 'enet-ts-godot-'));

  constructor(script: string, args: string[]) {
    this.child = spawn('godot3-server', ['--no-window', '-s', join(REPO_ROOT, script), ...args], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      for (const w of this.waiters) w();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters) w();
    });
  }

  /** Resolves with the first output line matching `re`; rejects on timeout or exit. */
  waitFor(re: RegExp, ms = 20000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.lines.find((l) => re.test(l));
        if (line !== undefined) done(null, line);
        else if (this.exited) done(new Error(`godot exited before ${re}; output:\n${this.lines.join('\n')}`));
      };
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${re}; output:\n${this.lines.join('\n')}`)), ms);
      const done = (err: Error | null, line?: string) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(line!);
      };
      this.waiters.add(check);
      check();
    });
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
