// RFC 9420 §7.4–§7.6, §7.9: TreeKEM. A committer refreshes the keys of its
// filtered direct path from a fresh leaf secret and encrypts each path secret to
// the resolution of the copath child; a receiver merges the public part, decrypts
// the one path secret meant for it, derives the rest up to the root and checks
// the result. Both sides get the commit secret. Inputs are never modified: a
// rejected UpdatePath leaves the caller's tree and keys exactly as they were.

import { decryptWithLabel, deriveSecret, encryptWithLabelMany } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ArgumentError, CryptoError, ValidationError } from '../errors.js';
import { groupContextBytes, type GroupContext } from '../group/group-context.js';
import { equalBytes } from '../util/bytes.js';
import { LeafNodeSource, signLeafNode, type LeafNode } from './leaf-node.js';
import { validateLeafNode, type LeafValidationOptions } from './leaf-validation.js';
import { directPath, isInSubtree, root, type LeafIndex, type NodeIndex } from './math.js';
import { NodeType, type Node } from './node.js';
import { parentHash } from './parent-hash.js';
import { nextPathSecret, pathSecretKeyPair, pruneBlankKeys, type TreePrivateKeys } from './private-keys.js';
import type { RatchetTree } from './ratchet-tree.js';
import type { UpdatePath, UpdatePathNode } from './update-path.js';

/** Builds the provisional GroupContext (RFC 9420 §12.4.2) once the new tree hash is known. */
export type GroupContextFor = (treeHashAfter: Uint8Array) => GroupContext;

type PathEntry = { node: NodeIndex; copathChild: NodeIndex };

function senderDirectPath(tree: RatchetTree, l: LeafIndex): NodeIndex[] {
  const x = (2 * l) as NodeIndex;
  return x === root(tree.nLeaves) ? [] : directPath(x, tree.nLeaves);
}

/**
 * RFC 9420 §7.9: parent_hash fields for new keys on a filtered direct path, from
 * the root down. Returns the field of each path node and the leaf's parent hash.
 */
function pathParentHashes(suite: CipherSuite, tree: RatchetTree, fdp: readonly PathEntry[], keys: readonly Uint8Array[]): { fields: Uint8Array[]; leaf: Uint8Array } {
  const fields: Uint8Array[] = new Array<Uint8Array>(fdp.length);
  let above: Uint8Array = new Uint8Array(0);
  for (let i = fdp.length - 1; i >= 0; i--) {
    fields[i] = above;
    // The copath child's subtree is untouched by the path, so the current memo serves.
    above = parentHash(suite, keys[i]!, above, tree.nodeHash(suite, fdp[i]!.copathChild));
  }
  return { fields, leaf: above };
}

function pathChanges(tree: RatchetTree, sender: LeafIndex, fdp: readonly PathEntry[], keys: readonly Uint8Array[], fields: readonly Uint8Array[], leaf: LeafNode): Map<NodeIndex, Node | undefined> {
  const changes = new Map<NodeIndex, Node | undefined>();
  for (const p of senderDirectPath(tree, sender)) changes.set(p, undefined);
  fdp.forEach((e, i) => {
    changes.set(e.node, { nodeType: NodeType.parent, parent: { encryptionKey: keys[i]!, parentHash: fields[i]!, unmergedLeaves: [] } });
  });
  changes.set((2 * sender) as NodeIndex, { nodeType: NodeType.leaf, leaf });
  return changes;
}

/** The resolution of a copath child without the leaves added in this commit (RFC 9420 §7.6). */
function encryptionTargets(tree: RatchetTree, copathChild: NodeIndex, exclude: ReadonlySet<number>): NodeIndex[] {
  return tree.resolution(copathChild).filter((x) => !(x % 2 === 0 && exclude.has(x / 2)));
}

/**
 * Leaf keys unique among the other members (RFC 9420 §7.3: "unique among the members of the group: signature_key,
 * encryption_key"). Decided by the tree's index; the members are scanned only to name a duplicate.
 */
