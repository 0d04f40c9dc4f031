// A public view of one group (RFC 9420 §8, §12): what anyone who sees the
// group's GroupInfo and its PublicMessage handshake traffic can know and check,
// without any epoch secret. It is what mls-rs calls an external group and
// OpenMLS a public group, and what a delivery service needs to know who is in
// a group: the GroupContext, the ratchet tree (with every member's credential
// and keys), the transcript hashes and the proposals of the current epoch.
//
// What this view checks: the signature of every proposal and commit against
// its sender's key (member leaf, external_senders entry, the joiner's own leaf);
// every proposal and proposal list rule of §12.1–§12.2; the Adds' KeyPackages
// (§10.1); the UpdatePath's public part (§7.5, §7.9: the new leaf, the parent
// hashes, fresh and usable HPKE keys, as many encrypted path secrets per node
// as its copath child's resolution); the resync rule of external commits
// (§12.4.3.2); the tree hash, the confirmed and interim transcript hashes and
// the epoch, which are therefore exactly every member's.
//
// What it cannot check (it holds no secret): the membership_tag of a member's
// PublicMessage (it needs the membership key), the confirmation_tag of a commit
// (the confirmation key of the new epoch), that the encrypted path secrets,
// the ExternalInit's kem_output and a Welcome decrypt to anything, and the
// content of any PrivateMessage (it cannot read one at all, so proposals sent
// as PrivateMessage are invisible to it and commits referring to them are
// refused). So a member (or, for an external commit, the joiner holding the
// key of the leaf it adds) can still get a commit past this view that the
// other members will refuse; nobody else can.
//
// Like GroupState, a PublicGroup is immutable: processing returns a new one.

import type { CipherSuiteId } from '../crypto/provider.js';
import type { GroupContext } from '../group/group-context.js';
import type { PendingProposal } from '../group/state.js';
import type { ReInit } from '../messages/proposals/reinit.js';
import type { Credential } from '../tree/credential.js';
import type { LeafNode } from '../tree/leaf-node.js';
import type { LeafIndex } from '../tree/math.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';

export interface PublicGroup {
  readonly cipherSuite: CipherSuiteId;
  /** The GroupContext of the current epoch, as every member has it. */
  readonly groupContext: GroupContext;
  readonly tree: RatchetTree;
  /** RFC 9420 §8.2: interim_transcript_hash of the current epoch (the next commit's confirmed hash builds on it). */
  readonly interimTranscriptHash: Uint8Array;
  /** The confirmation tag of the commit (or GroupInfo) that started this epoch. */
  readonly confirmationTag: Uint8Array;
  /** PublicMessage proposals received in this epoch, for commits that refer to them. */
  readonly pendingProposals: readonly PendingProposal[];
  /** Set once a ReInit was committed: the group takes no more proposals or commits (§11.2). */
  readonly reinit?: ReInit;
}

export interface PublicMember {
  readonly leafIndex: LeafIndex;
  readonly leaf: LeafNode;
  readonly credential: Credential;
  readonly signatureKey: Uint8Array;
}

/** The members of the current epoch, by leaf. */
export function publicMembers(g: PublicGroup): PublicMember[] {
  return g.tree.memberLeaves().map((l) => {
    const leaf = g.tree.leaf(l)!;
    return { leafIndex: l, leaf, credential: leaf.credential, signatureKey: leaf.signatureKey };
  });
}

export function publicEpoch(g: PublicGroup): bigint {
  return g.groupContext.epoch;
}

export function publicGroupId(g: PublicGroup): Uint8Array {
  return g.groupContext.groupId;
}

/** RFC 9420 §7.8: the tree hash every member of this epoch computes. */
export function publicTreeHash(g: PublicGroup): Uint8Array {
  return g.groupContext.treeHash;
}
