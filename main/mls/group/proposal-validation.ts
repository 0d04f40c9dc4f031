// RFC 9420 §12.1, §12.2: the rules on a list of proposals committed together
// that can be checked before applying them: per-proposal validity, what may be
// combined, who may propose what. Tree-dependent leaf checks run while the list
// is applied (proposal-apply.ts).

import { encode } from '../codec/encoder.js';
import { verifyAll } from '../crypto/labeled.js';
import type { CipherSuite, SignatureCheck } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { SenderType, type Sender } from '../framing/sender.js';
import { keyPackageSignatureChecks, validateKeyPackage } from '../messages/key-package-validation.js';
import { ProposalType } from '../messages/proposal.js';
import { encodePreSharedKeyID, PSKType, ResumptionPSKUsage, type ResumptionPSKUsage as Usage } from '../schedule/psk.js';
import type { LeafIndex, NodeIndex } from '../tree/math.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import { bytesKey, toHex } from '../util/bytes.js';
import type { LeafNode } from '../tree/leaf-node.js';
import type { GroupContext } from './group-context.js';
import { senderLabel, type ResolvedProposal } from './proposal-list.js';

/** RFC 9420 §12.4: proposal types whose presence requires an UpdatePath. */
const PATH_REQUIRED: ReadonlySet<number> = new Set([ProposalType.update, ProposalType.remove, ProposalType.external_init, ProposalType.group_context_extensions]);

/** RFC 9420 §12.1.8: proposal types an `external` sender may send. */
const EXTERNAL_SENDER_TYPES: ReadonlySet<number> = new Set([
  ProposalType.add,
  ProposalType.remove,
  ProposalType.psk,
  ProposalType.reinit,
  ProposalType.group_context_extensions,
]);

export function pathRequired(list: readonly ResolvedProposal[]): boolean {
  return list.length === 0 || list.some((p) => PATH_REQUIRED.has(p.proposal.proposalType));
}

export interface ProposalListContext {
  readonly suite: CipherSuite;
  readonly tree: RatchetTree;
  readonly groupContext: GroupContext;
  /** The commit's sender: a member, or a new member for an external commit. */
  readonly committer: Sender;
  /** Resumption PSK usages other than `application` allowed here (a ReInit or branch commit). */
  readonly allowedResumptionUsages?: readonly Usage[];
  /** Seconds since the Unix epoch: when given, added KeyPackages' lifetimes must cover it. */
  readonly now?: bigint;
  /** The Adds' KeyPackages were validated already (by an earlier call): skip their signature checks. */
  readonly keyPackagesChecked?: boolean;
  /** GroupConfig.checkHpkeKeys of the member checking (default true). */
  readonly checkHpkeKeys?: boolean;
}

/**
 * RFC 9420 §12.1.8: which proposal types each sender type may send (also checked on receipt of a proposal):
 * "Messages from external senders containing proposal types other than the above MUST be rejected as
 * malformed"; §6.1: a new_member_proposal sender's "proposal_type ... MUST be add"; a new_member_commit
 * sender's content "MUST be commit".
 */
export function checkProposalSender(p: ResolvedProposal, where: string): void {
  const t = p.proposal.proposalType;
  if (p.sender.senderType === SenderType.external && !EXTERNAL_SENDER_TYPES.has(t)) {
    throw new ValidationError(`${where}: an external sender may not send a proposal of type ${t}`);
  }
  if (p.sender.senderType === SenderType.newMemberProposal && t !== ProposalType.add) {
    throw new ValidationError(`${where}: a new_member_proposal sender may only send Add`);
  }
  if (p.sender.senderType === SenderType.newMemberCommit) throw new ValidationError(`${where}: proposal from a new_member_commit sender`);
}

function memberLeafOf(s: Sender): LeafIndex | undefined {
  return s.senderType === SenderType.member ? s.leafIndex : undefined;
}

/**
 * The two signatures of every Add's KeyPackage (§10.1: the leaf's, §7.3, and the KeyPackage's), verified in one
 * batch: a commit adding a thousand members has two thousand. Each verdict is used at its place in
 * validateKeyPackage, so the error is the one a check at a time would give.
 */
function keyPackageVerdicts(suite: CipherSuite, list: readonly ResolvedProposal[]): Map<number, { leaf: boolean; keyPackage: boolean }> {
  const at: number[] = [];
  const checks: SignatureCheck[] = [];
  list.forEach((rp, i) => {
    if (rp.proposal.proposalType !== ProposalType.add) return;
    at.push(i);
    checks.push(...keyPackageSignatureChecks(rp.proposal.add.keyPackage));
  });
  const out = new Map<number, { leaf: boolean; keyPackage: boolean }>();
  if (at.length === 0) return out;
  const ok = verifyAll(suite, checks);
  at.forEach((i, k) => out.set(i, { leaf: ok[2 * k]!, keyPackage: ok[2 * k + 1]! }));
  return out;
}

