// Live interoperability between Arbor and Wire's core-crypto 10.3.0 (OpenMLS,
// as WebAssembly; issue 15), cipher suite 0x0001: only RFC 9420 wire bytes
// cross between them. After every epoch change every member must agree on the
// epoch, the member list and the MLS-Exporter secret (core-crypto's only
// exporter: label "exporter", empty context; it exposes no epoch
// authenticator). Arbor frames its handshake messages as PublicMessage and puts
// the tree in its Welcomes and GroupInfos, as core-crypto needs (see the
// asserted differences at the end).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as mls from '../../main/mls/index.js';
import { ArgumentError, ValidationError } from '../../main/mls/errors.js';
import { parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { CredentialType } from '../../main/mls/tree/credential.js';
import { ArborPeer } from './arbor-peer.js';
import { coreCrypto } from './core-crypto-loader.js';
import { CORE_CRYPTO_EXPORTER, CoreCryptoPeer, coreCryptoReason, unwrapMlsMessage, wireClientId, wrapMlsMessage } from './core-crypto-peer.js';
import { utf8, type CommitOptions, type InteropPeer, type ProposalSpec } from './peer.js';
import { allAgree, deliver, exchange, publicCommit } from './scenario.js';
import { chainValidator, issue, makePki } from '../mls/tree/x509-fixtures.js';

const SUITE = 0x0001;
const BASIC = CredentialType.basic;
const X509 = CredentialType.x509;
/** An Arbor application that can authenticate x509 credentials says so; core-crypto's groups require it (RFC 9420 §11.1). */
const LISTS_X509: mls.AppCapabilities = { credentials: [X509] };
/** An Arbor application with the default capabilities only. */
const PLAIN: mls.AppCapabilities = {};
/** How Arbor sends to core-crypto: PublicMessage handshakes, the tree inside Welcomes. */
const FOR_CC: CommitOptions = { publicMessage: true, ratchetTreeInWelcome: true };

const cc = (name: string): Promise<CoreCryptoPeer> => CoreCryptoPeer.create(wireClientId(name), SUITE);
const arbor = (name: string, capabilities: mls.AppCapabilities = LISTS_X509): Promise<ArborPeer> => ArborPeer.create(wireClientId(name), SUITE, capabilities);
const ids = (...names: string[]): string[] => names.map(wireClientId);
/** Epoch, member list and core-crypto's exporter secret agree everywhere. */
const agree = (peers: InteropPeer[]): Promise<void> => allAgree(peers, CORE_CRYPTO_EXPORTER);

/** `committer` commits, the others process it, `joiners` join from the Welcome; then everyone agrees. */
async function commitAll(committer: InteropPeer, others: InteropPeer[], proposals: ProposalSpec[], joiners: InteropPeer[] = []) {
  const out = await committer.commit(proposals, FOR_CC);
  await deliver(out.commit, others);
  for (const j of joiners) {
    assert.ok(out.welcome, 'a commit with Adds has a Welcome');
    await j.joinFromWelcome(out.welcome);
  }
  await agree([committer, ...others, ...joiners]);
  return out;
}

/** A core-crypto call that must fail with an OpenMLS reason matching `why`. */
async function ccRefuses(p: Promise<unknown>, why: RegExp, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    const reason = coreCryptoReason((e as { cause?: unknown }).cause ?? e);
    assert.match(reason, why, `${what}: ${reason}`);
    return true;
  });
}