function checkNewLeafKeys(tree: RatchetTree, sender: LeafIndex, leaf: LeafNode): void {
  const index = tree.index();
  const own = 2 * sender;
  const otherLeaf = (x: NodeIndex): boolean => x % 2 === 0 && x !== own;
  if (!index.nodesWithEncryptionKey(leaf.encryptionKey).some(otherLeaf) && !index.leavesWithSignatureKey(leaf.signatureKey).some(otherLeaf)) return;
  for (const l of tree.memberLeaves()) {
    if (l === sender) continue;
    const other = tree.leaf(l)!;
    if (equalBytes(other.encryptionKey, leaf.encryptionKey)) throw new ValidationError(`UpdatePath: leaf encryption key duplicates that of leaf ${l}`);
    if (equalBytes(other.signatureKey, leaf.signatureKey)) throw new ValidationError(`UpdatePath: leaf signature key duplicates that of leaf ${l}`);
  }
}

export interface CreateUpdatePathParams {
  readonly suite: CipherSuite;
  /** The tree after the commit's proposals were applied. */
  readonly tree: RatchetTree;
  /** The committer's private keys (their leafIndex is the committer's leaf). */
  readonly privateKeys: TreePrivateKeys;
  readonly signaturePrivateKey: Uint8Array;
  readonly groupId: Uint8Array;
  readonly groupContext: GroupContextFor;
  /** Leaves added by this commit: they get the path secret through the Welcome instead. */
  readonly excludeLeaves?: readonly LeafIndex[];
  /** The fresh leaf secret (Nh bytes); random when omitted. Given only by tests. */
  readonly leafSecret?: Uint8Array;
  /** Leaf fields to change with this commit (default: those of the current leaf). */
  readonly leaf?: Partial<Pick<LeafNode, 'signatureKey' | 'credential' | 'capabilities' | 'extensions'>>;
}

export interface CreatedUpdatePath {
  readonly updatePath: UpdatePath;
  readonly tree: RatchetTree;
  readonly treeHash: Uint8Array;
  readonly groupContext: GroupContext;
  readonly privateKeys: TreePrivateKeys;
  readonly commitSecret: Uint8Array;
  /** The path secret of each filtered-direct-path node, for the Welcome's path_secret (RFC 9420 §12.4.3.1). */
  readonly pathSecrets: readonly { readonly node: NodeIndex; readonly pathSecret: Uint8Array }[];
}

