import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './cbuild.js';
import { OutputWaiters, lineSplitter } from './lines.js';

/** The lowest port Linux hands out to bind(0) (0 where that cannot be read). */
function ephemeralPortsStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : 0;
  } catch {
    return 0;
  }
}
const EPHEMERAL_START = ephemeralPortsStart();
/** The lowest port picked below the ephemeral range. */
const PICKED_PORTS_START = 10000;

/**
 * A free UDP port on 127.0.0.1 (bound and released; Godot 3.2 cannot report its own port) for a
 * peer to bind next. Picked at random below the range the kernel hands out to bind(0), where
 * Linux has one: another test's socket cannot take it between this probe and the peer's bind.
 */
export async function freeUdpPort(): Promise<number> {
  for (let attempt = 1; attempt <= 25; attempt++) {
    const below = EPHEMERAL_START - PICKED_PORTS_START;
    const port = below > 1000 && attempt <= 20 ? PICKED_PORTS_START + Math.floor(Math.random() * below) : 0;
    try {
      return await bindAndCloseUdp(port);
    } catch (error) {
      if (attempt === 25) throw error; // taken: another one
    }
  }
  throw new Error('unreachable');
}

/**
 * Binds a node:dgram socket to 127.0.0.1:`port` (0: any free port) and closes it again; resolves
 * to the port it had, rejects (the socket closed) when the bind fails.
 */
export async function bindAndCloseUdp(port: number): Promise<number> {
  const s = dgram.createSocket('udp4');
  try {
    s.bind(port, '127.0.0.1');
    await once(s, 'listening');
    const bound = s.address().port;
    s.close();
    return bound;
  } catch (error) {
    // The socket that failed to bind is closed, if it needs it.
    try {
      s.close();
    } catch {}
    throw error;
  }
}

/** The folder of the headless Godot 4.3 peer beside the checkout (../shared/peers/godot4). */
export const GODOT4_DIR = resolve(REPO_ROOT, '..', 'shared', 'peers', 'godot4');
/** The Godot 4 binary: `$ENET_TS_GODOT4` when set, else the headless 4.3 build in GODOT4_DIR. */
const GODOT4_BINARY = process.env.ENET_TS_GODOT4 || join(GODOT4_DIR, 'godot4-headless');
/** The minimal Godot 4 project the scripts run in (a template build refuses to start without one). */
const GODOT4_PROJECT = join(REPO_ROOT, 'test', 'godot4');

/**
 * Why Godot 4 tests cannot run here, or null when the binary is present. Tests pass it as
 * `{ skip: godot4Missing() ?? false }` so a clone without ../shared shows a visible skip.
 */
export function godot4Missing(): string | null {
  return existsSync(GODOT4_BINARY)
    ? null
    : `Godot 4 binary not found at ${GODOT4_BINARY} (the headless 4.3 build exists only beside the checkout; set ENET_TS_GODOT4 to a Godot 4 binary to run these tests)`;
}

/**
 * A headless Godot process running a GDScript, with its output lines: Godot 3.2
 * (`godot3-server`, the default) or Godot 4.3 (`version: 4`). Scripts are paths from the
 * repository root (Godot 4 runs them in the project folder test/godot4).
 */
export class GodotProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly waiters = new OutputWaiters();
  private exited = false;
  private readonly closed: Promise<void>;
  /** Godot writes logs/ into its working directory: give it a temporary one. */
  private readonly dir = mkdtempSync(join(tmpdir(), 'enet-ts-godot-'));

  constructor(script: string, args: string[], version: 3 | 4 = 3) {
    const path = join(REPO_ROOT, script);
    this.child =
      version === 3
        ? spawn('godot3-server', ['--no-window', '-s', path, ...args], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(GODOT4_BINARY, ['--headless', '--path', GODOT4_PROJECT, '--script', path, '--', ...args], {
            cwd: this.dir,
            stdio: ['ignore', 'pipe', 'pipe'],
            // Godot 4 keeps user data under XDG folders: a temporary one, removed on close.
            env: { ...process.env, XDG_DATA_HOME: this.dir, XDG_CONFIG_HOME: this.dir, XDG_CACHE_HOME: this.dir },
          });
    const onData = lineSplitter(
      (l) => this.lines.push(l),
      () => this.waiters.notify(),
    );
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    // 'close' (not 'exit'): the output is complete then, so a last line is never missed.
    this.closed = once(this.child, 'close').then(() => {
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
    if (!this.exited) this.child.kill('SIGKILL');
    await this.closed;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
