// RFC 9420 §12.4.2 without the secrets: a commit seen by the public view. The
// same steps a member runs (group/commit-process.ts), up to where the epoch
// secrets come in: resolve and validate the proposals, apply them, check and
// merge the UpdatePath's public part, then compute the new tree hash and the
// transcript hashes. The result is the next epoch's public view and what the
// commit changed, leaf by leaf.

import { makeKeyPackageRef } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import type { AuthenticatedContent } from '../framing/authenticated-content.js';
import { ContentType } from '../framing/content-type.js';
import { SenderType } from '../framing/sender.js';
import { confirmedTranscriptHash, interimTranscriptHash } from '../framing/transcript-hash.js';
import { checkHpkePublicKey } from '../crypto/hpke-key-check.js';
import { checkResyncRemoves } from '../group/external-commit-check.js';
import type { GroupContext } from '../group/group-context.js';
import { checkUpdatePathFits } from '../group/leaf-fit.js';
import { applyProposals } from '../group/proposal-apply.js';
import { resolveProposals } from '../group/proposal-list.js';
import { pathRequired, validateProposalList } from '../group/proposal-validation.js';
import { keyPackageBytes, type KeyPackage } from '../messages/key-package.js';
import { ProposalType } from '../messages/proposal.js';
import type { LeafNode } from '../tree/leaf-node.js';
import type { LeafIndex } from '../tree/math.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import { addLeaf } from '../tree/tree-changes.js';
import { mergeUpdatePath } from '../tree/treekem.js';
import type { UpdatePath } from '../tree/update-path.js';
import { equalBytes } from '../util/bytes.js';
import type { PublicGroup } from './public-group.js';

export interface PublicLeaf {
  readonly index: LeafIndex;
  readonly leaf: LeafNode;
}

export interface PublicAddedLeaf extends PublicLeaf {
  /** The KeyPackage of the Add; its KeyPackageRef names the new member's entry in the Welcome. */
  readonly keyPackage: KeyPackage;
  readonly keyPackageRef: Uint8Array;
}

export interface PublicLeafChange {
  readonly index: LeafIndex;
  readonly before: LeafNode;
  readonly after: LeafNode;
}

export interface PublicCommitResult {
  readonly kind: 'commit';
  /** The view of the new epoch. */
  readonly group: PublicGroup;
  /** The committer's leaf: for an external commit, the joiner's new leaf. */
  readonly committer: LeafIndex;
  readonly external: boolean;
  /** Leaves added by Add proposals. */
  readonly added: readonly PublicAddedLeaf[];
  /** The joiner's leaf of an external commit. */
  readonly joined?: PublicLeaf;
  /** Leaves removed, with the leaf they held before. */
  readonly removed: readonly PublicLeaf[];
  /** Leaves replaced: by Update proposals, and the committer's by its UpdatePath. */
  readonly changed: readonly PublicLeafChange[];
}

/**
 * §7.6: an UpdatePath node carries one encrypted path secret per node in the
 * resolution of its copath child, leaves added by this commit excluded. A
 * member checks only the node meant for it; the public view checks them all,
 * so no member is left without its path secret.
 */
export function checkPathSecretCounts(tree: RatchetTree, committer: LeafIndex, path: UpdatePath, added: readonly LeafIndex[]): void {
  const fdp = tree.filteredDirectPath(committer);
  if (path.nodes.length !== fdp.length) {
    throw new ValidationError(`UpdatePath: has ${path.nodes.length} nodes, but the filtered direct path of leaf ${committer} has ${fdp.length}`);
  }
  const exclude = new Set<number>(added);
  fdp.forEach((e, i) => {
    const want = tree.resolution(e.copathChild).filter((x) => !(x % 2 === 0 && exclude.has(x / 2))).length;
    const got = path.nodes[i]!.encryptedPathSecret.length;
    if (got !== want) throw new ValidationError(`UpdatePath: node ${i} has ${got} encrypted path secrets, the resolution of its copath child has ${want}`);
  });
}

