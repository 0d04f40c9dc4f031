// RFC 9420 §7.3, §12.4.2: a commit's UpdatePath leaf and an Update proposal's
// leaf must fit the whole tree (leaf-fit.ts): a credential type every member
// supports, and HPKE keys that appear in no other node, parent nodes included.

import assert from 'node:assert/strict';
import test from 'node:test';
import { ValidationError } from '../../../main/mls/errors.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { checkCredentialFit, checkEncryptionKeysFresh } from '../../../main/mls/group/leaf-fit.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { createProposalMessage, createUpdateProposal } from '../../../main/mls/group/proposal-message.js';
import { groupStateBytes } from '../../../main/mls/group/state-codec.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { CredentialType, type Credential } from '../../../main/mls/tree/credential.js';
import { leafIndex, type NodeIndex } from '../../../main/mls/tree/math.js';
import { nextPathSecret } from '../../../main/mls/tree/private-keys.js';
import { equalBytes } from '../../../main/mls/util/bytes.js';
import { certificate } from '../tree/x509-fixtures.js';
import { groupOf, newClient, suiteFor, type Client } from './helpers.js';

const suite = suiteFor(1);
const ca = suite.signature.generateKeyPair();
/** A well-formed x509 credential for `key` (RFC 9420 §5.3: its certificate must carry the leaf's signature key). */
const x509For = (key: Uint8Array): Credential => ({
  credentialType: CredentialType.x509,
  certificates: [{ certData: certificate(suite, { subject: 'bob', issuer: 'CA', publicKey: key, signerKey: ca.privateKey }) }],
});

function assertRefused(s: GroupState, message: Uint8Array, re: RegExp): void {
  const before = groupStateBytes(s);
  assert.throws(() => processMessage(s, message), (e: unknown) => e instanceof ValidationError && re.test(e.message));
  assert.ok(equalBytes(groupStateBytes(s), before), 'the refused message left the state unchanged');
}

void test('a commit whose path leaf switches to a credential type another member does not support is refused', () => {
  const [a, b, c] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob'), newClient(suite, 'carol')]);
  const caps = b!.tree.leaf(leafIndex(1))!.capabilities;
  // bob supports x509 and basic, so his own leaf is self-consistent; alice and carol support only basic.
  const cb = createCommit(b!, { leaf: { credential: x509For(b!.tree.leaf(leafIndex(1))!.signatureKey), capabilities: { ...caps, credentials: [CredentialType.basic, CredentialType.x509] } } });
  assertRefused(a!, cb.commit, /UpdatePath leaf_node: credential type 2 is not supported by leaf 0/);
  assertRefused(c!, cb.commit, /UpdatePath leaf_node: credential type 2 is not supported by leaf 0/);
});

void test('a commit whose path leaf drops support for a credential type in use is refused', () => {
  const t = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob')])[0]!.tree;
  const bobLeaf = t.leaf(leafIndex(1))!;
  const fine = { ...bobLeaf, capabilities: { ...bobLeaf.capabilities, credentials: [CredentialType.basic] } };
  checkCredentialFit(t, leafIndex(1), fine, 'x');
  const narrow = { ...bobLeaf, credential: x509For(bobLeaf.signatureKey), capabilities: { ...bobLeaf.capabilities, credentials: [CredentialType.x509] } };
  assert.throws(() => checkCredentialFit(t, leafIndex(1), narrow, 'x'), /x: credential type 2 is not supported by leaf 0/);
  // With alice supporting x509 too, the remaining problem is bob not supporting alice's basic credential.
  const a = t.leaf(leafIndex(0))!;
  const t2 = t.withChanges(new Map([[0 as NodeIndex, { nodeType: 1, leaf: { ...a, capabilities: { ...a.capabilities, credentials: [1, 2] } } }]]), t.nLeaves);
  assert.throws(() => checkCredentialFit(t2, leafIndex(1), narrow, 'x'), /x: does not support credential type 1 of leaf 0/);
});

