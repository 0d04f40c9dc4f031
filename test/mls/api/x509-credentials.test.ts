// Members with x509 credentials through the public API (RFC 9420 §5.3,
// §5.3.1): identities that list x509 in their capabilities, x509 identities,
// and the application's credential validator at every place §5.3.1 names
// (KeyPackage added, tree joined, Update, UpdatePath, external joiner), with
// the engine's own §5.3 check (end-entity key = signature_key) before it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as mls from '../../../main/mls/index.js';
import { ArgumentError, ValidationError, type CipherSuiteId, type ClientIdentity, type GroupState, type KeyPackageBundle } from '../../../main/mls/index.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { createKeyPackage as makeKeyPackage } from '../../../main/mls/messages/key-package-create.js';
import { mlsMessageBytes } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { CredentialType, type Credential } from '../../../main/mls/tree/credential.js';
import { chainValidator, issue, makePki, OPENSSL_CERT, opensslKeyPair } from '../tree/x509-fixtures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const X509 = CredentialType.x509;
const BASIC = CredentialType.basic;
const x509 = (chain: readonly Uint8Array[]): Credential => ({ credentialType: X509, certificates: chain.map((certData) => ({ certData })) });

function readsAll(senders: [GroupState, (s: GroupState) => void][], receivers: [GroupState, (s: GroupState) => void][], opts: mls.ProcessOptions): void {
  for (const [s, set] of senders) {
    const m = mls.encrypt(s, text('hello'));
    set(m.state);
    for (const [r, setR] of receivers) {
      if (r === s) continue;
      const out = mls.processMessage(r, m.message, opts);
      assert.equal(out.result.kind, 'application');
      setR(out.state);
    }
  }
}

