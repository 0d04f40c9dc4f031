// RFC 9420 §12.4.3.2 (joining via external commits) and §8.3 (external
// initialization): a client that is not a member joins, or resyncs, from a
// GroupInfo carrying the external_pub extension. It adds its own leaf at the
// leftmost free slot, sends an ExternalInit (the KEM output whose HPKE export
// is the new init_secret), optionally a Remove of its own old leaf (resync) and
// PreSharedKey proposals, all by value, with a path, as a PublicMessage from a
// new_member_commit sender. Pure: the result's state is the joiner's state for
// the new epoch, to use once the delivery service accepts the commit.
//
// Existing members process such a commit with processMessage (commit-process.ts
// handles the new_member_commit sender, checks a resync's Remove with
// external-commit-check.ts and calls externalInitSecret).

import { getProvider } from '../crypto/index.js';
import { isCipherSuiteId, type CipherSuite, type CryptoProvider } from '../crypto/provider.js';
import { ArgumentError, ValidationError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { ContentType } from '../framing/content-type.js';
import { signFramedContent } from '../framing/content-auth.js';
import type { FramedContent } from '../framing/framed-content.js';
import { mlsMessageBytes, parseMLSMessage } from '../framing/mls-message.js';
import { protectPublic } from '../framing/protect-public.js';
import { SenderType, type Sender } from '../framing/sender.js';
import { computeConfirmationTag, confirmedTranscriptHash, interimTranscriptHash } from '../framing/transcript-hash.js';
import { WireFormat } from '../framing/wire-format.js';
import { readExternalPub } from '../messages/external-pub.js';
import type { GroupInfo } from '../messages/group-info.js';
import { verifiedGroupInfoTree } from './group-info-tree.js';
import { ProposalOrRefType } from '../messages/proposal-or-ref.js';
import { ProposalType, type Proposal } from '../messages/proposal.js';
import { deriveEpochSecrets } from '../schedule/key-schedule.js';
import type { PreSharedKeyID } from '../schedule/psk.js';
import type { Capabilities } from '../tree/capabilities.js';
import { credentialsEqual, type Credential } from '../tree/credential.js';
import { LeafNodeSource, type LeafNode } from '../tree/leaf-node.js';
import type { CredentialValidator } from '../tree/leaf-validation.js';
import type { LeafIndex } from '../tree/math.js';
import { newTreePrivateKeys } from '../tree/private-keys.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import { addLeaf } from '../tree/tree-changes.js';
import { createUpdatePath } from '../tree/treekem.js';
import { equalBytes, utf8 } from '../util/bytes.js';
import { freshEpochState } from './epoch.js';
import { PROTOCOL_VERSION_MLS10, type GroupContext } from './group-context.js';
import { createGroupInfo, type GroupInfoOptions } from './group-info.js';
import { applyProposals, leafSupportsGroup } from './proposal-apply.js';
import type { ResolvedProposal } from './proposal-list.js';
import { validateProposalList } from './proposal-validation.js';
import { pskSecretFor, type PskLookup } from './psk-lookup.js';
import { checkConfig, DEFAULT_GROUP_CONFIG, type GroupConfig, type GroupState } from './state.js';

/** RFC 9420 §8.3: the HPKE exporter context of the external init secret. */
export const EXTERNAL_INIT_LABEL = 'MLS 1.0 external init secret';

export interface ExternalCommitParams {
  /** MLSMessage(GroupInfo) bytes, or a decoded GroupInfo; it must carry external_pub. */
  readonly groupInfo: Uint8Array | GroupInfo;
  /** The tree, when the GroupInfo has no ratchet_tree extension. */
  readonly ratchetTree?: RatchetTree;
  readonly credential: Credential;
  readonly signaturePrivateKey: Uint8Array;
  /** Default: this suite, version mls10, the credential's type, no extra extensions or proposals. */
  readonly capabilities?: Capabilities;
  readonly leafExtensions?: readonly Extension[];
  /** Resync: the leaf of this client's previous appearance, removed by the same commit. */
  readonly removeLeaf?: LeafIndex;
  /** PreSharedKey proposals to include, and where their secrets come from. */
  readonly psks?: readonly PreSharedKeyID[];
  readonly pskLookup?: PskLookup;
  readonly authenticatedData?: Uint8Array;
  readonly config?: Partial<GroupConfig>;
  readonly groupInfoOptions?: GroupInfoOptions;
  readonly provider?: CryptoProvider;
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
  /** Largest tree (in leaves, blank ones included) accepted; default DEFAULT_MAX_TREE_LEAVES, as for a Welcome. */
  readonly maxTreeLeaves?: number;
  /** Fixed leaf secret, for tests only. */
  readonly leafSecret?: Uint8Array;
}

export interface ExternalCommit {
  /** MLSMessage(PublicMessage) carrying the commit, to send to the group. */
  readonly commit: Uint8Array;
  /** MLSMessage(GroupInfo) of the new epoch. */
  readonly groupInfo: Uint8Array;
  /** The joiner's state in the new epoch; valid once the commit is accepted. */
  readonly state: GroupState;
  /** The joiner's leaf. */
  readonly leaf: LeafIndex;
}

function groupInfoOf(g: Uint8Array | GroupInfo): GroupInfo {
  if (!(g instanceof Uint8Array)) return g;
  const m = parseMLSMessage(g);
  if (m.wireFormat !== WireFormat.mlsGroupInfo) throw new ValidationError(`expected an MLSMessage(GroupInfo), got wire format ${m.wireFormat}`);
  return m.groupInfo;
}

export { verifiedGroupInfoTree } from './group-info-tree.js';

/** RFC 9420 §8.3, joiner side: kem_output and init_secret = SetupBaseS(external_pub, "").export(label, Nh). */
export function externalInitSender(suite: CipherSuite, externalPub: Uint8Array): { kemOutput: Uint8Array; initSecret: Uint8Array } {
  if (externalPub.length !== suite.hpke.publicKeySize) {
    throw new ValidationError(`external_pub is ${externalPub.length} bytes, expected ${suite.hpke.publicKeySize} for ${suite.hpke.kem}`);
  }
  const { enc, secret } = suite.hpke.sendExport(externalPub, new Uint8Array(0), utf8(EXTERNAL_INIT_LABEL), suite.kdf.size);
  return { kemOutput: enc, initSecret: secret };
}

/** The joiner can only use a GroupInfo of a version and cipher suite it implements. */
function suiteOfInfo(groupInfo: GroupInfo, provider: CryptoProvider | undefined): CipherSuite {
  const gc = groupInfo.groupContext;
  if (gc.version !== PROTOCOL_VERSION_MLS10) throw new ValidationError(`GroupInfo: protocol version ${gc.version} is not mls10`);
  if (!isCipherSuiteId(gc.cipherSuite)) throw new ValidationError(`GroupInfo: cipher suite ${gc.cipherSuite} is not supported`);
  return (provider ?? getProvider()).getSuite(gc.cipherSuite);
}

export function createExternalCommit(p: ExternalCommitParams): ExternalCommit {
  const groupInfo = groupInfoOf(p.groupInfo);
  const suite = suiteOfInfo(groupInfo, p.provider);
  return externalCommitFrom(suite, groupInfo, verifiedGroupInfoTree(suite, groupInfo, p), p);
}

/** The external commit once the GroupInfo and its tree were verified. */
function externalCommitFrom(suite: CipherSuite, groupInfo: GroupInfo, tree0: RatchetTree, p: Omit<ExternalCommitParams, 'groupInfo' | 'ratchetTree'>): ExternalCommit {
  const gc0 = groupInfo.groupContext;
  const config: GroupConfig = { ...DEFAULT_GROUP_CONFIG, ...p.config };
  checkConfig(config);
  const sigPub = suite.signature.publicKeyFromPrivate(p.signaturePrivateKey);
  const already = tree0.memberLeaves().find((l) => l !== p.removeLeaf && equalBytes(tree0.leaf(l)!.signatureKey, sigPub));
  if (already !== undefined) throw new ArgumentError(`external commit: our signature key is already leaf ${already}'s (resync instead)`);

  const externalPub = readExternalPub(groupInfo.extensions);
  // §12.4.3.2: "to join a group via an external Commit, a new member needs a GroupInfo with an external_pub extension".
  if (externalPub === undefined) throw new ValidationError('GroupInfo has no external_pub extension: the group does not allow external commits');
  const { kemOutput, initSecret } = externalInitSender(suite, externalPub.externalPub);

  if (p.removeLeaf !== undefined) {
    const old = p.removeLeaf < tree0.nLeaves ? tree0.leaf(p.removeLeaf) : undefined;
    if (old === undefined) throw new ArgumentError(`resync: leaf ${p.removeLeaf} is not a member of the group`);
    // §12.4.3.2: the new leaf must be acceptable as an Update of the removed one.
    if (!credentialsEqual(old.credential, p.credential)) throw new ArgumentError(`resync: leaf ${p.removeLeaf} has another credential than ours`);
  }
  const proposals: Proposal[] = [
    { proposalType: ProposalType.external_init, externalInit: { kemOutput } },
    ...(p.removeLeaf !== undefined ? [{ proposalType: ProposalType.remove, remove: { removed: p.removeLeaf } } as Proposal] : []),
    ...(p.psks ?? []).map((psk): Proposal => ({ proposalType: ProposalType.psk, psk: { psk } })),
  ];
  const sender: Sender = { senderType: SenderType.newMemberCommit };
  const resolved: ResolvedProposal[] = proposals.map((proposal) => ({ proposal, sender }));
  validateProposalList({ suite, tree: tree0, groupContext: gc0, committer: sender }, resolved);
  const applied = applyProposals(suite, tree0, gc0, resolved, { now: p.now, validateCredential: p.validateCredential });

  // A placeholder leaf takes the free slot; createUpdatePath replaces it with the signed commit leaf.
  const capabilities: Capabilities = p.capabilities ?? {
    versions: [PROTOCOL_VERSION_MLS10],
    cipherSuites: [suite.id],
    extensions: [],
    proposals: [],
    credentials: [p.credential.credentialType],
  };
  const placeholderKeys = suite.hpke.generateKeyPair();
  const placeholder: LeafNode = {
    leafNodeSource: LeafNodeSource.update,
    encryptionKey: placeholderKeys.publicKey,
    signatureKey: sigPub,
    credential: p.credential,
    capabilities,
    extensions: p.leafExtensions ?? [],
    signature: new Uint8Array(0),
  };
  // §13.4: "A client joining a group MUST verify that it supports every extension in the GroupContext".
  const why = leafSupportsGroup(placeholder, applied.extensions);
  if (why !== undefined) throw new ArgumentError(`external commit: our leaf ${why}`);
  const { tree: withMe, index: me } = addLeaf(applied.tree, placeholder);
  const provisional = (treeHash: Uint8Array): GroupContext => ({ ...gc0, epoch: gc0.epoch + 1n, treeHash, extensions: applied.extensions });
  const up = createUpdatePath({
    suite,
    tree: withMe,
    privateKeys: newTreePrivateKeys(me, placeholderKeys.privateKey),
    signaturePrivateKey: p.signaturePrivateKey,
    groupId: gc0.groupId,
    groupContext: provisional,
    ...(p.leafSecret !== undefined ? { leafSecret: p.leafSecret } : {}),
  });
  const pskSecret = pskSecretFor(suite, applied.psks, undefined, p.pskLookup);

  const wireFormat = WireFormat.mlsPublicMessage; // §12.4.3.2: a new member has no keys to encrypt with
  const content: FramedContent = {
    groupId: gc0.groupId,
    epoch: gc0.epoch,
    sender,
    authenticatedData: p.authenticatedData ?? new Uint8Array(0),
    contentType: ContentType.commit,
    commit: { proposals: proposals.map((proposal) => ({ type: ProposalOrRefType.proposal, proposal })), path: up.updatePath },
  };
  const signature = signFramedContent(suite, p.signaturePrivateKey, wireFormat, content, gc0);
  const interimBefore = interimTranscriptHash(suite, gc0.confirmedTranscriptHash, groupInfo.confirmationTag);
  const confirmed = confirmedTranscriptHash(suite, interimBefore, { wireFormat, content, signature });
  const groupContext: GroupContext = { ...provisional(up.tree.treeHash(suite)), confirmedTranscriptHash: confirmed };
  const secrets = deriveEpochSecrets(suite, { initSecret, commitSecret: up.commitSecret, pskSecret, groupContext });
  const confirmationTag = computeConfirmationTag(suite, secrets.confirmationKey, confirmed);
  const pm = protectPublic(suite, { wireFormat, content, auth: { signature, confirmationTag } }, gc0, undefined);

  const state = freshEpochState({
    suite,
    groupContext,
    tree: up.tree,
    ownLeaf: me,
    privateKeys: up.privateKeys,
    signaturePrivateKey: p.signaturePrivateKey,
    secrets,
    confirmationTag,
    interimTranscriptHash: interimTranscriptHash(suite, confirmed, confirmationTag),
    config,
  });
  if (!equalBytes(state.tree.leaf(me)!.signatureKey, sigPub)) throw new ArgumentError('internal: external commit leaf lost its signature key');
  const newInfo = createGroupInfo(suite, state, p.groupInfoOptions);
  return {
    commit: mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: pm }),
    groupInfo: mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsGroupInfo, groupInfo: newInfo }),
    state,
    leaf: me,
  };
}