/** RFC 9420 §7.4–§7.6: generates an UpdatePath for the committer's leaf. */
export function createUpdatePath(p: CreateUpdatePathParams): CreatedUpdatePath {
  const { suite, tree } = p;
  const sender = p.privateKeys.leafIndex;
  tree.checkLeaf(sender);
  const old = tree.leaf(sender);
  if (old === undefined) throw new ArgumentError(`leaf ${sender} is blank: it cannot commit`);
  const leafSecret = p.leafSecret ?? suite.randomBytes(suite.kdf.size);
  if (leafSecret.length !== suite.kdf.size) throw new ArgumentError(`leaf secret must be ${suite.kdf.size} bytes`);

  const leafKeys = pathSecretKeyPair(suite, leafSecret);
  const fdp = tree.filteredDirectPath(sender);
  const secrets: Uint8Array[] = [];
  let s = leafSecret;
  for (let i = 0; i < fdp.length; i++) {
    s = nextPathSecret(suite, s);
    secrets.push(s);
  }
  const commitSecret = deriveSecret(suite, s, 'path');
  const pairs = secrets.map((ps) => pathSecretKeyPair(suite, ps));
  const pubs = pairs.map((kp) => kp.publicKey);
  const { fields, leaf: leafParentHash } = pathParentHashes(suite, tree, fdp, pubs);

  const leaf = signLeafNode(
    suite,
    p.signaturePrivateKey,
    {
      encryptionKey: leafKeys.publicKey,
      signatureKey: p.leaf?.signatureKey ?? old.signatureKey,
      credential: p.leaf?.credential ?? old.credential,
      capabilities: p.leaf?.capabilities ?? old.capabilities,
      extensions: p.leaf?.extensions ?? old.extensions,
      leafNodeSource: LeafNodeSource.commit,
      parentHash: leafParentHash,
    },
    { groupId: p.groupId, leafIndex: sender },
  );
  const newTree = tree.withChanges(pathChanges(tree, sender, fdp, pubs, fields, leaf));
  const treeHash = newTree.treeHash(suite);
  const groupContext = p.groupContext(treeHash);
  const ctx = groupContextBytes(groupContext);

  const exclude = new Set<number>(p.excludeLeaves ?? []);
  // Every path secret to every node of its copath child's resolution, sealed in one batch (§7.6).
  const targets = fdp.map((e) => encryptionTargets(newTree, e.copathChild, exclude));
  const sealed = encryptWithLabelMany(
    suite,
    targets.flatMap((xs, i) => xs.map((x) => ({ publicKey: newTree.encryptionKey(x)!, plaintext: secrets[i]! }))),
    'UpdatePathNode',
    ctx,
  );
  let next = 0;
  const nodes: UpdatePathNode[] = fdp.map((_, i) => ({
    encryptionKey: pubs[i]!,
    encryptedPathSecret: targets[i]!.map(() => {
      const ct = sealed[next++]!;
      return { kemOutput: ct.kemOutput, ciphertext: ct.ciphertext };
    }),
  }));

  const keys = new Map(p.privateKeys.keys);
  for (const x of senderDirectPath(tree, sender)) keys.delete(x);
  keys.set((2 * sender) as NodeIndex, leafKeys.privateKey);
  fdp.forEach((e, i) => keys.set(e.node, pairs[i]!.privateKey));

  return {
    updatePath: { leafNode: leaf, nodes },
    tree: newTree,
    treeHash,
    groupContext,
    privateKeys: pruneBlankKeys(newTree, { leafIndex: sender, keys }),
    commitSecret,
    pathSecrets: fdp.map((e, i) => ({ node: e.node, pathSecret: secrets[i]! })),
  };
}

export type MergeOptions = Pick<LeafValidationOptions, 'now' | 'groupExtensions' | 'validateCredential'>;

/**
 * RFC 9420 §7.5 "merges UpdatePath into the tree": checks the new leaf (§7.3,
 * source commit, signature), the node count, and the leaf's parent hash, then
 * returns the tree with the sender's path replaced.
 */
export function mergeUpdatePath(
  suite: CipherSuite,
  tree: RatchetTree,
  sender: LeafIndex,
  path: UpdatePath,
  groupId: Uint8Array,
  opts: MergeOptions = {},
): RatchetTree {
  tree.checkLeaf(sender);
  if (tree.isBlank((2 * sender) as NodeIndex)) throw new ValidationError(`UpdatePath: sender leaf ${sender} is blank`);
  const leaf = path.leafNode;
  // §12.4.2: "Validate the LeafNode as specified in Section 7.3. The leaf_node_source field MUST be set to commit."
  validateLeafNode(suite, leaf, { ...opts, groupId, leafIndex: sender, expectedSource: LeafNodeSource.commit }, 'UpdatePath leaf_node');
  checkNewLeafKeys(tree, sender, leaf);
  // §7.5: the new leaf "MUST adhere to the same restrictions as LeafNodes used in Update proposals", so its
  // encryption key must be fresh (§12.4.2: "different from the committer's current leaf node").
  if (equalBytes(leaf.encryptionKey, tree.leaf(sender)!.encryptionKey)) throw new ValidationError('UpdatePath: leaf encryption key is not new');
  const fdp = tree.filteredDirectPath(sender);
  // §7.6: the UpdatePath has "a new public key and encrypted path secret" for each parent node of the filtered
  // direct path, "in the same order"; with another count the keys cannot be placed.
  if (path.nodes.length !== fdp.length) {
    throw new ValidationError(`UpdatePath: has ${path.nodes.length} nodes, but the filtered direct path of leaf ${sender} has ${fdp.length}`);
  }
  const pubs = path.nodes.map((n) => n.encryptionKey);
  for (let i = 0; i < pubs.length; i++) {
    if (equalBytes(pubs[i]!, leaf.encryptionKey) || pubs.slice(0, i).some((k) => equalBytes(k, pubs[i]!))) {
      throw new ValidationError(`UpdatePath: node ${i}: encryption key repeats another key of the path`);
    }
  }
  // §7.9.2: "clients MUST recompute the expected value of parent_hash for the committer's new leaf and verify that
  // it matches the parent_hash value in the supplied leaf_node".
  const { fields, leaf: expected } = pathParentHashes(suite, tree, fdp, pubs);
  if (leaf.leafNodeSource !== LeafNodeSource.commit || !equalBytes(leaf.parentHash, expected)) {
    throw new ValidationError(`UpdatePath: leaf parent_hash does not match the parent hash of its path`);
  }
  return tree.withChanges(pathChanges(tree, sender, fdp, pubs, fields, leaf));
}

