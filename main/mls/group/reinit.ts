// RFC 9420 §11.2: reinitialization. After a commit covering a ReInit proposal
// (the old state then has `reinit` set and accepts no more commits), one member
// creates the new group the ReInit describes (group id, version, cipher suite,
// extensions) and Welcomes the others with a resumption PSK of usage `reinit`
// from the old group's last epoch. Joiners check the new group against the
// ReInit and the old membership.

import { getProvider } from '../crypto/index.js';
import { isCipherSuiteId, type CipherSuiteId } from '../crypto/provider.js';
import { ArgumentError, ValidationError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { ProposalType, type Proposal } from '../messages/proposal.js';
import type { ReInit } from '../messages/proposals/reinit.js';
import { ResumptionPSKUsage } from '../schedule/psk.js';
import { equalBytes } from '../util/bytes.js';
import { PROTOCOL_VERSION_MLS10 } from './group-context.js';
import {
  createResumedGroup,
  credentialsOf,
  credentialsSubset,
  extensionsEqual,
  joinResumedGroup,
  type ResumedGroup,
  type ResumedGroupParams,
  type ResumedJoinParams,
} from './resumption.js';
import type { GroupState, ProviderOption } from './state.js';
import type { JoinedGroup } from './welcome-join.js';

export interface ReInitOptions extends ProviderOption {
  /** Default: KDF.Nh random bytes of the new suite. */
  readonly groupId?: Uint8Array;
  /** Default: the group's current suite. */
  readonly cipherSuite?: CipherSuiteId;
  /** Default: the group's current GroupContext extensions. */
  readonly extensions?: readonly Extension[];
}

/** RFC 9420 §12.1.5: a ReInit proposal for `state`'s group (commit it alone, by value or by reference). */
export function reinitProposal(state: GroupState, opts: ReInitOptions = {}): Proposal {
  const suiteId = opts.cipherSuite ?? state.cipherSuite;
  const newSuite = (opts.provider ?? getProvider()).getSuite(suiteId);
  const reinit: ReInit = {
    groupId: opts.groupId ?? newSuite.randomBytes(newSuite.kdf.size),
    version: PROTOCOL_VERSION_MLS10,
    cipherSuite: suiteId,
    extensions: opts.extensions ?? state.groupContext.extensions,
  };
  if (equalBytes(reinit.groupId, state.groupContext.groupId)) throw new ArgumentError('ReInit: the new group needs a group id other than the old one');
  return { proposalType: ProposalType.reinit, reinit };
}

function pendingReInit(old: GroupState, what: string): ReInit {
  if (old.reinit === undefined) throw new ValidationError(`${what}: the old group has not committed a ReInit`);
  return old.reinit;
}

/** Step 3 of §11.2: creates the new group of `old.reinit` (creator at epoch 1) and the Welcome for the others. */
export function createReInitGroup(old: GroupState, p: ResumedGroupParams): ResumedGroup {
  const ri = pendingReInit(old, 'createReInitGroup');
  if (ri.version !== PROTOCOL_VERSION_MLS10) throw new ArgumentError(`ReInit: protocol version ${ri.version} is not supported`);
  if (!isCipherSuiteId(ri.cipherSuite)) throw new ArgumentError(`ReInit: cipher suite ${ri.cipherSuite} is not supported`);
  const suite = (p.provider ?? getProvider()).getSuite(ri.cipherSuite);
  if (p.keyPackage.keyPackage.cipherSuite !== ri.cipherSuite) throw new ArgumentError(`ReInit: our KeyPackage is for suite ${p.keyPackage.keyPackage.cipherSuite}, the new group uses ${ri.cipherSuite}`);
  // §11.2: same membership: the creator's and the added KeyPackages' credentials must be the old members'.
  const creds = [p.keyPackage.keyPackage.leafNode.credential, ...p.members.map((kp) => kp.leafNode.credential)];
  if (!credentialsSubset(creds, credentialsOf(old.tree)) || creds.length !== old.tree.memberLeaves().length) {
    throw new ArgumentError('ReInit: the new group must have the same members as the old one (one KeyPackage per old member)');
  }
  return createResumedGroup(old, ResumptionPSKUsage.reinit, { suite, groupId: ri.groupId, extensions: ri.extensions }, p);
}

/** Joins the group that re-initializes `old`, checking it against the committed ReInit (§11.2). */
export function joinReInitGroup(old: GroupState, p: ResumedJoinParams): JoinedGroup {
  const ri = pendingReInit(old, 'joinReInitGroup');
  const joined = joinResumedGroup(old, ResumptionPSKUsage.reinit, old.groupContext.epoch, p);
  const gc = joined.state.groupContext;
  // §12.4.3.1, usage reinit: "verify that the last Commit to the referenced group contains a ReInit proposal and that
  // the group_id, version, cipher_suite, and group_context.extensions fields of the GroupInfo match the ReInit proposal".
  if (gc.version !== ri.version) throw new ValidationError(`ReInit Welcome: version ${gc.version} differs from the ReInit's ${ri.version}`);
  if (gc.cipherSuite !== ri.cipherSuite) throw new ValidationError(`ReInit Welcome: cipher suite ${gc.cipherSuite} differs from the ReInit's ${ri.cipherSuite}`);
  if (!equalBytes(gc.groupId, ri.groupId)) throw new ValidationError('ReInit Welcome: group id differs from the ReInit\'s');
  if (!extensionsEqual(gc.extensions, ri.extensions)) throw new ValidationError('ReInit Welcome: group extensions differ from the ReInit\'s');
  // §12.4.3.1: "verify that all the members of the old group are also members of the new group, according to
  // the application" (credentials equal, as the creator's check above). That the new group has no one else is
  // its creator's duty (§12.4.1: "with the same members as the original group"), not the joiner's check.
  if (!credentialsSubset(credentialsOf(old.tree), credentialsOf(joined.state.tree))) {
    throw new ValidationError('ReInit Welcome: a member of the old group is not a member of the new group');
  }
  return joined;
}

/** The cipher suite of the group that will re-initialize `old` (to make KeyPackages in it). */
export function reinitSuite(old: GroupState): CipherSuiteId {
  const ri = pendingReInit(old, 'reinitSuite');
  if (!isCipherSuiteId(ri.cipherSuite)) throw new ArgumentError(`ReInit: cipher suite ${ri.cipherSuite} is not supported`);
  return ri.cipherSuite;
}
