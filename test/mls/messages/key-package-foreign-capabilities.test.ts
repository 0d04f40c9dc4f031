// Issue 9: KeyPackages whose leaf_node.capabilities.cipher_suites omit the
// KeyPackage's own suite, as another implementation makes them. RFC 9420 §7.2
// asks the creator to list every suite it supports, but neither §10.1 (what a
// receiver checks of a KeyPackage) nor §7.3 (of a leaf) refuses such a package,
// so Arbor must add them, join from their Welcomes and follow the group. Built
// by hand: a normal KeyPackage with the capabilities rewritten (empty, or only
// another suite), the LeafNode and the KeyPackage re-signed with the owner's key.
// Every member's leaf here is such a leaf, the creator's too, and Updates and
// commit paths carry the same capabilities on.

import assert from 'node:assert/strict';
import test from 'node:test';
import type { CipherSuite, CipherSuiteId } from '../../../main/mls/crypto/provider.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { createApplicationMessage } from '../../../main/mls/group/application.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { createGroup } from '../../../main/mls/group/create-group.js';
import { exportSecret } from '../../../main/mls/group/exporter.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { addProposal, createProposalMessage, createUpdateProposal, removeProposal } from '../../../main/mls/group/proposal-message.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { joinFromWelcome } from '../../../main/mls/group/welcome-join.js';
import { keyPackageRef, signKeyPackage } from '../../../main/mls/messages/key-package.js';
import { createKeyPackage, type KeyPackageWithSecrets } from '../../../main/mls/messages/key-package-create.js';
import { validateKeyPackage } from '../../../main/mls/messages/key-package-validation.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { LeafNodeSource, signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { suiteFor } from '../group/helpers.js';

interface Foreign {
  readonly name: string;
  readonly sig: Uint8Array;
  readonly kp: KeyPackageWithSecrets;
}

/** A KeyPackage of `suite` whose capabilities list `cipherSuites` instead of its own suite, re-signed by its owner. */
function foreignClient(suite: CipherSuite, name: string, cipherSuites: readonly number[]): Foreign {
  const sig = suite.signature.generateKeyPair();
  const normal = createKeyPackage(suite, {
    credential: basicCredential(utf8(name)),
    signaturePrivateKey: sig.privateKey,
    signaturePublicKey: sig.publicKey,
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
  });
  const { signature: _leafSig, ...leaf } = normal.keyPackage.leafNode;
  if (leaf.leafNodeSource !== LeafNodeSource.keyPackage) throw new Error('unreachable');
  const leafNode = signLeafNode(suite, sig.privateKey, { ...leaf, capabilities: { ...leaf.capabilities, cipherSuites } });
  const { signature: _kpSig, ...tbs } = normal.keyPackage;
  const keyPackage = signKeyPackage(suite, sig.privateKey, { ...tbs, leafNode });
  assert.deepEqual(keyPackage.leafNode.capabilities.cipherSuites, cipherSuites);
  assert.equal(keyPackage.leafNode.capabilities.cipherSuites.includes(suite.id), false);
  validateKeyPackage(suite, keyPackage);
  return { name, sig: sig.privateKey, kp: { ...normal, keyPackage, ref: keyPackageRef(suite, keyPackage) } };
}

function text(r: ReturnType<typeof processMessage>): string {
  assert.equal(r.result.kind, 'application');
  return r.result.kind === 'application' ? new TextDecoder().decode(r.result.data) : '';
}

/** Every state at the same epoch with the same secrets. */
function agree(states: readonly GroupState[]): void {
  const [first, ...rest] = states;
  for (const s of rest) {
    assert.equal(s.groupContext.epoch, first!.groupContext.epoch);
    assert.deepEqual(s.keys.epochAuthenticator, first!.keys.epochAuthenticator);
    assert.deepEqual(exportSecret(s, 'foreign', new Uint8Array(0), 16), exportSecret(first!, 'foreign', new Uint8Array(0), 16));
  }
}

/** `from` sends one application message; every other state decrypts it. Returns the states, sender's advanced. */
function chat(states: GroupState[], from: number, msg: string): void {
  const m = createApplicationMessage(states[from]!, utf8(msg));
  states[from] = m.state;
  states.forEach((s, i) => {
    if (i === from) return;
    const r = processMessage(s, m.message);
    assert.equal(text(r), msg);
    states[i] = r.state;
  });
}

