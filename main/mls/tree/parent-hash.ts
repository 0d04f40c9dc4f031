// RFC 9420 §7.9: parent hashes. ParentHashInput { HPKEPublicKey encryption_key;
// opaque parent_hash<V>; opaque original_sibling_tree_hash<V>; }

import { Encoder } from '../codec/encoder.js';
import type { CipherSuite } from '../crypto/provider.js';
import { isInSubtree, isLeaf, left, right, type LeafIndex, type NodeIndex } from './math.js';
import { NodeType, type Node } from './node.js';
import type { RatchetTree } from './ratchet-tree.js';
import { computeNodeHash } from './tree-hash.js';

export function parentHash(
  suite: CipherSuite,
  encryptionKey: Uint8Array,
  parentHashField: Uint8Array,
  originalSiblingTreeHash: Uint8Array,
): Uint8Array {
  const e = new Encoder().opaque(encryptionKey).opaque(parentHashField).opaque(originalSiblingTreeHash);
  return suite.hash.digest(e.finish());
}

/**
 * RFC 9420 §7.9: the tree hash of node s in the tree where the given leaves are
 * blanked and removed from every unmerged_leaves list. Subtrees holding none of
 * those leaves reuse the tree's memoized hashes.
 */
export function treeHashWithout(suite: CipherSuite, tree: RatchetTree, s: NodeIndex, removed: readonly LeafIndex[]): Uint8Array {
  const inside = removed.filter((l) => isInSubtree(s, (2 * l) as NodeIndex));
  if (inside.length === 0) return tree.nodeHash(suite, s);
  if (isLeaf(s)) return computeNodeHash(suite, s, undefined, undefined, undefined);
  let node: Node | undefined = tree.node(s);
  if (node?.nodeType === NodeType.parent) {
    const p = node.parent;
    node = { nodeType: NodeType.parent, parent: { ...p, unmergedLeaves: p.unmergedLeaves.filter((l) => !inside.includes(l)) } };
  }
  const lh = treeHashWithout(suite, tree, left(s), inside);
  const rh = treeHashWithout(suite, tree, right(s), inside);
  return computeNodeHash(suite, s, node, lh, rh);
}
