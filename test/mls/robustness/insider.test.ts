// A malicious member: it holds valid keys, so it can sign, MAC and encrypt any
// content it likes. Here the FramedContent of valid messages is mutated BEFORE
// it is signed and protected, so the mutants reach the receiver's proposal,
// commit and UpdatePath logic instead of bouncing off the signature. Each
// outcome must be success or a typed MlsError (never TypeError/RangeError/…),
// the receiver's state bytes must not change across the call, and no call may
// exceed SLOW_MS. An accepted proposal must leave the receiver able to commit
// (no wedging by a bad proposal). A mutated commit can never be accepted: the confirmation tag
// (kept from the original) covers the content through the transcript hash.

import assert from 'node:assert/strict';
import test from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { MlsError } from '../../../main/mls/errors.js';
import type { AuthenticatedContent } from '../../../main/mls/framing/authenticated-content.js';
import { signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { decodeFramedContent, encodeFramedContent, type FramedContent } from '../../../main/mls/framing/framed-content.js';
import { computeMembershipTag } from '../../../main/mls/framing/membership-tag.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { unprotectPrivate } from '../../../main/mls/framing/protect-private.js';
import { SenderType } from '../../../main/mls/framing/sender.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import {
  addProposal,
  createCommit,
  createProposalMessage,
  createUpdateProposal,
  groupStateBytes,
  processMessage,
  protectForState,
  removeProposal,
  senderSignatureKey,
  type GroupState,
} from '../../../main/mls/group/index.js';
import { signKeyPackage } from '../../../main/mls/messages/key-package.js';
import { ProposalType, type Proposal } from '../../../main/mls/messages/proposal.js';
import { LeafNodeSource, signLeafNode, type LeafNode } from '../../../main/mls/tree/leaf-node.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { equalBytes, utf8 } from '../../../main/mls/util/bytes.js';
import { member, trio } from './fixture.js';
import { learnOffsets, mutants, type Mutant, type MutationPlan } from './mutate.js';
import { engineFrame, errorText, SLOW_MS, summarize, type Finding, cpuNow } from './probe.js';
import { Rng } from './prng.js';

const PLAN: MutationPlan = { bitFlips: 150, inserts: 24, deletes: 24, truncateAll: 24, random: 0, maxFields: 40 };

const t = trio();
const suite = t.suite;
const alicePriv = t.members[0].signaturePrivateKey;
const eve = member(suite, 'eve');

function publicContent(bytes: Uint8Array): { content: FramedContent; confirmationTag?: Uint8Array } {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('fixture: not a PublicMessage');
  const tag = m.publicMessage.auth.confirmationTag;
  return tag === undefined ? { content: m.publicMessage.content } : { content: m.publicMessage.content, confirmationTag: tag };
}

/** The content and confirmation tag of a PrivateMessage, opened with the receiver's keys. */
function privateContent(bytes: Uint8Array, r: GroupState): { content: FramedContent; confirmationTag?: Uint8Array } {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsPrivateMessage) throw new Error('fixture: not a PrivateMessage');
  const ac = unprotectPrivate(suite, m.privateMessage, {
    groupContext: r.groupContext,
    senderDataSecret: r.keys.senderDataSecret,
    secretTree: r.secretTree,
    signaturePublicKey: (c) => senderSignatureKey(r.tree, r.groupContext, c),
  }).content;
  const tag = ac.auth.confirmationTag;
  return tag === undefined ? { content: ac.content } : { content: ac.content, confirmationTag: tag };
}

