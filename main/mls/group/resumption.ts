// RFC 9420 §8.6, §11.2, §11.3: what ReInit and branch share. A new group is
// created at epoch 0 by one member and moved to epoch 1 by a commit that adds
// everyone else and injects a resumption PSK of the old group (usage reinit or
// branch); joiners check that PSK and the new group's parameters against their
// state of the old group.

import { encode } from '../codec/encoder.js';
import { getProvider } from '../crypto/index.js';
import type { CipherSuite, CryptoProvider } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { encodeExtensions, type Extension } from '../extensions/extension.js';
import type { KeyPackage } from '../messages/key-package.js';
import type { KeyPackageWithSecrets } from '../messages/key-package-create.js';
import { PSKType, type PreSharedKeyID, type ResumptionPSKUsage } from '../schedule/psk.js';
import { credentialsEqual, type Credential } from '../tree/credential.js';
import type { CredentialValidator } from '../tree/leaf-validation.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import { equalBytes } from '../util/bytes.js';
import { createCommit } from './commit-create.js';
import { createGroup } from './create-group.js';
import { mergePendingCommit } from './pending-commit.js';
import { addProposal, pskProposal } from './proposal-message.js';
import type { PskLookup } from './psk-lookup.js';
import type { GroupConfig, GroupState } from './state.js';
import { joinFromWelcome, type JoinedGroup } from './welcome-join.js';

/** The resumption PSK of `old`'s current or a kept past epoch, by PreSharedKeyID; undefined for anything else. */
export function resumptionPskLookup(old: GroupState, fallback?: PskLookup): PskLookup {
  return (id: PreSharedKeyID) => {
    if (id.psktype === PSKType.resumption && equalBytes(id.pskGroupId, old.groupContext.groupId)) {
      if (id.pskEpoch === old.groupContext.epoch) return old.keys.resumptionPsk;
      const past = old.resumptionPsks.find((r) => r.epoch === id.pskEpoch);
      if (past !== undefined) return past.psk;
    }
    return fallback?.(id);
  };
}

/** A resumption PreSharedKeyID for `old`'s current epoch, with a fresh KDF.Nh nonce of the NEW group's suite (§11.3). */
export function resumptionPskId(newSuite: CipherSuite, old: GroupState, usage: ResumptionPSKUsage): PreSharedKeyID {
  return {
    psktype: PSKType.resumption,
    usage,
    pskGroupId: old.groupContext.groupId,
    pskEpoch: old.groupContext.epoch,
    pskNonce: newSuite.randomBytes(newSuite.kdf.size),
  };
}

export interface ResumedGroupParams {
  /** The creator's KeyPackage in the new group's suite, with its private keys. */
  readonly keyPackage: KeyPackageWithSecrets;
  readonly signaturePrivateKey: Uint8Array;
  /** KeyPackages (new group's suite) of the other members to add. */
  readonly members: readonly KeyPackage[];
  readonly config?: Partial<GroupConfig>;
  readonly provider?: CryptoProvider;
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
}

export interface ResumedGroup {
  /** The creator's state of the new group, at epoch 1 (already merged). */
  readonly state: GroupState;
  /** MLSMessage(Welcome) for the other members; absent when nobody else was added. */
  readonly welcome?: Uint8Array;
  /** MLSMessage(GroupInfo) of the new group's epoch 1. */
  readonly groupInfo: Uint8Array;
}

/** Creates a group and its first commit (adds + one resumption PSK of `old`), merged at once: nobody else holds epoch 0. */
export function createResumedGroup(
  old: GroupState,
  usage: ResumptionPSKUsage,
  setup: { suite: CipherSuite; groupId: Uint8Array; extensions: readonly Extension[] },
  p: ResumedGroupParams,
): ResumedGroup {
  const g0 = createGroup({
    suite: setup.suite,
    keyPackage: p.keyPackage,
    signaturePrivateKey: p.signaturePrivateKey,
    groupId: setup.groupId,
    extensions: setup.extensions,
    ...(p.config !== undefined ? { config: p.config } : {}),
  });
  const psk = resumptionPskId(setup.suite, old, usage);
  const c = createCommit(g0, {
    proposals: [...p.members.map(addProposal), pskProposal(psk)],
    allowedResumptionUsages: [usage],
    psks: resumptionPskLookup(old),
    ...(p.provider !== undefined ? { provider: p.provider } : {}),
    ...(p.now !== undefined ? { now: p.now } : {}),
    ...(p.validateCredential !== undefined ? { validateCredential: p.validateCredential } : {}),
  });
  return { state: mergePendingCommit(g0, c.pending), ...(c.welcome !== undefined ? { welcome: c.welcome } : {}), groupInfo: c.groupInfo };
}

