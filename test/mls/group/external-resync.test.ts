// RFC 9420 §12.4.3.2 resync, enforced by every receiver in the group core
// (commit-process.ts via external-commit-check.ts), not only by the public API:
// an external commit's Remove must take out a leaf of the joiner's own client
// (equal credential) and the joiner's leaf must pass as an Update of it (fresh
// encryption key).

import assert from 'node:assert/strict';
import test from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { ValidationError } from '../../../main/mls/errors.js';
import { signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { decodeFramedContent, encodeFramedContent } from '../../../main/mls/framing/framed-content.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { createExternalCommit } from '../../../main/mls/group/external-commit.js';
import { createGroupInfo } from '../../../main/mls/group/group-info.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { groupStateBytes } from '../../../main/mls/group/state-codec.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { ProposalOrRefType } from '../../../main/mls/messages/proposal-or-ref.js';
import { ProposalType } from '../../../main/mls/messages/proposal.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { equalBytes, utf8 } from '../../../main/mls/util/bytes.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

const suite = suiteFor(1);

function infoOf(s: GroupState): ReturnType<typeof createGroupInfo> {
  return createGroupInfo(suite, s, { externalPub: true, ratchetTree: true });
}

function assertRefused(s: GroupState, commit: Uint8Array, re: RegExp): void {
  const before = groupStateBytes(s);
  assert.throws(() => processMessage(s, commit), (e: unknown) => e instanceof ValidationError && re.test(e.message));
  assert.ok(equalBytes(groupStateBytes(s), before));
}

void test('group core: an external commit removing a leaf with another credential is refused by every receiver', () => {
  const [a, b, c] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob'), newClient(suite, 'carol')]);
  const mallory = suite.signature.generateKeyPair();
  // A resync as "bob" (leaf 1), which the creator accepts, then retargeted at carol (leaf 2) and re-signed.
  const ext = createExternalCommit({ groupInfo: infoOf(a!), credential: basicCredential(utf8('bob')), signaturePrivateKey: mallory.privateKey, removeLeaf: leafIndex(1) });
  const m = parseMLSMessage(ext.commit);
  assert.ok(m.wireFormat === WireFormat.mlsPublicMessage);
  const content = decode(decodeFramedContent, encode(encodeFramedContent, m.publicMessage.content), 'FramedContent');
  assert.ok(content.contentType === ContentType.commit);
  const proposals = content.commit.proposals.map((p) =>
    p.type === ProposalOrRefType.proposal && p.proposal.proposalType === ProposalType.remove ? { ...p, proposal: { ...p.proposal, remove: { removed: 2 } } } : p,
  );
  const forged = { ...content, commit: { ...content.commit, proposals } };
  const signature = signFramedContent(suite, mallory.privateKey, WireFormat.mlsPublicMessage, forged, a!.groupContext);
  const bytes = mlsMessageBytes({
    version: PROTOCOL_VERSION_MLS10,
    wireFormat: WireFormat.mlsPublicMessage,
    publicMessage: { content: forged, auth: { signature, confirmationTag: m.publicMessage.auth.confirmationTag! } },
  });
  for (const s of [a!, b!, c!]) assertRefused(s, bytes, /removes leaf 2, whose credential is not the joiner's/);
  // The unmodified resync of "bob" is accepted by the others.
  assert.equal(processMessage(a!, ext.commit).result.kind, 'commit');
  assert.equal(processMessage(c!, ext.commit).result.kind, 'commit');
});

void test('group core: a resync whose leaf reuses the removed leaf\'s encryption key is refused', () => {
  const [a0, b0] = groupOf(suite, newClient(suite, 'alice'), [newClient(suite, 'bob')]);
  const leafSecret = new Uint8Array(suite.kdf.size).fill(7);
  // bob commits with a known leaf secret, so his new leaf key is reproducible.
  const cb = createCommit(b0!, { leafSecret });
  const b1 = mergePendingCommit(b0!, cb.pending);
  const a1 = processMessage(a0!, cb.commit).state;
  const ext = createExternalCommit({
    groupInfo: infoOf(a1),
    credential: b1.tree.leaf(leafIndex(1))!.credential,
    signaturePrivateKey: suite.signature.generateKeyPair().privateKey,
    removeLeaf: leafIndex(1),
    leafSecret,
  });
  assert.ok(equalBytes(ext.state.tree.leaf(ext.leaf)!.encryptionKey, b1.tree.leaf(leafIndex(1))!.encryptionKey));
  assertRefused(a1, ext.commit, /the joiner's encryption key is that of the removed leaf 1/);
});
