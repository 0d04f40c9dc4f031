// RFC 9420 §12.1–§12.3: what a commit may hold, PSK injection, GroupContextExtensions
// and path-less commits. A rejected commit changes nothing.

import assert from 'node:assert/strict';
import test from 'node:test';
import { createCommit, type CreateCommitOptions } from '../../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import {
  addProposal,
  createProposalMessage,
  createUpdateProposal,
  groupContextExtensionsProposal,
  pskProposal,
  removeProposal,
} from '../../../main/mls/group/proposal-message.js';
import { groupStateBytes } from '../../../main/mls/group/state-codec.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { joinFromWelcome } from '../../../main/mls/group/welcome-join.js';
import { ArgumentError, ValidationError } from '../../../main/mls/errors.js';
import { requiredCapabilitiesExtension } from '../../../main/mls/messages/required-capabilities.js';
import { ProposalType } from '../../../main/mls/messages/proposal.js';
import { PSKType, ResumptionPSKUsage, type PreSharedKeyID } from '../../../main/mls/schedule/psk.js';
import { equalBytes, utf8 } from '../../../main/mls/util/bytes.js';
import { parseMLSMessage, mlsMessageBytes } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { signContent } from '../../../main/mls/framing/content-auth.js';
import { SenderType } from '../../../main/mls/framing/sender.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { createGroup } from '../../../main/mls/group/create-group.js';
import { externalSendersExtension } from '../../../main/mls/messages/external-senders.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { createKeyPackage } from '../../../main/mls/messages/key-package-create.js';
import { signKeyPackage } from '../../../main/mls/messages/key-package.js';
import { LeafNodeSource, signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

const suite = suiteFor(1);
const clients = ['alice', 'bob', 'carol'].map((n) => newClient(suite, n));
const [alice, bob, carol] = groupOf(suite, clients[0]!, clients.slice(1)) as [GroupState, GroupState, GroupState];

function invalid(state: GroupState, opts: CreateCommitOptions, re: RegExp): void {
  const before = groupStateBytes(state);
  assert.throws(
    () => createCommit(state, opts),
    (e: unknown) => e instanceof ValidationError && re.test(e.message),
  );
  assert.deepEqual(groupStateBytes(state), before);
}

const nonce = (): Uint8Array => suite.randomBytes(suite.kdf.size);

void test('commits breaking §12.2 are refused', () => {
  const dave = newClient(suite, 'dave');
  invalid(alice, { proposals: [addProposal(dave.kp.keyPackage), addProposal(dave.kp.keyPackage)] }, /proposals\[1\]: Add of a client that is already added by Commit.proposals\[0\]/);
  invalid(alice, { proposals: [addProposal(clients[1]!.kp.keyPackage)] }, /already in the group \(member 1\)/);
  // Re-adding a member is fine together with its removal.
  createCommit(alice, { proposals: [removeProposal(1), addProposal(newClient(suite, 'bob2').kp.keyPackage)] });
  invalid(alice, { proposals: [removeProposal(0)] }, /may not remove itself/);
  invalid(alice, { proposals: [removeProposal(5)] }, /leaf 5 is not a member/);
  invalid(alice, { proposals: [removeProposal(1), removeProposal(1)] }, /already removed/);
  invalid(alice, { proposals: [createUpdateProposal(alice).proposal] }, /may not commit its own Update/);
  const id: PreSharedKeyID = { psktype: PSKType.external, pskId: utf8('k'), pskNonce: nonce() };
  invalid(alice, { proposals: [pskProposal(id), pskProposal(id)], psks: () => nonce() }, /same PreSharedKeyID appears twice/);
  invalid(alice, { proposals: [pskProposal({ ...id, pskNonce: new Uint8Array(3) })], psks: () => nonce() }, /psk_nonce has 3 bytes/);
  const reinit = { proposalType: ProposalType.reinit, reinit: { groupId: utf8('new'), version: 1, cipherSuite: 1, extensions: [] } } as const;
  invalid(alice, { proposals: [reinit, removeProposal(1)] }, /ReInit must be the only proposal/);
  invalid(alice, { proposals: [{ proposalType: ProposalType.external_init, externalInit: { kemOutput: new Uint8Array(32) } }] }, /only allowed in an external commit/);
  const gce = groupContextExtensionsProposal([]);
  invalid(alice, { proposals: [gce, gce] }, /more than one GroupContextExtensions/);
  invalid(alice, { proposals: [groupContextExtensionsProposal([requiredCapabilitiesExtension({ extensionTypes: [0xff00], proposalTypes: [], credentialTypes: [] })])] }, /does not support required extension 65280/);
  const resumption: PreSharedKeyID = { psktype: PSKType.resumption, usage: ResumptionPSKUsage.reinit, pskGroupId: alice.groupContext.groupId, pskEpoch: 1n, pskNonce: nonce() };
  invalid(alice, { proposals: [pskProposal(resumption)] }, /only allowed in a reinit or branch/);
});

void test('a committer may not commit its own Update proposal by reference; the default selection skips it', () => {
  const up = createUpdateProposal(bob);
  const sent = createProposalMessage(bob, up.proposal, { update: up });
  invalid(sent.state, { byReference: [sent.ref] }, /may not commit its own Update/);
  const c = createCommit(sent.state);
  assert.equal(c.pending.state.groupContext.epoch, 2n);
});

void test('external and resumption PSKs are injected; a member without the PSK cannot follow', () => {
  const secret = suite.randomBytes(32);
  const ext: PreSharedKeyID = { psktype: PSKType.external, pskId: utf8('shared'), pskNonce: nonce() };
  const lookup = (id: PreSharedKeyID): Uint8Array | undefined => (id.psktype === PSKType.external && equalBytes(id.pskId, utf8('shared')) ? secret : undefined);
  const res: PreSharedKeyID = { psktype: PSKType.resumption, usage: ResumptionPSKUsage.application, pskGroupId: alice.groupContext.groupId, pskEpoch: 1n, pskNonce: nonce() };
  const c = createCommit(alice, { proposals: [pskProposal(ext), pskProposal(res)], psks: lookup });
  const a = mergePendingCommit(alice, c.pending);
  const before = groupStateBytes(bob);
  assert.throws(() => processMessage(bob, c.commit), (e: unknown) => e instanceof ValidationError && /external PSK 736861726564 is not available/.test(e.message));
  assert.deepEqual(groupStateBytes(bob), before);
  const b = processMessage(bob, c.commit, { psks: lookup }).state;
  assert.deepEqual(b.keys.epochAuthenticator, a.keys.epochAuthenticator);
  // Without the PSK the epoch would differ: a plain commit gives another authenticator.
  assert.ok(!equalBytes(mergePendingCommit(alice, createCommit(alice).pending).keys.epochAuthenticator, a.keys.epochAuthenticator));
  // A joiner needs the external PSK too.
  const dave = newClient(suite, 'dave');
  const w = createCommit(a, { proposals: [addProposal(dave.kp.keyPackage), pskProposal({ ...ext, pskNonce: nonce() })], psks: lookup });
  assert.throws(() => joinFromWelcome({ welcome: w.welcome!, keyPackage: dave.kp, signaturePrivateKey: dave.signaturePrivateKey }), ValidationError);
  const joined = joinFromWelcome({ welcome: w.welcome!, keyPackage: dave.kp, signaturePrivateKey: dave.signaturePrivateKey, psks: lookup });
  assert.deepEqual(joined.state.keys.epochAuthenticator, mergePendingCommit(a, w.pending).keys.epochAuthenticator);
});

void test('GroupContextExtensions replace the extensions for everyone; an Add-only commit may omit the path', () => {
  const req = requiredCapabilitiesExtension({ extensionTypes: [], proposalTypes: [], credentialTypes: [1] });
  const c = createCommit(carol, { proposals: [groupContextExtensionsProposal([req])] });
  const cc = mergePendingCommit(carol, c.pending);
  const a = processMessage(alice, c.commit).state;
  assert.deepEqual(a.groupContext.extensions, [req]);
  assert.deepEqual(a.keys.epochAuthenticator, cc.keys.epochAuthenticator);
  const dave = newClient(suite, 'dave');
  const add = createCommit(a, { proposals: [addProposal(dave.kp.keyPackage)], omitPath: true });
  const pathless = parseCommitPath(add.commit);
  assert.equal(pathless, false);
  const d = joinFromWelcome({ welcome: add.welcome!, keyPackage: dave.kp, signaturePrivateKey: dave.signaturePrivateKey }).state;
  const c2 = processMessage(cc, add.commit).state;
  assert.deepEqual(d.keys.epochAuthenticator, c2.keys.epochAuthenticator);
  assert.equal(d.ownLeaf, 3, 'Dave takes the leftmost blank leaf');
  // A path is required for a Remove: omitPath is ignored.
  const rm = createCommit(c2, { proposals: [removeProposal(0)], omitPath: true });
  assert.equal(parseCommitPath(rm.commit), true);
});

void test('createCommit refuses a new signature key without its private key', () => {
  assert.throws(() => createCommit(alice, { leaf: { signatureKey: new Uint8Array(32) } }), ArgumentError);
});

function parseCommitPath(bytes: Uint8Array): boolean {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsPublicMessage || m.publicMessage.content.contentType !== 3) throw new Error('not a public commit');
  return m.publicMessage.content.commit.path !== undefined;
}

