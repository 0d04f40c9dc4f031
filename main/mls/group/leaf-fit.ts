// RFC 9420 §7.3, §12.1.2, §12.4.2: the checks that a leaf arriving in an Update
// proposal or in a commit's UpdatePath fits the group's tree. The tree layer
// (treekem.ts applyUpdatePath, leaf-validation.ts) checks the leaf on its own
// and its signature key against the other members; these need the whole tree:
// - credential types: the leaf's type is supported by every other member, and
//   the leaf supports every type the other members use (§7.3);
// - HPKE keys: the new leaf's and the UpdatePath nodes' keys are pairwise
//   distinct and appear in no node of the tree they join (§7.3 "encryption_key
//   ... unique", §12.4.2 "none of the public keys in the UpdatePath appear in
//   any node of the new ratchet tree").
// Update proposals committed together are checked by proposal-apply.ts
// (checkChangedLeaves), which covers the same rules for several leaves at once.
//
// Each check asks the tree's index (tree/tree-index.ts) whether the rule holds,
// at the cost of the keys and types involved rather than of the group; only
// when it does not is the group scanned, to name the first offending node as
// before.

import { ValidationError } from '../errors.js';
import type { LeafNode } from '../tree/leaf-node.js';
import type { LeafIndex } from '../tree/math.js';
import { NodeType } from '../tree/node.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import type { UpdatePath } from '../tree/update-path.js';
import { equalBytes } from '../util/bytes.js';

/**
 * §7.3: throws unless `leaf` (to sit at `self`, or a new leaf) and every other member support each other's
 * credential type: "Verify that the credential type is supported by all members of the group ... and that the
 * capabilities field of this LeafNode indicates support for all the credential types currently in use by other members."
 */
export function checkCredentialFit(tree: RatchetTree, self: LeafIndex | undefined, leaf: LeafNode, where: string): void {
  if (credentialsFit(tree, self, leaf)) return;
  const type = leaf.credential.credentialType;
  for (const l of tree.memberLeaves()) {
    if (l === self) continue;
    const other = tree.leaf(l)!;
    if (!other.capabilities.credentials.includes(type)) throw new ValidationError(`${where}: credential type ${type} is not supported by leaf ${l}`);
    const t = other.credential.credentialType;
    if (!leaf.capabilities.credentials.includes(t)) throw new ValidationError(`${where}: does not support credential type ${t} of leaf ${l}`);
  }
  throw new ValidationError(`${where}: credential types do not fit the group`); // the counts and the scan disagree: unreachable
}

/** checkCredentialFit's rule from the index's counts: O(credential types). */
function credentialsFit(tree: RatchetTree, self: LeafIndex | undefined, leaf: LeafNode): boolean {
  const c = tree.index().credentials;
  const old = self === undefined || self >= tree.nLeaves ? undefined : tree.leaf(self);
  const type = leaf.credential.credentialType;
  const others = c.members - (old === undefined ? 0 : 1);
  const supporters = (c.supported.get(type) ?? 0) - (old !== undefined && old.capabilities.credentials.includes(type) ? 1 : 0);
  if (supporters !== others) return false;
  for (const [t, n] of c.used) {
    const usedByOthers = n - (old !== undefined && old.credential.credentialType === t ? 1 : 0);
    if (usedByOthers > 0 && !leaf.capabilities.credentials.includes(t)) return false;
  }
  return true;
}

/** §7.3: throws unless `key` is no other member's signature key ("unique among the members of the group: signature_key"). */
export function checkSignatureKeyFree(tree: RatchetTree, self: LeafIndex | undefined, key: Uint8Array, where: string): void {
  if (tree.index().leavesWithSignatureKey(key).every((x) => x === 2 * (self ?? -1))) return;
  for (const l of tree.memberLeaves()) {
    if (l !== self && equalBytes(tree.leaf(l)!.signatureKey, key)) throw new ValidationError(`${where}: signature key duplicates that of leaf ${l}`);
  }
}

/**
 * §7.3, §12.4.2: throws unless the `keys` are pairwise distinct and none appears in any node of `tree`: "Verify
 * that none of the public keys in the UpdatePath appear in any node of the new ratchet tree" (and §7.3's unique
 * encryption_key; two equal keys in one path would also fail §12.4.3.1's "the encryption key in the parent node
 * does not appear in any other node of the tree" for every later joiner).
 */
export function checkEncryptionKeysFresh(tree: RatchetTree, keys: readonly { readonly key: Uint8Array; readonly what: string }[], where: string): void {
  for (let i = 0; i < keys.length; i++) {
    for (let j = 0; j < i; j++) {
      if (equalBytes(keys[i]!.key, keys[j]!.key)) throw new ValidationError(`${where}: ${keys[i]!.what} has the same encryption key as ${keys[j]!.what}`);
    }
  }
  if (keys.length === 0) return;
  const index = tree.index();
  if (keys.every((e) => index.nodesWithEncryptionKey(e.key).length === 0)) return;
  for (const [x, n] of tree.entries()) {
    const k = n.nodeType === NodeType.leaf ? n.leaf.encryptionKey : n.parent.encryptionKey;
    const hit = keys.find((e) => equalBytes(e.key, k));
    if (hit !== undefined) throw new ValidationError(`${where}: ${hit.what} has an encryption key already used at node ${x}`);
  }
}

/**
 * §12.4.2: an UpdatePath against `tree`, the tree after the commit's proposals
 * (without the committer's new leaf). `committer` is undefined for an external
 * commit, whose leaf is new.
 */
export function checkUpdatePathFits(tree: RatchetTree, committer: LeafIndex | undefined, path: UpdatePath): void {
  const leaf = path.leafNode;
  checkCredentialFit(tree, committer, leaf, 'UpdatePath leaf_node');
  checkEncryptionKeysFresh(
    tree,
    [{ key: leaf.encryptionKey, what: 'the leaf' }, ...path.nodes.map((n, i) => ({ key: n.encryptionKey, what: `node ${i}` }))],
    'UpdatePath',
  );
}
