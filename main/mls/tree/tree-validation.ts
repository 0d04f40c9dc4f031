// RFC 9420 §12.4.3.1 (joining) and §7.9.2: validation of a received ratchet tree:
// tree hash, every leaf (§7.3), unmerged-leaf bookkeeping, unique keys, and the
// parent-hash chain that proves every non-blank parent was set by a member below it.

import { verifyAll } from '../crypto/labeled.js';
import type { CipherSuite, SignatureCheck } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { leafNodeSignatureCheck, LeafNodeSource } from './leaf-node.js';
import { validateLeafNode, type LeafValidationOptions } from './leaf-validation.js';
import { directPath, isInSubtree, left, right, type LeafIndex, type NodeIndex } from './math.js';
import { NodeType } from './node.js';
import type { ParentNode } from './parent-node.js';
import { parentHash, treeHashWithout } from './parent-hash.js';
import type { RatchetTree } from './ratchet-tree.js';

export interface TreeValidationOptions extends Omit<LeafValidationOptions, 'leafIndex' | 'expectedSource' | 'groupId' | 'signatureValid'> {
  readonly groupId: Uint8Array;
  /** When given (the GroupInfo's tree_hash), the tree's root hash must equal it. */
  readonly expectedTreeHash?: Uint8Array;
}

/** Throws ValidationError naming the first node that breaks a rule. Never modifies the tree. */
export function validateRatchetTree(suite: CipherSuite, tree: RatchetTree, opts: TreeValidationOptions): void {
  // §12.4.3.1: "Verify that the tree hash of the ratchet tree matches the tree_hash field in GroupInfo."
  if (opts.expectedTreeHash !== undefined && !equalBytes(tree.treeHash(suite), opts.expectedTreeHash)) {
    throw new ValidationError('tree: tree hash does not match the expected tree hash');
  }
  const members = tree.memberLeaves();
  // Cannot refuse a real group: the GroupInfo signer is a member (§12.4.3.1 "If the node is blank ... return an error").
  if (members.length === 0) throw new ValidationError('tree: has no members');
  validateLeaves(suite, tree, members, opts);
  validateKeysUnique(tree);
  // Structure first, so the error names the node that is actually malformed.
  for (const [x, n] of tree.entries()) if (n.nodeType === NodeType.parent) validateUnmerged(tree, x, n.parent);
  for (const [x, n] of tree.entries()) if (n.nodeType === NodeType.parent) validateParentHashLink(suite, tree, x, n.parent);
}

function validateLeaves(suite: CipherSuite, tree: RatchetTree, members: readonly LeafIndex[], opts: TreeValidationOptions): void {
  const usedTypes = new Set<number>();
  for (const l of members) usedTypes.add(tree.leaf(l)!.credential.credentialType);
  // Every leaf's signature in one batch (the provider may verify it on several threads); each verdict is then
  // used at its place in the §7.3 checks, so errors are the same as leaf by leaf.
  const verdicts = signatureVerdicts(suite, tree, members, opts.groupId);
  members.forEach((l, i) => {
    const leaf = tree.leaf(l)!;
    // §12.4.3.1: "For each non-empty leaf node, validate the LeafNode as described in Section 7.3" (with the
    // credential types every member uses, below).
    const signatureValid = verdicts[i];
    validateLeafNode(suite, leaf, { ...opts, leafIndex: l, ...(signatureValid !== undefined ? { signatureValid } : {}) }, `leaf ${l}`);
    for (const t of usedTypes) {
      if (!leaf.capabilities.credentials.includes(t)) throw new ValidationError(`leaf ${l}: does not support credential type ${t} used in the group`);
    }
  });
}

/** Each member leaf's signature verdict, verified together; undefined where validateLeafNode refuses the leaf before its signature. */
function signatureVerdicts(suite: CipherSuite, tree: RatchetTree, members: readonly LeafIndex[], groupId: Uint8Array | undefined): (boolean | undefined)[] {
  const at: number[] = [];
  const checks: SignatureCheck[] = [];
  members.forEach((l, i) => {
    const leaf = tree.leaf(l)!;
    if (leaf.leafNodeSource !== LeafNodeSource.keyPackage && groupId === undefined) return;
    at.push(i);
    checks.push(leafNodeSignatureCheck(leaf, groupId !== undefined ? { groupId, leafIndex: l } : undefined));
  });
  const ok = verifyAll(suite, checks);
  const out: (boolean | undefined)[] = new Array<boolean | undefined>(members.length).fill(undefined);
  at.forEach((i, k) => (out[i] = ok[k]));
  return out;
}

/**
 * RFC 9420 §7.3 "Verify that the following fields are unique among the members of the group: signature_key,
 * encryption_key"; §12.4.3.1 "Verify that the encryption key in the parent node does not appear in any other node
 * of the tree": signature keys unique among leaves, encryption keys unique among all nodes.
 */
