// RFC 9420 §12.4.1 (Creating a Commit) and §12.4.3.1 (its Welcome). Pure: the
// current state is untouched; the result's PendingCommit holds the next
// epoch's state, which mergePendingCommit swaps in once the commit is accepted.

import { ArgumentError, ValidationError } from '../errors.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ContentType } from '../framing/content-type.js';
import { signFramedContent } from '../framing/content-auth.js';
import type { FramedContent } from '../framing/framed-content.js';
import { mlsMessageBytes } from '../framing/mls-message.js';
import { memberSender, SenderType } from '../framing/sender.js';
import { computeConfirmationTag, confirmedTranscriptHash, interimTranscriptHash } from '../framing/transcript-hash.js';
import { WireFormat } from '../framing/wire-format.js';
import type { Commit } from '../messages/commit.js';
import { keyPackageRef } from '../messages/key-package.js';
import { ProposalOrRefType, type ProposalOrRef } from '../messages/proposal-or-ref.js';
import { ProposalType, type Proposal } from '../messages/proposal.js';
import type { EncryptedGroupSecrets } from '../messages/encrypted-group-secrets.js';
import { encryptGroupInfo, encryptGroupSecretsMany } from '../messages/welcome-crypto.js';
import { deriveEpochSecrets } from '../schedule/key-schedule.js';
import type { ResumptionPSKUsage } from '../schedule/psk.js';
import type { LeafNode } from '../tree/leaf-node.js';
import type { CredentialValidator } from '../tree/leaf-validation.js';
import { commonAncestor, type NodeIndex } from '../tree/math.js';
import { pruneBlankKeys } from '../tree/private-keys.js';
import { createUpdatePath } from '../tree/treekem.js';
import { equalBytes } from '../util/bytes.js';
import { nextEpochState } from './epoch.js';
import type { GroupContext } from './group-context.js';
import { PROTOCOL_VERSION_MLS10 } from './group-context.js';
import { createGroupInfo, type GroupInfoOptions } from './group-info.js';
import type { GroupInfo } from '../messages/group-info.js';
import type { PendingCommit } from './pending-commit.js';
import { applyProposals, checkCommitterExtensionSupport } from './proposal-apply.js';
import type { ResolvedProposal } from './proposal-list.js';
import { pathRequired, validateProposalList } from './proposal-validation.js';
import { findPsk, pskSecretFor, type PskLookup } from './psk-lookup.js';
import { protectForState } from './protect.js';
import { suiteOf, type GroupState, type PendingProposal, type ProviderOption } from './state.js';

export interface CreateCommitOptions extends ProviderOption {
  /** Proposals of this member's own, included by value. */
  readonly proposals?: readonly Proposal[];
  /**
   * Received proposals to include by reference: their refs, or 'all' (default):
   * every pending proposal that can be committed by this member (not its own
   * Update, not a Remove of itself; for one leaf, a Remove wins over Updates).
   */
  readonly byReference?: readonly Uint8Array[] | 'all';
  /** Leave out the UpdatePath when no proposal requires one. Default false (always a path). */
  readonly omitPath?: boolean;
  readonly psks?: PskLookup;
  readonly authenticatedData?: Uint8Array;
  /** Default: state.config.handshakeWireFormat. */
  readonly wireFormat?: typeof WireFormat.mlsPublicMessage | typeof WireFormat.mlsPrivateMessage;
  readonly groupInfo?: GroupInfoOptions;
  /** New leaf fields carried by the path (e.g. a new credential). */
  readonly leaf?: Partial<Pick<LeafNode, 'signatureKey' | 'credential' | 'capabilities' | 'extensions'>>;
  /** The signature private key matching leaf.signatureKey, when it changes. */
  readonly newSignaturePrivateKey?: Uint8Array;
  readonly allowedResumptionUsages?: readonly ResumptionPSKUsage[];
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
  /** Fixed leaf secret, for tests only. */
  readonly leafSecret?: Uint8Array;
}