describe('Arbor ↔ core-crypto 10.3.0, cipher suite 0x0001', () => {
  test('core-crypto creates a group requiring basic and x509; Arbor clients that list x509 join by Welcome and commit in it', async () => {
    const [c1, c2] = [await cc('c1'), await cc('c2')];
    const [a1, a2] = [await arbor('a1'), await arbor('a2')];
    await c1.createGroup(utf8('made by core-crypto'));

    await commitAll(c1, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], [a1]);
    // What core-crypto puts in every group (RFC 9420 §11.1), as Arbor reads it.
    assert.deepEqual(mls.requiredCapabilities(a1.state), { extensionTypes: [], proposalTypes: [], credentialTypes: [BASIC, X509] });
    assert.deepEqual(a1.members(), ids('c1', 'a1'));
    await exchange([c1, a1], 'epoch 1');

    // Arbor commits in core-crypto's group: it adds a core-crypto client, which joins from Arbor's Welcome.
    await commitAll(a1, [c1], [{ type: 'add', keyPackage: await c2.keyPackage() }], [c2]);
    // And core-crypto adds two at once, one of each.
    const a3 = await arbor('a3');
    await commitAll(c2, [c1, a1], [{ type: 'add', keyPackage: await a2.keyPackage() }, { type: 'add', keyPackage: await a3.keyPackage() }], [a2, a3]);
    assert.deepEqual(c1.members(), ids('c1', 'a1', 'c2', 'a2', 'a3'));
    await exchange([c1, a1, c2, a2, a3], 'five members');
  });

  test('a group\'s required_capabilities hold both ways (RFC 9420 §7.3, §11.1): a client that does not list x509 is kept out', async () => {
    const c1 = await cc('c1');
    const a1 = await arbor('a1');
    const plain = await arbor('plain', PLAIN);
    await c1.createGroup(utf8('requires x509'));
    // core-crypto refuses the Add of an Arbor KeyPackage without x509: what issue 15 found, correctly (§7.3).
    await ccRefuses(c1.commit([{ type: 'add', keyPackage: await plain.keyPackage() }]), /Credentials are not acceptable/, 'Add of a KeyPackage without x509');
    assert.equal(c1.epoch(), 0n);
    await commitAll(c1, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], [a1]);
    // Arbor, as a member of core-crypto's group, refuses the same Add (§11.1: "enforced by existing members during the application of Add commits").
    const before = Buffer.from(a1.stateBytes()).toString('hex');
    await assert.rejects(a1.commit([{ type: 'add', keyPackage: await plain.keyPackage() }], FOR_CC), (e: unknown) => e instanceof ValidationError && /does not support required credential type 2/.test(e.message));
    assert.equal(Buffer.from(a1.stateBytes()).toString('hex'), before);
    // And an Arbor client without x509 does not send an external commit that every member would refuse.
    await assert.rejects(plain.joinExternal(await c1.groupInfo()), (e: unknown) => e instanceof ArgumentError && /does not support required credential type 2/.test(e.message));
  });

  test('Arbor creates groups (with and without required_capabilities) and adds core-crypto clients by Welcome; core-crypto adds Arbor clients', async () => {
    // Without required_capabilities, Arbor clients need not list x509.
    const [a1, a2] = [await arbor('a1', PLAIN), await arbor('a2', PLAIN)];
    const [c1, c2] = [await cc('c1'), await cc('c2')];
    await a1.createGroup(utf8('made by Arbor'));
    await commitAll(a1, [], [{ type: 'add', keyPackage: await c1.keyPackage() }, { type: 'add', keyPackage: await c2.keyPackage() }], [c1, c2]);
    await exchange([a1, c1, c2], 'epoch 1');
    await commitAll(c1, [a1, c2], [{ type: 'add', keyPackage: await a2.keyPackage() }], [a2]);
    assert.deepEqual(c2.members(), ids('a1', 'c1', 'c2', 'a2'));
    await exchange([a1, c1, c2, a2], 'epoch 2');

    // With core-crypto's own required_capabilities: the creator's leaf lists x509, and core-crypto joins.
    const a3 = await arbor('a3');
    const c3 = await cc('c3');
    await a3.createGroup(utf8('Arbor, requiring x509'), [mls.requiredCapabilitiesExtension({ extensionTypes: [], proposalTypes: [], credentialTypes: [BASIC, X509] })]);
    await commitAll(a3, [], [{ type: 'add', keyPackage: await c3.keyPackage() }], [c3]);
    await exchange([a3, c3], 'required capabilities');
  });

  test('mixed group: updates, adds, removes, Arbor\'s proposals committed by core-crypto, extensions; the exporter agrees at every epoch', async () => {
    const [c1, c2, c3] = [await cc('c1'), await cc('c2'), await cc('c3')];
    const [a1, a2, a3, a4] = [await arbor('a1'), await arbor('a2'), await arbor('a3'), await arbor('a4')];
    const a5 = await arbor('a5', PLAIN);
    await c1.createGroup(utf8('mixed'));
    await commitAll(c1, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], [a1]);
    await commitAll(a1, [c1], [{ type: 'add', keyPackage: await c2.keyPackage() }, { type: 'add', keyPackage: await a2.keyPackage() }], [c2, a2]);
    let group: InteropPeer[] = [c1, a1, c2, a2];

    // Full-path updates from every member, one after the other (core-crypto: updateKeyingMaterial).
    for (const p of group) {
      const out = await commitAll(p, group.filter((q) => q !== p), []);
      assert.ok(publicCommit(out.commit).path, `${p.impl}'s update carries an UpdatePath`);
    }
    await exchange(group, 'after updates');

    // Arbor's Update proposal, committed by core-crypto: a2 gets the leaf it proposed.
    const upd = await a2.propose({ type: 'update' }, { publicMessage: true });
    await deliver(upd, [c1, a1, c2]);
    const byRef = await commitAll(c1, [a1, c2, a2], []);
    assert.deepEqual(
      publicCommit(byRef.commit).proposals.map((p) => p.type),
      [2],
      'core-crypto commits the Update by reference',
    );
    await exchange(group, 'after the update proposal');

    // Arbor's Add proposal, committed by core-crypto; the added Arbor client joins from core-crypto's Welcome.
    const add = await a1.propose({ type: 'add', keyPackage: await a3.keyPackage() }, { publicMessage: true });
    await deliver(add, [c1, c2, a2]);
    await commitAll(c2, [c1, a1, a2], [], [a3]);
    await exchange([c1, a1, c2, a2, a3], 'after the add proposal');

    // Two Arbor members' proposals at once (an Update and a Remove of a core-crypto client), committed by core-crypto.
    const u3 = await a3.propose({ type: 'update' }, { publicMessage: true });
    const r1 = await a2.propose({ type: 'remove', identity: c1.identity }, { publicMessage: true });
    await deliver(u3, [c1, a1, c2, a2]);
    await deliver(r1, [c1, a1, c2, a3]);
    const two = await c2.commit([], FOR_CC);
    assert.equal(publicCommit(two.commit).proposals.length, 2);
    assert.deepEqual(await c1.process(two.commit), { kind: 'removed' });
    await deliver(two.commit, [a1, a2, a3]);
    group = [a1, c2, a2, a3];
    await agree(group);
    assert.deepEqual(a1.members(), ids('a1', 'c2', 'a2', 'a3'), 'leaf 0 is blank');
    await exchange(group, 'after two proposals');

    // Removes by value: core-crypto removes an Arbor client; Arbor removes a core-crypto client.
    await commitAll(a1, group.filter((p) => p !== a1), [{ type: 'add', keyPackage: await c3.keyPackage() }, { type: 'add', keyPackage: await a4.keyPackage() }], [c3, a4]);
    group = [a1, c2, a2, a3, c3, a4];
    const rmA = await c3.commit([{ type: 'remove', identity: a2.identity }], FOR_CC);
    assert.deepEqual(await a2.process(rmA.commit), { kind: 'removed' });
    group = group.filter((p) => p !== a2);
    await deliver(rmA.commit, group.filter((p) => p !== c3));
    await agree(group);
    const rmC = await a3.commit([{ type: 'remove', identity: c2.identity }], FOR_CC);
    assert.deepEqual(await c2.process(rmC.commit), { kind: 'removed' });
    group = group.filter((p) => p !== c2);
    await deliver(rmC.commit, group.filter((p) => p !== a3));
    await agree(group);
    await exchange(group, 'after removes');

    // Arbor replaces the GroupContext extensions (RFC 9420 §12.1.7, with the path §12.4 requires): core-crypto follows,
    // and applies the new required_capabilities (basic only): it now adds a5, whose application does not list x509.
    const basicOnly = mls.requiredCapabilitiesExtension({ extensionTypes: [], proposalTypes: [], credentialTypes: [BASIC] });
    await commitAll(a1, group.filter((p) => p !== a1), [{ type: 'gce', extensions: [basicOnly] }]);
    assert.deepEqual(mls.requiredCapabilities((a3 as ArborPeer).state)?.credentialTypes, [BASIC]);
    await commitAll(c3, group.filter((p) => p !== c3), [{ type: 'add', keyPackage: await a5.keyPackage() }], [a5]);
    group = [...group, a5];
    await exchange(group, 'after the extensions changed');
  });

  test('external joins both ways: Arbor from core-crypto\'s GroupInfo, core-crypto from Arbor\'s', async () => {
    const c1 = await cc('c1');
    const [a1, a2] = [await arbor('a1'), await arbor('a2')];
    await c1.createGroup(utf8('external joins'));
    await commitAll(c1, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], [a1]);

    // Arbor joins from the GroupInfo of core-crypto's commit (an MLSMessage with ratchet_tree and external_pub).
    const gi = await c1.groupInfo();
    const c = await a2.joinExternal(gi);
    assert.equal(publicCommit(c).path !== undefined, true);
    await deliver(c, [c1, a1]);
    await agree([c1, a1, a2]);
    await exchange([c1, a1, a2], 'after Arbor joined externally');

    // core-crypto joins the same group from an Arbor member's GroupInfo (handed to it as the bare struct).
    const c2 = await cc('c2');
    const fromArbor = await c2.joinExternal(await a2.groupInfo({ ratchetTree: true }));
    await deliver(fromArbor, [c1, a1, a2]);
    let group: InteropPeer[] = [c1, a1, a2, c2];
    await agree(group);
    await exchange(group, 'after core-crypto joined externally');

    // A group Arbor made: core-crypto joins it externally, then another Arbor client joins from core-crypto's GroupInfo.
    const [a3, a4] = [await arbor('a3', PLAIN), await arbor('a4', PLAIN)];
    const c3 = await cc('c3');
    await a3.createGroup(utf8('Arbor group, external joins'));
    const j1 = await c3.joinExternal(await a3.groupInfo({ ratchetTree: true }));
    await deliver(j1, [a3]);
    const j2 = await a4.joinExternal(await c3.groupInfo());
    await deliver(j2, [a3, c3]);
    group = [a3, c3, a4];
    await agree(group);
    assert.deepEqual(c3.members(), ids('a3', 'c3', 'a4'));
    await exchange(group, 'Arbor group after external joins');
  });

  test('application messages out of order and from the previous epoch, both ways', async () => {
    const c1 = await cc('c1');
    const a1 = await arbor('a1');
    await c1.createGroup(utf8('late messages'));
    await commitAll(c1, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], [a1]);
    const text = async (to: InteropPeer, m: Uint8Array): Promise<string> => {
      const r = await to.process(m);
      assert.equal(r.kind, 'application');
      return r.kind === 'application' ? new TextDecoder().decode(r.data) : '';
    };
    const fromCc = [await c1.encrypt(utf8('c1')), await c1.encrypt(utf8('c2')), await c1.encrypt(utf8('c3'))];
    assert.deepEqual([await text(a1, fromCc[2]!), await text(a1, fromCc[0]!), await text(a1, fromCc[1]!)], ['c3', 'c1', 'c2']);
    // core-crypto keeps the keys of one skipped generation (asserted below as its policy).
    const fromArbor = [await a1.encrypt(utf8('a1')), await a1.encrypt(utf8('a2')), await a1.encrypt(utf8('a3'))];
    assert.deepEqual([await text(c1, fromArbor[1]!), await text(c1, fromArbor[0]!), await text(c1, fromArbor[2]!)], ['a2', 'a1', 'a3']);

    const lateFromCc = await c1.encrypt(utf8('late from core-crypto'));
    await commitAll(a1, [c1], []);
    assert.equal(await text(a1, lateFromCc), 'late from core-crypto');
    const lateFromArbor = await a1.encrypt(utf8('late from Arbor'));
    await commitAll(c1, [a1], []);
    assert.equal(await text(c1, lateFromArbor), 'late from Arbor');
    await agree([c1, a1]);
  });

  // ------------------------------------------------------------------ what differs, asserted

  test('core-crypto policy: handshake messages only as PublicMessage (RFC 9420 §6 lets a group use either)', async () => {
    // §6: "Applications ... SHOULD use PrivateMessage to encode handshake messages, but they MAY transmit handshake
    // messages encoded as PublicMessage objects in cases where it is necessary for the Delivery Service to examine
    // such messages." core-crypto's groups take only the latter; Arbor sends PublicMessage by default
    // (GroupConfig.handshakeWireFormat) because its delivery service follows the group too.
    const c1 = await cc('c1');
    const a1 = await arbor('a1');
    await c1.createGroup(utf8('wire format policy'));
    await commitAll(c1, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], [a1]);
    const secret = Buffer.from(await c1.exportSecret('exporter', new Uint8Array(0), 32)).toString('hex');
    const proposal = await a1.propose({ type: 'remove', identity: c1.identity }, { publicMessage: false });
    assert.equal(parseMLSMessage(proposal).wireFormat, WireFormat.mlsPrivateMessage);
    await ccRefuses(c1.process(proposal), /wire format is incompatible with the group's wire format policy/, 'PrivateMessage proposal');
    const commit = await a1.commit([], { publicMessage: false });
    await ccRefuses(c1.process(commit.commit), /wire format is incompatible with the group's wire format policy/, 'PrivateMessage commit');
    assert.equal(c1.epoch(), 1n, 'core-crypto stays in its epoch');
    assert.equal(Buffer.from(await c1.exportSecret('exporter', new Uint8Array(0), 32)).toString('hex'), secret);
  });

  test('core-crypto policy: it keeps the keys of one skipped generation per sender (RFC 9420 §9.2 MAY keep them, §15.3 a policy)', async () => {
    // §9.2: "Members MAY keep unconsumed values around for some reasonable amount of time to handle out-of-order
    // message delivery"; §15.3: "Applications SHOULD define a policy on how long to keep unused nonce and key pairs
    // for a sender, and the maximum number to keep." core-crypto 10.3.0 keeps one; Arbor keeps up to 256
    // (GroupConfig.maxSkippedKeys).
    const c1 = await cc('c1');
    const a1 = await arbor('a1');
    await c1.createGroup(utf8('skipped keys'));
    await commitAll(c1, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], [a1]);
    const fromArbor = [await a1.encrypt(utf8('g0')), await a1.encrypt(utf8('g1')), await a1.encrypt(utf8('g2'))];
    assert.equal((await c1.process(fromArbor[2]!)).kind, 'application');
    assert.equal((await c1.process(fromArbor[1]!)).kind, 'application', 'one generation back');
    await ccRefuses(c1.process(fromArbor[0]!), /DuplicateMessage/, 'two generations back: its key is gone');
    const fromCc: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) fromCc.push(await c1.encrypt(utf8(`h${i}`)));
    for (const i of [5, 0, 3, 1, 4, 2]) assert.equal((await a1.process(fromCc[i]!)).kind, 'application', `Arbor reads generation ${i}`);
  });

  test('core-crypto API: KeyPackages and GroupInfos go in as bare structs; GroupInfos, Welcomes and handshakes come out as MLSMessages', async () => {
    // RFC 9420 §6: MLSMessage carries every message kind (wire formats mls_key_package, mls_group_info, mls_welcome, ...);
    // which of them an API takes framed is the API's choice. The adapter unwraps Arbor's MLSMessage header for the two.
    const m = await coreCrypto();
    const c1 = await cc('c1');
    const a1 = await arbor('a1');
    const kp = await a1.keyPackage();
    assert.throws(() => new m.KeyPackage(kp), 'an MLSMessage(KeyPackage) is refused');
    const bare = unwrapMlsMessage(kp, WireFormat.mlsKeyPackage);
    assert.deepEqual(new m.KeyPackage(bare).serialize(), bare, 'the bare KeyPackage is taken, and re-serialized byte for byte');
    // core-crypto's own KeyPackage serializes bare; framed, Arbor validates it.
    const ccKp = await c1.keyPackage();
    mls.checkKeyPackage(ccKp, { now: BigInt(Math.floor(Date.now() / 1000)) });

    await c1.createGroup(utf8('framing'));
    const out = await c1.commit([{ type: 'add', keyPackage: await a1.keyPackage() }]);
    await a1.joinFromWelcome(out.welcome!);
    assert.equal(parseMLSMessage(out.welcome!).wireFormat, WireFormat.mlsWelcome);
    assert.equal(parseMLSMessage(out.commit).wireFormat, WireFormat.mlsPublicMessage);
    const gi = await c1.groupInfo();
    assert.equal(parseMLSMessage(gi).wireFormat, WireFormat.mlsGroupInfo, 'core-crypto emits the GroupInfo as an MLSMessage');
    const arborGi = await a1.groupInfo({ ratchetTree: true });
    assert.throws(() => new m.GroupInfo(arborGi), 'an MLSMessage(GroupInfo) is refused');
    new m.GroupInfo(unwrapMlsMessage(arborGi, WireFormat.mlsGroupInfo));
    assert.deepEqual(wrapMlsMessage(unwrapMlsMessage(gi, WireFormat.mlsGroupInfo), WireFormat.mlsGroupInfo), gi);
  });

  test('core-crypto API: the ratchet tree must be inside the Welcome (RFC 9420 §12.4.3.3 also allows it out of band)', async () => {
    // §12.4.3.1: without a ratchet_tree extension "the client MUST download the tree" from elsewhere; core-crypto's
    // API has no way to take it, so Arbor puts it in (its default, GroupConfig.ratchetTreeExtension).
    const a1 = await arbor('a1', PLAIN);
    const [c1, c2] = [await cc('c1'), await cc('c2')];
    await a1.createGroup(utf8('tree out of band'));
    const out = await a1.commit([{ type: 'add', keyPackage: await c1.keyPackage() }], { publicMessage: true, ratchetTreeInWelcome: false });
    await ccRefuses(c1.joinFromWelcome(out.welcome!), /No ratchet tree available/, 'Welcome without the tree');
    await commitAll(a1, [], [{ type: 'add', keyPackage: await c2.keyPackage() }], [c2]);
  });

  test('last_resort KeyPackages: core-crypto 10.3.0 cannot parse Arbor\'s (empty extension_data), nor is it RFC 9420', async () => {
    // last_resort (0x000a) comes from draft-ietf-mls-extensions, not RFC 9420: a marker whose extension_data is empty,
    // as Arbor, mls-rs and upstream OpenMLS write it. core-crypto 10.3.0 fails to decode such a KeyPackage (OpenMLS
    // InvalidVectorLength) and decodes one whose extension_data is a single zero byte. Arbor's messenger publishes
    // last-resort KeyPackages, so core-crypto clients cannot add an Arbor client from one.
    const m = await coreCrypto();
    const id = mls.createIdentity(1, wireClientId('lr'), undefined, { capabilities: LISTS_X509 });
    const lastResort = unwrapMlsMessage(mls.createKeyPackage(id, { lastResort: true }).keyPackage, WireFormat.mlsKeyPackage);
    assert.throws(() => new m.KeyPackage(lastResort), (e: unknown) => /InvalidVectorLength/.test(coreCryptoReason(e)));
    new m.KeyPackage(unwrapMlsMessage(mls.createKeyPackage(id).keyPackage, WireFormat.mlsKeyPackage));
  });

  test('x509 credentials: core-crypto refuses ones outside its own identity PKI; Arbor leaves that call to the application (RFC 9420 §5.3.1)', async () => {
    // Judging a credential is the Authentication Service's (§5.3.1). core-crypto's is Wire's end-to-end identity (a PKI
    // environment from ACME enrollment), which these tests cannot set up: it refuses a chain from the tests' own CA
    // both in a KeyPackage and in a commit that adds one. Arbor checks §5.3 (the certificate carries the leaf's key)
    // and hands the chain to the application's validator, which by default accepts it.
    const s = mls.getProvider().getSuite(1);
    const pki = makePki(s);
    const key = mls.generateSignatureKeyPair(1);
    const bob = mls.createX509Identity(1, issue(s, pki, 'bob', key.publicKey), key, { capabilities: { credentials: [BASIC] } });
    const kpBob = mls.createKeyPackage(bob);

    const c1 = await cc('c1');
    await c1.createGroup(utf8('x509 in core-crypto'));
    await ccRefuses(c1.commit([{ type: 'add', keyPackage: kpBob.keyPackage }]), /InvalidInput/, 'Add of an x509 KeyPackage');

    const a1 = await arbor('a1');
    const c2 = await cc('c2');
    await a1.createGroup(utf8('x509 in Arbor'));
    await commitAll(a1, [], [{ type: 'add', keyPackage: await c2.keyPackage() }], [c2]);
    const add = await a1.commit([{ type: 'add', keyPackage: kpBob.keyPackage }], FOR_CC);
    await ccRefuses(c2.process(add.commit), /InvalidInput/, 'commit adding an x509 member');
    // Arbor's side: the x509 member joins; a validator trusting the tests' CA accepts him, one trusting another refuses.
    const b = mls.joinFromWelcome(add.welcome!, kpBob, bob, { validateCredential: chainValidator(pki.rootCert) });
    assert.equal(mls.members(b).length, 3);
    assert.throws(() => mls.joinFromWelcome(add.welcome!, kpBob, bob, { validateCredential: chainValidator(makePki(s, 'Other').rootCert) }), /credential rejected/);
  });
});
