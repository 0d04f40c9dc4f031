// RFC 9420 §13.4 and §12.1.7: who checks that members support the GroupContext
// extensions. The member that adds checks the new member's leaf lists every
// GroupContext extension, a committer of GroupContextExtensions checks every
// member, and a joiner checks its own leaf; a receiver of a commit checks only
// what §12.1.7 lists (required_capabilities), so it follows a commit whose
// committer skipped the adder's check.

import assert from 'node:assert/strict';
import test from 'node:test';
import { ValidationError } from '../../../main/mls/errors.js';
import type { Extension } from '../../../main/mls/extensions/extension.js';
import { mlsMessageBytes } from '../../../main/mls/framing/mls-message.js';
import { memberSender } from '../../../main/mls/framing/sender.js';
import { computeConfirmationTag } from '../../../main/mls/framing/transcript-hash.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { createGroup } from '../../../main/mls/group/create-group.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { applyProposals, checkCommitterExtensionSupport } from '../../../main/mls/group/proposal-apply.js';
import type { ResolvedProposal } from '../../../main/mls/group/proposal-list.js';
import { addProposal, createProposalMessage, groupContextExtensionsProposal } from '../../../main/mls/group/proposal-message.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { joinFromWelcome } from '../../../main/mls/group/welcome-join.js';
import { signGroupInfo } from '../../../main/mls/messages/group-info.js';
import { createKeyPackage } from '../../../main/mls/messages/key-package-create.js';
import { requiredCapabilitiesExtension } from '../../../main/mls/messages/required-capabilities.js';
import { encryptGroupInfo, encryptGroupSecrets } from '../../../main/mls/messages/welcome-crypto.js';
import { epochSecretsFromJoiner, welcomeSecretFromJoiner } from '../../../main/mls/schedule/key-schedule.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { newClient, suiteFor, type Client } from './helpers.js';

const suite = suiteFor(1);
const X = 0xff01; // a non-default GroupContext extension type
const EXT_X: Extension = { extensionType: X, extensionData: utf8('x') };

/** A client whose KeyPackage lists `extensions` in its capabilities. */
function clientListing(name: string, extensions: number[]): Client {
  const sig = suite.signature.generateKeyPair();
  const kp = createKeyPackage(suite, {
    credential: basicCredential(utf8(name)),
    signaturePrivateKey: sig.privateKey,
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
    capabilities: { versions: [1], cipherSuites: [suite.id], extensions, proposals: [], credentials: [1] },
  });
  return { name, signaturePrivateKey: sig.privateKey, kp };
}

const isAdderRefusal = (e: unknown): boolean => e instanceof ValidationError && /does not support group extension 65281 \(RFC 9420 §13\.4\)/.test(e.message);

void test('§13.4 adder: a KeyPackage that does not list a GroupContext extension is not added; one that lists it is', () => {
  const alice = clientListing('alice', [X]);
  const a = createGroup({ suite, keyPackage: alice.kp, signaturePrivateKey: alice.signaturePrivateKey, extensions: [EXT_X] });
  const bob = newClient(suite, 'bob');
  assert.throws(() => createCommit(a, { proposals: [addProposal(bob.kp.keyPackage)] }), isAdderRefusal);
  const carol = clientListing('carol', [X]);
  const c = createCommit(a, { proposals: [addProposal(carol.kp.keyPackage)] });
  const a1 = mergePendingCommit(a, c.pending);
  const joined = joinFromWelcome({ welcome: c.welcome!, keyPackage: carol.kp, signaturePrivateKey: carol.signaturePrivateKey }).state;
  assert.deepEqual(joined.keys.epochAuthenticator, a1.keys.epochAuthenticator);
  // A pending Add of bob's KeyPackage (proposed by carol) is valid for receivers, but alice leaves it out of her default commit.
  const p = createProposalMessage(joined, addProposal(bob.kp.keyPackage));
  const withP = processMessage(a1, p.message);
  assert.equal(withP.result.kind, 'proposal');
  assert.equal(createCommit(withP.state).welcome, undefined);
});