/**
 * RFC 9420 §12.4.3.2 resync: a member whose state is lost or out of step rejoins
 * from a current GroupInfo, removing its old leaf, with the same credential and
 * signature key as before.
 */
export function createResyncCommit(
  old: GroupState,
  groupInfo: Uint8Array | GroupInfo,
  opts: Omit<ExternalCommitParams, 'groupInfo' | 'credential' | 'signaturePrivateKey' | 'removeLeaf'> = {},
): ExternalCommit {
  const leaf = old.tree.leaf(old.ownLeaf);
  if (leaf === undefined) throw new ArgumentError('resync: our leaf is blank in the old state');
  const info = groupInfoOf(groupInfo);
  if (!equalBytes(info.groupContext.groupId, old.groupContext.groupId)) throw new ArgumentError('resync: the GroupInfo is for another group');
  const suite = suiteOfInfo(info, opts.provider);
  const tree = verifiedGroupInfoTree(suite, info, opts);
  // Our old leaf in the current tree, found by signature key (absent if another member already removed it).
  const current = tree.memberLeaves().find((l) => equalBytes(tree.leaf(l)!.signatureKey, leaf.signatureKey));
  return externalCommitFrom(suite, info, tree, {
    ...opts,
    credential: leaf.credential,
    signaturePrivateKey: old.signaturePrivateKey,
    capabilities: opts.capabilities ?? leaf.capabilities,
    leafExtensions: opts.leafExtensions ?? leaf.extensions,
    config: { ...old.config, ...opts.config },
    ...(current !== undefined ? { removeLeaf: current } : {}),
  });
}
