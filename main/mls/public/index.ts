// The public (secret-free) view of a group: see public-group.ts for what it
// checks and what it cannot. Exports, one file per concept:
//   public-group.ts      PublicGroup, publicMembers, publicEpoch, publicGroupId, publicTreeHash
//   from-group-info.ts   publicGroupFromGroupInfo(groupInfo, { ratchetTree?, maxTreeLeaves?, provider? })
//   process-public.ts    processPublicMessage(group, bytes) → proposal or commit result with the new view
//   public-proposal.ts   the proposal result
//   public-commit.ts     the commit result: committer, added (with KeyPackageRefs), joined, removed, changed
//   check-group-info.ts  checkGroupInfo(group, groupInfo): a published GroupInfo is this epoch's
//   public-codec.ts      publicGroupBytes / publicGroupFromBytes (storage)
//   welcome-recipients.ts welcomeRecipients(welcome): its suite and the KeyPackageRefs it carries secrets for

export { publicMembers, publicEpoch, publicGroupId, publicTreeHash, type PublicGroup, type PublicMember } from './public-group.js';
export { publicGroupFromGroupInfo, type PublicGroupOptions } from './from-group-info.js';
export { processPublicMessage, type PublicProcessResult, type PublicProcessOptions } from './process-public.js';
export type { PublicProposalResult } from './public-proposal.js';
export type { PublicCommitResult, PublicAddedLeaf, PublicLeaf, PublicLeafChange } from './public-commit.js';
export { checkGroupInfo } from './check-group-info.js';
export { publicGroupBytes, publicGroupFromBytes, PUBLIC_GROUP_FORMAT } from './public-codec.js';
export { welcomeRecipients, type WelcomeRecipients } from './welcome-recipients.js';
