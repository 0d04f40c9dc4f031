// Add, Update, Remove on the tree (RFC 9420 §12.1, §7.7), resolution and the
// memoized tree hash (§7.8): a derived tree's hash equals a fresh computation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../../../main/mls/errors.js';
import type { LeafIndex, NodeIndex } from '../../../main/mls/tree/math.js';
import { ratchetTreeBytes, ratchetTreeFromBytes } from '../../../main/mls/tree/ratchet-tree-codec.js';
import { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import type { CipherSuite } from '../../../main/mls/crypto/provider.js';
import { addLeaf, removeLeaf, updateLeaf } from '../../../main/mls/tree/tree-changes.js';
import { validateRatchetTree } from '../../../main/mls/tree/tree-validation.js';
import { groupId, growGroup, newMember, suite } from './fixtures.js';

const L = (n: number): LeafIndex => n as LeafIndex;
const N = (n: number): NodeIndex => n as NodeIndex;

/** The tree hash recomputed from scratch (no memo) from the tree's encoding. */
function freshHash(t: RatchetTree): Uint8Array {
  return ratchetTreeFromBytes(ratchetTreeBytes(t)).treeHash(suite);
}

test('a grown group validates, with full parent nodes', () => {
  const g = growGroup(5);
  assert.equal(g.tree.nLeaves, 8);
  assert.deepEqual(g.tree.memberLeaves(), [0, 1, 2, 3, 4]);
  validateRatchetTree(suite, g.tree, { groupId, expectedTreeHash: freshHash(g.tree) });
  // Leaf 3 committed last (adding leaf 4, excluded from encryption but in the tree):
  // its filtered path 5, 3, 7 is set, while 9 and 11 on leaf 4's side stay blank.
  assert.ok(g.tree.parentNode(N(7)) !== undefined);
  assert.equal(g.tree.isBlank(N(11)), true);
  assert.deepEqual(g.tree.resolution(N(11)), [8]);
  assert.deepEqual(g.tree.resolution(N(13)), []);
});

test('add: leftmost blank leaf, unmerged on non-blank ancestors; extends when full', () => {
  const g = growGroup(4);
  const before = ratchetTreeBytes(g.tree);
  const beforeHash = g.tree.treeHash(suite);
  const { tree, index } = addLeaf(g.tree, newMember('eve').leaf);
  assert.equal(index, 4);
  assert.equal(tree.nLeaves, 8);
  // Node 3 is not an ancestor of leaf 4: untouched.
  assert.deepEqual(tree.parentNode(N(3))?.unmergedLeaves, []);
  // The new root 7 and nodes 9, 11 are blank: nothing to mark there.
  assert.equal(tree.isBlank(N(7)), true);
  assert.deepEqual(tree.resolution(N(7)), [3, 8]);
  assert.deepEqual(freshHash(tree), tree.treeHash(suite));
  // Remove leaf 1 then add: the hole at 1 is filled, and 1 becomes unmerged at 3's non-blank ancestors.
  const removed = removeLeaf(tree, L(1));
  const again = addLeaf(removed, newMember('frank').leaf);
  assert.equal(again.index, 1);
  assert.equal(again.tree.isBlank(N(1)), true);
  assert.deepEqual(freshHash(again.tree), again.tree.treeHash(suite));
  // Inputs unchanged.
  assert.deepEqual(ratchetTreeBytes(g.tree), before);
  assert.deepEqual(g.tree.treeHash(suite), beforeHash);
});

test('add: unmerged leaves are kept sorted on every non-blank ancestor', () => {
  const g = growGroup(3);
  const r = removeLeaf(g.tree, L(1));
  // Leaf 2 committed last, so root 3 is set; leaf 1 gone blanks 1 and 3.
  assert.equal(r.isBlank(N(3)), true);
  const g5 = growGroup(6);
  const t1 = addLeaf(g5.tree, newMember('x').leaf);
  assert.equal(t1.index, 6);
  const t2 = addLeaf(t1.tree, newMember('y').leaf);
  assert.equal(t2.index, 7);
  const root = t2.tree.parentNode(N(7));
  assert.ok(root !== undefined);
  assert.deepEqual(root.unmergedLeaves, [6, 7]);
  assert.deepEqual(t2.tree.resolution(N(7)), [7, 12, 14]);
  validateRatchetTree(suite, t2.tree, { groupId });
});

test('update: replaces the leaf and blanks its direct path', () => {
  const g = growGroup(4);
  const m = newMember('new leaf for 2');
  const t = updateLeaf(g.tree, L(2), m.leaf);
  assert.equal(t.leaf(L(2)), m.leaf);
  assert.equal(t.isBlank(N(5)), true);
  assert.equal(t.isBlank(N(3)), true);
  assert.equal(t.isBlank(N(1)), g.tree.isBlank(N(1)));
  assert.deepEqual(freshHash(t), t.treeHash(suite));
  assert.throws(() => updateLeaf(removeLeaf(g.tree, L(1)), L(1), m.leaf), ArgumentError);
});

test('remove: blanks leaf and path, truncates to the rightmost member', () => {
  const g = growGroup(5);
  g.tree.treeHash(suite); // warm the memo so truncation must keep it consistent
  const t = removeLeaf(g.tree, L(4));
  assert.equal(t.nLeaves, 4);
  assert.equal(t.width, 7);
  assert.deepEqual(freshHash(t), t.treeHash(suite));
  const t2 = removeLeaf(removeLeaf(t, L(3)), L(2));
  assert.equal(t2.nLeaves, 2);
  assert.deepEqual(freshHash(t2), t2.treeHash(suite));
  const t3 = removeLeaf(t2, L(1));
  assert.equal(t3.nLeaves, 1);
  assert.deepEqual(t3.memberLeaves(), [0]);
  // Removing a middle member does not truncate.
  const t4 = removeLeaf(g.tree, L(1));
  assert.equal(t4.nLeaves, 8);
  assert.equal(g.tree.memberLeaves().length, 5);
  assert.throws(() => removeLeaf(t4, L(1)), ArgumentError);
  assert.throws(() => removeLeaf(t4, L(8)), ArgumentError);
});

test('a leaf change re-hashes only its path: depth + 1 hashes, not the whole tree', () => {
  let count = 0;
  const counting: CipherSuite = {
    id: suite.id,
    name: suite.name,
    hash: { name: suite.hash.name, size: suite.hash.size, digest: (d) => (count++, suite.hash.digest(d)), mac: (k, d) => suite.hash.mac(k, d) },
    kdf: suite.kdf,
    aead: suite.aead,
    signature: suite.signature,
    hpke: suite.hpke,
    randomBytes: (n) => suite.randomBytes(n),
  };
  let t = RatchetTree.single(newMember('m0').leaf);
  for (let i = 1; i < 64; i++) t = addLeaf(t, newMember(`m${i}`).leaf).tree;
  t.treeHash(counting);
  assert.equal(count, 127);
  count = 0;
  const changed = updateLeaf(t, L(37), newMember('new 37').leaf);
  const h = changed.treeHash(counting);
  assert.equal(count, 7);
  assert.deepEqual(h, freshHash(changed));
  assert.equal(changed.findLeaf(changed.leaf(L(37))!), 37);
  assert.equal(t.findLeaf(changed.leaf(L(37))!), undefined);
});
