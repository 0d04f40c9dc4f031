// RFC 9420 §12.1.1, §12.3: the Adds of one commit applied in one step. Same
// result as calling addLeaf for each in list order (leftmost blank leaf, the
// tree doubled when full, the index listed as unmerged on every non-blank
// ancestor), but with one tree copy instead of one per Add, so a commit adding
// thousands of members stays linear.

import type { LeafNode } from '../tree/leaf-node.js';
import { directPath, root, type LeafIndex, type NodeIndex } from '../tree/math.js';
import { NodeType, type Node } from '../tree/node.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';

export function addLeaves(tree: RatchetTree, leaves: readonly LeafNode[]): { tree: RatchetTree; indices: LeafIndex[] } {
  if (leaves.length === 0) return { tree, indices: [] };
  let n = tree.nLeaves;
  const changes = new Map<NodeIndex, Node | undefined>();
  const nodeAt = (x: NodeIndex): Node | undefined => (changes.has(x) ? changes.get(x) : x < tree.width ? tree.node(x) : undefined);
  const indices: LeafIndex[] = [];
  let next = 0;
  for (const leaf of leaves) {
    while (next < n && nodeAt((2 * next) as NodeIndex) !== undefined) next++;
    if (next >= n) n *= 2;
    const l = next as LeafIndex;
    const x = (2 * l) as NodeIndex;
    changes.set(x, { nodeType: NodeType.leaf, leaf });
    if (x !== root(n)) {
      for (const p of directPath(x, n)) {
        const pn = nodeAt(p);
        if (pn === undefined || pn.nodeType !== NodeType.parent) continue;
        const list = pn.parent.unmergedLeaves;
        const at = list.findIndex((y) => y >= l);
        if (at >= 0 && list[at] === l) continue;
        const unmergedLeaves = at < 0 ? [...list, l] : [...list.slice(0, at), l, ...list.slice(at)];
        changes.set(p, { nodeType: NodeType.parent, parent: { ...pn.parent, unmergedLeaves } });
      }
    }
    indices.push(l);
    next++;
  }
  return { tree: tree.withChanges(changes, n), indices };
}
