// TreeKEM end to end (RFC 9420 §7.4–§7.6): every member processes a commit's
// UpdatePath to the same commit secret, tree and tree hash; joiners get theirs
// from the path secret; the resulting trees pass full validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../../../main/mls/errors.js';
import { isInSubtree, type LeafIndex, type NodeIndex } from '../../../main/mls/tree/math.js';
import { checkPrivateKeys, newTreePrivateKeys } from '../../../main/mls/tree/private-keys.js';
import { ratchetTreeBytes } from '../../../main/mls/tree/ratchet-tree-codec.js';
import { addLeaf, removeLeaf } from '../../../main/mls/tree/tree-changes.js';
import { validateRatchetTree } from '../../../main/mls/tree/tree-validation.js';
import { applyUpdatePath, createUpdatePath, privateKeysFromPathSecret } from '../../../main/mls/tree/treekem.js';
import { contextFor, groupId, growGroup, newMember, suite } from './fixtures.js';

test('a commit from leaf 2 of 6 reaches every member with the same secrets', () => {
  const g = growGroup(6);
  const c = g.members.get(2)!;
  const before = ratchetTreeBytes(g.tree);
  const made = createUpdatePath({ suite, tree: g.tree, privateKeys: c.keys, signaturePrivateKey: c.signaturePrivateKey, groupId, groupContext: contextFor });
  assert.equal(made.updatePath.nodes.length, g.tree.filteredDirectPath(2 as LeafIndex).length);
  validateRatchetTree(suite, made.tree, { groupId, expectedTreeHash: made.treeHash });
  checkPrivateKeys(suite, made.tree, made.privateKeys);
  const wantTree = ratchetTreeBytes(made.tree);
  for (const [j, m] of g.members) {
    if (j === 2) continue;
    const r = applyUpdatePath({ suite, tree: g.tree, privateKeys: m.keys, sender: 2 as LeafIndex, updatePath: made.updatePath, groupId, groupContext: contextFor });
    assert.deepEqual(r.commitSecret, made.commitSecret, `leaf ${j}`);
    assert.deepEqual(r.treeHash, made.treeHash);
    assert.deepEqual(ratchetTreeBytes(r.tree), wantTree);
    checkPrivateKeys(suite, r.tree, r.privateKeys);
    // The decrypted secret is the one of the lowest path node above the receiver.
    const ps = made.pathSecrets.find((e) => isInSubtree(e.node, (2 * j) as NodeIndex))!;
    assert.equal(r.pathSecretNode, ps.node);
    assert.deepEqual(r.pathSecret, ps.pathSecret);
  }
  assert.deepEqual(ratchetTreeBytes(g.tree), before);
});

test('new joiners are excluded from encryption and derive from the Welcome path secret', () => {
  const g = growGroup(4);
  const a = newMember('joiner a');
  const b = newMember('joiner b');
  const t1 = addLeaf(g.tree, a.leaf);
  const t2 = addLeaf(t1.tree, b.leaf);
  const c = g.members.get(1)!;
  const exclude = [t1.index, t2.index];
  const made = createUpdatePath({ suite, tree: t2.tree, privateKeys: c.keys, signaturePrivateKey: c.signaturePrivateKey, groupId, groupContext: contextFor, excludeLeaves: exclude });
  // The root's copath child (node 11) resolves to the two joiners only: no ciphertext.
  assert.equal(made.updatePath.nodes.at(-1)!.encryptedPathSecret.length, 0);
  for (const [j, m] of g.members) {
    if (j === 1) continue;
    const r = applyUpdatePath({ suite, tree: t2.tree, privateKeys: m.keys, sender: 1 as LeafIndex, updatePath: made.updatePath, groupId, groupContext: contextFor, excludeLeaves: exclude });
    assert.deepEqual(r.commitSecret, made.commitSecret);
  }
  for (const [idx, m] of [
    [t1.index, a],
    [t2.index, b],
  ] as const) {
    const ps = made.pathSecrets.find((e) => isInSubtree(e.node, (2 * idx) as NodeIndex))!;
    const r = privateKeysFromPathSecret(suite, made.tree, newTreePrivateKeys(idx, m.encryptionPrivateKey), 1 as LeafIndex, ps.pathSecret);
    assert.deepEqual(r.commitSecret, made.commitSecret);
    checkPrivateKeys(suite, made.tree, r.privateKeys);
    assert.throws(
      () => applyUpdatePath({ suite, tree: t2.tree, privateKeys: r.privateKeys, sender: 1 as LeafIndex, updatePath: made.updatePath, groupId, groupContext: contextFor, excludeLeaves: exclude }),
      ArgumentError,
    );
  }
  validateRatchetTree(suite, made.tree, { groupId });
});

test('a given leaf secret makes the path deterministic; the committer cannot apply its own path', () => {
  const g = growGroup(3);
  const c = g.members.get(0)!;
  const leafSecret = new Uint8Array(32).fill(1);
  const p = { suite, tree: g.tree, privateKeys: c.keys, signaturePrivateKey: c.signaturePrivateKey, groupId, groupContext: contextFor, leafSecret };
  const x = createUpdatePath(p);
  const y = createUpdatePath(p);
  assert.deepEqual(x.commitSecret, y.commitSecret);
  assert.deepEqual(x.treeHash, y.treeHash);
  assert.deepEqual(
    x.updatePath.nodes.map((n) => n.encryptionKey),
    y.updatePath.nodes.map((n) => n.encryptionKey),
  );
  assert.throws(() => applyUpdatePath({ suite, tree: g.tree, privateKeys: c.keys, sender: 0 as LeafIndex, updatePath: x.updatePath, groupId, groupContext: contextFor }), ArgumentError);
  assert.throws(() => createUpdatePath({ ...p, tree: removeLeaf(g.tree, 0 as LeafIndex) }), ArgumentError);
});

test('after a remove, the remaining members commit and process normally', () => {
  const g = growGroup(5);
  const t = removeLeaf(g.tree, 3 as LeafIndex);
  const c = g.members.get(4)!;
  const made = createUpdatePath({ suite, tree: t, privateKeys: c.keys, signaturePrivateKey: c.signaturePrivateKey, groupId, groupContext: contextFor });
  for (const j of [0, 1, 2]) {
    const keys = g.members.get(j)!.keys;
    const r = applyUpdatePath({ suite, tree: t, privateKeys: keys, sender: 4 as LeafIndex, updatePath: made.updatePath, groupId, groupContext: contextFor });
    assert.deepEqual(r.commitSecret, made.commitSecret);
    // Keys of nodes the Remove blanked (5, 3) are dropped; the caller's keys are untouched.
    checkPrivateKeys(suite, r.tree, r.privateKeys);
    if (j === 2) assert.equal(keys.keys.has(5 as NodeIndex), true);
  }
  validateRatchetTree(suite, made.tree, { groupId });
});

test('a one-member group commits with an empty path', () => {
  const g = growGroup(1);
  const c = g.members.get(0)!;
  const made = createUpdatePath({ suite, tree: g.tree, privateKeys: c.keys, signaturePrivateKey: c.signaturePrivateKey, groupId, groupContext: contextFor });
  assert.equal(made.updatePath.nodes.length, 0);
  assert.equal(made.commitSecret.length, suite.kdf.size);
  validateRatchetTree(suite, made.tree, { groupId });
  checkPrivateKeys(suite, made.tree, made.privateKeys);
});