for (const suite of [1, 2] as CipherSuiteId[]) {
  void describe(`x509 members, suite ${suite}`, () => {
    const s = mls.getProvider().getSuite(suite);
    const pki = makePki(s);
    const x509Identity = (subject: string): ClientIdentity => {
      const key = mls.generateSignatureKeyPair(suite);
      return mls.createX509Identity(suite, issue(s, pki, subject, key.publicKey), key, { capabilities: { credentials: [BASIC] } });
    };

    void it('join, speak, update, propose and join externally, every new credential shown to the application', () => {
      const seen: string[] = [];
      const as = chainValidator(pki.rootCert, seen);
      const opts = { validateCredential: as };
      const alice = mls.createIdentity(suite, 'alice', undefined, { capabilities: { credentials: [X509] } });
      const bob = x509Identity('bob');
      assert.equal(bob.identity.length, 0);
      assert.deepEqual(mls.parseKeyPackage(mls.createKeyPackage(bob).keyPackage).leafNode.capabilities.credentials, [X509, BASIC]);

      /** The validator saw exactly these subjects (at least once each: it may be asked again about one credential). */
      const sawOnly = (subjects: string[], what: string): void => {
        assert.deepEqual([...new Set(seen)].sort(), subjects, what);
        seen.length = 0;
      };
      let a = mls.createGroup(alice);
      assert.deepEqual(a.tree.leaf(mls.ownLeafIndex(a))!.capabilities.credentials, [BASIC, X509], 'the identity\'s capabilities reach the group\'s own leaf');
      const kpB = mls.createKeyPackage(bob);
      mls.checkKeyPackage(kpB.keyPackage, opts);
      sawOnly(['CN=bob'], 'checkKeyPackage');
      const add = mls.addMembers(a, [kpB.keyPackage], opts);
      sawOnly(['CN=bob'], 'the Add');
      a = mls.mergePendingCommit(a, add.pending);
      let b = mls.joinFromWelcome(add.welcome!, kpB, bob, opts);
      sawOnly(['CN=bob'], 'the joined tree');
      const set = { a: (x: GroupState) => void (a = x), b: (x: GroupState) => void (b = x) };
      readsAll([[a, set.a], [b, set.b]], [[a, set.a], [b, set.b]], opts);

      // Bob's member entry: no basic identity, his chain.
      const m = mls.members(a)[1]!;
      assert.equal(m.identity.length, 0);
      assert.equal(m.credential.credentialType, X509);
      assert.equal(hex(mls.x509Certificates(m.credential)![0]!.publicKey), hex(bob.signaturePublicKey));
      assert.equal(mls.x509Certificates(mls.members(a)[0]!.credential), undefined);

      // An UpdatePath from the x509 member, and his Update proposal committed by Alice.
      seen.length = 0;
      const up = mls.update(b);
      a = mls.processMessage(a, up.commit, opts).state;
      sawOnly(['CN=bob'], 'the UpdatePath leaf');
      b = mls.mergePendingCommit(b, up.pending);
      const prop = mls.proposeUpdate(b);
      b = prop.state;
      a = mls.processMessage(a, prop.message, opts).state;
      sawOnly(['CN=bob'], 'the Update proposal on receipt');
      const c = mls.commit(a, opts);
      a = mls.mergePendingCommit(a, c.pending);
      sawOnly(['CN=bob'], 'the Update in the commit');
      b = mls.processMessage(b, c.commit, opts).state;
      assert.equal(hex(mls.exportSecret(a, 'x', new Uint8Array(), 32)), hex(mls.exportSecret(b, 'x', new Uint8Array(), 32)));

      // Carol (x509) joins by external commit: her leaf in the new epoch, seen by both.
      seen.length = 0;
      const carol = x509Identity('carol');
      const ext = mls.joinExternal(mls.groupInfo(a), carol, opts);
      sawOnly(['CN=bob'], 'the joined tree (Alice is basic)');
      a = mls.processMessage(a, ext.commit, opts).state;
      b = mls.processMessage(b, ext.commit, opts).state;
      sawOnly(['CN=carol'], 'the external joiner');
      let cs = ext.state;
      const setC = (x: GroupState): void => void (cs = x);
      readsAll([[a, set.a], [b, set.b], [cs, setC]], [[a, set.a], [b, set.b], [cs, setC]], opts);
      assert.equal(mls.epoch(cs), mls.epoch(a));
    });

    void it('the application refuses an untrusted chain; the default validator accepts it, as the RFC leaves it to the application', () => {
      const as = { validateCredential: chainValidator(pki.rootCert) };
      const alice = mls.createIdentity(suite, 'alice', undefined, { capabilities: { credentials: [X509] } });
      let a = mls.createGroup(alice);
      const otherPki = makePki(s, 'Elsewhere');
      const key = mls.generateSignatureKeyPair(suite);
      const dave = mls.createX509Identity(suite, issue(s, otherPki, 'dave', key.publicKey), key, { capabilities: { credentials: [BASIC] } });
      const kpD = mls.createKeyPackage(dave);
      const before = hex(mls.serializeState(a));
      assert.throws(() => mls.checkKeyPackage(kpD.keyPackage, as), /credential rejected by the authentication service/);
      assert.throws(() => mls.addMembers(a, [kpD.keyPackage], as), (e: unknown) => e instanceof ValidationError && /credential rejected/.test(e.message));
      assert.equal(hex(mls.serializeState(a)), before);
      // Proposed by a member, refused on receipt by one that checks.
      const bob = mls.createIdentity(suite, 'bob', undefined, { capabilities: { credentials: [X509] } });
      const kpB = mls.createKeyPackage(bob);
      const add = mls.addMembers(a, [kpB.keyPackage]);
      a = mls.mergePendingCommit(a, add.pending);
      let b = mls.joinFromWelcome(add.welcome!, kpB, bob);
      const p = mls.proposeAdd(b, kpD.keyPackage);
      b = p.state;
      assert.throws(() => mls.processMessage(a, p.message, as), /Add proposal: credential rejected by the authentication service/);
      // Without a validator of its own the application gets acceptAnyCredential: dave is added.
      mls.checkKeyPackage(kpD.keyPackage);
      const add2 = mls.addMembers(a, [kpD.keyPackage]);
      b = mls.processMessage(b, add2.commit).state;
      a = mls.mergePendingCommit(a, add2.pending);
      assert.equal(mls.members(b).length, 3);
      // ...and a joiner that checks refuses the tree that holds him.
      const carol = mls.createIdentity(suite, 'carol', undefined, { capabilities: { credentials: [X509] } });
      const kpC = mls.createKeyPackage(carol);
      const add3 = mls.addMembers(a, [kpC.keyPackage]);
      assert.throws(() => mls.joinFromWelcome(add3.welcome!, kpC, carol, as), /leaf 2: credential rejected by the authentication service/);
      mls.joinFromWelcome(add3.welcome!, kpC, carol);
    });

    void it('RFC 9420 §5.3: a certificate of another key is refused by every receiver, whatever the validator', () => {
      const alice = mls.createIdentity(suite, 'alice', undefined, { capabilities: { credentials: [X509] } });
      let a = mls.createGroup(alice);
      const bob = x509Identity('bob');
      const kpB = mls.createKeyPackage(bob);
      const add = mls.addMembers(a, [kpB.keyPackage]);
      a = mls.mergePendingCommit(a, add.pending);
      let b = mls.joinFromWelcome(add.welcome!, kpB, bob);
      const bobChain = mls.x509Certificates(bob.credential!)!.map((c) => c.der);

      // The creator side refuses it: createX509Identity checks §5.3 itself.
      const mallory = mls.generateSignatureKeyPair(suite);
      assert.throws(() => mls.createX509Identity(suite, bobChain, mallory), (e: unknown) => e instanceof ArgumentError && /not the leaf's signature_key/.test(e.message));
      // A KeyPackage of Mallory's key carrying Bob's certificate (made below the public API).
      const forged = makeKeyPackage(s, {
        credential: x509(bobChain),
        signaturePrivateKey: mallory.privateKey,
        lifetime: { notBefore: 0n, notAfter: 2n ** 62n },
        extraCapabilities: { credentials: [BASIC] },
      });
      const forgedBytes = mlsMessageBytes({ version: 1, wireFormat: WireFormat.mlsKeyPackage, keyPackage: forged.keyPackage });
      const refused = /x509 credential: the end-entity certificate's public key is not the leaf's signature_key \(RFC 9420 §5\.3\)/;
      assert.throws(() => mls.checkKeyPackage(forgedBytes), refused);
      const before = hex(mls.serializeState(a));
      assert.throws(() => mls.addMembers(a, [forgedBytes]), refused);
      assert.equal(hex(mls.serializeState(a)), before);
      const p = mls.proposeAdd(b, forgedBytes);
      assert.throws(() => mls.processMessage(a, p.message), refused);
      assert.equal(hex(mls.serializeState(a)), before);

      // Bob's commit whose UpdatePath leaf carries someone else's certificate (Carol's, for another key).
      const carolKey = mls.generateSignatureKeyPair(suite);
      const carolChain = issue(s, pki, 'carol', carolKey.publicKey);
      const bad = createCommit(b, { leaf: { credential: x509(carolChain) } });
      assert.throws(() => mls.processMessage(a, bad.commit), /UpdatePath|leaf/);
      assert.throws(() => mls.processMessage(a, bad.commit), refused);
      assert.equal(hex(mls.serializeState(a)), before);
      // The same commit with Bob's own certificate renewed (same key) is followed.
      const renewed = issue(s, pki, 'bob', bob.signaturePublicKey);
      const ok = createCommit(b, { leaf: { credential: x509(renewed) } });
      a = mls.processMessage(a, ok.commit).state;
      b = mls.mergePendingCommit(b, ok.pending);
      assert.equal(hex(mls.epochAuthenticator(a)), hex(mls.epochAuthenticator(b)));
    });
  });
}

void describe('identity capabilities and a group\'s required_capabilities (RFC 9420 §11.1)', () => {
  const requiresX509 = mls.requiredCapabilitiesExtension({ extensionTypes: [], proposalTypes: [], credentialTypes: [BASIC, X509] });

  void it('identities list what the application supports; a group requiring x509 takes only those that list it', () => {
    const withX509 = (n: string): ClientIdentity => mls.createIdentity(1, n, undefined, { capabilities: { credentials: [X509] } });
    const owner = withX509('owner');
    let g = mls.createGroup(owner, { extensions: [requiresX509] });
    assert.deepEqual(mls.requiredCapabilities(g), { extensionTypes: [], proposalTypes: [], credentialTypes: [BASIC, X509] });
    assert.deepEqual(mls.requiredCapabilities(mls.groupInfo(g)), mls.requiredCapabilities(g));
    assert.equal(mls.requiredCapabilities(mls.createGroup(owner)), undefined);

    // A KeyPackage of an identity without x509 cannot be added (§7.3: the required types must be listed).
    const plain = mls.createIdentity(1, 'plain');
    assert.throws(() => mls.addMembers(g, [mls.createKeyPackage(plain).keyPackage]), /does not support required credential type 2/);
    // The call's capabilities add to the identity's.
    const kpOnce = mls.createKeyPackage(plain, { capabilities: { credentials: [X509] } });
    const viaOpts = mls.addMembers(g, [kpOnce.keyPackage]);
    const m: KeyPackageBundle = kpOnce;
    const g2 = mls.joinFromWelcome(viaOpts.welcome!, m, plain);
    g = mls.mergePendingCommit(g, viaOpts.pending);
    assert.equal(mls.epoch(g2), mls.epoch(g));

    // External join: the identity's capabilities go into the joiner's leaf; without x509 it is refused before anything is sent.
    assert.throws(() => mls.joinExternal(mls.groupInfo(g), mls.createIdentity(1, 'plain-2')), (e: unknown) => e instanceof ArgumentError && /does not support required credential type 2/.test(e.message));
    const joiner = withX509('joiner');
    const ext = mls.joinExternal(mls.groupInfo(g), joiner);
    g = mls.processMessage(g, ext.commit).state;
    assert.deepEqual(ext.state.tree.leaf(mls.ownLeafIndex(ext.state))!.capabilities.credentials, [BASIC, X509]);
    assert.equal(hex(mls.epochAuthenticator(g)), hex(mls.epochAuthenticator(ext.state)));

    // Merged without repeats, checked like the call's.
    const both = mls.createIdentity(1, 'both', undefined, { capabilities: { credentials: [X509], extensions: [0xf0a0] } });
    const caps = mls.parseKeyPackage(mls.createKeyPackage(both, { capabilities: { credentials: [X509, 0xf000], extensions: [0xf0a0] } }).keyPackage).leafNode.capabilities;
    assert.deepEqual([caps.credentials, caps.extensions], [[BASIC, X509, 0xf000], [0xf0a0]]);
    assert.throws(() => mls.createIdentity(1, 'x', undefined, { capabilities: { extensions: [3] } }), /capabilities\.extensions: 3 is a default type/);
  });

  void it('a certificate made by OpenSSL (P-256) is a credential: added with the default validator, refused by one that wants its own root', () => {
    const key = opensslKeyPair();
    const erin = mls.createX509Identity(2, [OPENSSL_CERT], key, { capabilities: { credentials: [BASIC] } });
    let a = mls.createGroup(mls.createIdentity(2, 'alice', undefined, { capabilities: { credentials: [X509] } }));
    const kp = mls.createKeyPackage(erin);
    const s2 = mls.getProvider().getSuite(2);
    assert.throws(() => mls.addMembers(a, [kp.keyPackage], { validateCredential: chainValidator(makePki(s2).rootCert) }), /credential rejected/);
    const add = mls.addMembers(a, [kp.keyPackage]);
    a = mls.mergePendingCommit(a, add.pending);
    const e = mls.joinFromWelcome(add.welcome!, kp, erin);
    assert.equal(hex(mls.epochAuthenticator(e)), hex(mls.epochAuthenticator(a)));
    // Self-signed: a validator trusting exactly it accepts it.
    mls.checkKeyPackage(kp.keyPackage, { validateCredential: chainValidator(OPENSSL_CERT) });
  });
});
