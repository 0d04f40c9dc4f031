// Outsiders with a signing key the group accepts: the delivery server as an
// external sender (RFC 9420 §12.1.8.1, external_senders extension) and a client
// asking to be added (new_member_proposal, signed by its KeyPackage leaf key).
// Their FramedContent is mutated BEFORE they sign it (they may sign anything),
// nested KeyPackages are re-signed by their owner, and the result is fed to a
// member. Proposals may legitimately be accepted (and must then not stop the
// member from committing); anything else must be a typed MlsError; the member's state bytes never change; no call exceeds SLOW_MS.

import assert from 'node:assert/strict';
import test from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { MlsError } from '../../../main/mls/errors.js';
import { signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { decodeFramedContent, encodeFramedContent, type FramedContent } from '../../../main/mls/framing/framed-content.js';
import { mlsMessageBytes } from '../../../main/mls/framing/mls-message.js';
import { SenderType } from '../../../main/mls/framing/sender.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { addProposal, createCommit, createGroup, groupStateBytes, joinFromWelcome, mergePendingCommit, processMessage, removeProposal, type GroupState } from '../../../main/mls/group/index.js';
import { externalSendersExtension } from '../../../main/mls/messages/external-senders.js';
import { signKeyPackage } from '../../../main/mls/messages/key-package.js';
import { ProposalType } from '../../../main/mls/messages/proposal.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { equalBytes, utf8 } from '../../../main/mls/util/bytes.js';
import { member, suiteOf } from './fixture.js';
import { learnOffsets, mutants, type Mutant, type MutationPlan } from './mutate.js';
import { engineFrame, errorText, SLOW_MS, summarize, type Finding, cpuNow } from './probe.js';
import { Rng } from './prng.js';

const PLAN: MutationPlan = { bitFlips: 150, inserts: 20, deletes: 20, truncateAll: 20, random: 0, maxFields: 40 };

const suite = suiteOf(1);
const server = suite.signature.generateKeyPair();
const [aliceM, bobM, eve] = [member(suite, 'alice'), member(suite, 'bob'), member(suite, 'eve')];
const s0 = createGroup({
  suite,
  keyPackage: aliceM.kp,
  signaturePrivateKey: aliceM.signaturePrivateKey,
  groupId: utf8('outsiders'),
  extensions: [externalSendersExtension([{ signatureKey: server.publicKey, credential: basicCredential(utf8('delivery-server')) }])],
});
const c = createCommit(s0, { proposals: [addProposal(bobM.kp.keyPackage)] });
const alice = mergePendingCommit(s0, c.pending);
const bob = joinFromWelcome({ welcome: c.welcome!, keyPackage: bobM.kp, signaturePrivateKey: bobM.signaturePrivateKey }).state;
const gc = bob.groupContext;

/** Eve's KeyPackage with its leaf and signature redone by eve (after a mutation inside it). */
function resignEve(content: FramedContent): FramedContent {
  if (content.contentType !== ContentType.proposal || content.proposal.proposalType !== ProposalType.add) return content;
  const kp = content.proposal.add.keyPackage;
  const pub = eve.kp.keyPackage.leafNode.signatureKey;
  const leafNode = signLeafNode(suite, eve.signaturePrivateKey, { ...kp.leafNode, signatureKey: pub });
  return { ...content, proposal: { ...content.proposal, add: { keyPackage: signKeyPackage(suite, eve.signaturePrivateKey, { ...kp, leafNode }) } } };
}

function signedBy(priv: Uint8Array, content: FramedContent): Uint8Array | undefined {
  const signature = signFramedContent(suite, priv, WireFormat.mlsPublicMessage, content, gc);
  const auth = content.contentType === ContentType.commit ? { signature, confirmationTag: new Uint8Array(32) } : { signature };
  try {
    return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { content, auth } });
  } catch (e) {
    if (e instanceof MlsError) return undefined; // a member sender would need a membership tag the outsider cannot make
    throw e;
  }
}

interface Sample {
  readonly name: string;
  readonly content: FramedContent;
  readonly priv: Uint8Array;
}

const base = { groupId: gc.groupId, epoch: gc.epoch, authenticatedData: new Uint8Array(0), contentType: ContentType.proposal } as const;
const SAMPLES: readonly Sample[] = [
  { name: 'server (external sender): Remove alice', content: { ...base, sender: { senderType: SenderType.external, senderIndex: 0 }, proposal: removeProposal(0) }, priv: server.privateKey },
  { name: 'server (external sender): Add eve', content: { ...base, sender: { senderType: SenderType.external, senderIndex: 0 }, proposal: addProposal(eve.kp.keyPackage) }, priv: server.privateKey },
  { name: 'eve (new_member_proposal): Add eve', content: { ...base, sender: { senderType: SenderType.newMemberProposal }, proposal: addProposal(eve.kp.keyPackage) }, priv: eve.signaturePrivateKey },
];

function finding(name: string, m: Mutant, problem: Finding['problem'], detail: string, where = ''): Finding {
  return { codec: name, seed: name, mutant: m, problem, detail, where };
}

SAMPLES.forEach((s, k) => {
  void test(`outsider: mutated ${s.name}, signed by the outsider: proposal or typed error, state unchanged`, () => {
    const original = signedBy(s.priv, s.content);
    assert.ok(original !== undefined);
    assert.equal(processMessage(bob, original).result.kind, 'proposal');
    const before = groupStateBytes(bob);
    const seed = encode(encodeFramedContent, s.content);
    const offs = learnOffsets(seed, () => void decode(decodeFramedContent, seed, 'FramedContent'));
    const all = mutants(new Rng(0x0a7 + k), seed, offs, PLAN);
    const findings: Finding[] = [];
    let delivered = 0;
    for (const [m, deep] of [...all.map((x) => [x, false] as const), ...all.map((x) => [x, true] as const)]) {
      let content: FramedContent;
      try {
        content = decode(decodeFramedContent, m.bytes, 'FramedContent');
        if (deep) content = resignEve(content);
      } catch (e) {
        if (e instanceof MlsError) continue;
        throw e;
      }
      const bytes = signedBy(s.priv, content);
      if (bytes === undefined) continue;
      delivered++;
      const t0 = cpuNow();
      try {
        const r = processMessage(bob, bytes);
        if (r.result.kind !== 'proposal') findings.push(finding(s.name, m, 'accepted-mutant', `an outsider's message was processed as ${r.result.kind}`));
        // An accepted proposal must not wedge the group: the member can still commit (createCommit takes pending proposals by default).
        else
          try {
            createCommit(r.state);
          } catch (e) {
            findings.push(finding(s.name, m, 'accepted-mutant', `accepted, then createCommit fails: ${errorText(e)}`, engineFrame(e)));
          }
      } catch (e) {
        if (!(e instanceof MlsError)) findings.push(finding(s.name, m, 'crash', errorText(e), engineFrame(e)));
      }
      const ms = cpuNow() - t0;
      if (ms > SLOW_MS) findings.push(finding(s.name, m, 'slow', `${ms.toFixed(0)} ms`));
      if (!equalBytes(groupStateBytes(bob), before)) findings.push(finding(s.name, m, 'state-changed', 'the receiver state changed'));
    }
    assert.ok(delivered > 50, `only ${delivered} delivered`);
    assert.equal(findings.length, 0, summarize(findings));
  });
});

void test('control: an Add proposed by the external sender is committed by a member', () => {
  const p = signedBy(server.privateKey, SAMPLES[1]!.content)!;
  const a2: GroupState = processMessage(alice, p).state;
  const cc = createCommit(a2);
  assert.ok(cc.welcome !== undefined, 'the commit adds eve');
});
