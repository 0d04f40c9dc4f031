// The group state machine, RFC 9420 §11–§12. Every function is pure and
// synchronous: a GroupState in, a new GroupState out; the input is never
// changed, and on error (ValidationError / CryptoError / DecodeError) the
// caller's state is still the valid current one.
//
// Exported API (all take an optional `provider` in their options):
//   state.ts          GroupState, GroupConfig, DEFAULT_GROUP_CONFIG, EpochKeys, PendingProposal,
//                     members(state), ownLeafNode(state), epochAuthenticator(state)
//   state-codec.ts    groupStateBytes(state) → Uint8Array; groupStateFromBytes(bytes) → GroupState
//   state-parts.ts    stateParts(state) → { core, trees: [{ epoch, rows }] }; stateDelta(before, after)
//                       → { core?, trees: [{ epoch, put, delete }], dropEpochs, newEpochs };
//                       stateFromParts(core, Map<epoch, rows>) → GroupState   (incremental storage)
//   pending-commit-codec.ts (public-API engineer's) pendingCommitBytes / pendingCommitFromBytes
//   create-group.ts   createGroup({ suite, groupId?, keyPackage (KeyPackageWithSecrets), signaturePrivateKey,
//                       extensions?, config? }) → GroupState                                  (§11, epoch 0)
//   (external commits: processing one needs HPKE export from the crypto provider; see external-init.ts)
//   proposal-message.ts
//                     createProposalMessage(state, proposal, { authenticatedData? })
//                       → { message: Uint8Array (MLSMessage), ref, state }  (stores it in pendingProposals)
//                     addProposal(kp)/removeProposal(leaf)/pskProposal(id)/groupContextExtensionsProposal(exts)
//                     build Proposal values; createUpdateProposal(state) → { proposal, encryptionPrivateKey,
//                     signaturePrivateKey } (pass those as opts.update to createProposalMessage)
//   commit-create.ts  createCommit(state, { proposals? (by value), byReference? (refs, or 'all' = default:
//                       every pending proposal that can validly be committed), omitPath?, psks?,
//                       authenticatedData?, wireFormat?, groupInfo?: { ratchetTree?, externalPub? },
//                       leaf? + newSignaturePrivateKey?, now?, validateCredential? })
//                       → { commit: Uint8Array, welcome?: Uint8Array, groupInfo: Uint8Array, pending: PendingCommit }
//                     (changes nothing; PendingCommit.state is the next epoch's state)
//   pending-commit.ts mergePendingCommit(state, pending) → GroupState
//   welcome-join.ts   joinFromWelcome({ welcome: Uint8Array, keyPackage: KeyPackageWithSecrets,
//                       signaturePrivateKey, ratchetTree?, psks?, config? }) → { state, groupInfo, groupSecrets }
//   group-info.ts     createGroupInfo(suite, state, { externalPub?, ratchetTree? }) → GroupInfo (signed)
//   application.ts    createApplicationMessage(state, data, aad?, { allowPendingProposals? })
//                       → { message: Uint8Array, state }   (refused while proposals are pending, §12.4)
//   process-message.ts
//                     processMessage(state, mlsMessageBytes, { psks?, now?, validateCredential?, provider? })
//                       → { result, state }
//                       result: { kind: 'application', data, sender, authenticatedData, epoch }
//                             | { kind: 'proposal', ref, proposal, sender }
//                             | { kind: 'commit', newEpoch, committer, added, removed, updated }
//                             | { kind: 'removed', epoch, committer }   (state: still the old epoch's)
//                     Own messages echoed back are refused (own commits are merged, not processed).
//   exporter.ts       exportSecret(state, label, context, length) → Uint8Array   (§8.5)
//
// PSK lookup: `psks?: (id: PreSharedKeyID) => Uint8Array | undefined` resolves
// external PSKs; resumption PSKs come from the state itself.

export * from './state.js';
export * from './state-codec.js';
export * from './state-parts.js';
export { createGroup, type CreateGroupParams } from './create-group.js';
export {
  addProposal,
  removeProposal,
  pskProposal,
  groupContextExtensionsProposal,
  createUpdateProposal,
  createProposalMessage,
  type UpdateProposal,
  type UpdateProposalOptions,
  type ProposalMessage,
  type ProposalMessageOptions,
} from './proposal-message.js';
export { createCommit, type CreateCommitOptions, type CreatedCommit } from './commit-create.js';
export { mergePendingCommit, type PendingCommit } from './pending-commit.js';
export { joinFromWelcome, type JoinFromWelcomeParams, type JoinedGroup } from './welcome-join.js';
export { createGroupInfo, groupInfoExtensions, type GroupInfoOptions } from './group-info.js';
export { createApplicationMessage, type ApplicationMessageOptions } from './application.js';
export { processMessage, type ProcessMessageOptions, type ProcessResult, type Processed } from './process-message.js';
export { exportSecret } from './exporter.js';
export type { PskLookup } from './psk-lookup.js';
// Building blocks for external commits, ReInit and branch (used by the public API layer).
export { processCommit, type ProcessCommitOptions, type ProcessedCommit, type CommitChanges } from './commit-process.js';
export { applyProposals, leafSupportsGroup, type AppliedProposals } from './proposal-apply.js';
export { validateProposalList, pathRequired, checkProposalSender } from './proposal-validation.js';
export { validateReceivedProposal } from './proposal-receipt.js';
export { checkHpkePublicKey, checkHpkeKeyLength } from '../crypto/hpke-key-check.js';
export { checkCredentialFit, checkEncryptionKeysFresh, checkSignatureKeyFree, checkUpdatePathFits } from './leaf-fit.js';
export { checkResyncRemoves, isExternalCommitMessage } from './external-commit-check.js';
export { checkTreeSize, DEFAULT_MAX_TREE_LEAVES } from './tree-size.js';
export { resolveProposals, type ResolvedProposal } from './proposal-list.js';
export { findPsk, pskSecretFor } from './psk-lookup.js';
export { senderSignatureKey } from './signature-keys.js';
export { freshEpochState, nextEpochState, epochKeysOf, pastEpochOf, type NewEpochParams } from './epoch.js';
export { protectForState } from './protect.js';
export { addLeaves } from './add-leaves.js';
export { externalInitSecret } from './external-init.js';
