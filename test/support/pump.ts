import { type ENetConnection, EventType, type ServiceEvent } from '../../src/index.js';

/**
 * Runs one `service()` loop per connection in the background and records every event, so a test
 * can wait for conditions without losing events. Stop it (or destroy the connections) at the end.
 */
export class EventPump {
  readonly events: Array<ServiceEvent & { conn: ENetConnection }> = [];
  private running = true;
  private readonly listeners = new Set<() => void>();
  private readonly loops: Promise<void>[];

  constructor(readonly connections: ENetConnection[]) {
    this.loops = connections.map((c) => this.loop(c));
  }

  private async loop(c: ENetConnection): Promise<void> {
    while (this.running) {
      const e = await c.service(100);
      if (e.type === EventType.ERROR) return;
      if (e.type === EventType.NONE) continue;
      this.events.push({ ...e, conn: c });
      for (const l of this.listeners) l();
    }
  }

  /** Events of one connection (optionally of one type). */
  of(c: ENetConnection, type?: EventType): Array<ServiceEvent & { conn: ENetConnection }> {
    return this.events.filter((e) => e.conn === c && (type === undefined || e.type === type));
  }

  /** Resolves when `predicate` holds (checked after every event and every 50 ms); rejects after `ms`. */
  waitFor(predicate: () => boolean, ms = 10000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate()) done(null);
      };
      const interval = setInterval(check, 50);
      const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      const done = (err: Error | null) => {
        clearInterval(interval);
        clearTimeout(timer);
        this.listeners.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.listeners.add(check);
    });
  }

  /** Stops the loops (they end at their next service() return). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
