// Timing helpers shared by benchmark sections: ops/s as the median of several
// timed runs after a warm-up, and a plain-text table.

export interface MeasureOptions {
  /** Number of timed runs; the median is reported. */
  runs?: number;
  /** Minimum duration of one run, in milliseconds. */
  runMs?: number;
}

/** Operations per second of `fn`, median of `runs` runs of at least `runMs` each. */
export function opsPerSecond(fn: () => unknown, opts: MeasureOptions = {}): number {
  const runs = opts.runs ?? 5;
  const runMs = opts.runMs ?? 150;
  const once = (ms: number): number => {
    let n = 0;
    const start = performance.now();
    let now: number;
    do {
      fn();
      n++;
      now = performance.now();
    } while (now - start < ms);
    return (n * 1000) / (now - start);
  };
  once(Math.min(50, runMs)); // warm-up: JIT, key caches, precomputed tables
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) rates.push(once(runMs));
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

export function formatRate(r: number): string {
  if (r >= 100_000) return `${Math.round(r / 1000)}k`;
  if (r >= 10_000) return `${(r / 1000).toFixed(1)}k`;
  return r >= 100 ? String(Math.round(r)) : r.toFixed(1);
}

export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