function validateKeysUnique(tree: RatchetTree): void {
  // The index built here serves every later commit of this tree's group (tree-index.ts).
  if (!tree.index().hasDuplicateKeys()) return;
  const enc = new Map<string, NodeIndex>();
  const sig = new Map<string, NodeIndex>();
  for (const [x, n] of tree.entries()) {
    const where = n.nodeType === NodeType.leaf ? `leaf ${x / 2}` : `node ${x}`;
    const ek = toHex(n.nodeType === NodeType.leaf ? n.leaf.encryptionKey : n.parent.encryptionKey);
    const prevE = enc.get(ek);
    if (prevE !== undefined) throw new ValidationError(`${where}: encryption key duplicates the one at node ${prevE}`);
    enc.set(ek, x);
    if (n.nodeType === NodeType.leaf) {
      const sk = toHex(n.leaf.signatureKey);
      const prevS = sig.get(sk);
      if (prevS !== undefined) throw new ValidationError(`${where}: signature key duplicates the one of leaf ${prevS / 2}`);
      sig.set(sk, x);
    }
  }
  throw new ValidationError('tree: duplicate keys'); // the index and the scan disagree: unreachable
}

/**
 * RFC 9420 §12.4.3.1: each unmerged leaf "represents a non-blank leaf node that is a descendant of the parent node",
 * and "every non-blank intermediate node between the leaf node and the parent node also has an entry for the leaf
 * node in its unmerged_leaves". The order is §7.1's: "The entries in the unmerged_leaves vector MUST be sorted in
 * increasing order" (not in §12.4.3.1's list, but a property of the structure every member derives for itself from
 * the same commits, §12.1.1; kept, see docs/validation.md).
 */
function validateUnmerged(tree: RatchetTree, x: NodeIndex, p: ParentNode): void {
  let prev = -1;
  for (const l of p.unmergedLeaves) {
    const where = `node ${x}: unmerged leaf ${l}`;
    if (l <= prev) throw new ValidationError(`${where} is out of order`);
    prev = l;
    const ln = (2 * l) as NodeIndex;
    if (l >= tree.nLeaves || !isInSubtree(x, ln)) throw new ValidationError(`${where} is not a descendant`);
    if (tree.isBlank(ln)) throw new ValidationError(`${where} is blank`);
    for (const y of directPath(ln, tree.nLeaves)) {
      if (y === x) break;
      const mid = tree.parentNode(y);
      if (mid !== undefined && !mid.unmergedLeaves.includes(l)) throw new ValidationError(`${where} is missing from the unmerged leaves of node ${y} below it`);
    }
  }
}

/** The parent_hash field of a node that can start a link (a parent, or a leaf from a commit). */
function parentHashFieldOf(tree: RatchetTree, d: NodeIndex): Uint8Array | undefined {
  const n = tree.node(d);
  if (n === undefined) return undefined;
  if (n.nodeType === NodeType.parent) return n.parent.parentHash;
  return n.leaf.leafNodeSource === LeafNodeSource.commit ? n.leaf.parentHash : undefined;
}

/**
 * RFC 9420 §7.9.2: "When joining a group, the new member MUST authenticate that each non-blank parent node P is
 * parent-hash valid ... "top down" by verifying that there is exactly one descendant of each non-blank parent
 * node for which the parent node is parent-hash valid". Top-down: exactly one descendant D of P holds a parent_hash equal
 * to P's parent hash with the other child as copath child, with D in the resolution
 * of its side's child C and P's unmerged leaves under C equal to that resolution minus D.
 */
function validateParentHashLink(suite: CipherSuite, tree: RatchetTree, x: NodeIndex, p: ParentNode): void {
  let links = 0;
  for (const [c, s] of [
    [left(x), right(x)],
    [right(x), left(x)],
  ] as const) {
    const res = tree.resolution(c);
    const unmergedInC = new Set(p.unmergedLeaves.filter((l) => isInSubtree(c, (2 * l) as NodeIndex)).map((l) => 2 * l));
    if (res.length !== unmergedInC.size + 1) continue;
    const rest = res.filter((y) => !unmergedInC.has(y));
    if (rest.length !== 1) continue;
    const d = rest[0]!;
    const field = parentHashFieldOf(tree, d);
    if (field === undefined) continue;
    const osth = treeHashWithout(suite, tree, s, p.unmergedLeaves);
    if (equalBytes(field, parentHash(suite, p.encryptionKey, p.parentHash, osth))) links++;
  }
  if (links !== 1) {
    throw new ValidationError(links === 0 ? `node ${x}: not parent-hash valid (no descendant links to it)` : `node ${x}: more than one descendant links to it`);
  }
}
