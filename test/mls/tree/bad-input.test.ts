// Rejected input never changes state: a broken tree or UpdatePath is a typed
// error, and the tree and private keys passed in are byte-for-byte unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CryptoError, ValidationError } from '../../../main/mls/errors.js';
import { LeafNodeSource, signLeafNode, type LeafNode } from '../../../main/mls/tree/leaf-node.js';
import type { LeafIndex, NodeIndex } from '../../../main/mls/tree/math.js';
import { NodeType, type Node } from '../../../main/mls/tree/node.js';
import type { TreePrivateKeys } from '../../../main/mls/tree/private-keys.js';
import { ratchetTreeBytes } from '../../../main/mls/tree/ratchet-tree-codec.js';
import type { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { validateRatchetTree } from '../../../main/mls/tree/tree-validation.js';
import { applyUpdatePath, createUpdatePath, type ApplyUpdatePathParams } from '../../../main/mls/tree/treekem.js';
import type { UpdatePath } from '../../../main/mls/tree/update-path.js';
import { toHex } from '../../../main/mls/util/bytes.js';
import { contextFor, groupId, growGroup, suite } from './fixtures.js';

const g = growGroup(6);
const N = (n: number): NodeIndex => n as NodeIndex;

function flip(b: Uint8Array, i = 0): Uint8Array {
  const c = b.slice();
  c[i]! ^= 1;
  return c;
}

function keysFingerprint(k: TreePrivateKeys): string {
  return [...k.keys].map(([x, v]) => `${x}:${toHex(v)}`).join(',');
}

function expectRejected(tree: RatchetTree, fn: () => void, errorClass: typeof ValidationError | typeof CryptoError, message: RegExp): void {
  const before = ratchetTreeBytes(tree);
  assert.throws(fn, (e: unknown) => e instanceof errorClass && message.test((e as Error).message));
  assert.deepEqual(ratchetTreeBytes(tree), before);
}

function withNode(tree: RatchetTree, x: number, n: Node): RatchetTree {
  return tree.withChanges(new Map([[N(x), n]]));
}

test('the fixture tree is valid', () => {
  validateRatchetTree(suite, g.tree, { groupId, expectedTreeHash: g.tree.treeHash(suite) });
});

test('tree: a broken parent-hash chain is rejected', () => {
  const p = g.tree.parentNode(N(3))!;
  const broken = withNode(g.tree, 3, { nodeType: NodeType.parent, parent: { ...p, parentHash: flip(p.parentHash) } });
  expectRejected(broken, () => validateRatchetTree(suite, broken, { groupId }), ValidationError, /node 3: not parent-hash valid/);
  // A parent key swapped for another breaks the link from below.
  const q = g.tree.parentNode(N(7))!;
  const swapped = withNode(g.tree, 7, { nodeType: NodeType.parent, parent: { ...q, encryptionKey: suite.hpke.generateKeyPair().publicKey } });
  expectRejected(swapped, () => validateRatchetTree(suite, swapped, { groupId }), ValidationError, /node 7: not parent-hash valid/);
});

test('tree: a leaf with a bad signature is rejected, naming the leaf', () => {
  const leaf = g.tree.leaf(2 as LeafIndex)!;
  const bad = withNode(g.tree, 4, { nodeType: NodeType.leaf, leaf: { ...leaf, signature: flip(leaf.signature, 5) } });
  expectRejected(bad, () => validateRatchetTree(suite, bad, { groupId }), ValidationError, /^leaf 2: signature does not verify$/);
  // Signed for another group: the update/commit signature binds the group id.
  expectRejected(g.tree, () => validateRatchetTree(suite, g.tree, { groupId: flip(groupId) }), ValidationError, /signature does not verify/);
});

test('tree: a duplicate encryption key (validly signed) is rejected', () => {
  const leaf = g.tree.leaf(3 as LeafIndex)!;
  const other = g.tree.leaf(1 as LeafIndex)!;
  assert.equal(leaf.leafNodeSource, LeafNodeSource.commit);
  const resigned: LeafNode = signLeafNode(suite, g.members.get(3)!.signaturePrivateKey, { ...leaf, encryptionKey: other.encryptionKey }, { groupId, leafIndex: 3 as LeafIndex });
  const dup = withNode(g.tree, 6, { nodeType: NodeType.leaf, leaf: resigned });
  expectRejected(dup, () => validateRatchetTree(suite, dup, { groupId }), ValidationError, /leaf 3: encryption key duplicates the one at node 2/);
});

test('tree: a tree hash that does not match is rejected', () => {
  expectRejected(g.tree, () => validateRatchetTree(suite, g.tree, { groupId, expectedTreeHash: new Uint8Array(32) }), ValidationError, /tree hash does not match/);
});

// An UpdatePath from leaf 4, processed by leaf 0.
const sender = 4 as LeafIndex;
const made = createUpdatePath({ suite, tree: g.tree, privateKeys: g.members.get(4)!.keys, signaturePrivateKey: g.members.get(4)!.signaturePrivateKey, groupId, groupContext: contextFor });
const receiverKeys = g.members.get(0)!.keys;

function apply(path: UpdatePath, over: Partial<ApplyUpdatePathParams> = {}): () => void {
  return () => void applyUpdatePath({ suite, tree: g.tree, privateKeys: receiverKeys, sender, updatePath: path, groupId, groupContext: contextFor, ...over });
}

function expectPathRejected(fn: () => void, errorClass: typeof ValidationError | typeof CryptoError, message: RegExp): void {
  const keysBefore = keysFingerprint(receiverKeys);
  expectRejected(g.tree, fn, errorClass, message);
  assert.equal(keysFingerprint(receiverKeys), keysBefore);
}

test('UpdatePath: the untouched path is accepted', () => {
  // Leaf 4's filtered direct path is 9, 7 (node 11 is skipped: leaves 6 and 7 are blank).
  assert.equal(made.updatePath.nodes.length, 2);
  apply(made.updatePath)();
});

test('UpdatePath: a wrong number of nodes is rejected', () => {
  const fewer = { ...made.updatePath, nodes: made.updatePath.nodes.slice(0, 1) };
  expectPathRejected(apply(fewer), ValidationError, /has 1 nodes, but the filtered direct path of leaf 4 has 2/);
  const more = { ...made.updatePath, nodes: [...made.updatePath.nodes, made.updatePath.nodes[0]!] };
  expectPathRejected(apply(more), ValidationError, /has 3 nodes/);
});

test('UpdatePath: an undecryptable path secret is a CryptoError', () => {
  // Leaf 0 decrypts the root's secret (node 7), the last path node.
  const nodes = made.updatePath.nodes.map((n, i) =>
    i === 1 ? { ...n, encryptedPathSecret: n.encryptedPathSecret.map((c) => ({ ...c, ciphertext: flip(c.ciphertext, 3) })) } : n,
  );
  expectPathRejected(apply({ ...made.updatePath, nodes }), CryptoError, /node 1: cannot decrypt the path secret for node 7/);
  // The same ciphertexts under another GroupContext do not open either.
  expectPathRejected(apply(made.updatePath, { groupContext: (h) => ({ ...contextFor(h), epoch: 2n }) }), CryptoError, /cannot decrypt/);
});

test('UpdatePath: a wrong count of encrypted secrets, a swapped key, a bad leaf are rejected', () => {
  const nodes = made.updatePath.nodes.map((n, i) => (i === 1 ? { ...n, encryptedPathSecret: n.encryptedPathSecret.slice(1) } : n));
  expectPathRejected(apply({ ...made.updatePath, nodes }), ValidationError, /node 1 has \d+ encrypted path secrets, the resolution of its copath child has \d+/);
  const swapped = made.updatePath.nodes.map((n, i) => (i === 0 ? { ...n, encryptionKey: suite.hpke.generateKeyPair().publicKey } : n));
  expectPathRejected(apply({ ...made.updatePath, nodes: swapped }), ValidationError, /parent_hash does not match/);
  const leaf = made.updatePath.leafNode;
  expectPathRejected(apply({ ...made.updatePath, leafNode: { ...leaf, signature: flip(leaf.signature) } }), ValidationError, /UpdatePath leaf_node: signature does not verify/);
  expectPathRejected(apply(made.updatePath, { sender: 3 as LeafIndex }), ValidationError, /signature does not verify/);
});

test('tree: unmerged leaves out of order, outside the subtree or blank are rejected', () => {
  const set = (x: number, unmergedLeaves: number[]) =>
    withNode(g.tree, x, { nodeType: NodeType.parent, parent: { ...g.tree.parentNode(N(x))!, unmergedLeaves: unmergedLeaves as LeafIndex[] } });
  const cases: [RatchetTree, RegExp][] = [
    [set(3, [4]), /^node 3: unmerged leaf 4 is not a descendant$/],
    [set(5, [3, 2]), /^node 5: unmerged leaf 2 is out of order$/],
    [set(7, [6]), /^node 7: unmerged leaf 6 is blank$/],
    [set(3, [2]), /^node 3: unmerged leaf 2 is missing from the unmerged leaves of node 5 below it$/],
  ];
  for (const [t, re] of cases) expectRejected(t, () => validateRatchetTree(suite, t, { groupId }), ValidationError, re);
});

test('tree: in a tree big enough for a parallel batch, the first bad leaf signature is named as one at a time would', () => {
  // 100 members: their signatures are verified together (main/mls/crypto/node/parallel-verify.ts).
  const big = growGroup(100);
  validateRatchetTree(suite, big.tree, { groupId });
  const at = (l: number): Node => ({ nodeType: NodeType.leaf, leaf: { ...big.tree.leaf(l as LeafIndex)!, signature: flip(big.tree.leaf(l as LeafIndex)!.signature, 9) } });
  const bad = big.tree.withChanges(new Map([[N(2 * 97), at(97)], [N(2 * 71), at(71)]]));
  expectRejected(bad, () => validateRatchetTree(suite, bad, { groupId }), ValidationError, /^leaf 71: signature does not verify$/);
});
