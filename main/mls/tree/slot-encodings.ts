// The encoding of a tree's node slots (optional<Node> each: the ratchet_tree
// extension body, RFC 9420 §12.4.3.3, and the tree of a stored state),
// memoized in runs of RUN slots the way tree hashes are: a tree derived from
// another keeps the runs its changes did not touch, so writing the tree of a
// 10,000-member group after a commit re-encodes the few runs holding the
// changed path and copies the other runs' bytes. Invisible state of the tree,
// like its hash memo: it changes no result.

import type { Encoder } from '../codec/encoder.js';
import { Encoder as Buffered } from '../codec/encoder.js';
import type { Node } from './node.js';

const RUN = 256;

export type WriteSlot = (e: Encoder, n: Node | undefined) => void;

export class SlotEncodings {
  private constructor(
    /** Run k covers slots [k * RUN, (k + 1) * RUN) of a tree `width` slots wide (the last run may be shorter). */
    private readonly runs: (Uint8Array | undefined)[],
    private readonly width: number,
  ) {}

  static empty(width: number): SlotEncodings {
    return new SlotEncodings(new Array<Uint8Array | undefined>(Math.ceil(width / RUN)).fill(undefined), width);
  }

  /** The encodings of a tree `width` wide derived from this one's by changing `changed` slots. */
  derive(changed: Iterable<number>, width: number): SlotEncodings {
    const n = Math.ceil(width / RUN);
    const runs = this.runs.slice(0, n);
    while (runs.length < n) runs.push(undefined);
    if (width !== this.width) {
      // Runs that the old or the new end cuts cover other slots now.
      const lo = Math.floor(Math.min(width, this.width) / RUN);
      for (let k = lo; k < n; k++) runs[k] = undefined;
    }
    for (const x of changed) {
      const k = Math.floor(x / RUN);
      if (k < n) runs[k] = undefined;
    }
    return new SlotEncodings(runs, width);
  }

  /** Writes slots [0, count) (count <= width): whole runs from the memo, a partial last run afresh. */
  write(e: Encoder, slot: (x: number) => Node | undefined, count: number, writeSlot: WriteSlot): void {
    const whole = Math.floor(count / RUN);
    for (let k = 0; k < whole; k++) {
      let b = this.runs[k];
      if (b === undefined) {
        const w = new Buffered(RUN * 64);
        for (let x = k * RUN; x < (k + 1) * RUN; x++) writeSlot(w, slot(x));
        b = w.finish();
        this.runs[k] = b;
      }
      e.raw(b);
    }
    for (let x = whole * RUN; x < count; x++) writeSlot(e, slot(x));
  }
}