void test('a commit whose path leaf encryption key equals a parent node key elsewhere in the tree is refused', () => {
  const clients: Client[] = ['alice', 'bob', 'carol', 'dave'].map((n) => newClient(suite, n));
  let [a, b, c, d] = groupOf(suite, clients[0]!, clients.slice(1));
  // carol (leaf 2) commits with a known leaf secret: node 5 (parent of leaves 2 and 3) gets the key of path secret 0.
  const leafSecret = new Uint8Array(suite.kdf.size).fill(9);
  const cc = createCommit(c!, { leafSecret });
  c = mergePendingCommit(c!, cc.pending);
  a = processMessage(a!, cc.commit).state;
  b = processMessage(b!, cc.commit).state;
  d = processMessage(d!, cc.commit).state;
  // bob (leaf 1) commits: nodes 1 and 3 get fresh keys, node 5 keeps carol's.
  const cbob = createCommit(b!, {});
  b = mergePendingCommit(b!, cbob.pending);
  a = processMessage(a, cbob.commit).state;
  c = processMessage(c, cbob.commit).state;
  d = processMessage(d, cbob.commit).state;
  const node5 = a.tree.parentNode(5 as NodeIndex);
  assert.ok(node5 !== undefined);
  // alice commits with carol's first path secret as her leaf secret: her new leaf key is node 5's key
  // (her own path, nodes 1 and 3, gets keys that are in the tree no more).
  const ca = createCommit(a, { leafSecret: nextPathSecret(suite, leafSecret) });
  const aliceLeaf = mergePendingCommit(a, ca.pending).tree.leaf(leafIndex(0))!;
  assert.ok(equalBytes(aliceLeaf.encryptionKey, node5.encryptionKey));
  for (const s of [b, c, d]) assertRefused(s, ca.commit, /UpdatePath: the leaf has an encryption key already used at node 5/);
});

void test('an Update proposal with an unsupported credential type or another member\'s signature key is refused on receipt', () => {
  const carol = newClient(suite, 'carol');
  const [a, b, c] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob'), carol]);
  const caps = b!.tree.leaf(leafIndex(1))!.capabilities;
  const u1 = createUpdateProposal(b!, { leaf: { credential: x509For(b!.tree.leaf(leafIndex(1))!.signatureKey), capabilities: { ...caps, credentials: [CredentialType.basic, CredentialType.x509] } } });
  const m1 = createProposalMessage(b!, u1.proposal, { update: u1 });
  assertRefused(a!, m1.message, /Update proposal from leaf 1: credential type 2 is not supported by leaf 0/);
  const carolKey = c!.tree.leaf(leafIndex(2))!.signatureKey;
  const u2 = createUpdateProposal(b!, { leaf: { signatureKey: carolKey }, newSignaturePrivateKey: carol.signaturePrivateKey });
  const m2 = createProposalMessage(b!, u2.proposal, { update: u2 });
  assertRefused(a!, m2.message, /Update proposal from leaf 1: signature key duplicates that of leaf 2/);
});

void test('checkEncryptionKeysFresh: keys must be pairwise distinct and in no node of the tree', () => {
  const [a] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob'), newClient(suite, 'carol')]);
  const t = a!.tree;
  const k1 = suite.hpke.generateKeyPair().publicKey;
  const k2 = suite.hpke.generateKeyPair().publicKey;
  checkEncryptionKeysFresh(t, [{ key: k1, what: 'the leaf' }, { key: k2, what: 'node 0' }], 'UpdatePath');
  assert.throws(
    () => checkEncryptionKeysFresh(t, [{ key: k1, what: 'the leaf' }, { key: k2, what: 'node 0' }, { key: k2, what: 'node 1' }], 'UpdatePath'),
    (e: unknown) => e instanceof ValidationError && e.message === 'UpdatePath: node 1 has the same encryption key as node 0',
  );
  // alice's add commit set the root (node 3) with her path.
  const root = t.parentNode(t.root);
  assert.ok(root !== undefined);
  assert.throws(
    () => checkEncryptionKeysFresh(t, [{ key: k1, what: 'the leaf' }, { key: root.encryptionKey, what: 'node 0' }], 'UpdatePath'),
    (e: unknown) => e instanceof ValidationError && e.message === `UpdatePath: node 0 has an encryption key already used at node ${t.root}`,
  );
});