void test('external senders (§12.1.8): a listed signer may propose a Remove, which a member commits by reference', () => {
  const server = suite.signature.generateKeyPair();
  const [al, bo, ca] = ['al', 'bo', 'ca'].map((n) => newClient(suite, n)) as [ReturnType<typeof newClient>, ReturnType<typeof newClient>, ReturnType<typeof newClient>];
  let a = createGroup({
    suite,
    keyPackage: al.kp,
    signaturePrivateKey: al.signaturePrivateKey,
    extensions: [externalSendersExtension([{ signatureKey: server.publicKey, credential: basicCredential(utf8('server')) }])],
  });
  const c0 = createCommit(a, { proposals: [addProposal(bo.kp.keyPackage), addProposal(ca.kp.keyPackage)] });
  a = mergePendingCommit(a, c0.pending);
  let b = joinFromWelcome({ welcome: c0.welcome!, keyPackage: bo.kp, signaturePrivateKey: bo.signaturePrivateKey }).state;

  const external = (senderIndex: number, key: Uint8Array): Uint8Array => {
    const content = {
      groupId: a.groupContext.groupId,
      epoch: a.groupContext.epoch,
      sender: { senderType: SenderType.external, senderIndex },
      authenticatedData: new Uint8Array(0),
      contentType: ContentType.proposal,
      proposal: removeProposal(2),
    } as const;
    const ac = signContent(suite, key, WireFormat.mlsPublicMessage, content, a.groupContext);
    return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { content: ac.content, auth: ac.auth } });
  };
  // Index 1 is not in the list; a key that is not the listed one does not verify.
  assert.throws(() => processMessage(b, external(1, server.privateKey)), (e: unknown) => e instanceof ValidationError && /index 1 is outside/.test(e.message));
  assert.throws(() => processMessage(b, external(0, suite.signature.generateKeyPair().privateKey)), /signature does not verify/);
  const msg = external(0, server.privateKey);
  const rb = processMessage(b, msg);
  assert.equal(rb.result.kind === 'proposal' && rb.result.sender.senderType, SenderType.external);
  b = rb.state;
  a = processMessage(a, msg).state;
  const commit = createCommit(b);
  b = mergePendingCommit(b, commit.pending);
  const ra = processMessage(a, commit.commit);
  assert.deepEqual(ra.result.kind === 'commit' && ra.result.removed, [2]);
  assert.deepEqual(ra.state.keys.epochAuthenticator, b.keys.epochAuthenticator);
});