export interface CreatedCommit {
  /** MLSMessage (PublicMessage or PrivateMessage) carrying the commit. */
  readonly commit: Uint8Array;
  /** MLSMessage(Welcome) for the members this commit adds, if any. */
  readonly welcome?: Uint8Array;
  /**
   * MLSMessage(GroupInfo) of the new epoch, made when first read (then kept):
   * by default it carries the whole tree, so it costs O(n), mostly its signature
   * over the tree, which a caller that does not publish it need not pay. A
   * commit with Adds makes it at once for its Welcome. The bytes do not depend
   * on when it is made (the state is fixed, the signature deterministic).
   */
  readonly groupInfo: Uint8Array;
  readonly pending: PendingCommit;
}

function defaultReferences(state: GroupState): PendingProposal[] {
  const me = state.ownLeaf;
  const targetOf = (p: PendingProposal): number | undefined => {
    if (p.proposal.proposalType === ProposalType.remove) return p.proposal.remove.removed;
    if (p.proposal.proposalType === ProposalType.update && p.sender.senderType === SenderType.member) return p.sender.leafIndex;
    return undefined;
  };
  const removed = new Set<number>();
  for (const p of state.pendingProposals) if (p.proposal.proposalType === ProposalType.remove) removed.add(p.proposal.remove.removed);
  const out: PendingProposal[] = [];
  const seenTargets = new Set<number>();
  // Latest first, so the most recent Update of a leaf wins; restored to arrival order below.
  for (const p of [...state.pendingProposals].reverse()) {
    const t = targetOf(p);
    if (t === me) continue;
    if (p.proposal.proposalType === ProposalType.reinit) continue;
    if (t !== undefined) {
      if (p.proposal.proposalType === ProposalType.update && removed.has(t)) continue;
      if (seenTargets.has(t)) continue;
      seenTargets.add(t);
    }
    out.push(p);
  }
  // A lone ReInit is committed only when nothing else is pending (§12.2: others are preferred).
  if (out.length === 0) {
    const ri = [...state.pendingProposals].reverse().find((p) => p.proposal.proposalType === ProposalType.reinit);
    if (ri !== undefined) out.push(ri);
  }
  return out.reverse();
}

/**
 * RFC 9420 §12.4: the committer SHOULD include the valid proposals it received.
 * Keeps, in order, each candidate that is valid alone and together with those
 * kept so far (and the inline proposals), whose PSK is available, and whose
 * application to the tree passes the group checks.
 */
function committable(suite: CipherSuite, state: GroupState, candidates: readonly PendingProposal[], inline: readonly ResolvedProposal[], opts: CreateCommitOptions): PendingProposal[] {
  const checkHpkeKeys = state.config.checkHpkeKeys;
  const ctx = { suite, tree: state.tree, groupContext: state.groupContext, committer: memberSender(state.ownLeaf), allowedResumptionUsages: opts.allowedResumptionUsages, now: opts.now, checkHpkeKeys };
  const kept: PendingProposal[] = [];
  const asResolved = (p: PendingProposal): ResolvedProposal => ({ proposal: p.proposal, sender: p.sender, ref: p.ref });
  for (const p of candidates) {
    try {
      validateProposalList(ctx, [asResolved(p)]);
      const trial = [...kept.map(asResolved), asResolved(p), ...inline];
      validateProposalList({ ...ctx, keyPackagesChecked: true }, trial);
      if (p.proposal.proposalType === ProposalType.psk) findPsk(p.proposal.psk.psk, state, opts.psks);
      // The group-dependent rules too (required capabilities after a GroupContextExtensions, unique keys), and the adder's (§13.4).
      checkCommitterExtensionSupport(applyProposals(suite, state.tree, state.groupContext, trial, { now: opts.now, validateCredential: opts.validateCredential, checkHpkeKeys }), trial);
      kept.push(p);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
    }
  }
  return kept;
}

