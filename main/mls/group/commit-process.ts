// RFC 9420 §12.4.2: processing a commit another member (or an external
// joiner) sent, once its framing was removed and its signature verified.
// Pure: returns the next epoch's state, or a 'removed' outcome when the commit
// removes this member; any error leaves the caller's state as it was.

import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import type { AuthenticatedContent } from '../framing/authenticated-content.js';
import { ContentType } from '../framing/content-type.js';
import { SenderType } from '../framing/sender.js';
import { ProposalType } from '../messages/proposal.js';
import { confirmedTranscriptHash, interimTranscriptHash, verifyConfirmationTag } from '../framing/transcript-hash.js';
import { deriveEpochSecrets } from '../schedule/key-schedule.js';
import type { CredentialValidator } from '../tree/leaf-validation.js';
import type { LeafIndex, NodeIndex } from '../tree/math.js';
import { pruneBlankKeys, type TreePrivateKeys } from '../tree/private-keys.js';
import { addLeaf } from '../tree/tree-changes.js';
import { applyUpdatePath, mergeUpdatePath } from '../tree/treekem.js';
import { equalBytes } from '../util/bytes.js';
import { nextEpochState } from './epoch.js';
import { checkResyncRemoves } from './external-commit-check.js';
import { checkUpdatePathFits } from './leaf-fit.js';
import { externalInitSecret } from './external-init.js';
import { hpkeKeyCheck } from '../crypto/hpke-key-check.js';
import type { GroupContext } from './group-context.js';
import { applyProposals } from './proposal-apply.js';
import { resolveProposals } from './proposal-list.js';
import { pathRequired, validateProposalList } from './proposal-validation.js';
import { pskSecretFor, type PskLookup } from './psk-lookup.js';
import type { GroupState } from './state.js';

export interface ProcessCommitOptions {
  readonly psks?: PskLookup;
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
}

export interface CommitChanges {
  readonly committer: LeafIndex;
  readonly added: readonly LeafIndex[];
  readonly removed: readonly LeafIndex[];
  readonly updated: readonly LeafIndex[];
}

export type ProcessedCommit =
  | { readonly kind: 'commit'; readonly state: GroupState; readonly changes: CommitChanges }
  | { readonly kind: 'removed'; readonly changes: CommitChanges };