void test('the default commit covers the valid pending proposals and skips the ones it cannot commit', () => {
  const dave = newClient(suite, 'dave');
  let b = bob;
  let a = alice;
  const unknownPsk: PreSharedKeyID = { psktype: PSKType.external, pskId: utf8('nobody-has-it'), pskNonce: nonce() };
  const props = [addProposal(dave.kp.keyPackage), addProposal(dave.kp.keyPackage), pskProposal(unknownPsk), removeProposal(2)];
  for (const [i, prop] of props.entries()) {
    // Distinct authenticated data: the same proposal twice with the same framing is a replay.
    const sent = createProposalMessage(b, prop, { authenticatedData: Uint8Array.of(i) });
    b = sent.state;
    a = processMessage(a, sent.message).state;
  }
  assert.equal(a.pendingProposals.length, 4);
  const c = createCommit(a);
  const m = parseMLSMessage(c.commit);
  assert.ok(m.wireFormat === WireFormat.mlsPublicMessage && m.publicMessage.content.contentType === ContentType.commit);
  const refs = m.publicMessage.content.commit.proposals;
  assert.equal(refs.length, 2, 'one Add (the duplicate skipped), no unknown PSK, the Remove');
  const next = mergePendingCommit(a, c.pending);
  assert.deepEqual(c.pending.added, [2]);
  assert.deepEqual(c.pending.removed, [2]);
  assert.equal(next.tree.leaf(next.ownLeaf)!.credential.credentialType, 1);
  const rb = processMessage(b, c.commit);
  assert.deepEqual(rb.result.kind === 'commit' && [rb.result.added, rb.result.removed], [[2], [2]]);
});