export function createCommit(state: GroupState, opts: CreateCommitOptions = {}): CreatedCommit {
  const suite = suiteOf(state, opts.provider);
  if (state.reinit !== undefined) throw new ArgumentError('the group was re-initialized: it accepts no more commits');
  const me = memberSender(state.ownLeaf);
  const byValue = opts.proposals ?? [];
  let refs: PendingProposal[];
  if (opts.byReference === undefined || opts.byReference === 'all') refs = committable(suite, state, defaultReferences(state), byValue.map((proposal) => ({ proposal, sender: me })), opts);
  else {
    refs = opts.byReference.map((r) => {
      const p = state.pendingProposals.find((x) => equalBytes(x.ref, r));
      if (p === undefined) throw new ArgumentError('createCommit: a referenced proposal is not among the pending proposals');
      return p;
    });
  }
  const resolved: ResolvedProposal[] = [
    ...refs.map((p) => ({ proposal: p.proposal, sender: p.sender, ref: p.ref })),
    ...byValue.map((proposal) => ({ proposal, sender: me })),
  ];
  const proposalsOrRefs: ProposalOrRef[] = [
    ...refs.map((p): ProposalOrRef => ({ type: ProposalOrRefType.reference, reference: p.ref })),
    ...byValue.map((proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal })),
  ];
  const gc0 = state.groupContext;
  const checkHpkeKeys = state.config.checkHpkeKeys;
  validateProposalList({ suite, tree: state.tree, groupContext: gc0, committer: me, allowedResumptionUsages: opts.allowedResumptionUsages, now: opts.now, checkHpkeKeys }, resolved);
  const applied = applyProposals(suite, state.tree, gc0, resolved, { now: opts.now, validateCredential: opts.validateCredential, checkHpkeKeys });
  checkCommitterExtensionSupport(applied, resolved);
  const provisional = (treeHash: Uint8Array): GroupContext => ({ ...gc0, epoch: gc0.epoch + 1n, treeHash, extensions: applied.extensions });
  const addedLeaves = applied.added.map((a) => a.index);

  const withPath = pathRequired(resolved) || opts.omitPath !== true;
  let tree = applied.tree;
  let privateKeys = pruneBlankKeys(tree, state.privateKeys);
  let commitSecret: Uint8Array = new Uint8Array(suite.kdf.size);
  let pathSecrets: readonly { node: NodeIndex; pathSecret: Uint8Array }[] = [];
  let commit: Commit = { proposals: proposalsOrRefs };
  let signaturePrivateKey = state.signaturePrivateKey;
  if (opts.leaf?.signatureKey !== undefined) {
    if (opts.newSignaturePrivateKey === undefined) throw new ArgumentError('createCommit: a new leaf signature key needs newSignaturePrivateKey');
    if (!withPath) throw new ArgumentError('createCommit: leaf changes need a path');
  }
  if (withPath) {
    const up = createUpdatePath({
      suite,
      tree,
      privateKeys,
      signaturePrivateKey: opts.newSignaturePrivateKey ?? state.signaturePrivateKey,
      groupId: gc0.groupId,
      groupContext: provisional,
      excludeLeaves: addedLeaves,
      ...(opts.leafSecret !== undefined ? { leafSecret: opts.leafSecret } : {}),
      ...(opts.leaf !== undefined ? { leaf: opts.leaf } : {}),
    });
    tree = up.tree;
    privateKeys = up.privateKeys;
    commitSecret = up.commitSecret;
    pathSecrets = up.pathSecrets;
    commit = { proposals: proposalsOrRefs, path: up.updatePath };
    if (opts.newSignaturePrivateKey !== undefined) signaturePrivateKey = opts.newSignaturePrivateKey;
  }
  const provisionalContext = provisional(tree.treeHash(suite));
  const pskSecret = pskSecretFor(suite, applied.psks, state, opts.psks);

  const wireFormat = opts.wireFormat ?? state.config.handshakeWireFormat;
  const content: FramedContent = {
    groupId: gc0.groupId,
    epoch: gc0.epoch,
    sender: me,
    authenticatedData: opts.authenticatedData ?? new Uint8Array(0),
    contentType: ContentType.commit,
    commit,
  };
  // The commit is signed with the key of the epoch it is sent in (the old leaf's).
  const signature = signFramedContent(suite, state.signaturePrivateKey, wireFormat, content, gc0);
  const confirmed = confirmedTranscriptHash(suite, state.interimTranscriptHash, { wireFormat, content, signature });
  const groupContext: GroupContext = { ...provisionalContext, confirmedTranscriptHash: confirmed };
  const secrets = deriveEpochSecrets(suite, { initSecret: state.keys.initSecret, commitSecret, pskSecret, groupContext });
  const confirmationTag = computeConfirmationTag(suite, secrets.confirmationKey, confirmed);
  // The advanced secret tree is dropped with the old epoch. Should this commit be
  // discarded, the next handshake message reuses its ratchet step; the fresh
  // reuse guard (RFC 9420 §6.3.1) keeps the two nonces apart.
  const { message } = protectForState(suite, state, { wireFormat, content, auth: { signature, confirmationTag } });

  const next = nextEpochState(state, {
    suite,
    groupContext,
    tree,
    ownLeaf: state.ownLeaf,
    privateKeys,
    signaturePrivateKey,
    secrets,
    confirmationTag,
    interimTranscriptHash: interimTranscriptHash(suite, confirmed, confirmationTag),
    ...(applied.reinit !== undefined ? { reinit: applied.reinit } : {}),
    config: state.config,
  });
  let groupInfo: GroupInfo | undefined;
  let groupInfoMessage: Uint8Array | undefined;
  const signedGroupInfo = (): GroupInfo => (groupInfo ??= createGroupInfo(suite, next, opts.groupInfo));
  const groupInfoBytes = (): Uint8Array =>
    (groupInfoMessage ??= mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsGroupInfo, groupInfo: signedGroupInfo() }));

  let welcome: Uint8Array | undefined;
  if (applied.added.length > 0) {
    const encryptedGroupInfo = encryptGroupInfo(suite, secrets.welcomeSecret, signedGroupInfo());
    const recipients = applied.added.map((a) => {
      if (a.proposal.proposal.proposalType !== ProposalType.add) throw new ArgumentError('internal: added leaf without an Add');
      const kp = a.proposal.proposal.add.keyPackage;
      const anc = commonAncestor((2 * state.ownLeaf) as NodeIndex, (2 * a.index) as NodeIndex);
      const ps = pathSecrets.find((x) => x.node === anc);
      const groupSecrets = { joinerSecret: secrets.joinerSecret, ...(ps !== undefined ? { pathSecret: { pathSecret: ps.pathSecret } } : {}), psks: applied.psks };
      return { kp, initKey: kp.initKey, secrets: groupSecrets };
    });
    // One pass over encrypted_group_info for all new members (it is the HPKE info of each, and can be megabytes).
    const sealed = encryptGroupSecretsMany(suite, recipients, encryptedGroupInfo);
    const entries: EncryptedGroupSecrets[] = recipients.map((r, i) => ({ newMember: keyPackageRef(suite, r.kp), encryptedGroupSecrets: sealed[i]! }));
    welcome = mlsMessageBytes({
      version: PROTOCOL_VERSION_MLS10,
      wireFormat: WireFormat.mlsWelcome,
      welcome: { cipherSuite: suite.id, secrets: entries, encryptedGroupInfo },
    });
  }
  const pending: PendingCommit = {
    fromEpoch: gc0.epoch,
    fromInterimTranscriptHash: state.interimTranscriptHash,
    state: next,
    added: addedLeaves,
    removed: applied.removed.map((r) => r.index),
  };
  return {
    commit: message,
    ...(welcome !== undefined ? { welcome } : {}),
    get groupInfo(): Uint8Array {
      return groupInfoBytes();
    },
    pending,
  };
}
