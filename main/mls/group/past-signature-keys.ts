// The signature keys of a past epoch's members, which a late application
// message of that epoch is verified with (RFC 9420 §15.3: past epochs kept for
// late messages). Taken from that epoch's tree when the epoch is left, which is
// O(1): the tree is immutable and shares its nodes with the trees after it, so
// listing every member's key on each commit (O(n)) is not needed. A state read
// from storage has them as the stored list; both answer the same.

import type { LeafIndex } from '../tree/math.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';

/** Signature key of each leaf (undefined: blank), by leaf index; `length` stops after the last non-blank leaf. Arrays are one. */
export interface LeafSignatureKeys {
  readonly length: number;
  at(leaf: number): Uint8Array | undefined;
}

/** The keys of `tree`'s leaves, read from the tree when asked. */
export function signatureKeysOf(tree: RatchetTree): LeafSignatureKeys {
  let length: number | undefined;
  return {
    get length(): number {
      if (length === undefined) {
        let l = tree.nLeaves;
        while (l > 0 && tree.leaf((l - 1) as LeafIndex) === undefined) l--;
        length = l;
      }
      return length;
    },
    at: (leaf) => (Number.isInteger(leaf) && leaf >= 0 && leaf < tree.nLeaves ? tree.leaf(leaf as LeafIndex)?.signatureKey : undefined),
  };
}

/** The list as an array (for storage). */
export function signatureKeyList(keys: LeafSignatureKeys): (Uint8Array | undefined)[] {
  return Array.from({ length: keys.length }, (_, l) => keys.at(l));
}
