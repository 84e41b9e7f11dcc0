/**
 * Rate limiting of the warnings about dropped datagrams, across a whole host: a flood from
 * thousands of (spoofed) addresses must not become thousands of log lines. In each window
 * (default 60 s) the first drop of each kind gets a line of its own, up to `linesPerWindow`
 * kinds; the rest are only counted, and the next drop after the window has ended first brings
 * one summary line with those counts. The host's own counters (`engine.drops`) stay exact.
 */
import type { DropReason } from '../engine/host.js';

/** One warning line: a dropped datagram (`address`, `port` set), or a summary of the ones not shown (`counts` set). */
export interface DropWarningLine {
  reason: DropReason;
  address: string;
  port: number;
  message: string;
  /** Summary lines only: how many datagrams of each kind were dropped without a line of their own. */
  counts?: Partial<Record<DropReason, number>>;
}

/** Tunables of a {@link DropWarningLimiter}. */
export interface DropWarningLimits {
  /** Length of a window in ms (default 60 000). */
  windowMs?: number;
  /** Lines of their own per window, at most one per kind (default 3). */
  linesPerWindow?: number;
  /** The clock, in ms (default `performance.now`). */
  now?: () => number;
}

const LABELS: Record<DropReason, string> = {
  malformed: 'malformed',
  oversized: 'oversized',
  unknownPeer: 'unknown peer',
  checksum: 'checksum failed',
  decompress: 'not decompressible',
  compressedWithoutCodec: 'compressed without a codec',
  refused: 'refused',
};

/** Formats a count with spaces between thousands (12 345). */
function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ' ');
}

/** Decides which drop warnings become lines (see the module comment). */
export class DropWarningLimiter {
  private readonly windowMs: number;
  private readonly linesPerWindow: number;
  private readonly now: () => number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private readonly shown = new Set<DropReason>();
  private suppressed: Partial<Record<DropReason, number>> = {};
  private suppressedTotal = 0;

  constructor(
    private readonly emit: (line: DropWarningLine) => void,
    limits: DropWarningLimits = {},
  ) {
    this.windowMs = limits.windowMs ?? 60_000;
    this.linesPerWindow = limits.linesPerWindow ?? 3;
    this.now = limits.now ?? (() => performance.now());
  }

  /** Reports one dropped datagram; `describe` makes its line's message, called only when the line is shown. */
  report(reason: DropReason, address: string, port: number, describe: () => string): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.summarize();
      this.windowStart = now;
      this.shown.clear();
    }
    if (!this.shown.has(reason) && this.shown.size < this.linesPerWindow) {
      this.shown.add(reason);
      this.emit({ reason, address, port, message: describe() });
      return;
    }
    this.suppressed[reason] = (this.suppressed[reason] ?? 0) + 1;
    this.suppressedTotal++;
  }

  /** Emits the summary of the drops counted but not shown in the window that ended, if any. */
  private summarize(): void {
    if (this.suppressedTotal === 0) return;
    const kinds = (Object.entries(this.suppressed) as Array<[DropReason, number]>).sort((a, b) => b[1] - a[1]);
    const seconds = Math.round(this.windowMs / 1000);
    this.emit({
      reason: kinds[0]![0],
      address: '',
      port: 0,
      message: `… ${count(this.suppressedTotal)} more datagrams dropped in the last ${seconds} s: ${kinds.map(([r, n]) => `${count(n)} ${LABELS[r]}`).join(', ')}`,
      counts: this.suppressed,
    });
    this.suppressed = {};
    this.suppressedTotal = 0;
  }
}
