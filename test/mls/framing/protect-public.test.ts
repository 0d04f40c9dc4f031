// PublicMessage protection (RFC 9420 §6.2): membership tag and signature checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, CryptoError, ValidationError } from '../../../main/mls/errors.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import type { FramedContent } from '../../../main/mls/framing/framed-content.js';
import { computeMembershipTag } from '../../../main/mls/framing/membership-tag.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { protectPublic, unprotectPublic } from '../../../main/mls/framing/protect-public.js';
import type { PublicMessage } from '../../../main/mls/framing/public-message.js';
import { SenderType } from '../../../main/mls/framing/sender.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { application, flipBit, framed, groupContext, membershipKey, removeProposal, sigKeys, signed, suite } from './fixture.js';

const params = { groupContext, membershipKey, signaturePublicKey: sigKeys.publicKey };

function proposalMessage(): PublicMessage {
  return protectPublic(suite, signed(WireFormat.mlsPublicMessage, framed(removeProposal)), groupContext, membershipKey);
}

void test('a protected proposal and commit unprotect to the signed content, through MLSMessage bytes', () => {
  for (const body of [removeProposal, { contentType: ContentType.commit, commit: { proposals: [] } } as const]) {
    const ac = signed(WireFormat.mlsPublicMessage, framed(body));
    const pm = protectPublic(suite, ac, groupContext, membershipKey);
    const wire = mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: pm });
    const back = parseMLSMessage(wire);
    assert.equal(back.wireFormat, WireFormat.mlsPublicMessage);
    if (back.wireFormat !== WireFormat.mlsPublicMessage) return;
    assert.deepEqual(unprotectPublic(suite, back.publicMessage, params), ac);
  }
});

void test('a flipped bit in the membership tag is a ValidationError', () => {
  const pm = proposalMessage();
  for (const i of [0, 31]) {
    const bad = { ...pm, membershipTag: flipBit(pm.membershipTag!, i, 3) };
    assert.throws(() => unprotectPublic(suite, bad, params), ValidationError);
  }
  assert.throws(() => unprotectPublic(suite, pm, { ...params, membershipKey: new Uint8Array(32) }), ValidationError);
});

void test('a flipped bit in the signature fails the membership tag, and with a recomputed tag the signature: CryptoError', () => {
  const pm = proposalMessage();
  const auth = { signature: flipBit(pm.auth.signature, 10) };
  assert.throws(() => unprotectPublic(suite, { ...pm, auth }, params), ValidationError);
  const ac = { wireFormat: WireFormat.mlsPublicMessage, content: pm.content, auth } as const;
  const retagged = { ...pm, auth, membershipTag: computeMembershipTag(suite, membershipKey, ac, groupContext) };
  assert.throws(() => unprotectPublic(suite, retagged, params), CryptoError);
  // The right signature checked against another member's key fails too.
  const other = suite.signature.generateKeyPair().publicKey;
  assert.throws(() => unprotectPublic(suite, pm, { ...params, signaturePublicKey: other }), CryptoError);
});

void test('a tampered content field fails the membership tag', () => {
  const pm = proposalMessage();
  const content = { ...pm.content, authenticatedData: new Uint8Array([0xab]) } as FramedContent;
  assert.throws(() => unprotectPublic(suite, { ...pm, content }, params), ValidationError);
});

void test('a wrong epoch or group id is a ValidationError before any MAC', () => {
  const pm = proposalMessage();
  const oldEpoch = { ...groupContext, epoch: groupContext.epoch + 1n };
  assert.throws(() => unprotectPublic(suite, pm, { ...params, groupContext: oldEpoch }), /epoch 42 is not the current epoch 43/);
  assert.throws(() => unprotectPublic(suite, pm, { ...params, groupContext: oldEpoch }), ValidationError);
  const otherGroup = { ...groupContext, groupId: new Uint8Array([9]) };
  assert.throws(() => unprotectPublic(suite, pm, { ...params, groupContext: otherGroup }), ValidationError);
});

void test('application data is never a PublicMessage', () => {
  const ac = signed(WireFormat.mlsPublicMessage, framed(application()));
  assert.throws(() => protectPublic(suite, ac, groupContext, membershipKey), ValidationError);
  const forged: PublicMessage = { content: ac.content, auth: ac.auth, membershipTag: computeMembershipTag(suite, membershipKey, ac, groupContext) };
  assert.throws(() => unprotectPublic(suite, forged, params), ValidationError);
});

void test('content signed for PrivateMessage is not sent as PublicMessage', () => {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(removeProposal));
  assert.throws(() => protectPublic(suite, ac, groupContext, membershipKey), ValidationError);
});

void test('an external sender sends proposals without a membership tag, verified with its own key', () => {
  const ext = suite.signature.generateKeyPair();
  const content = framed(removeProposal, { senderType: SenderType.external, senderIndex: 0 });
  const ac = signed(WireFormat.mlsPublicMessage, content, ext.privateKey);
  const pm = protectPublic(suite, ac, groupContext, undefined);
  assert.equal(pm.membershipTag, undefined);
  let seen: FramedContent | undefined;
  const lookup = (c: FramedContent): Uint8Array => {
    seen = c;
    return ext.publicKey;
  };
  assert.deepEqual(unprotectPublic(suite, pm, { groupContext, signaturePublicKey: lookup }), ac);
  assert.deepEqual(seen, content);
  assert.throws(() => unprotectPublic(suite, { ...pm, membershipTag: new Uint8Array(32) }, params), ValidationError);
  // An external sender may not commit.
  const commit = framed({ contentType: ContentType.commit, commit: { proposals: [] } }, { senderType: SenderType.external, senderIndex: 0 });
  assert.throws(() => protectPublic(suite, signed(WireFormat.mlsPublicMessage, commit, ext.privateKey), groupContext, undefined), ValidationError);
  assert.throws(() => unprotectPublic(suite, { content: commit, auth: { signature: new Uint8Array(64), confirmationTag: new Uint8Array(32) } }, params), ValidationError);
});

void test('new_member_proposal may only send Add; new_member_commit signs over the GroupContext', () => {
  const nm = suite.signature.generateKeyPair();
  const remove = framed(removeProposal, { senderType: SenderType.newMemberProposal });
  assert.throws(() => protectPublic(suite, signed(WireFormat.mlsPublicMessage, remove, nm.privateKey), groupContext, undefined), ValidationError);
  const commit = framed({ contentType: ContentType.commit, commit: { proposals: [] } }, { senderType: SenderType.newMemberCommit });
  const ac = signed(WireFormat.mlsPublicMessage, commit, nm.privateKey);
  const pm = protectPublic(suite, ac, groupContext, undefined);
  assert.deepEqual(unprotectPublic(suite, pm, { groupContext, signaturePublicKey: nm.publicKey }), ac);
  // The signature covers the GroupContext: another tree hash, same epoch, fails.
  const ctx2 = { ...groupContext, treeHash: new Uint8Array(32) };
  assert.throws(() => unprotectPublic(suite, pm, { groupContext: ctx2, signaturePublicKey: nm.publicKey }), CryptoError);
});

void test('a member message needs the membership key; the suite must be the group\'s', () => {
  const pm = proposalMessage();
  assert.throws(() => unprotectPublic(suite, pm, { groupContext, signaturePublicKey: sigKeys.publicKey }), ArgumentError);
  assert.throws(() => protectPublic(suite, signed(WireFormat.mlsPublicMessage, framed(removeProposal)), groupContext, undefined), ArgumentError);
  assert.throws(() => unprotectPublic(suite, pm, { ...params, groupContext: { ...groupContext, cipherSuite: 2 } }), ArgumentError);
});