/** The content's signature was verified by the caller (public-message.ts). */
export function applyPublicCommit(suite: CipherSuite, g: PublicGroup, ac: AuthenticatedContent): PublicCommitResult {
  const content = ac.content;
  if (content.contentType !== ContentType.commit) throw new ValidationError('applyPublicCommit: not a commit');
  if (g.reinit !== undefined) throw new ValidationError('the group was re-initialized: it accepts no more commits');
  const tag = ac.auth.confirmationTag;
  if (tag === undefined) throw new ValidationError('Commit: no confirmation_tag');
  const commit = content.commit;
  const sender = content.sender;
  const external = sender.senderType === SenderType.newMemberCommit;
  if (sender.senderType !== SenderType.member && !external) throw new ValidationError(`Commit: sender type ${sender.senderType} may not commit`);
  const gc0 = g.groupContext;

  const resolved = resolveProposals(commit.proposals, sender, g.pendingProposals);
  validateProposalList({ suite, tree: g.tree, groupContext: gc0, committer: sender }, resolved);
  if (pathRequired(resolved) && commit.path === undefined) throw new ValidationError('Commit: an UpdatePath is required for these proposals but missing');
  const applied = applyProposals(suite, g.tree, gc0, resolved);

  let committer: LeafIndex;
  let treeForPath = applied.tree;
  if (sender.senderType === SenderType.member) {
    committer = sender.leafIndex;
  } else {
    if (commit.path === undefined) throw new ValidationError('external Commit: has no path');
    checkResyncRemoves(g.tree, resolved, commit.path.leafNode);
    // As in commit-process.ts: the joiner's slot holds a keyless placeholder that the path merge replaces.
    const r = addLeaf(applied.tree, { ...commit.path.leafNode, encryptionKey: new Uint8Array(0) });
    treeForPath = r.tree;
    committer = r.index;
  }
  const addedIndices = applied.added.map((a) => a.index);

  let tree = applied.tree;
  if (commit.path !== undefined) {
    const path = commit.path;
    checkHpkePublicKey(suite, path.leafNode.encryptionKey, 'UpdatePath leaf_node.encryption_key');
    path.nodes.forEach((n, i) => checkHpkePublicKey(suite, n.encryptionKey, `UpdatePath node ${i}: encryption_key`));
    const leafBefore = external ? undefined : applied.tree.leaf(committer);
    if (leafBefore !== undefined && equalBytes(leafBefore.encryptionKey, path.leafNode.encryptionKey)) {
      throw new ValidationError("Commit: UpdatePath leaf encryption key equals the committer's current one");
    }
    checkUpdatePathFits(applied.tree, external ? undefined : committer, path);
    tree = mergeUpdatePath(suite, treeForPath, committer, path, gc0.groupId, { groupExtensions: applied.extensions });
    checkPathSecretCounts(treeForPath, committer, path, addedIndices);
  }

  const confirmed = confirmedTranscriptHash(suite, g.interimTranscriptHash, { wireFormat: ac.wireFormat, content, signature: ac.auth.signature });
  const groupContext: GroupContext = {
    ...gc0,
    epoch: gc0.epoch + 1n,
    treeHash: tree.treeHash(suite),
    confirmedTranscriptHash: confirmed,
    extensions: applied.extensions,
  };
  const next: PublicGroup = {
    cipherSuite: g.cipherSuite,
    groupContext,
    tree,
    interimTranscriptHash: interimTranscriptHash(suite, confirmed, tag),
    confirmationTag: tag,
    pendingProposals: [],
    ...(applied.reinit !== undefined ? { reinit: applied.reinit } : {}),
  };

  const added: PublicAddedLeaf[] = applied.added.map((a) => {
    const p = a.proposal.proposal;
    if (p.proposalType !== ProposalType.add) throw new ValidationError('internal: an added leaf without its Add');
    return { index: a.index, leaf: tree.leaf(a.index)!, keyPackage: p.add.keyPackage, keyPackageRef: makeKeyPackageRef(suite, keyPackageBytes(p.add.keyPackage)) };
  });
  const changed: PublicLeafChange[] = applied.updated.map((l) => ({ index: l, before: g.tree.leaf(l)!, after: tree.leaf(l)! }));
  if (!external && commit.path !== undefined) changed.push({ index: committer, before: g.tree.leaf(committer)!, after: tree.leaf(committer)! });
  return {
    kind: 'commit',
    group: next,
    committer,
    external,
    added,
    ...(external ? { joined: { index: committer, leaf: tree.leaf(committer)! } } : {}),
    removed: applied.removed.map((r) => ({ index: r.index, leaf: r.leaf })),
    changed,
  };
}
