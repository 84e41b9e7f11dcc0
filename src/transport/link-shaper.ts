/** Conditions of a simulated link; every field is optional and defaults to a perfect link. */
export interface LinkConditions {
  /** Percentage (0–100) of datagrams dropped. */
  lossPercent?: number;
  /** One-way delay added to every datagram (ms). */
  latencyMs?: number;
  /** Extra random delay, uniform in [0, jitterMs] (ms). */
  jitterMs?: number;
  /** Percentage (0–100) of datagrams delivered twice. */
  duplicatePercent?: number;
  /** Percentage (0–100) of datagrams held back by an extra random delay so that later ones overtake them. */
  reorderPercent?: number;
  /** Serialisation rate of the link (bytes per second, 0 = unlimited): datagrams queue behind each other. */
  bandwidthBytesPerSecond?: number;
}

/** A small deterministic PRNG (mulberry32) so simulated links are reproducible from a seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Validates link conditions, throwing a RangeError that says what is allowed. */
export function validateLinkConditions(c: LinkConditions): void {
  const pct = ['lossPercent', 'duplicatePercent', 'reorderPercent'] as const;
  for (const k of pct) {
    const v = c[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 100))
      throw new RangeError(`${k} must be a number from 0 to 100, got ${String(v)}`);
  }
  const nonNeg = ['latencyMs', 'jitterMs', 'bandwidthBytesPerSecond'] as const;
  for (const k of nonNeg) {
    const v = c[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`${k} must be a finite number ≥ 0, got ${String(v)}`);
  }
}

/**
 * Decides the fate of each datagram crossing a simulated link: dropped, or delivered after one
 * or two delays. Pure logic; the caller owns the clock and the timers.
 */
export class LinkShaper {
  private conditions: Required<LinkConditions>;
  private readonly random: () => number;
  /** When the simulated wire is next free (bandwidth limit). */
  private busyUntil = 0;
  /** Datagrams dropped and duplicated so far. */
  dropped = 0;
  duplicated = 0;

  constructor(conditions: LinkConditions, seed = 1) {
    validateLinkConditions(conditions);
    this.conditions = normalise(conditions);
    this.random = mulberry32(seed);
  }

  /** Replaces the conditions. */
  set(conditions: LinkConditions): void {
    validateLinkConditions(conditions);
    this.conditions = normalise(conditions);
  }

  /**
   * Returns the delays (ms from `now`) at which copies of a datagram of `size` bytes arrive:
   * empty when it is lost, two entries when duplicated.
   */
  schedule(now: number, size: number): number[] {
    const c = this.conditions;
    let base = 0;
    if (c.bandwidthBytesPerSecond > 0) {
      const start = Math.max(now, this.busyUntil);
      this.busyUntil = start + (size * 1000) / c.bandwidthBytesPerSecond;
      base = this.busyUntil - now;
    }
    if (this.random() * 100 < c.lossPercent) {
      this.dropped++;
      return [];
    }
    const one = () => {
      let d = base + c.latencyMs + this.random() * c.jitterMs;
      if (this.random() * 100 < c.reorderPercent) d += 1 + this.random() * Math.max(10, c.latencyMs + c.jitterMs);
      return d;
    };
    const delays = [one()];
    if (this.random() * 100 < c.duplicatePercent) {
      this.duplicated++;
      delays.push(one());
    }
    return delays;
  }
}

function normalise(c: LinkConditions): Required<LinkConditions> {
  return {
    lossPercent: c.lossPercent ?? 0,
    latencyMs: c.latencyMs ?? 0,
    jitterMs: c.jitterMs ?? 0,
    duplicatePercent: c.duplicatePercent ?? 0,
    reorderPercent: c.reorderPercent ?? 0,
    bandwidthBytesPerSecond: c.bandwidthBytesPerSecond ?? 0,
  };
}
