// Bad input must not corrupt state (design principle). A KeyPackage or leaf
// carries HPKE public keys that nobody uses until later: a member's Add or
// Update with a malformed key (wrong length, the all-zero X25519 point, which
// RFC 9180 §7.1.4 makes DH refuse) is correctly signed, so if it is accepted
// the tree holds a key that every later commit must encrypt to, and the group
// can no longer commit. It must be refused when it arrives (RFC 9420 §7.3 / §10.1
// validation; RFC 9180 §7.1.4 public key validation), with a typed error.
// Found by this suite (accepted everywhere, the group then wedged on CryptoError
// from hpke seal) and fixed in the session by main/mls/crypto/hpke-key-check.ts:
// these are now regression tests.

import assert from 'node:assert/strict';
import test from 'node:test';
import { MlsError } from '../../../main/mls/errors.js';
import { signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { computeMembershipTag } from '../../../main/mls/framing/membership-tag.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import {
  addProposal,
  createCommit,
  createProposalMessage,
  groupStateBytes,
  mergePendingCommit,
  processMessage,
  type GroupState,
} from '../../../main/mls/group/index.js';
import { signKeyPackage, type KeyPackage } from '../../../main/mls/messages/key-package.js';
import { ProposalType } from '../../../main/mls/messages/proposal.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { LeafNodeSource, signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { equalBytes, utf8 } from '../../../main/mls/util/bytes.js';
import { trio } from './fixture.js';

const t = trio();
const suite = t.suite;
const aliceSig = t.members[0].signaturePrivateKey;

/** A correctly signed KeyPackage with the given HPKE keys (a malicious or broken client's). */
function keyPackage(encryptionKey: Uint8Array, initKey: Uint8Array): KeyPackage {
  const sig = suite.signature.generateKeyPair();
  const leafNode = signLeafNode(suite, sig.privateKey, {
    leafNodeSource: LeafNodeSource.keyPackage,
    encryptionKey,
    signatureKey: sig.publicKey,
    credential: basicCredential(utf8('mallory')),
    capabilities: { versions: [1], cipherSuites: [suite.id], extensions: [], proposals: [], credentials: [1] },
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
    extensions: [],
  });
  return signKeyPackage(suite, sig.privateKey, { version: 1, cipherSuite: suite.id, initKey, leafNode, extensions: [] });
}

const good = (): Uint8Array => suite.hpke.generateKeyPair().publicKey;
const BAD_KEYS: readonly [string, Uint8Array][] = [
  ['5 bytes', new Uint8Array(5).fill(1)],
  ['empty', new Uint8Array(0)],
  ['the all-zero X25519 point', new Uint8Array(32)],
];

/** processMessage refuses `bytes` with an MlsError and leaves the state as it was. */
function refused(receiver: GroupState, bytes: Uint8Array): void {
  const before = groupStateBytes(receiver);
  assert.throws(() => processMessage(receiver, bytes), MlsError);
  assert.deepEqual(groupStateBytes(receiver), before);
}

void test('control: after a commit adding a valid KeyPackage, both members can commit again', () => {
  const c = createCommit(t.alice, { proposals: [addProposal(keyPackage(good(), good()))] });
  const bob2 = processMessage(t.bob, c.commit).state;
  assert.doesNotThrow(() => createCommit(bob2));
  assert.doesNotThrow(() => createCommit(mergePendingCommit(t.alice, c.pending)));
});

/**
 * alice's commit (no path) adding `kp` by value, signed and MACed: a malicious committer skipping its own
 * checks. Its confirmation tag is that of a valid commit, so a receiver that validates the Add refuses it
 * with that reason before it gets to the (mismatching) tag.
 */
function craftedAddCommit(kp: KeyPackage): Uint8Array {
  const valid = parseMLSMessage(createCommit(t.alice, { proposals: [addProposal(keyPackage(good(), good()))], omitPath: true }).commit);
  assert.ok(valid.wireFormat === WireFormat.mlsPublicMessage && valid.publicMessage.content.contentType === ContentType.commit);
  const pm = valid.publicMessage;
  const commitBody = { proposals: [{ type: 1 as const, proposal: addProposal(kp) }] };
  const content = { ...pm.content, commit: commitBody };
  const signature = signFramedContent(suite, aliceSig, WireFormat.mlsPublicMessage, content, t.alice.groupContext);
  const auth = { signature, confirmationTag: pm.auth.confirmationTag! };
  const membershipTag = computeMembershipTag(suite, t.alice.keys.membershipKey, { wireFormat: WireFormat.mlsPublicMessage, content, auth }, t.alice.groupContext);
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { content, auth, membershipTag } });
}

void test('control: the crafted commit with a valid KeyPackage fails only at the confirmation tag', () => {
  assert.throws(() => processMessage(t.bob, craftedAddCommit(keyPackage(good(), good()))), (e: unknown) => e instanceof MlsError && /confirmation_tag/.test(e.message));
});

for (const [what, key] of BAD_KEYS) {
  void test(`an Add proposal whose leaf encryption_key is ${what} is refused`, () => {
    refused(t.bob, createProposalMessage(t.alice, addProposal(keyPackage(key, good()))).message);
  });
  void test(`createCommit refuses to add a KeyPackage whose leaf encryption_key is ${what}`, () => {
    assert.throws(() => createCommit(t.alice, { proposals: [addProposal(keyPackage(key, good()))] }), MlsError);
  });
  void test(`a commit from a malicious member adding a KeyPackage whose leaf encryption_key is ${what} is refused before its confirmation tag is checked`, () => {
    const bytes = craftedAddCommit(keyPackage(key, good()));
    const before = groupStateBytes(t.bob);
    assert.throws(() => processMessage(t.bob, bytes), (e: unknown) => e instanceof MlsError && !/confirmation_tag/.test(e.message));
    assert.deepEqual(groupStateBytes(t.bob), before);
  });
  void test(`an Add proposal whose init_key is ${what} is refused`, () => {
    refused(t.bob, createProposalMessage(t.alice, addProposal(keyPackage(good(), key))).message);
  });
}

void test('an Update proposal whose leaf encryption_key is 5 bytes is refused', () => {
  const old = t.alice.tree.leaf(t.alice.ownLeaf)!;
  const leafNode = signLeafNode(
    suite,
    aliceSig,
    { leafNodeSource: LeafNodeSource.update, encryptionKey: new Uint8Array(5).fill(3), signatureKey: old.signatureKey, credential: old.credential, capabilities: old.capabilities, extensions: old.extensions },
    { groupId: t.alice.groupContext.groupId, leafIndex: t.alice.ownLeaf },
  );
  const msg = createProposalMessage(t.alice, { proposalType: ProposalType.update, update: { leafNode } }, { update: { encryptionPrivateKey: new Uint8Array(32), signaturePrivateKey: aliceSig } });
  assert.ok(!equalBytes(leafNode.encryptionKey, old.encryptionKey));
  refused(t.bob, msg.message);
});