void test('unknown (GREASE) KeyPackage extensions are ignored when adding (RFC 9420 §10, §13.5)', () => {
  const sig = suite.signature.generateKeyPair();
  const grease = createKeyPackage(suite, {
    credential: basicCredential(utf8('grease')),
    signaturePrivateKey: sig.privateKey,
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
    capabilities: { versions: [1], cipherSuites: [1, 0x0a0a], extensions: [0x1a1a], proposals: [0x2a2a], credentials: [1] },
    extensions: [{ extensionType: 0x3a3a, extensionData: utf8('ignore me') }],
  });
  const c = createCommit(alice, { proposals: [addProposal(grease.keyPackage)] });
  const joined = joinFromWelcome({ welcome: c.welcome!, keyPackage: grease, signaturePrivateKey: sig.privateKey });
  const b = processMessage(bob, c.commit).state;
  assert.deepEqual(joined.state.keys.epochAuthenticator, b.keys.epochAuthenticator);
});

void test('HPKE keys a peer puts in the tree are checked on arrival (RFC 9180 §7.1.4)', () => {
  const sig = suite.signature.generateKeyPair();
  const poisoned = (encryptionKey: Uint8Array, initKey: Uint8Array): Parameters<typeof addProposal>[0] => {
    const leafNode = signLeafNode(suite, sig.privateKey, {
      leafNodeSource: LeafNodeSource.keyPackage,
      encryptionKey,
      signatureKey: sig.publicKey,
      credential: basicCredential(utf8('mallory')),
      capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] },
      lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
      extensions: [],
    });
    return signKeyPackage(suite, sig.privateKey, { version: 1, cipherSuite: 1, initKey, leafNode, extensions: [] });
  };
  const good = (): Uint8Array => suite.hpke.generateKeyPair().publicKey;
  const zero = new Uint8Array(32);
  const before = groupStateBytes(bob);
  for (const [kp, re] of [
    [poisoned(zero, good()), /leaf_node.encryption_key: not a valid DHKEM-X25519 public key/],
    [poisoned(good(), zero), /init_key: not a valid DHKEM-X25519 public key/],
    [poisoned(new Uint8Array(5), good()), /HPKE public key of 5 bytes/],
  ] as const) {
    const sent = createProposalMessage(alice, addProposal(kp));
    assert.throws(() => processMessage(bob, sent.message), (e: unknown) => e instanceof ValidationError && re.test(e.message));
    invalid(alice, { proposals: [addProposal(kp)] }, re);
  }
  assert.deepEqual(groupStateBytes(bob), before);
});

void test('a new_member_proposal Add (§12.1.8) is accepted and committed by reference; the joiner follows by Welcome', () => {
  const erin = newClient(suite, 'erin');
  const content = {
    groupId: alice.groupContext.groupId,
    epoch: alice.groupContext.epoch,
    sender: { senderType: SenderType.newMemberProposal },
    authenticatedData: new Uint8Array(0),
    contentType: ContentType.proposal,
    proposal: addProposal(erin.kp.keyPackage),
  } as const;
  const ac = signContent(suite, erin.signaturePrivateKey, WireFormat.mlsPublicMessage, content, alice.groupContext);
  const msg = mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { content: ac.content, auth: ac.auth } });
  // Signed by someone else than the KeyPackage's owner: refused.
  const forged = signContent(suite, clients[0]!.signaturePrivateKey, WireFormat.mlsPublicMessage, content, alice.groupContext);
  assert.throws(() => processMessage(bob, mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { content: forged.content, auth: forged.auth } })), /signature does not verify/);
  const a = processMessage(alice, msg).state;
  const b = processMessage(bob, msg).state;
  const c = createCommit(a);
  const rb = processMessage(b, c.commit);
  assert.deepEqual(rb.result.kind === 'commit' && rb.result.added, [3]);
  const e = joinFromWelcome({ welcome: c.welcome!, keyPackage: erin.kp, signaturePrivateKey: erin.signaturePrivateKey }).state;
  assert.deepEqual(e.keys.epochAuthenticator, rb.state.keys.epochAuthenticator);
});

void test('a member that proposed a Remove and then an Update accepts a commit of both', () => {
  let b = bob;
  let a = alice;
  const rm = createProposalMessage(b, removeProposal(2));
  b = rm.state;
  const up = createUpdateProposal(b);
  const upm = createProposalMessage(b, up.proposal, { update: up });
  b = upm.state;
  a = processMessage(processMessage(a, rm.message).state, upm.message).state;
  const c = createCommit(a);
  const rb = processMessage(b, c.commit);
  assert.deepEqual(rb.result.kind === 'commit' && [rb.result.removed, rb.result.updated], [[2], [1]]);
  assert.deepEqual(rb.state.keys.epochAuthenticator, mergePendingCommit(a, c.pending).keys.epochAuthenticator);
  // Bob holds the private key of the leaf he proposed: he can commit next.
  const next = createCommit(rb.state);
  assert.equal(next.pending.state.groupContext.epoch, 3n);
});
