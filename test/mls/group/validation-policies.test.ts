// The local validation policies of docs/validation.md, each in both settings:
// checks that no validation list of RFC 9420 requires, kept because they protect
// this member (its ability to commit, its CPU), and switchable by the application.

import assert from 'node:assert/strict';
import test from 'node:test';
import { ValidationError } from '../../../main/mls/errors.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { addProposal, createProposalMessage } from '../../../main/mls/group/proposal-message.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { joinFromWelcome } from '../../../main/mls/group/welcome-join.js';
import * as mls from '../../../main/mls/index.js';
import { signKeyPackage, type KeyPackage } from '../../../main/mls/messages/key-package.js';
import { createKeyPackage } from '../../../main/mls/messages/key-package-create.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { LeafNodeSource, signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

const suite = suiteFor(1);

/** A correctly signed KeyPackage whose leaf encryption key is `encryptionKey` (and a good init key). */
function keyPackageWithLeafKey(encryptionKey: Uint8Array): KeyPackage {
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
  const initKey = suite.hpke.generateKeyPair().publicKey;
  return signKeyPackage(suite, sig.privateKey, { version: 1, cipherSuite: suite.id, initKey, leafNode, extensions: [] });
}

// The all-zero X25519 point: the right length, but RFC 9180 §7.1.4 makes every encryption to it fail.
const ZERO_POINT = new Uint8Array(32);
const isBadKey = (e: unknown): boolean => e instanceof ValidationError && /not a valid DHKEM-X25519 public key/.test(e.message);

void test('checkHpkeKeys (default true): an Add with an unusable leaf key is refused on receipt and in a commit; off, both are accepted', () => {
  const [a, b] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob')]) as [GroupState, GroupState];
  const kp = keyPackageWithLeafKey(ZERO_POINT);
  const p = createProposalMessage(a, addProposal(kp));
  assert.throws(() => processMessage(b, p.message), isBadKey);
  // A member whose policy is off commits the same Add by value: bob refuses the commit on the default, follows it with the policy off.
  const aOff: GroupState = { ...a, config: { ...a.config, checkHpkeKeys: false } };
  const c = createCommit(aOff, { proposals: [addProposal(kp)] });
  assert.ok(c.welcome !== undefined);
  assert.throws(() => processMessage(b, c.commit), isBadKey);
  const bOff: GroupState = { ...b, config: { ...b.config, checkHpkeKeys: false } };
  assert.equal(processMessage(bOff, p.message).result.kind, 'proposal');
  const r = processMessage(bOff, c.commit);
  assert.equal(r.result.kind, 'commit');
  assert.deepEqual(r.state.keys.epochAuthenticator, mergePendingCommit(aOff, c.pending).keys.epochAuthenticator);
  // Off, only the length is checked: a key of the wrong length is still refused.
  const short = createProposalMessage(a, addProposal(keyPackageWithLeafKey(new Uint8Array(31))));
  assert.throws(() => processMessage(bOff, short.message), (e: unknown) => e instanceof ValidationError && /HPKE public key of 31 bytes/.test(e.message));
});

void test('checkHpkeKeys also covers the tree of a Welcome: refused by default, joined with the policy off', () => {
  const [a] = groupOf(suite, newClient(suite, 'alice'), []) as [GroupState];
  const carol = newClient(suite, 'carol');
  const aOff: GroupState = { ...a, config: { ...a.config, checkHpkeKeys: false } };
  const c = createCommit(aOff, { proposals: [addProposal(keyPackageWithLeafKey(ZERO_POINT)), addProposal(carol.kp.keyPackage)] });
  const join = (checkHpkeKeys?: boolean): GroupState =>
    joinFromWelcome({ welcome: c.welcome!, keyPackage: carol.kp, signaturePrivateKey: carol.signaturePrivateKey, ...(checkHpkeKeys !== undefined ? { config: { checkHpkeKeys } } : {}) }).state;
  assert.throws(() => join(), (e: unknown) => e instanceof ValidationError && /^tree node 2: not a valid/.test(e.message));
  const joined = join(false);
  assert.equal(joined.config.checkHpkeKeys, false, 'the policy is kept in the state');
  assert.deepEqual(joined.keys.epochAuthenticator, mergePendingCommit(aOff, c.pending).keys.epochAuthenticator);
});

void test('maxTreeLeaves (default 2^16): a Welcome or GroupInfo with a larger tree is refused before it is hashed; raised, it joins', () => {
  const id = (n: string): mls.ClientIdentity => mls.createIdentity(1, n);
  const [alice, bob, carol, dave] = [id('alice'), id('bob'), id('carol'), id('dave')];
  const kps = [bob, carol].map((c) => mls.createKeyPackage(c));
  const c = mls.addMembers(mls.createGroup(alice), kps.map((k) => k.keyPackage));
  // Three members: a tree of four leaves.
  const tooBig = (e: unknown): boolean => e instanceof ValidationError && /the tree has 4 leaves, more than the accepted 2/.test(e.message);
  assert.throws(() => mls.joinFromWelcome(c.welcome!, kps[0]!, bob, { maxTreeLeaves: 2 }), tooBig);
  assert.equal(mls.epoch(mls.joinFromWelcome(c.welcome!, kps[0]!, bob)), 1n);
  assert.equal(mls.epoch(mls.joinFromWelcome(c.welcome!, kps[1]!, carol, { maxTreeLeaves: 4 })), 1n);
  assert.throws(() => mls.joinExternal(c.groupInfo, dave, { maxTreeLeaves: 2 }), tooBig);
  assert.equal(mls.epoch(mls.joinExternal(c.groupInfo, dave).state), 2n);
});

void test('now (default: not checked): a KeyPackage leaf outside its lifetime is refused only when the caller gives the time', () => {
  const [a, b] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob')]) as [GroupState, GroupState];
  const sig = suite.signature.generateKeyPair();
  const expired = createKeyPackage(suite, {
    credential: basicCredential(utf8('old')),
    signaturePrivateKey: sig.privateKey,
    lifetime: { notBefore: 1000n, notAfter: 2000n },
  });
  const p = createProposalMessage(a, addProposal(expired.keyPackage));
  assert.throws(() => processMessage(b, p.message, { now: 5000n }), (e: unknown) => e instanceof ValidationError && /lifetime \[1000, 2000\] does not cover the current time 5000/.test(e.message));
  assert.equal(processMessage(b, p.message, { now: 1500n }).result.kind, 'proposal');
  assert.equal(processMessage(b, p.message).result.kind, 'proposal');
  // The same for the leaves of a tree one joins: the added leaf keeps its KeyPackage lifetime.
  const carol = newClient(suite, 'carol');
  const c = createCommit(a, { proposals: [addProposal(expired.keyPackage), addProposal(carol.kp.keyPackage)], now: 1500n });
  const join = (now?: bigint): GroupState =>
    joinFromWelcome({ welcome: c.welcome!, keyPackage: carol.kp, signaturePrivateKey: carol.signaturePrivateKey, ...(now !== undefined ? { now } : {}) }).state;
  assert.throws(() => join(5000n), (e: unknown) => e instanceof ValidationError && /^leaf 2: lifetime/.test(e.message));
  assert.equal(join().groupContext.epoch, 2n);
});
