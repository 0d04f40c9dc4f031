// Paging by bytes, shared by the storage backends: a page of rows (in order)
// is at least one row, at most `limit`, and about `maxBytes`.

import type { PageLimit } from './types.js';

/** How many of the rows (in order) make one page: at least one, at most `limit`, about `maxBytes`. */
export function pageCut(sizes: readonly number[], page: PageLimit): number {
  let n = 0;
  let total = 0;
  while (n < sizes.length && n < page.limit) {
    const cost = sizes[n]! + page.overhead;
    if (n > 0 && total + cost > page.maxBytes) break;
    total += cost;
    n++;
  }
  return n;
}