export interface ApplyUpdatePathParams {
  readonly suite: CipherSuite;
  /** The tree after the commit's proposals were applied. */
  readonly tree: RatchetTree;
  /** The receiver's private keys. */
  readonly privateKeys: TreePrivateKeys;
  readonly sender: LeafIndex;
  readonly updatePath: UpdatePath;
  readonly groupId: Uint8Array;
  readonly groupContext: GroupContextFor;
  /** Leaves added by this commit (excluded from the encryption targets). */
  readonly excludeLeaves?: readonly LeafIndex[];
  readonly leafOptions?: MergeOptions;
}

export interface AppliedUpdatePath {
  readonly tree: RatchetTree;
  readonly treeHash: Uint8Array;
  readonly groupContext: GroupContext;
  readonly privateKeys: TreePrivateKeys;
  readonly commitSecret: Uint8Array;
  /** The path secret the receiver decrypted (of the lowest path node above it). */
  readonly pathSecret: Uint8Array;
  readonly pathSecretNode: NodeIndex;
}

/** RFC 9420 §7.5: processes another member's UpdatePath. */
export function applyUpdatePath(p: ApplyUpdatePathParams): AppliedUpdatePath {
  const { suite, tree, sender, updatePath } = p;
  const me = p.privateKeys.leafIndex;
  if (me === sender) throw new ArgumentError('a committer does not apply its own UpdatePath: use the state createUpdatePath returned');
  tree.checkLeaf(me);
  if (tree.isBlank((2 * me) as NodeIndex)) throw new ArgumentError(`receiver leaf ${me} is blank`);
  const exclude = new Set<number>(p.excludeLeaves ?? []);
  if (exclude.has(me)) throw new ArgumentError(`leaf ${me} was added by this commit: it joins through the Welcome`);

  const newTree = mergeUpdatePath(suite, tree, sender, updatePath, p.groupId, p.leafOptions);
  const treeHash = newTree.treeHash(suite);
  const groupContext = p.groupContext(treeHash);
  const ctx = groupContextBytes(groupContext);

  const fdp = tree.filteredDirectPath(sender);
  const myNode = (2 * me) as NodeIndex;
  const i = fdp.findIndex((e) => isInSubtree(e.copathChild, myNode));
  if (i < 0) throw new ValidationError(`UpdatePath: leaf ${me} is under no node of the sender's filtered direct path`);
  const targets = encryptionTargets(tree, fdp[i]!.copathChild, exclude);
  const cts = updatePath.nodes[i]!.encryptedPathSecret;
  // §7.6: "The length of the encrypted_path_secret vector MUST be equal to the length of the resolution of the
  // copath node (excluding new leaf nodes), with each ciphertext being the encryption to the respective
  // resolution node": the position is how a receiver finds its ciphertext.
  if (cts.length !== targets.length) {
    throw new ValidationError(`UpdatePath: node ${i} has ${cts.length} encrypted path secrets, the resolution of its copath child has ${targets.length}`);
  }
  const j = targets.findIndex((x) => p.privateKeys.keys.has(x));
  if (j < 0) throw new ValidationError(`UpdatePath: node ${i}: leaf ${me} holds no private key for the resolution of node ${fdp[i]!.copathChild}`);
  const ct = cts[j]!;
  let secret: Uint8Array;
  try {
    secret = decryptWithLabel(suite, p.privateKeys.keys.get(targets[j]!)!, 'UpdatePathNode', ctx, ct.kemOutput, ct.ciphertext);
  } catch (e) {
    if (e instanceof CryptoError) throw new CryptoError(`UpdatePath: node ${i}: cannot decrypt the path secret for node ${fdp[i]!.node}: ${e.message}`);
    throw e;
  }
  // A path secret is a DeriveSecret output of KDF.Nh bytes (§7.4); no sender can make another length.
  if (secret.length !== suite.kdf.size) throw new ValidationError(`UpdatePath: node ${i}: path secret has ${secret.length} bytes, expected ${suite.kdf.size}`);

  const keys = new Map(p.privateKeys.keys);
  for (const x of senderDirectPath(tree, sender)) keys.delete(x);
  let s = secret;
  for (let k = i; k < fdp.length; k++) {
    if (k > i) s = nextPathSecret(suite, s);
    const kp = pathSecretKeyPair(suite, s);
    // §7.5, decrypting: "6. Verify that the derived public keys are the same as the corresponding public keys sent in the UpdatePath."
    if (!equalBytes(kp.publicKey, updatePath.nodes[k]!.encryptionKey)) {
      throw new ValidationError(`UpdatePath: node ${k}: encryption key does not match the one derived from the path secret`);
    }
    keys.set(fdp[k]!.node, kp.privateKey);
  }
  return {
    tree: newTree,
    treeHash,
    groupContext,
    privateKeys: pruneBlankKeys(newTree, { leafIndex: me, keys }),
    commitSecret: deriveSecret(suite, s, 'path'),
    pathSecret: secret,
    pathSecretNode: fdp[i]!.node,
  };
}

