// The group layer validates an added KeyPackage with the one RFC 9420 §10.1
// validation (messages/key-package-validation.ts), on commit and on receipt of
// an Add proposal: what it accepts (GREASE) and refuses is the same in both.

import assert from 'node:assert/strict';
import test from 'node:test';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { addProposal, createProposalMessage } from '../../../main/mls/group/proposal-message.js';
import { joinFromWelcome } from '../../../main/mls/group/welcome-join.js';
import { createKeyPackage, type KeyPackageWithSecrets } from '../../../main/mls/messages/key-package-create.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

const suite = suiteFor(1);

function kpWith(name: string, cipherSuites: number[]): { kp: KeyPackageWithSecrets; sig: Uint8Array } {
  const sig = suite.signature.generateKeyPair();
  const credential = basicCredential(utf8(name));
  const kp = createKeyPackage(suite, {
    credential,
    signaturePrivateKey: sig.privateKey,
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
    capabilities: { versions: [1, 0x0a0a], cipherSuites, extensions: [0x1a1a], proposals: [0x2a2a], credentials: [credential.credentialType, 0x3a3a] },
    extensions: [{ extensionType: 0x4a4a, extensionData: utf8('GREASE, not listed in the capabilities') }],
  });
  return { kp, sig: sig.privateKey };
}

void test('a KeyPackage with GREASE values and an unlisted GREASE KeyPackage extension is added and joins', () => {
  const [a, b] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob')]);
  const carol = kpWith('carol', [0x5a5a, suite.id]);
  const c = createCommit(a!, { proposals: [addProposal(carol.kp.keyPackage)] });
  const a2 = mergePendingCommit(a!, c.pending);
  const r = processMessage(b!, c.commit);
  assert.equal(r.result.kind, 'commit');
  const joined = joinFromWelcome({ welcome: c.welcome!, keyPackage: carol.kp, signaturePrivateKey: carol.sig }).state;
  assert.equal(joined.groupContext.epoch, a2.groupContext.epoch);
});

void test('a KeyPackage whose capabilities omit its own cipher suite is added by the committer, accepted on receipt of the Add, and joins', () => {
  const [a, b] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob')]);
  const dave = kpWith('dave', [0x5a5a]);
  const p = createProposalMessage(b!, addProposal(dave.kp.keyPackage));
  const r = processMessage(a!, p.message);
  assert.equal(r.result.kind, 'proposal');
  const c = createCommit(r.state);
  const a2 = mergePendingCommit(r.state, c.pending);
  assert.equal(processMessage(p.state, c.commit).result.kind, 'commit');
  const joined = joinFromWelcome({ welcome: c.welcome!, keyPackage: dave.kp, signaturePrivateKey: dave.sig }).state;
  assert.deepEqual(joined.keys.epochAuthenticator, a2.keys.epochAuthenticator);
});