/** RFC 9420 §12.2: throws ValidationError naming the first rule the list breaks. */
export function validateProposalList(ctx: ProposalListContext, list: readonly ResolvedProposal[]): void {
  const { suite, tree, committer } = ctx;
  const external = committer.senderType === SenderType.newMemberCommit;
  const committerLeaf = memberLeafOf(committer);
  const touched = new Map<number, string>();
  const pskIds = new Set<string>();
  let gce = 0;
  let externalInit = 0;
  let removes = 0;
  const verdicts = ctx.keyPackagesChecked === true ? undefined : keyPackageVerdicts(suite, list);

  list.forEach((rp, i) => {
    const where = `Commit.proposals[${i}] (${rp.proposal.proposalType === ProposalType.add ? 'Add' : `type ${rp.proposal.proposalType}`} from ${senderLabel(rp.sender)})`;
    if (!external) checkProposalSender(rp, where);
    const p = rp.proposal;
    switch (p.proposalType) {
      case ProposalType.add:
        // §12.1.1: "An Add proposal is invalid if the KeyPackage is invalid according to Section 10.1."
        if (ctx.keyPackagesChecked !== true) {
          validateKeyPackage(suite, p.add.keyPackage, {
            version: ctx.groupContext.version,
            ...(ctx.now !== undefined ? { now: ctx.now } : {}),
            where: `${where}: KeyPackage`,
            checkHpkeKeys: ctx.checkHpkeKeys,
            ...(verdicts?.get(i) !== undefined ? { signaturesValid: verdicts.get(i)! } : {}),
          });
        }
        break;
      case ProposalType.update: {
        // §12.1.2: an Update "replaces the sender's LeafNode" (so the sender is a member); §12.2: invalid if "It
        // contains an Update proposal generated by the committer" or "multiple Update and/or Remove proposals
        // that apply to the same leaf".
        const l = memberLeafOf(rp.sender);
        if (l === undefined) throw new ValidationError(`${where}: Update from a non-member sender`);
        if (rp.ref === undefined || l === committerLeaf) throw new ValidationError(`${where}: the committer may not commit its own Update (it uses the path instead)`);
        if (touched.has(l)) throw new ValidationError(`${where}: leaf ${l} is already ${touched.get(l)} by this commit`);
        touched.set(l, 'updated');
        break;
      }
      case ProposalType.remove: {
        // §12.1.3: "A Remove proposal is invalid if the removed field does not identify a non-blank leaf node";
        // §12.2: "It contains a Remove proposal that removes the committer", and the same leaf twice.
        const r = p.remove.removed;
        if (r >= tree.nLeaves || tree.isBlank((2 * r) as NodeIndex)) throw new ValidationError(`${where}: leaf ${r} is not a member`);
        if (r === committerLeaf) throw new ValidationError(`${where}: the committer may not remove itself`);
        if (touched.has(r)) throw new ValidationError(`${where}: leaf ${r} is already ${touched.get(r)} by this commit`);
        touched.set(r, 'removed');
        removes++;
        break;
      }
      case ProposalType.psk: {
        // §12.1.4: invalid if "The psk_nonce is not of length KDF.Nh", or a resumption PSK of usage reinit or
        // branch outside a reinitialization or branch; §12.2: "multiple PreSharedKey proposals that reference the
        // same PreSharedKeyID". (The decoder refuses usages other than application, reinit and branch.)
        const id = p.psk.psk;
        if (id.pskNonce.length !== suite.kdf.size) throw new ValidationError(`${where}: psk_nonce has ${id.pskNonce.length} bytes, expected KDF.Nh = ${suite.kdf.size}`);
        if (id.psktype === PSKType.resumption && id.usage !== ResumptionPSKUsage.application && !(ctx.allowedResumptionUsages ?? []).includes(id.usage)) {
          throw new ValidationError(`${where}: a resumption PSK of usage ${id.usage} is only allowed in a reinit or branch`);
        }
        const key = toHex(encode(encodePreSharedKeyID, id));
        if (pskIds.has(key)) throw new ValidationError(`${where}: the same PreSharedKeyID appears twice`);
        pskIds.add(key);
        break;
      }
      case ProposalType.reinit:
        // §12.2: "It contains a ReInit proposal together with any other proposal"; §12.1.5: "A ReInit proposal
        // is invalid if the version field is less than the version for the current group."
        if (list.length !== 1) throw new ValidationError(`${where}: a ReInit must be the only proposal of its commit`);
        if (p.reinit.version < ctx.groupContext.version) throw new ValidationError(`${where}: ReInit version ${p.reinit.version} is below the group's ${ctx.groupContext.version}`);
        break;
      case ProposalType.external_init:
        // §12.2 (regular commit): invalid if "It contains an ExternalInit proposal".
        if (!external) throw new ValidationError(`${where}: ExternalInit is only allowed in an external commit`);
        externalInit++;
        break;
      case ProposalType.group_context_extensions:
        // §12.2: "It contains multiple GroupContextExtensions proposals."
        if (++gce > 1) throw new ValidationError(`${where}: more than one GroupContextExtensions proposal`);
        break;
    }
    // §12.4.3.2: "The Commit MUST NOT include any proposals by reference"; §12.2 (external commit): only
    // "Exactly one ExternalInit", "At most one Remove proposal", "Zero or more PreSharedKey proposals", "No other proposals".
    if (external) {
      const t = p.proposalType;
      if (rp.ref !== undefined) throw new ValidationError(`${where}: an external commit carries its proposals by value`);
      if (t !== ProposalType.external_init && t !== ProposalType.remove && t !== ProposalType.psk) {
        throw new ValidationError(`${where}: an external commit may only hold ExternalInit, Remove and PreSharedKey proposals`);
      }
    }
  });
  checkAddsDistinct(tree, list);
  if (external) {
    if (externalInit !== 1) throw new ValidationError(`external commit: needs exactly one ExternalInit proposal, has ${externalInit}`);
    if (removes > 1) throw new ValidationError(`external commit: at most one Remove proposal, has ${removes}`);
  }
}