export interface ResumedJoinParams {
  readonly welcome: Uint8Array;
  /** Our KeyPackage (new group's suite) the Welcome was made for. */
  readonly keyPackage: KeyPackageWithSecrets;
  readonly signaturePrivateKey: Uint8Array;
  readonly ratchetTree?: RatchetTree;
  readonly config?: Partial<GroupConfig>;
  readonly provider?: CryptoProvider;
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
  readonly maxTreeLeaves?: number;
}

/**
 * Joins from a Welcome that must carry exactly one resumption PSK of `usage`
 * naming `old`'s group and `pskEpoch` (any kept epoch when undefined); the new
 * group must be at epoch 1 (§11.2, §11.3).
 */
export function joinResumedGroup(old: GroupState, usage: ResumptionPSKUsage, pskEpoch: bigint | undefined, p: ResumedJoinParams): JoinedGroup {
  const joined = joinFromWelcome({
    welcome: p.welcome,
    keyPackage: p.keyPackage,
    signaturePrivateKey: p.signaturePrivateKey,
    psks: resumptionPskLookup(old),
    provider: p.provider ?? getProvider(),
    ...(p.ratchetTree !== undefined ? { ratchetTree: p.ratchetTree } : {}),
    ...(p.config !== undefined ? { config: p.config } : {}),
    ...(p.now !== undefined ? { now: p.now } : {}),
    ...(p.validateCredential !== undefined ? { validateCredential: p.validateCredential } : {}),
    ...(p.maxTreeLeaves !== undefined ? { maxTreeLeaves: p.maxTreeLeaves } : {}),
  });
  // §11.2: the Welcome "MUST specify a PreSharedKeyID of type resumption with usage reinit, where the group_id field
  // matches the old group and the epoch field indicates the epoch after the Commit covering the ReInit"; §11.3 the
  // same with usage branch; §12.4.3.1: the new group's epoch is 1.
  const special = joined.groupSecrets.psks.filter((id) => id.psktype === PSKType.resumption && id.usage === usage);
  const what = usage === 2 ? 'reinit' : 'branch';
  if (special.length !== 1) throw new ValidationError(`Welcome: expected one resumption PSK of usage ${what}, found ${special.length}`);
  const id = special[0]!;
  if (id.psktype !== PSKType.resumption || !equalBytes(id.pskGroupId, old.groupContext.groupId)) {
    throw new ValidationError(`Welcome: the ${what} PSK names another group than the old one`);
  }
  if (pskEpoch !== undefined && id.pskEpoch !== pskEpoch) throw new ValidationError(`Welcome: the ${what} PSK names epoch ${id.pskEpoch}, expected ${pskEpoch}`);
  if (joined.state.groupContext.epoch !== 1n) throw new ValidationError(`Welcome: a ${what} group must start at epoch 1, not ${joined.state.groupContext.epoch}`);
  return joined;
}

export function credentialsOf(tree: RatchetTree): Credential[] {
  return tree.memberLeaves().map((l) => tree.leaf(l)!.credential);
}

export function extensionsEqual(a: readonly Extension[], b: readonly Extension[]): boolean {
  return equalBytes(encode(encodeExtensions, a), encode(encodeExtensions, b));
}

/** Every credential of `sub` matches one of `of` (each used once). */
export function credentialsSubset(sub: readonly Credential[], of: readonly Credential[]): boolean {
  const left = [...of];
  for (const c of sub) {
    const i = left.findIndex((x) => credentialsEqual(x, c));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}