const SUITES: readonly CipherSuiteId[] = [1, 2, 3, 4, 5, 6, 7];

for (const id of SUITES) {
  void test(`suite ${id}: members whose KeyPackages omit their own suite are added, join and are followed`, () => {
    const suite = suiteFor(id);
    const other = SUITES.find((s) => s !== id)!;
    const handshakeWireFormat = id % 2 === 0 ? WireFormat.mlsPrivateMessage : WireFormat.mlsPublicMessage;
    const config = { handshakeWireFormat } as const;
    // Empty capabilities.cipher_suites, only another suite, or a GREASE value: none lists the suite in use.
    const alice = foreignClient(suite, 'alice', []);
    const bob = foreignClient(suite, 'bob', [other]);
    const carol = foreignClient(suite, 'carol', [0x0a0a]);
    const dave = foreignClient(suite, 'dave', []);

    // alice creates the group and adds bob and carol in one commit; they join from its Welcome.
    let a = createGroup({ suite, keyPackage: alice.kp, signaturePrivateKey: alice.sig, config });
    const c1 = createCommit(a, { proposals: [addProposal(bob.kp.keyPackage), addProposal(carol.kp.keyPackage)] });
    a = mergePendingCommit(a, c1.pending);
    const join = (f: Foreign, welcome: Uint8Array): GroupState => joinFromWelcome({ welcome, keyPackage: f.kp, signaturePrivateKey: f.sig, config }).state;
    let s = [a, join(bob, c1.welcome!), join(carol, c1.welcome!)];
    agree(s);
    chat(s, 0, 'hello from alice');
    chat(s, 1, 'hello from bob');
    chat(s, 2, 'hello from carol');

    // bob proposes dave's Add (every member validates the KeyPackage on receipt); alice commits it by reference.
    const pAdd = createProposalMessage(s[1]!, addProposal(dave.kp.keyPackage));
    s[1] = pAdd.state;
    s[0] = processMessage(s[0]!, pAdd.message).state;
    s[2] = processMessage(s[2]!, pAdd.message).state;
    const c2 = createCommit(s[0]!);
    assert.ok(c2.welcome !== undefined, 'the commit adds dave');
    s = [mergePendingCommit(s[0]!, c2.pending), processMessage(s[1]!, c2.commit).state, processMessage(s[2]!, c2.commit).state, join(dave, c2.welcome)];
    agree(s);
    chat(s, 3, 'hello from dave');

    // carol proposes an Update (her leaf keeps the foreign capabilities); dave commits it with his own path.
    const u = createUpdateProposal(s[2]!);
    const pUp = createProposalMessage(s[2]!, u.proposal, { update: u });
    s[2] = pUp.state;
    for (const i of [0, 1, 3]) s[i] = processMessage(s[i]!, pUp.message).state;
    const c3 = createCommit(s[3]!);
    s = s.map((st, i) => (i === 3 ? mergePendingCommit(st, c3.pending) : processMessage(st, c3.commit).state));
    agree(s);
    assert.deepEqual(s[0]!.tree.leaf(s[2]!.ownLeaf)!.capabilities.cipherSuites, [0x0a0a]);
    chat(s, 2, 'updated carol');

    // bob removes alice; the three others follow, alice learns she was removed.
    const c4 = createCommit(s[1]!, { proposals: [removeProposal(0)] });
    const removed = processMessage(s[0]!, c4.commit);
    assert.equal(removed.result.kind, 'removed');
    s = [mergePendingCommit(s[1]!, c4.pending), processMessage(s[2]!, c4.commit).state, processMessage(s[3]!, c4.commit).state];
    agree(s);
    chat(s, 0, 'alice is gone');
    chat(s, 2, 'still here');

    // An empty commit (path only) from dave, then everyone talks once more.
    const c5 = createCommit(s[2]!);
    s = [processMessage(s[0]!, c5.commit).state, processMessage(s[1]!, c5.commit).state, mergePendingCommit(s[2]!, c5.pending)];
    agree(s);
    for (let i = 0; i < s.length; i++) chat(s, i, `epoch ${s[i]!.groupContext.epoch} from member ${i}`);
  });
}