/**
 * RFC 9420 §12.2: invalid if "It contains multiple Add proposals that contain KeyPackages that represent the
 * same client according to the application (for example, identical signature keys)", or "an Add proposal with
 * a KeyPackage that represents a client already in the group according to the application, unless there is
 * a Remove proposal in the list removing the matching client". "Same client" here: the same signature key
 * (or the same leaf encryption key, which §7.3 requires unique anyway).
 */
function checkAddsDistinct(tree: RatchetTree, list: readonly ResolvedProposal[]): void {
  const adds = list.flatMap((p, i) => (p.proposal.proposalType === ProposalType.add ? [{ i, leaf: p.proposal.add.keyPackage.leafNode }] : []));
  if (adds.length === 0) return;
  const removed = new Set(list.flatMap((p) => (p.proposal.proposalType === ProposalType.remove ? [p.proposal.remove.removed] : [])));
  if (addsDistinct(tree, adds, removed)) return;
  addsDistinctScan(tree, adds, removed);
  throw new ValidationError('Commit.proposals: Adds of a client already in the group'); // the index and the scan disagree: unreachable
}

/** checkAddsDistinct from the tree's index (tree/tree-index.ts): O(adds), not O(members). */
function addsDistinct(tree: RatchetTree, adds: readonly { leaf: LeafNode }[], removed: ReadonlySet<number>): boolean {
  const index = tree.index();
  const member = (x: number): boolean => x % 2 === 0 && !removed.has(x / 2);
  const sig = new Set<string>();
  const enc = new Set<string>();
  for (const { leaf } of adds) {
    if (index.leavesWithSignatureKey(leaf.signatureKey).some(member) || index.nodesWithEncryptionKey(leaf.encryptionKey).some(member)) return false;
    const s = bytesKey(leaf.signatureKey);
    const e = bytesKey(leaf.encryptionKey);
    if (sig.has(s) || enc.has(e)) return false;
    sig.add(s);
    enc.add(e);
  }
  return true;
}

/** The same rule by scanning the members, naming the first Add that breaks it. */
function addsDistinctScan(tree: RatchetTree, adds: readonly { i: number; leaf: LeafNode }[], removed: ReadonlySet<number>): void {
  const sig = new Map<string, string>();
  const enc = new Map<string, string>();
  for (const l of tree.memberLeaves()) {
    if (removed.has(l)) continue;
    const leaf = tree.leaf(l)!;
    sig.set(toHex(leaf.signatureKey), `member ${l}`);
    enc.set(toHex(leaf.encryptionKey), `member ${l}`);
  }
  for (const { i, leaf } of adds) {
    const s = toHex(leaf.signatureKey);
    const e = toHex(leaf.encryptionKey);
    const dup = sig.get(s) ?? enc.get(e);
    if (dup !== undefined) throw new ValidationError(`Commit.proposals[${i}]: Add of a client that is already ${dup.startsWith('member') ? `in the group (${dup})` : `added by ${dup}`}`);
    sig.set(s, `Commit.proposals[${i}]`);
    enc.set(e, `Commit.proposals[${i}]`);
  }
}
