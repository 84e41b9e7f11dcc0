/**
 * The soak test's verdict and chart: whether the server's memory or event-loop delay trends
 * upward over a run, and an SVG of RSS, heap, event-loop delay and peer count over time.
 */

/** One sample of the soak server, taken every second. */
export interface SoakSample {
  /** Seconds since the server started. */
  t: number;
  rssMB: number;
  heapMB: number;
  /** 99th percentile of the event-loop delay over the last second (ms). */
  eventLoopDelayP99Ms: number;
  /** Connected peers. */
  peers: number;
}

/** A metric's trend: medians of the first and last thirds after warm-up, and whether the rise exceeds the margin. */
export interface Trend {
  metric: 'rssMB' | 'heapMB' | 'eventLoopDelayP99Ms';
  first: number;
  last: number;
  /** The largest `last` that still counts as flat. */
  limit: number;
  rising: boolean;
}

/**
 * Allowed rise of the last third's median over the first third's: a factor and an absolute
 * slack. Generous on purpose: heaps saw-tooth with the GC, RSS grows once as V8 sizes its
 * young generation, and a loaded machine delays the event loop now and then; a leak or a
 * quadratic cost keeps growing and crosses them in a run of minutes.
 */
export const TREND_MARGINS = {
  rssMB: { factor: 1.25, slack: 24 },
  heapMB: { factor: 1.3, slack: 12 },
  eventLoopDelayP99Ms: { factor: 2, slack: 25 },
} as const;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Compares, for each metric, the median of the last third of the samples after the warm-up
 * (`warmupSeconds`) with the median of the first third (see {@link TREND_MARGINS}). Medians of
 * thirds, not a regression slope, so single spikes (a GC, a descheduled process) cannot decide.
 * Null when fewer than 9 samples remain after warm-up.
 */
export function trends(samples: SoakSample[], warmupSeconds: number): Trend[] | null {
  const steady = samples.filter((s) => s.t >= warmupSeconds);
  if (steady.length < 9) return null;
  const third = Math.floor(steady.length / 3);
  const head = steady.slice(0, third);
  const tail = steady.slice(steady.length - third);
  return (Object.keys(TREND_MARGINS) as Array<keyof typeof TREND_MARGINS>).map((metric) => {
    const first = median(head.map((s) => s[metric]));
    const last = median(tail.map((s) => s[metric]));
    const limit = first * TREND_MARGINS[metric].factor + TREND_MARGINS[metric].slack;
    return { metric, first, last, limit, rising: last > limit };
  });
}

const SERIES: Array<{ key: keyof Omit<SoakSample, 't'>; label: string; color: string }> = [
  { key: 'rssMB', label: 'RSS (MB)', color: '#c33' },
  { key: 'heapMB', label: 'heap used (MB)', color: '#36c' },
  { key: 'eventLoopDelayP99Ms', label: 'event-loop delay p99 (ms)', color: '#e90' },
  { key: 'peers', label: 'connected peers', color: '#393' },
];

/** An SVG chart: one panel per series over time, with the title on top. */
export function soakChart(samples: SoakSample[], title: string): string {
  const W = 900;
  const panelH = 120;
  const top = 36;
  const left = 60;
  const right = 20;
  const H = top + SERIES.length * (panelH + 24) + 20;
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const x = (t: number) => left + ((W - left - right) * t) / tMax;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
  svg += `<rect width="${W}" height="${H}" fill="#fff"/>\n`;
  svg += `<text x="10" y="20" font-weight="bold">${esc(title)}</text>\n`;
  SERIES.forEach((series, i) => {
    const y0 = top + i * (panelH + 24);
    const values = samples.map((s) => s[series.key]);
    const vMax = Math.max(1, ...values) * 1.1;
    const y = (v: number) => y0 + panelH - (panelH * v) / vMax;
    svg += `<rect x="${left}" y="${y0}" width="${W - left - right}" height="${panelH}" fill="none" stroke="#ccc"/>\n`;
    svg += `<text x="${left + 6}" y="${y0 + 14}" fill="${series.color}">${esc(series.label)}</text>\n`;
    svg += `<text x="${left - 6}" y="${y0 + 10}" text-anchor="end" fill="#555">${vMax.toFixed(vMax < 10 ? 1 : 0)}</text>\n`;
    svg += `<text x="${left - 6}" y="${y0 + panelH}" text-anchor="end" fill="#555">0</text>\n`;
    const points = samples.map((s) => `${x(s.t).toFixed(1)},${y(s[series.key]).toFixed(1)}`).join(' ');
    svg += `<polyline fill="none" stroke="${series.color}" stroke-width="1.5" points="${points}"/>\n`;
  });
  svg += `<text x="${(W / 2).toFixed(0)}" y="${H - 6}" text-anchor="middle" fill="#555">seconds (0 – ${tMax.toFixed(0)})</text>\n`;
  return `${svg}</svg>\n`;
}
