// The batched Adds of one commit give exactly the tree that adding the leaves
// one by one with addLeaf (RFC 9420 §12.1.1) gives: same slots, same unmerged
// leaves, same tree hash, including when the tree has to grow.

import assert from 'node:assert/strict';
import test from 'node:test';
import { addLeaves } from '../../../main/mls/group/add-leaves.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { removeProposal } from '../../../main/mls/group/proposal-message.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { addLeaf } from '../../../main/mls/tree/tree-changes.js';
import { ratchetTreeBytes } from '../../../main/mls/tree/ratchet-tree-codec.js';
import type { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

const suite = suiteFor(1);

function sequential(tree: RatchetTree, leaves: Parameters<typeof addLeaves>[1]): RatchetTree {
  return leaves.reduce((t, l) => addLeaf(t, l).tree, tree);
}

void test('addLeaves matches sequential addLeaf on trees with blanks and unmerged leaves', () => {
  const clients = Array.from({ length: 6 }, (_, i) => newClient(suite, `m${i}`));
  let [s] = groupOf(suite, clients[0]!, clients.slice(1)) as [GroupState];
  // Parent nodes from a full-path commit, then holes from removals.
  s = mergePendingCommit(s, createCommit(s).pending);
  s = mergePendingCommit(s, createCommit(s, { proposals: [removeProposal(2), removeProposal(4)] }).pending);
  const extra = Array.from({ length: 7 }, (_, i) => newClient(suite, `x${i}`).kp.keyPackage.leafNode);
  for (const count of [0, 1, 2, 3, 7]) {
    const leaves = extra.slice(0, count);
    const batch = addLeaves(s.tree, leaves);
    const seq = sequential(s.tree, leaves);
    assert.equal(batch.tree.nLeaves, seq.nLeaves, `${count} adds: leaf count`);
    assert.deepEqual(ratchetTreeBytes(batch.tree), ratchetTreeBytes(seq), `${count} adds: tree`);
    assert.deepEqual(batch.tree.treeHash(suite), seq.treeHash(suite));
  }
  assert.deepEqual(addLeaves(s.tree, extra).indices, [2, 4, 6, 7, 8, 9, 10]);
});
