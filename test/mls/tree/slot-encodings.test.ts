// tree/slot-encodings.ts: the tree's memoized runs of slot encodings give the
// same bytes as encoding every slot afresh, through random changes that grow
// and shrink the tree (runs kept, invalidated, partial last runs), for both
// the stored-state form (all slots) and the ratchet_tree extension (up to the
// last non-blank slot).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Encoder } from '../../../main/mls/codec/encoder.js';
import { nodeWidth, type NodeIndex } from '../../../main/mls/tree/math.js';
import { encodeOptionalNode, NodeType, type Node } from '../../../main/mls/tree/node.js';
import { RatchetTree, encodeRatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { newMember, rng } from './fixtures.js';


const leaves: Node[] = Array.from({ length: 24 }, (_, i) => ({ nodeType: NodeType.leaf, leaf: newMember(`m${i}`).leaf }));
const parents: Node[] = Array.from({ length: 24 }, (_, i) => ({
  nodeType: NodeType.parent,
  parent: { encryptionKey: new Uint8Array(32).fill(i), parentHash: new Uint8Array(i % 3 === 0 ? 0 : 32).fill(i + 1), unmergedLeaves: [] },
}));

function fresh(tree: RatchetTree, count: number): Uint8Array {
  const e = new Encoder();
  e.vector(tree.nodes.slice(0, count), (w, n) => encodeOptionalNode(w, n));
  return e.finish();
}

void describe('slot encodings', () => {
  for (const seed of [11, 12, 13]) {
    it(`memoized runs equal a fresh encoding through 120 random changes (seed ${seed})`, () => {
      const r = rng(seed);
      const pick = (x: number): Node | undefined => (r() < 0.25 ? undefined : x % 2 === 0 ? leaves[Math.floor(r() * leaves.length)] : parents[Math.floor(r() * parents.length)]);
      let nLeaves = 512;
      let tree = RatchetTree.fromNodes(Array.from({ length: nodeWidth(nLeaves) }, (_, x) => pick(x)));
      for (let step = 0; step < 120; step++) {
        let next = nLeaves;
        const roll = r();
        if (roll < 0.08 && nLeaves > 1) next = nLeaves / 2;
        else if (roll < 0.16 && nLeaves < 2048) next = nLeaves * 2;
        const changes = new Map<NodeIndex, Node | undefined>();
        const width = nodeWidth(next);
        for (let c = 0; c < 1 + Math.floor(r() * 12); c++) {
          const x = Math.floor(r() * width) as NodeIndex;
          changes.set(x, pick(x));
        }
        // Keep the last slot non-blank, as a real tree's is after truncation.
        changes.set((width - 1 - ((width - 1) % 2)) as NodeIndex, leaves[step % leaves.length]);
        tree = tree.withChanges(changes, next);
        nLeaves = next;
        if (r() < 0.6) {
          const e = new Encoder();
          e.opaqueWith((w) => tree.writeSlots(w, tree.width, encodeOptionalNode));
          assert.deepEqual(e.finish(), fresh(tree, tree.width));
          const x = new Encoder();
          encodeRatchetTree(x, tree);
          let last = tree.width - 1;
          while (last >= 0 && tree.nodes[last] === undefined) last--;
          assert.deepEqual(x.finish(), fresh(tree, last + 1));
        }
      }
    });
  }
});