/**
 * RFC 9420 §12.4.3.1: a new member's keys from the Welcome's path_secret, which
 * belongs to the lowest node of the committer's filtered direct path above the
 * new member. Derives up to the root and checks each public key against the tree.
 */
export function privateKeysFromPathSecret(
  suite: CipherSuite,
  tree: RatchetTree,
  privateKeys: TreePrivateKeys,
  committer: LeafIndex,
  pathSecret: Uint8Array,
): { privateKeys: TreePrivateKeys; commitSecret: Uint8Array } {
  const fdp = tree.filteredDirectPath(committer);
  const myNode = (2 * privateKeys.leafIndex) as NodeIndex;
  const i = fdp.findIndex((e) => isInSubtree(e.copathChild, myNode));
  if (i < 0) throw new ValidationError(`path secret: leaf ${privateKeys.leafIndex} is under no node of leaf ${committer}'s filtered direct path`);
  const keys = new Map(privateKeys.keys);
  let s = pathSecret;
  for (let k = i; k < fdp.length; k++) {
    if (k > i) s = nextPathSecret(suite, s);
    const kp = pathSecretKeyPair(suite, s);
    const pk = tree.encryptionKey(fdp[k]!.node);
    // §12.4.3.1: "The private key MUST be the private key that corresponds to the public key in the node."
    if (pk === undefined || !equalBytes(kp.publicKey, pk)) throw new ValidationError(`path secret: node ${fdp[k]!.node}: derived key does not match the tree`);
    keys.set(fdp[k]!.node, kp.privateKey);
  }
  return { privateKeys: { leafIndex: privateKeys.leafIndex, keys }, commitSecret: deriveSecret(suite, s, 'path') };
}
