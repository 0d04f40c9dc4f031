// RFC 9420 §12.1.1–§12.1.3 and §7.7: the tree changes made by Add, Update and
// Remove proposals. Each returns a new tree; the input is never modified.

import { ArgumentError } from '../errors.js';
import type { LeafNode } from './leaf-node.js';
import { directPath, root, type LeafIndex, type NodeIndex } from './math.js';
import { NodeType, type Node } from './node.js';
import type { RatchetTree } from './ratchet-tree.js';

function insertSorted(list: readonly LeafIndex[], l: LeafIndex): LeafIndex[] {
  const out = list.filter((x) => x !== l);
  let i = 0;
  while (i < out.length && out[i]! < l) i++;
  out.splice(i, 0, l);
  return out;
}

function leafSlot(leaf: LeafNode): Node {
  return { nodeType: NodeType.leaf, leaf };
}

/** The direct path of a leaf as a list of nodes (empty for a one-leaf tree). */
function pathOf(tree: RatchetTree, l: LeafIndex, nLeaves = tree.nLeaves): NodeIndex[] {
  const x = (2 * l) as NodeIndex;
  return x === root(nLeaves) ? [] : directPath(x, nLeaves);
}

/**
 * RFC 9420 §12.1.1: puts the leaf in the leftmost blank leaf slot, doubling the
 * tree when there is none, and lists it as unmerged on every non-blank ancestor.
 */
export function addLeaf(tree: RatchetTree, leaf: LeafNode): { tree: RatchetTree; index: LeafIndex } {
  let l = 0;
  while (l < tree.nLeaves && !tree.isBlank((2 * l) as NodeIndex)) l++;
  const nLeaves = l < tree.nLeaves ? tree.nLeaves : tree.nLeaves * 2;
  const index = l as LeafIndex;
  const changes = new Map<NodeIndex, Node | undefined>([[(2 * index) as NodeIndex, leafSlot(leaf)]]);
  for (const p of pathOf(tree, index, nLeaves)) {
    const pn = p < tree.width ? tree.parentNode(p) : undefined;
    if (pn !== undefined) changes.set(p, { nodeType: NodeType.parent, parent: { ...pn, unmergedLeaves: insertSorted(pn.unmergedLeaves, index) } });
  }
  return { tree: tree.withChanges(changes, nLeaves), index };
}

/** RFC 9420 §12.1.2: replaces a member's leaf and blanks its direct path. */
export function updateLeaf(tree: RatchetTree, index: LeafIndex, leaf: LeafNode): RatchetTree {
  tree.checkLeaf(index);
  if (tree.isBlank((2 * index) as NodeIndex)) throw new ArgumentError(`leaf ${index} is blank: nothing to update`);
  const changes = new Map<NodeIndex, Node | undefined>([[(2 * index) as NodeIndex, leafSlot(leaf)]]);
  for (const p of pathOf(tree, index)) changes.set(p, undefined);
  return tree.withChanges(changes);
}

/**
 * RFC 9420 §12.1.3: blanks a member's leaf and direct path, then truncates the
 * tree to the smallest power of two of leaves that holds the rightmost member.
 */
export function removeLeaf(tree: RatchetTree, index: LeafIndex): RatchetTree {
  tree.checkLeaf(index);
  if (tree.isBlank((2 * index) as NodeIndex)) throw new ArgumentError(`leaf ${index} is blank: nothing to remove`);
  const changes = new Map<NodeIndex, Node | undefined>([[(2 * index) as NodeIndex, undefined]]);
  for (const p of pathOf(tree, index)) changes.set(p, undefined);
  let last = tree.nLeaves - 1;
  while (last >= 0 && (last === index || tree.isBlank((2 * last) as NodeIndex))) last--;
  let nLeaves = tree.nLeaves;
  while (nLeaves > 1 && nLeaves / 2 > last) nLeaves /= 2;
  for (const x of [...changes.keys()]) if (x >= 2 * nLeaves - 1) changes.delete(x);
  return tree.withChanges(changes, nLeaves);
}
