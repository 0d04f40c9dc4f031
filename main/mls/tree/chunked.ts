// A persistent array for a tree's node slots and its per-node memo: entries in
// chunks of CHUNK under a table of chunks, so that a version derived from
// another copies the table (length / CHUNK pointers) and the chunks it
// changes, not all entries. A commit in a 10,000-member group changes about
// 30 of ~32,000 slots (a path and the hashes above it); copying every entry,
// twice per derived tree, was the last part of processing a commit that grew
// with the group.

const SHIFT = 8;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

export class Chunked<T> {
  private constructor(
    private readonly chunks: T[][],
    readonly length: number,
  ) {}

  /** `length` entries, each `fill`. */
  static filled<T>(length: number, fill: T): Chunked<T> {
    const chunks: T[][] = [];
    for (let at = 0; at < length; at += CHUNK) chunks.push(new Array<T>(Math.min(CHUNK, length - at)).fill(fill));
    return new Chunked(chunks, length);
  }

  static of<T>(items: readonly T[]): Chunked<T> {
    const chunks: T[][] = [];
    for (let at = 0; at < items.length; at += CHUNK) chunks.push(items.slice(at, at + CHUNK));
    return new Chunked(chunks, items.length);
  }

  get(i: number): T {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }

  /**
   * Writes an entry in place, into a chunk other versions may share: only for a
   * memo entry every version sharing that chunk agrees on (derive() gives a
   * version its own copy of every chunk where an entry differs).
   */
  setShared(i: number, v: T): void {
    this.chunks[i >>> SHIFT]![i & MASK] = v;
  }

  /** A new version `length` long (grown with `fill`, or cut), with `sets` applied. */
  derive(sets: Iterable<readonly [number, T]>, length: number, fill: T): Chunked<T> {
    const n = Math.ceil(length / CHUNK);
    const chunks = this.chunks.slice(0, n);
    const own = new Set<number>();
    const mine = (k: number): T[] => {
      if (!own.has(k)) {
        const size = Math.min(CHUNK, length - k * CHUNK);
        const old = chunks[k];
        const copy = old === undefined ? [] : old.slice(0, size);
        while (copy.length < size) copy.push(fill);
        chunks[k] = copy;
        own.add(k);
      }
      return chunks[k]!;
    };
    // Chunks whose size changes with the length are copied (and padded or cut).
    for (let k = Math.floor(Math.min(length, this.length) / CHUNK); k < n; k++) if (chunks[k]?.length !== Math.min(CHUNK, length - k * CHUNK)) mine(k);
    for (const [i, v] of sets) if (i < length) mine(i >>> SHIFT)[i & MASK] = v;
    return new Chunked(chunks, length);
  }

  toArray(): T[] {
    return this.chunks.flat() as T[];
  }
}
