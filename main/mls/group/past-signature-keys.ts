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

/** A list read from a tree, which keeps the array it was written as. */
interface TreeSignatureKeys extends LeafSignatureKeys {
  asArray(): readonly (Uint8Array | undefined)[];
}

/** The keys of `tree`'s leaves, read from the tree when asked. */
export function signatureKeysOf(tree: RatchetTree): LeafSignatureKeys {
  let length: number | undefined;
  let array: readonly (Uint8Array | undefined)[] | undefined;
  const keys: TreeSignatureKeys = {
    get length(): number {
      if (length === undefined) {
        let l = tree.nLeaves;
        while (l > 0 && tree.leaf((l - 1) as LeafIndex) === undefined) l--;
        length = l;
      }
      return length;
    },
    at: (leaf) => (Number.isInteger(leaf) && leaf >= 0 && leaf < tree.nLeaves ? tree.leaf(leaf as LeafIndex)?.signatureKey : undefined),
    // Made once: a past epoch is written with every stored state.
    asArray: () => (array ??= Array.from({ length: keys.length }, (_, l) => keys.at(l))),
  };
  return keys;
}

/** The list as an array (for storage). */
export function signatureKeyList(keys: LeafSignatureKeys): readonly (Uint8Array | undefined)[] {
  if (Array.isArray(keys)) return keys as readonly (Uint8Array | undefined)[];
  if ('asArray' in keys) return (keys as TreeSignatureKeys).asArray();
  return Array.from({ length: keys.length }, (_, l) => keys.at(l));
}
