// RFC 9420 §11.3: subgroup branching. A member creates a new group (same
// version and cipher suite) with some of the old group's members, linked to
// the old group's current epoch by a resumption PSK of usage `branch` with a
// fresh nonce. Joiners check the suite, the epoch and that every member of the
// subgroup was a member of the old group.

import { ArgumentError, ValidationError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { ResumptionPSKUsage } from '../schedule/psk.js';
import { equalBytes } from '../util/bytes.js';
import {
  createResumedGroup,
  credentialsOf,
  credentialsSubset,
  joinResumedGroup,
  type ResumedGroup,
  type ResumedGroupParams,
  type ResumedJoinParams,
} from './resumption.js';
import { suiteOf, type GroupState } from './state.js';
import type { JoinedGroup } from './welcome-join.js';

export interface BranchParams extends ResumedGroupParams {
  /** Default: KDF.Nh random bytes. */
  readonly groupId?: Uint8Array;
  /** Default: the old group's GroupContext extensions. */
  readonly extensions?: readonly Extension[];
}

export function createBranch(old: GroupState, p: BranchParams): ResumedGroup {
  const suite = suiteOf(old, p.provider);
  if (p.keyPackage.keyPackage.cipherSuite !== suite.id) throw new ArgumentError('branch: our KeyPackage must use the old group\'s cipher suite');
  const creds = [p.keyPackage.keyPackage.leafNode.credential, ...p.members.map((kp) => kp.leafNode.credential)];
  if (!credentialsSubset(creds, credentialsOf(old.tree))) throw new ArgumentError('branch: every member of a subgroup must be a member of the old group');
  const groupId = p.groupId ?? suite.randomBytes(suite.kdf.size);
  if (equalBytes(groupId, old.groupContext.groupId)) throw new ArgumentError('branch: the subgroup needs its own group id');
  return createResumedGroup(old, ResumptionPSKUsage.branch, { suite, groupId, extensions: p.extensions ?? old.groupContext.extensions }, p);
}

/** Joins a subgroup branched from `old` (at its current or a kept past epoch). */
export function joinBranch(old: GroupState, p: ResumedJoinParams): JoinedGroup {
  const joined = joinResumedGroup(old, ResumptionPSKUsage.branch, undefined, p);
  const gc = joined.state.groupContext;
  // §12.4.3.1, usage branch: "verify that the version and cipher_suite of the new group match those of the old group,
  // and that the members of the new group compose a subset of the members of the old group, according to the application".
  if (gc.version !== old.groupContext.version) throw new ValidationError(`branch Welcome: version ${gc.version} differs from the old group's ${old.groupContext.version}`);
  if (gc.cipherSuite !== old.cipherSuite) throw new ValidationError(`branch Welcome: cipher suite ${gc.cipherSuite} differs from the old group's ${old.cipherSuite}`);
  if (!credentialsSubset(credentialsOf(joined.state.tree), credentialsOf(old.tree))) {
    throw new ValidationError('branch Welcome: a member of the subgroup is not a member of the old group');
  }
  return joined;
}
