// A bound on the size of a tree received from outside the group (a Welcome's or
// a GroupInfo's ratchet_tree). Hashing and validating a tree costs time linear
// in its width, and a forged, mostly blank tree is cheap to send, so the size is
// refused before any of that work. Shared by joinFromWelcome and external joins.
// No validation rule of RFC 9420 asks for it: it is a local policy
// (maxTreeLeaves per join call, docs/validation.md), a bound that real groups
// (tens of thousands of members at most) stay far below.

import { ValidationError } from '../errors.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';

/** 2^16 leaves: room for groups of tens of thousands, while a forged tree costs at most about half a second. */
export const DEFAULT_MAX_TREE_LEAVES = 1 << 16;

/** Throws ValidationError(`${where}: ...`) when the tree has more than `maxLeaves` leaves (blank ones included). */
export function checkTreeSize(tree: RatchetTree, maxLeaves: number | undefined, where: string): void {
  const max = maxLeaves ?? DEFAULT_MAX_TREE_LEAVES;
  if (tree.nLeaves > max) throw new ValidationError(`${where}: the tree has ${tree.nLeaves} leaves, more than the accepted ${max}`);
}
