// RFC 9420 §12.4.3.1 and §12.4.3.2: the ratchet tree a joiner takes from a
// GroupInfo (its ratchet_tree extension, or supplied out of band), accepted only
// once the GroupInfo's signature verifies and the tree validates against the
// GroupContext's tree hash. Shared by joining from a Welcome and by external joins.

import type { CipherSuite } from '../crypto/provider.js';
import { CryptoError, ValidationError } from '../errors.js';
import { ExtensionType, findExtension } from '../extensions/extension.js';
import { verifyGroupInfoSignature, type GroupInfo } from '../messages/group-info.js';
import type { CredentialValidator } from '../tree/leaf-validation.js';
import type { LeafIndex } from '../tree/math.js';
import { ratchetTreeFromBytes } from '../tree/ratchet-tree-codec.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import { validateRatchetTree } from '../tree/tree-validation.js';
import { checkTreeSize } from './tree-size.js';

export interface GroupInfoTreeOptions {
  readonly ratchetTree?: RatchetTree;
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
  readonly maxTreeLeaves?: number;
}

/** `source` names where the GroupInfo came from, for errors and the size bound. */
export function verifiedGroupInfoTree(
  suite: CipherSuite,
  groupInfo: GroupInfo,
  opts: GroupInfoTreeOptions,
  source: 'Welcome' | 'GroupInfo' = 'GroupInfo',
): RatchetTree {
  const gc = groupInfo.groupContext;
  const treeExt = findExtension(groupInfo.extensions, ExtensionType.ratchet_tree);
  let tree: RatchetTree;
  // The extension's bytes are the engine's own (a decoded copy, or a view into a decrypted GroupInfo): the tree may view them.
  if (treeExt !== undefined) tree = ratchetTreeFromBytes(treeExt.extensionData, 'view');
  else if (opts.ratchetTree !== undefined) tree = opts.ratchetTree;
  // §12.4.3.1: "the client MUST download the tree before processing the Welcome".
  else throw new ValidationError(`${source}: the GroupInfo has no ratchet_tree extension and no tree was supplied`);
  // Policy (maxTreeLeaves): bound the work a forged GroupInfo can cause before anything is verified (hashing, leaf signatures).
  checkTreeSize(tree, opts.maxTreeLeaves, source);
  // §12.4.3.1: "Verify the signature on the GroupInfo object ... The public key is taken from the LeafNode of the
  // ratchet tree with leaf index signer. If the node is blank or if signature verification fails, return an error."
  const signer = groupInfo.signer;
  const signerLeaf = signer < tree.nLeaves ? tree.leaf(signer as LeafIndex) : undefined;
  if (signerLeaf === undefined) throw new ValidationError(`GroupInfo.signer ${signer} is not a member of the tree`);
  if (!verifyGroupInfoSignature(suite, groupInfo, signerLeaf.signatureKey)) throw new CryptoError('GroupInfo.signature does not verify');
  // §12.4.3.1 "Verify the integrity of the ratchet tree" (tree-validation.ts); §12.4.3.3 "the client MUST verify
  // that the root hash of the ratchet tree matches the tree_hash of the GroupContext".
  validateRatchetTree(suite, tree, {
    groupId: gc.groupId,
    expectedTreeHash: gc.treeHash,
    groupExtensions: gc.extensions,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(opts.validateCredential !== undefined ? { validateCredential: opts.validateCredential } : {}),
  });
  return tree;
}
