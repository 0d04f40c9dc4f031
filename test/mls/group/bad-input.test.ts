// Bad input to processMessage and joinFromWelcome: each case is a typed error
// naming the problem, and the receiver's state encodes to the same bytes
// before and after.

import assert from 'node:assert/strict';
import test from 'node:test';
import { signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { computeMembershipTag } from '../../../main/mls/framing/membership-tag.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import type { PublicMessage } from '../../../main/mls/framing/public-message.js';
import { SenderType } from '../../../main/mls/framing/sender.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { createApplicationMessage } from '../../../main/mls/group/application.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { createProposalMessage, removeProposal } from '../../../main/mls/group/proposal-message.js';
import { groupStateBytes } from '../../../main/mls/group/state-codec.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { joinFromWelcome } from '../../../main/mls/group/welcome-join.js';
import { CryptoError, DecodeError, ValidationError } from '../../../main/mls/errors.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

const suite = suiteFor(1);
const clients = ['alice', 'bob', 'carol'].map((n) => newClient(suite, n));
const [alice, bob, carol] = groupOf(suite, clients[0]!, clients.slice(1)) as [GroupState, GroupState, GroupState];

function rejects(state: GroupState, bytes: Uint8Array, cls: typeof ValidationError | typeof CryptoError | typeof DecodeError, re: RegExp): void {
  const before = groupStateBytes(state);
  assert.throws(
    () => processMessage(state, bytes),
    (e: unknown) => e instanceof cls && re.test((e as Error).message),
  );
  assert.deepEqual(groupStateBytes(state), before);
}

function publicOf(bytes: Uint8Array): PublicMessage {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('not a PublicMessage');
  return m.publicMessage;
}

/** Re-frames a PublicMessage of `sender` with a correct membership tag (an insider's forgery). */
function reframe(pm: PublicMessage, sender: GroupState): Uint8Array {
  const ac = { wireFormat: WireFormat.mlsPublicMessage, content: pm.content, auth: pm.auth } as const;
  const tag = computeMembershipTag(suite, sender.keys.membershipKey, ac, sender.groupContext);
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { ...pm, membershipTag: tag } });
}

const commit = createCommit(alice).commit;

void test('a commit with a wrong confirmation tag is refused', () => {
  const pm = publicOf(commit);
  const tag = pm.auth.confirmationTag!.slice();
  tag[0]! ^= 1;
  rejects(bob, reframe({ ...pm, auth: { ...pm.auth, confirmationTag: tag } }, alice), ValidationError, /confirmation_tag does not match/);
});

void test('a wrong membership tag is refused', () => {
  const pm = publicOf(commit);
  const tag = pm.membershipTag!.slice();
  tag[3]! ^= 0x80;
  const bytes = mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { ...pm, membershipTag: tag } });
  rejects(bob, bytes, ValidationError, /membership_tag does not match/);
});

void test('a bad signature is refused', () => {
  const pm = publicOf(commit);
  const sig = pm.auth.signature.slice();
  sig[10]! ^= 4;
  rejects(bob, reframe({ ...pm, auth: { ...pm.auth, signature: sig } }, alice), CryptoError, /signature does not verify/);
});

void test('a proposal from a non-member is refused', () => {
  const pm = publicOf(createProposalMessage(alice, removeProposal(1)).message);
  // A leaf outside the tree, signed and tagged correctly otherwise.
  const content = { ...pm.content, sender: { senderType: SenderType.member, leafIndex: leafIndex(7) } } as const;
  const signature = signFramedContent(suite, clients[0]!.signaturePrivateKey, WireFormat.mlsPublicMessage, content, alice.groupContext);
  rejects(bob, reframe({ content, auth: { signature } }, alice), ValidationError, /sender leaf 7 is not a member/);
  // An external sender, while the group has no external_senders extension.
  const ext = { ...pm.content, sender: { senderType: SenderType.external, senderIndex: 0 } } as const;
  const extSig = signFramedContent(suite, clients[0]!.signaturePrivateKey, WireFormat.mlsPublicMessage, ext, alice.groupContext);
  const extMsg = mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { content: ext, auth: { signature: extSig } } });
  rejects(bob, extMsg, ValidationError, /no external_senders extension/);
});