void test('§12.1.7 receiver: a GroupContextExtensions some member does not list is applied; Arbor as committer refuses it', () => {
  const alice = clientListing('alice', [X]);
  const bob = newClient(suite, 'bob');
  const a0 = createGroup({ suite, keyPackage: alice.kp, signaturePrivateKey: alice.signaturePrivateKey });
  const c = createCommit(a0, { proposals: [addProposal(bob.kp.keyPackage)] });
  const a: GroupState = mergePendingCommit(a0, c.pending);
  const list = (extensions: Extension[]): ResolvedProposal[] => [{ proposal: groupContextExtensionsProposal(extensions), sender: memberSender(leafIndex(0)) }];
  // What a receiver checks: bob lists no X, yet the new extensions apply.
  const applied = applyProposals(suite, a.tree, a.groupContext, list([EXT_X]));
  assert.deepEqual(applied.extensions, [EXT_X]);
  // What the committer checks in addition (§13.4), and what createCommit therefore refuses.
  assert.throws(() => checkCommitterExtensionSupport(applied, list([EXT_X])), (e: unknown) => e instanceof ValidationError && /^GroupContextExtensions: leaf 1 does not support group extension 65281/.test(e.message));
  assert.throws(() => createCommit(a, { proposals: [groupContextExtensionsProposal([EXT_X])] }), ValidationError);
  // required_capabilities is the receiver's check too (§12.1.7).
  const req = requiredCapabilitiesExtension({ extensionTypes: [X], proposalTypes: [], credentialTypes: [] });
  assert.throws(() => applyProposals(suite, a.tree, a.groupContext, list([req])), (e: unknown) => e instanceof ValidationError && /leaf 1 does not support required extension 65281/.test(e.message));
});

/**
 * The Welcome of an inviter that skipped the adder's check: alice's valid Welcome
 * for `joiner`, with `extensions` put into the GroupContext, the confirmation tag
 * recomputed and the GroupInfo re-signed.
 */
function welcomeWithExtensions(joiner: Client, extensions: Extension[]): Uint8Array {
  const alice = newClient(suite, 'alice');
  const a = createGroup({ suite, keyPackage: alice.kp, signaturePrivateKey: alice.signaturePrivateKey });
  const c = createCommit(a, { proposals: [addProposal(joiner.kp.keyPackage)] });
  const { groupInfo, groupSecrets } = joinFromWelcome({ welcome: c.welcome!, keyPackage: joiner.kp, signaturePrivateKey: joiner.signaturePrivateKey });
  const gc = { ...groupInfo.groupContext, extensions };
  const confirmationKey = epochSecretsFromJoiner(suite, groupSecrets.joinerSecret, undefined, gc).confirmationKey;
  const info = signGroupInfo(suite, alice.signaturePrivateKey, {
    groupContext: gc,
    extensions: groupInfo.extensions,
    confirmationTag: computeConfirmationTag(suite, confirmationKey, gc.confirmedTranscriptHash),
    signer: groupInfo.signer,
  });
  const egi = encryptGroupInfo(suite, welcomeSecretFromJoiner(suite, groupSecrets.joinerSecret), info);
  const egs = encryptGroupSecrets(suite, joiner.kp.keyPackage.initKey, egi, groupSecrets);
  const welcome = { cipherSuite: suite.id, secrets: [{ newMember: joiner.kp.ref, encryptedGroupSecrets: egs }], encryptedGroupInfo: egi };
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsWelcome, welcome });
}

void test('§13.4 joiner: a Welcome into a group with an extension our leaf does not list is refused', () => {
  const carol = newClient(suite, 'carol');
  assert.throws(
    () => joinFromWelcome({ welcome: welcomeWithExtensions(carol, [EXT_X]), keyPackage: carol.kp, signaturePrivateKey: carol.signaturePrivateKey }),
    (e: unknown) => e instanceof ValidationError && /^Welcome: our leaf does not support group extension 65281 \(RFC 9420 §13\.4: not joining\)$/.test(e.message),
  );
  // Control: the same forgery for a client that lists the extension joins, with it in the GroupContext.
  const dave = clientListing('dave', [X]);
  const joined = joinFromWelcome({ welcome: welcomeWithExtensions(dave, [EXT_X]), keyPackage: dave.kp, signaturePrivateKey: dave.signaturePrivateKey }).state;
  assert.deepEqual(joined.groupContext.extensions, [EXT_X]);
});
