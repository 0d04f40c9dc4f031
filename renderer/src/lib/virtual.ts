// The arithmetic of the virtualized message list: row offsets from (measured
// or estimated) heights, and which rows intersect the viewport. Pure: tested
// under Node.

/** offsets[i] is the top of row i; offsets[n] is the total height. */
export function layoutOffsets(count: number, heightOf: (i: number) => number): Float64Array {
  const off = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) off[i + 1] = off[i]! + heightOf(i);
  return off;
}

/** The first row whose bottom is below y (binary search). */
export function rowAt(offsets: Float64Array, y: number): number {
  const n = offsets.length - 1;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid + 1]! <= y) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, Math.max(0, n - 1));
}

/** Rows [start, end) to render for a viewport, with `overscan` pixels above and below. */
export function visibleRange(offsets: Float64Array, scrollTop: number, viewport: number, overscan: number): { start: number; end: number } {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const start = rowAt(offsets, Math.max(0, scrollTop - overscan));
  let end = rowAt(offsets, scrollTop + viewport + overscan) + 1;
  end = Math.min(n, Math.max(end, start + 1));
  return { start, end };
}