void test('replayed messages are refused', () => {
  const app = createApplicationMessage(alice, utf8('once'));
  const b1 = processMessage(bob, app.message).state;
  rejects(b1, app.message, ValidationError, /./);
  const prop = createProposalMessage(alice, removeProposal(2));
  const b2 = processMessage(bob, prop.message).state;
  rejects(b2, prop.message, ValidationError, /already received in this epoch \(replay\)/);
  // A commit already applied belongs to a past epoch.
  const c = createCommit(alice);
  const b3 = processMessage(bob, c.commit).state;
  rejects(b3, c.commit, ValidationError, /epoch 1 is past/);
});

void test('messages of a future epoch and of a deleted past epoch are refused', () => {
  const pm = publicOf(commit);
  rejects(bob, reframe({ ...pm, content: { ...pm.content, epoch: 5n } }, alice), ValidationError, /epoch 5 is in the future/);
  // Three epochs on, with two kept, epoch 1's application message is too old.
  const old = createApplicationMessage(alice, utf8('old'));
  let a = old.state;
  let b = bob;
  for (let i = 0; i < 3; i++) {
    const c = createCommit(a);
    a = mergePendingCommit(a, c.pending);
    b = processMessage(b, c.commit).state;
  }
  rejects(b, old.message, ValidationError, /epoch 1 is too old: its secrets were deleted/);
});

void test('a truncated or garbled message is a DecodeError', () => {
  rejects(bob, commit.subarray(0, commit.length - 3), DecodeError, /MLSMessage/);
  rejects(bob, commit.subarray(0, 5), DecodeError, /MLSMessage/);
  const garbled = commit.slice();
  garbled[3] = 9; // wire format
  rejects(bob, garbled, DecodeError, /wire_format/);
});

void test('a Welcome for someone else is refused', () => {
  const dave = newClient(suite, 'dave');
  const eve = newClient(suite, 'eve');
  const c = createCommit(carol, { proposals: [{ proposalType: 1, add: { keyPackage: dave.kp.keyPackage } }] });
  assert.throws(
    () => joinFromWelcome({ welcome: c.welcome!, keyPackage: eve.kp, signaturePrivateKey: eve.signaturePrivateKey }),
    (e: unknown) => e instanceof ValidationError && /no entry for our KeyPackage/.test(e.message),
  );
  // Dave himself joins fine.
  const joined = joinFromWelcome({ welcome: c.welcome!, keyPackage: dave.kp, signaturePrivateKey: dave.signaturePrivateKey });
  assert.deepEqual(joined.state.keys.epochAuthenticator, mergePendingCommit(carol, c.pending).keys.epochAuthenticator);
});

/** A commit from Alice with the given body, signed and MACed correctly (its confirmation tag is a dummy). */
function craftedCommit(body: { proposals: readonly unknown[]; path?: unknown }): Uint8Array {
  const content = {
    groupId: alice.groupContext.groupId,
    epoch: alice.groupContext.epoch,
    sender: { senderType: SenderType.member, leafIndex: leafIndex(0) },
    authenticatedData: new Uint8Array(0),
    contentType: 3,
    commit: body,
  } as unknown as Parameters<typeof signFramedContent>[3];
  const signature = signFramedContent(suite, clients[0]!.signaturePrivateKey, WireFormat.mlsPublicMessage, content, alice.groupContext);
  return reframe({ content, auth: { signature, confirmationTag: new Uint8Array(32) } }, alice);
}

void test('a commit without a required path, or referencing an unknown proposal, is refused', () => {
  rejects(bob, craftedCommit({ proposals: [{ type: 1, proposal: removeProposal(2) }] }), ValidationError, /UpdatePath is required/);
  rejects(bob, craftedCommit({ proposals: [] }), ValidationError, /UpdatePath is required/);
  rejects(bob, craftedCommit({ proposals: [{ type: 2, reference: new Uint8Array(32) }] }), ValidationError, /unknown proposal reference/);
  rejects(bob, craftedCommit({ proposals: [{ type: 1, proposal: removeProposal(0) }] }), ValidationError, /may not remove itself/);
});