/** alice's signed and protected message carrying `content`; undefined when the sender side itself refuses to protect it. */
function asAlice(content: FramedContent, wireFormat: typeof WireFormat.mlsPublicMessage | typeof WireFormat.mlsPrivateMessage, confirmationTag: Uint8Array | undefined): Uint8Array | undefined {
  const signature = signFramedContent(suite, alicePriv, wireFormat, content, t.alice.groupContext);
  const auth = content.contentType === ContentType.commit ? { signature, confirmationTag: confirmationTag ?? new Uint8Array(32) } : { signature };
  const ac: AuthenticatedContent = { wireFormat, content, auth };
  if (wireFormat === WireFormat.mlsPublicMessage) {
    // Built by hand (not protectPublic) so that content the sender side would refuse still reaches the receiver.
    const membershipTag = content.sender.senderType === SenderType.member ? computeMembershipTag(suite, t.alice.keys.membershipKey, ac, t.alice.groupContext) : undefined;
    const publicMessage = membershipTag === undefined ? { content, auth } : { content, auth, membershipTag };
    try {
      return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat, publicMessage });
    } catch (e) {
      if (e instanceof MlsError) return undefined; // e.g. a sender type that cannot carry this framing
      throw e;
    }
  }
  try {
    return protectForState(suite, t.alice, ac).message;
  } catch (e) {
    if (e instanceof MlsError) return undefined; // the sender's own checks (group, epoch, sender type)
    throw e;
  }
}

interface Sample {
  readonly name: string;
  readonly content: FramedContent;
  readonly confirmationTag?: Uint8Array;
  readonly wireFormat: typeof WireFormat.mlsPublicMessage | typeof WireFormat.mlsPrivateMessage;
  readonly receiver: GroupState;
}

const pub = WireFormat.mlsPublicMessage;
const priv = WireFormat.mlsPrivateMessage;
const update = createUpdateProposal(t.alice);
const removeCarol = createProposalMessage(t.alice, removeProposal(2));
const bobWithProposal = processMessage(t.bob, removeCarol.message).state;
const appContent: FramedContent = {
  groupId: t.alice.groupContext.groupId,
  epoch: t.alice.groupContext.epoch,
  sender: { senderType: SenderType.member, leafIndex: leafIndex(0) },
  authenticatedData: utf8('aad'),
  contentType: ContentType.application,
  applicationData: utf8('hello'),
};

const SAMPLES: readonly Sample[] = [
  { name: 'commit with path', ...publicContent(createCommit(t.alice).commit), wireFormat: pub, receiver: t.bob },
  { name: 'commit: remove carol + add eve by value', ...publicContent(createCommit(t.alice, { proposals: [removeProposal(2), addProposal(eve.kp.keyPackage)] }).commit), wireFormat: pub, receiver: t.bob },
  { name: 'commit: proposal by reference', ...publicContent(createCommit(removeCarol.state).commit), wireFormat: pub, receiver: bobWithProposal },
  { name: 'commit without path (add eve)', ...publicContent(createCommit(t.alice, { proposals: [addProposal(eve.kp.keyPackage)], omitPath: true }).commit), wireFormat: pub, receiver: t.carol },
  { name: 'proposal: add', ...publicContent(createProposalMessage(t.alice, addProposal(eve.kp.keyPackage)).message), wireFormat: pub, receiver: t.bob },
  { name: 'proposal: update', ...publicContent(createProposalMessage(t.alice, update.proposal, { update }).message), wireFormat: pub, receiver: t.bob },
  { name: 'proposal: remove (PrivateMessage)', ...publicContent(removeCarol.message), wireFormat: priv, receiver: t.carol },
  { name: 'commit with path (PrivateMessage)', ...privateContent(createCommit(t.alice, { wireFormat: priv }).commit, t.bob), wireFormat: priv, receiver: t.bob },
  { name: 'application (PrivateMessage)', content: appContent, wireFormat: priv, receiver: t.bob },
];

const alicePub = t.alice.tree.leaf(leafIndex(0))!.signatureKey;
const evePub = eve.kp.keyPackage.leafNode.signatureKey;

/** The leaf re-signed by its (assumed) owner, so that the mutation gets past the leaf signature check. */
function resignLeaf(leaf: LeafNode, priv: Uint8Array, pub: Uint8Array): LeafNode {
  const ctx = leaf.leafNodeSource === LeafNodeSource.keyPackage ? undefined : { groupId: t.alice.groupContext.groupId, leafIndex: leafIndex(0) };
  return signLeafNode(suite, priv, { ...leaf, signatureKey: pub }, ctx);
}

