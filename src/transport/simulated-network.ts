import { Host, type HostEvent, type HostOptions } from '../engine/host.js';
import { LinkShaper, type LinkConditions } from './link-shaper.js';

interface InFlight {
  at: number;
  seq: number;
  data: Uint8Array;
  fromAddress: string;
  fromPort: number;
  to: string;
}

/** A host attached to a {@link SimulatedNetwork}, with the events it produced. */
export interface SimulatedNode {
  readonly host: Host;
  readonly address: string;
  readonly port: number;
  /** Every event the host produced, in order. */
  readonly events: HostEvent[];
}

/**
 * A deterministic network for engine tests: hosts exchange datagrams through link shapers under
 * a virtual clock, so loss, delay, jitter, duplication and reordering replay identically.
 */
export class SimulatedNetwork {
  /** Virtual time in ms. */
  now: number;
  private readonly nodes = new Map<string, SimulatedNode>();
  private readonly queue: InFlight[] = [];
  private seq = 0;
  private readonly shaper: LinkShaper;
  /** Datagrams sent through the network, for inspection. */
  readonly log: Array<{ at: number; from: string; to: string; data: Uint8Array }> = [];
  logDatagrams = false;

  constructor(conditions: LinkConditions = {}, seed = 1, start = 1000) {
    this.shaper = new LinkShaper(conditions, seed);
    this.now = start;
  }

  /** Changes the link conditions (applied to datagrams sent from now on). */
  setConditions(conditions: LinkConditions): void {
    this.shaper.set(conditions);
  }

  /** Creates a host at `address:port` on this network. */
  addHost(address: string, port: number, options: HostOptions): SimulatedNode {
    const from = `${address}:${port}`;
    let rnd = port * 2654435761;
    const host = new Host(
      { random: () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0), ...options },
      (data, start, end, toAddress, toPort) => {
        const to = `${toAddress}:${toPort}`;
        const delays = this.shaper.schedule(this.now, end - start);
        if (!this.logDatagrams && delays.length === 0) return;
        // The engine lends its scratch buffer: one copy, shared by the log and every delivery.
        const kept = data.slice(start, end);
        if (this.logDatagrams) this.log.push({ at: this.now, from, to, data: kept });
        for (const d of delays)
          this.queue.push({ at: this.now + d, seq: this.seq++, data: kept, fromAddress: address, fromPort: port, to });
      },
    );
    host.setTime(this.now);
    const node: SimulatedNode = { host, address, port, events: [] };
    this.nodes.set(from, node);
    return node;
  }

  /** Lets every host drain its events into its `events` array. */
  private collect(): void {
    for (const node of this.nodes.values()) {
      for (let e = node.host.checkEvents(); e !== null; e = node.host.checkEvents()) node.events.push({ ...e });
    }
  }

  /** Advances virtual time by `ms` in steps of `step` ms, delivering datagrams and servicing every host. */
  run(ms: number, step = 1): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + step);
      this.tick();
    }
  }

  /** Runs until `predicate` holds or `limitMs` of virtual time passed; returns whether it held. */
  runUntil(predicate: () => boolean, limitMs: number, step = 1): boolean {
    const end = this.now + limitMs;
    while (this.now < end) {
      if (predicate()) return true;
      this.now += step;
      this.tick();
    }
    return predicate();
  }

  private tick(): void {
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    let i = 0;
    while (i < this.queue.length && this.queue[i]!.at <= this.now) {
      const d = this.queue[i++]!;
      const node = this.nodes.get(d.to);
      if (!node) continue;
      node.host.setTime(this.now);
      node.host.receive(d.data, d.fromAddress, d.fromPort);
    }
    if (i > 0) this.queue.splice(0, i);
    for (const node of this.nodes.values()) {
      node.host.setTime(this.now);
      node.host.service();
    }
    this.collect();
  }
}
