// RFC 9420 §12.3: applying a validated proposal list to the tree and the
// GroupContext extensions, in the order the RFC fixes: GroupContextExtensions,
// Updates, Removes, Adds (in list order), then noting PSKs, ExternalInit and
// ReInit. The leaf checks that depend on the group (§7.3 with the new
// extensions, unique keys, credential types) run here; the input tree is
// never modified.

import type { CipherSuite } from '../crypto/provider.js';
import { DecodeError, ValidationError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { SenderType } from '../framing/sender.js';
import { readExternalSenders } from '../messages/external-senders.js';
import { ProposalType } from '../messages/proposal.js';
import type { ExternalInit } from '../messages/proposals/external-init.js';
import type { ReInit } from '../messages/proposals/reinit.js';
import type { PreSharedKeyID } from '../schedule/psk.js';
import { LeafNodeSource, type LeafNode } from '../tree/leaf-node.js';
import { credentialAccepted, requiredCapabilitiesOf, validateLeafNode, type CredentialValidator } from '../tree/leaf-validation.js';
import type { LeafIndex } from '../tree/math.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import { removeLeaf, updateLeaf } from '../tree/tree-changes.js';
import { addLeaves } from './add-leaves.js';
import { hpkeKeyCheck } from '../crypto/hpke-key-check.js';
import { equalBytes, toHex } from '../util/bytes.js';
import type { GroupContext } from './group-context.js';
import type { ResolvedProposal } from './proposal-list.js';

export interface ApplyOptions {
  /** Seconds since the Unix epoch; when given, added KeyPackages' lifetimes must cover it. */
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
  /** GroupConfig.checkHpkeKeys of the member applying (default true). */
  readonly checkHpkeKeys?: boolean;
}

export interface AppliedProposals {
  readonly tree: RatchetTree;
  readonly extensions: readonly Extension[];
  readonly added: readonly { readonly index: LeafIndex; readonly proposal: ResolvedProposal }[];
  readonly removed: readonly { readonly index: LeafIndex; readonly leaf: LeafNode }[];
  readonly updated: readonly LeafIndex[];
  readonly psks: readonly PreSharedKeyID[];
  readonly externalInit?: ExternalInit;
  readonly reinit?: ReInit;
}

const DEFAULT_EXTENSIONS: ReadonlySet<number> = new Set([1, 2, 3, 4, 5]);

/** RFC 9420 §13.4, §11.1: does a member's leaf support every extension of the GroupContext and its required capabilities? */
export function leafSupportsGroup(leaf: LeafNode, extensions: readonly Extension[]): string | undefined {
  const caps = leaf.capabilities;
  for (const x of extensions) {
    if (!DEFAULT_EXTENSIONS.has(x.extensionType) && !caps.extensions.includes(x.extensionType)) return `does not support group extension ${x.extensionType}`;
  }
  return leafSupportsRequired(leaf, extensions);
}

/** RFC 9420 §11.1: does a leaf support the group's required_capabilities? */
export function leafSupportsRequired(leaf: LeafNode, extensions: readonly Extension[]): string | undefined {
  const caps = leaf.capabilities;
  const req = requiredCapabilitiesOf(extensions);
  if (req === undefined) return undefined;
  for (const t of req.extensionTypes) if (!DEFAULT_EXTENSIONS.has(t) && !caps.extensions.includes(t)) return `does not support required extension ${t}`;
  for (const t of req.proposalTypes) if (t > 7 && !caps.proposals.includes(t)) return `does not support required proposal type ${t}`;
  for (const t of req.credentialTypes) if (!caps.credentials.includes(t)) return `does not support required credential type ${t}`;
  return undefined;
}

/**
 * The GroupContext extensions this engine interprets must parse: required_capabilities (§11.1; read by §7.3
 * and §12.1.7) and external_senders (§12.1.8.1; the keys §6.1 verifies with). A client "MUST verify that it
 * supports every extension in the GroupContext" (§13.4), and one that cannot be read is not supported.
 */
function checkGroupExtensions(extensions: readonly Extension[]): void {
  try {
    requiredCapabilitiesOf(extensions);
    readExternalSenders(extensions);
  } catch (e) {
    if (e instanceof DecodeError) throw new ValidationError(`GroupContextExtensions: malformed extension: ${e.message}`);
    throw e;
  }
}

export function applyProposals(
  suite: CipherSuite,
  tree0: RatchetTree,
  groupContext: GroupContext,
  list: readonly ResolvedProposal[],
  opts: ApplyOptions = {},
): AppliedProposals {
  let tree = tree0;
  let extensions = groupContext.extensions;
  const gce = list.find((p) => p.proposal.proposalType === ProposalType.group_context_extensions);
  if (gce !== undefined && gce.proposal.proposalType === ProposalType.group_context_extensions) {
    extensions = gce.proposal.groupContextExtensions.extensions;
  }
  checkGroupExtensions(extensions);
  const changed: LeafIndex[] = [];
  const updated: LeafIndex[] = [];
  for (const rp of list) {
    const p = rp.proposal;
    if (p.proposalType !== ProposalType.update || rp.sender.senderType !== SenderType.member) continue;
    const l = rp.sender.leafIndex;
    const old = tree.leaf(l);
    if (old === undefined) throw new ValidationError(`Update from leaf ${l}: the leaf is blank`);
    // §12.1.2 → §7.3 for an Update leaf: source update, valid with the new extensions (§12.3: "The new extensions
    // MUST be used when evaluating other proposals in this list"), and "encryption_key represents a different
    // public key than the encryption_key in the leaf node being replaced".
    validateLeafNode(
      suite,
      p.update.leafNode,
      { groupId: groupContext.groupId, leafIndex: l, expectedSource: LeafNodeSource.update, groupExtensions: extensions, validateCredential: opts.validateCredential },
      `Update from leaf ${l}`,
    );
    if (equalBytes(old.encryptionKey, p.update.leafNode.encryptionKey)) throw new ValidationError(`Update from leaf ${l}: encryption key is unchanged`);
    hpkeKeyCheck(opts.checkHpkeKeys)(suite, p.update.leafNode.encryptionKey, `Update from leaf ${l}: encryption_key`);
    tree = updateLeaf(tree, l, p.update.leafNode);
    updated.push(l);
    changed.push(l);
  }
  const removed: { index: LeafIndex; leaf: LeafNode }[] = [];
  for (const rp of list) {
    if (rp.proposal.proposalType !== ProposalType.remove) continue;
    const r = rp.proposal.remove.removed as LeafIndex;
    const leaf = tree.leaf(r);
    // §12.1.3 (also checked by validateProposalList; here for callers that apply directly).
    if (leaf === undefined) throw new ValidationError(`Remove of leaf ${r}: not a member`);
    removed.push({ index: r, leaf });
    tree = removeLeaf(tree, r);
  }
  const adds = list.filter((rp) => rp.proposal.proposalType === ProposalType.add);
  const addedLeaves: LeafNode[] = [];
  adds.forEach((rp, i) => {
    if (rp.proposal.proposalType !== ProposalType.add) return;
    const leaf = rp.proposal.add.keyPackage.leafNode;
    // validateKeyPackage (messages/key-package-validation.ts, via proposal-validation.ts) checked the leaf on its own.
    // §7.3: "If the GroupContext has a required_capabilities extension, then the required extensions, proposals, and
    // credential types MUST be listed in the LeafNode's capabilities field" (§11.1: "enforced by existing members
    // during the application of Add commits"); §5.3.1: a credential is validated when an Add adds it.
    const why = leafSupportsRequired(leaf, extensions);
    if (why !== undefined) throw new ValidationError(`Add ${i}: KeyPackage leaf ${why}`);
    if (opts.validateCredential !== undefined && !credentialAccepted(leaf, opts.validateCredential)) {
      throw new ValidationError(`Add ${i}: credential rejected by the authentication service`);
    }
    addedLeaves.push(leaf);
  });
  const batch = addLeaves(tree, addedLeaves);
  tree = batch.tree;
  const added = adds.map((proposal, i) => ({ index: batch.indices[i]!, proposal }));
  changed.push(...batch.indices);
  const psks: PreSharedKeyID[] = [];
  let externalInit: ExternalInit | undefined;
  let reinit: ReInit | undefined;
  for (const rp of list) {
    const p = rp.proposal;
    if (p.proposalType === ProposalType.psk) psks.push(p.psk.psk);
    else if (p.proposalType === ProposalType.external_init) externalInit = p.externalInit;
    else if (p.proposalType === ProposalType.reinit) reinit = p.reinit;
  }
  // §12.1.7: "A GroupContextExtensions proposal is invalid if it includes a required_capabilities extension and
  // some members of the group do not support some of the required capabilities (including those added in the
  // same Commit, and excluding those removed)." Support of the other new extensions is the committer's check
  // (checkCommitterExtensionSupport, §13.4), not the receiver's.
  if (gce !== undefined) {
    for (const l of tree.memberLeaves()) {
      const why = leafSupportsRequired(tree.leaf(l)!, extensions);
      if (why !== undefined) throw new ValidationError(`GroupContextExtensions: leaf ${l} ${why}`);
    }
  }
  if (changed.length > 0) checkChangedLeaves(tree, tree0, changed);
  const out: AppliedProposals = { tree, extensions, added, removed, updated, psks };
  return { ...out, ...(externalInit !== undefined ? { externalInit } : {}), ...(reinit !== undefined ? { reinit } : {}) };
}

/**
 * RFC 9420 §13.4, the duties of the member that adds: "A client adding a new member
 * to a group MUST verify that the LeafNode for the new member is compatible with the
 * group's extensions. The capabilities field MUST indicate support for each extension
 * in the GroupContext." With a GroupContextExtensions proposal, "an extension in use
 * by the group MUST be supported by all members of the group", so then every member
 * is checked. Arbor applies this when it commits (commit-create.ts); a receiver checks
 * only what §7.3 and §12.1.7 list (required_capabilities, in applyProposals), so a
 * commit of another implementation that skips this check is still followed.
 */
export function checkCommitterExtensionSupport(applied: AppliedProposals, list: readonly ResolvedProposal[]): void {
  const gce = list.some((p) => p.proposal.proposalType === ProposalType.group_context_extensions);
  const leaves = gce ? applied.tree.memberLeaves() : applied.added.map((a) => a.index);
  for (const l of leaves) {
    const why = leafSupportsGroup(applied.tree.leaf(l)!, applied.extensions);
    if (why !== undefined) throw new ValidationError(`${gce ? 'GroupContextExtensions' : 'Add'}: leaf ${l} ${why} (RFC 9420 §13.4)`);
  }
}

/**
 * RFC 9420 §7.3: new or replaced leaves keep encryption and signature keys
 * unique in the tree ("Verify that the following fields are unique among the
 * members of the group: signature_key, encryption_key"), support every
 * credential type in use, and use a credential type every member supports
 * ("Verify that the credential type is supported by all members of the group
 * ... and that the capabilities field of this LeafNode indicates support for
 * all the credential types currently in use by other members"). §12.2: the list
 * is invalid if after it "the ratchet tree is invalid". Decided by the trees'
 * indexes (tree/tree-index.ts) at the cost of the changed leaves; the tree is
 * scanned only to name the first offending node.
 */
export function checkChangedLeaves(tree: RatchetTree, before: RatchetTree, changed: readonly LeafIndex[]): void {
  if (changedLeavesFit(tree, before, changed)) return;
  changedLeavesScan(tree, before, changed);
  throw new ValidationError('changed leaves do not fit the tree'); // the index and the scan disagree: unreachable
}

function changedLeavesFit(tree: RatchetTree, before: RatchetTree, changed: readonly LeafIndex[]): boolean {
  const index = tree.index();
  const { used, supported, members } = index.credentials;
  for (const l of changed) {
    const leaf = tree.leaf(l);
    if (leaf === undefined) continue;
    const elsewhere = (x: number): boolean => x !== 2 * l;
    if (index.nodesWithEncryptionKey(leaf.encryptionKey).some(elsewhere) || index.leavesWithSignatureKey(leaf.signatureKey).some(elsewhere)) return false;
    for (const t of used.keys()) if (!leaf.capabilities.credentials.includes(t)) return false;
  }
  const usedBefore = before.index().credentials.used;
  for (const t of used.keys()) if (!usedBefore.has(t) && supported.get(t) !== members) return false;
  return true;
}

function changedLeavesScan(tree: RatchetTree, before: RatchetTree, changed: readonly LeafIndex[]): void {
  const changedSet = new Set<number>(changed);
  const enc = new Map<string, string>();
  const sig = new Map<string, string>();
  for (const [x, n] of tree.entries()) {
    if (n.nodeType === 1) {
      const l = x / 2;
      if (changedSet.has(l)) continue;
      enc.set(toHex(n.leaf.encryptionKey), `leaf ${l}`);
      sig.set(toHex(n.leaf.signatureKey), `leaf ${l}`);
    } else {
      enc.set(toHex(n.parent.encryptionKey), `node ${x}`);
    }
  }
  const usedBefore = new Set<number>();
  for (const l of before.memberLeaves()) usedBefore.add(before.leaf(l)!.credential.credentialType);
  const used = new Set<number>();
  for (const l of tree.memberLeaves()) used.add(tree.leaf(l)!.credential.credentialType);
  for (const l of changed) {
    const leaf = tree.leaf(l);
    if (leaf === undefined) continue;
    const ek = toHex(leaf.encryptionKey);
    const sk = toHex(leaf.signatureKey);
    if (enc.has(ek)) throw new ValidationError(`leaf ${l}: encryption key duplicates that of ${enc.get(ek)}`);
    if (sig.has(sk)) throw new ValidationError(`leaf ${l}: signature key duplicates that of ${sig.get(sk)} (the client is already in the group)`);
    enc.set(ek, `leaf ${l}`);
    sig.set(sk, `leaf ${l}`);
    for (const t of used) if (!leaf.capabilities.credentials.includes(t)) throw new ValidationError(`leaf ${l}: does not support credential type ${t} used in the group`);
  }
  const fresh = [...used].filter((t) => !usedBefore.has(t));
  if (fresh.length > 0) {
    for (const l of tree.memberLeaves()) {
      const caps = tree.leaf(l)!.capabilities;
      for (const t of fresh) if (!caps.credentials.includes(t)) throw new ValidationError(`leaf ${l}: does not support credential type ${t} of a new leaf`);
    }
  }
}