export function processCommit(suite: CipherSuite, state: GroupState, ac: AuthenticatedContent, opts: ProcessCommitOptions = {}): ProcessedCommit {
  const content = ac.content;
  if (content.contentType !== ContentType.commit) throw new ValidationError('processCommit: not a commit');
  // §6.1: a commit's FramedContentAuthData carries a confirmation_tag (the decoder always reads one).
  const tag = ac.auth.confirmationTag;
  if (tag === undefined) throw new ValidationError('Commit: no confirmation_tag');
  const commit = content.commit;
  const sender = content.sender;
  const external = sender.senderType === SenderType.newMemberCommit;
  // §6.1: only member and new_member_commit senders send commits (external: "MUST be proposal").
  if (sender.senderType !== SenderType.member && !external) throw new ValidationError(`Commit: sender type ${sender.senderType} may not commit`);
  if (sender.senderType === SenderType.member && sender.leafIndex === state.ownLeaf) {
    throw new ValidationError('Commit: this is our own commit; merge its pending commit instead of processing it');
  }
  const gc0 = state.groupContext;
  // §12.4.2: "Verify that the proposals vector is valid according to the rules in Section 12.2."
  const resolved = resolveProposals(commit.proposals, sender, state.pendingProposals);
  const checkHpkeKeys = state.config.checkHpkeKeys;
  validateProposalList({ suite, tree: state.tree, groupContext: gc0, committer: sender, now: opts.now, checkHpkeKeys }, resolved);
  // §12.4: "if len(commit.proposals) == 0 || pathRequired: assert(commit.path != null)".
  if (pathRequired(resolved) && commit.path === undefined) throw new ValidationError('Commit: an UpdatePath is required for these proposals but missing');
  const applied = applyProposals(suite, state.tree, gc0, resolved, { ...opts, checkHpkeKeys });

  let committer: LeafIndex;
  let treeForPath = applied.tree;
  if (sender.senderType === SenderType.member) {
    committer = sender.leafIndex;
  } else {
    // §12.4.3.2: "External Commits MUST contain a path field"; a Remove in one is the joiner's old leaf (§12.2).
    if (commit.path === undefined) throw new ValidationError('external Commit: has no path');
    checkResyncRemoves(state.tree, resolved, commit.path.leafNode);
    // §12.4.2: the joiner takes the leftmost blank leaf. TreeKEM merges a path only
    // onto an occupied leaf whose key the path replaces, so the slot is held by a
    // placeholder (no encryption key) that the merge overwrites along with the
    // unmerged-leaf entries addLeaf put on its direct path.
    const r = addLeaf(applied.tree, { ...commit.path.leafNode, encryptionKey: new Uint8Array(0) });
    treeForPath = r.tree;
    committer = r.index;
  }
  const leafOptions = {
    groupExtensions: applied.extensions,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(opts.validateCredential !== undefined ? { validateCredential: opts.validateCredential } : {}),
  };
  const changes: CommitChanges = {
    committer,
    added: applied.added.map((a) => a.index),
    removed: applied.removed.map((r) => r.index),
    updated: applied.updated,
  };
  if (commit.path !== undefined) {
    // Policy (GroupConfig.checkHpkeKeys): the path's HPKE keys usable (RFC 9180 §7.1.4 at arrival).
    const checkKey = hpkeKeyCheck(checkHpkeKeys);
    checkKey(suite, commit.path.leafNode.encryptionKey, 'UpdatePath leaf_node.encryption_key');
    commit.path.nodes.forEach((n, i) => checkKey(suite, n.encryptionKey, `UpdatePath node ${i}: encryption_key`));
    const leafBefore = external ? undefined : applied.tree.leaf(committer);
    // §12.4.2: "Verify that the encryption_key value in the LeafNode is different from the committer's current leaf node."
    if (leafBefore !== undefined && equalBytes(leafBefore.encryptionKey, commit.path.leafNode.encryptionKey)) {
      throw new ValidationError('Commit: UpdatePath leaf encryption key equals the committer\'s current one');
    }
    // §7.3, §12.4.2: credential types and key uniqueness against the whole tree (also for a removed receiver).
    checkUpdatePathFits(applied.tree, external ? undefined : committer, commit.path);
  }
  if (changes.removed.includes(state.ownLeaf)) {
    // The removed member cannot derive the new epoch (so cannot check the confirmation
    // tag), but it checks everything public about the path before believing it.
    if (commit.path !== undefined) mergeUpdatePath(suite, treeForPath, committer, commit.path, gc0.groupId, leafOptions);
    return { kind: 'removed', changes };
  }

  // Own Update committed by another member: our leaf now holds the key we proposed.
  let privateKeys: TreePrivateKeys = state.privateKeys;
  let signaturePrivateKey = state.signaturePrivateKey;
  if (applied.updated.includes(state.ownLeaf)) {
    const mine = resolved.find(
      (p) => p.proposal.proposalType === ProposalType.update && p.ref !== undefined && p.sender.senderType === SenderType.member && p.sender.leafIndex === state.ownLeaf,
    );
    const own = mine === undefined ? undefined : state.ownUpdates.find((u) => equalBytes(u.ref, mine.ref!));
    // Without the private key of that leaf this member could not go on (§12.1.2: the leaf is the proposer's own).
    if (own === undefined) throw new ValidationError('Commit: commits an Update of our leaf that we did not propose');
    const keys = new Map(privateKeys.keys);
    keys.set((2 * state.ownLeaf) as NodeIndex, own.encryptionPrivateKey);
    privateKeys = { leafIndex: state.ownLeaf, keys };
    signaturePrivateKey = own.signaturePrivateKey;
  }
  privateKeys = pruneBlankKeys(applied.tree, privateKeys);

  const provisional = (treeHash: Uint8Array): GroupContext => ({ ...gc0, epoch: gc0.epoch + 1n, treeHash, extensions: applied.extensions });
  let tree = applied.tree;
  let commitSecret: Uint8Array = new Uint8Array(suite.kdf.size);
  if (commit.path !== undefined) {
    const up = applyUpdatePath({
      suite,
      tree: treeForPath,
      privateKeys,
      sender: committer,
      updatePath: commit.path,
      groupId: gc0.groupId,
      groupContext: provisional,
      excludeLeaves: changes.added,
      leafOptions,
    });
    tree = up.tree;
    privateKeys = up.privateKeys;
    commitSecret = up.commitSecret;
  }
  const pskSecret = pskSecretFor(suite, applied.psks, state, opts.psks);
  const initSecret = applied.externalInit !== undefined ? externalInitSecret(suite, state.keys.externalSecret, applied.externalInit.kemOutput) : state.keys.initSecret;
  const confirmed = confirmedTranscriptHash(suite, state.interimTranscriptHash, { wireFormat: ac.wireFormat, content, signature: ac.auth.signature });
  const groupContext: GroupContext = { ...provisional(tree.treeHash(suite)), confirmedTranscriptHash: confirmed };
  const secrets = deriveEpochSecrets(suite, { initSecret, commitSecret, pskSecret, groupContext });
  // §12.4.2: "verify that it is the same as the confirmation_tag field in the FramedContentAuthData object".
  verifyConfirmationTag(suite, secrets.confirmationKey, confirmed, tag);
  const next = nextEpochState(state, {
    suite,
    groupContext,
    tree,
    ownLeaf: state.ownLeaf,
    privateKeys,
    signaturePrivateKey,
    secrets,
    confirmationTag: tag,
    interimTranscriptHash: interimTranscriptHash(suite, confirmed, tag),
    ...(applied.reinit !== undefined ? { reinit: applied.reinit } : {}),
    config: state.config,
  });
  return { kind: 'commit', state: next, changes };
}