function resignProposal(p: Proposal): Proposal {
  if (p.proposalType === ProposalType.add) {
    const kp = p.add.keyPackage;
    return { ...p, add: { keyPackage: signKeyPackage(suite, eve.signaturePrivateKey, { ...kp, leafNode: resignLeaf(kp.leafNode, eve.signaturePrivateKey, evePub) }) } };
  }
  if (p.proposalType === ProposalType.update) return { ...p, update: { leafNode: resignLeaf(p.update.leafNode, alicePriv, alicePub) } };
  return p;
}

/** A malicious member signs the nested KeyPackages and leaves too (their keys are its own, or eve's KeyPackage it made). */
function resignNested(c: FramedContent): FramedContent {
  if (c.contentType === ContentType.proposal) return { ...c, proposal: resignProposal(c.proposal) };
  if (c.contentType !== ContentType.commit) return c;
  const proposals = c.commit.proposals.map((x) => (x.type === 1 ? { ...x, proposal: resignProposal(x.proposal) } : x));
  const path = c.commit.path === undefined ? undefined : { ...c.commit.path, leafNode: resignLeaf(c.commit.path.leafNode, alicePriv, alicePub) };
  return { ...c, commit: path === undefined ? { proposals } : { proposals, path } };
}

function finding(name: string, m: Mutant, problem: Finding['problem'], detail: string, where = ''): Finding {
  return { codec: name, seed: name, mutant: m, problem, detail, where };
}

SAMPLES.forEach((s, k) => {
  void test(`insider: mutated ${s.name}, signed and protected by a member: success or typed error, state unchanged`, () => {
    const original = asAlice(s.content, s.wireFormat, s.confirmationTag);
    assert.ok(original !== undefined);
    processMessage(s.receiver, original); // the unmutated content is accepted: the harness builds valid messages
    const before = groupStateBytes(s.receiver);
    const seed = encode(encodeFramedContent, s.content);
    const offs = learnOffsets(seed, () => void decode(decodeFramedContent, seed, 'FramedContent'));
    const findings: Finding[] = [];
    let delivered = 0;
    let accepted = 0;
    // Each mutant twice: as mutated, and with its nested KeyPackages and leaves re-signed (deeper checks).
    const all = mutants(new Rng(0x1d5 + k), seed, offs, PLAN);
    for (const [m, deep] of [...all.map((x) => [x, false] as const), ...all.map((x) => [x, true] as const)]) {
      let content: FramedContent;
      try {
        content = decode(decodeFramedContent, m.bytes, 'FramedContent');
        if (deep) content = resignNested(content);
      } catch (e) {
        if (e instanceof MlsError) continue; // not a FramedContent: the decoder fuzz covers these bytes
        throw e;
      }
      // Re-signing can undo a mutation (of a signature, or a signature key): then it is the original again.
      if (deep && equalBytes(encode(encodeFramedContent, content), seed)) continue;
      const bytes = asAlice(content, s.wireFormat, s.confirmationTag);
      if (bytes === undefined) continue;
      delivered++;
      const t0 = cpuNow();
      try {
        const r = processMessage(s.receiver, bytes);
        accepted++;
        if (r.result.kind === 'commit') findings.push(finding(s.name, m, 'accepted-mutant', 'a mutated commit was applied despite the original confirmation tag'));
        // An accepted proposal must not wedge the group: the receiver can still commit (pending proposals are included by default).
        if (r.result.kind === 'proposal') {
          try {
            createCommit(r.state);
          } catch (e) {
            findings.push(finding(s.name, m, 'accepted-mutant', `proposal accepted, then createCommit fails: ${errorText(e)}`, engineFrame(e)));
          }
        }
      } catch (e) {
        if (!(e instanceof MlsError)) findings.push(finding(s.name, m, 'crash', errorText(e), engineFrame(e)));
      }
      const ms = cpuNow() - t0;
      if (ms > SLOW_MS) findings.push(finding(s.name, m, 'slow', `${ms.toFixed(0)} ms`));
      if (!equalBytes(groupStateBytes(s.receiver), before)) findings.push(finding(s.name, m, 'state-changed', 'the receiver state changed'));
    }
    assert.ok(delivered > 30, `only ${delivered} mutants decoded and could be sent`);
    assert.equal(findings.length, 0, `${findings.length} of ${delivered} delivered mutants (${accepted} accepted) broke the principle:\n${summarize(findings)}`);
  });
});
