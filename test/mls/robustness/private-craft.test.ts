// A member crafting PrivateMessages by hand. Every member holds the epoch's
// encryption_secret and sender_data_secret, so it can encrypt any SenderData
// (any leaf, any generation) and any plaintext under valid keys; only the
// signature inside stops it from speaking for others. Receivers must refuse
// every forgery with a typed MlsError, leave their state unchanged, and stay
// fast (a far-ahead generation must not make them ratchet forward for long).
// RFC-irrelevant mutation: the padding length (RFC 9420 §6.3.1: padding is not
// signed), so extra zero padding is accepted with the same content.

import assert from 'node:assert/strict';
import test from 'node:test';
import { encode } from '../../../main/mls/codec/encoder.js';
import { MlsError } from '../../../main/mls/errors.js';
import { signContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import type { FramedContent } from '../../../main/mls/framing/framed-content.js';
import { mlsMessageBytes } from '../../../main/mls/framing/mls-message.js';
import { encodePrivateContentAAD } from '../../../main/mls/framing/private-content-aad.js';
import { decodePrivateMessageContent, encodePrivateMessageContent } from '../../../main/mls/framing/private-message-content.js';
import { encodeSenderDataAAD } from '../../../main/mls/framing/sender-data-aad.js';
import { encodeSenderData } from '../../../main/mls/framing/sender-data.js';
import { SenderType } from '../../../main/mls/framing/sender.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { decode } from '../../../main/mls/codec/decoder.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { groupStateBytes, processMessage } from '../../../main/mls/group/index.js';
import { applyReuseGuard } from '../../../main/mls/schedule/reuse-guard.js';
import { receiverKey } from '../../../main/mls/schedule/secret-tree.js';
import { senderDataKeyNonce } from '../../../main/mls/schedule/sender-data.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { equalBytes, utf8 } from '../../../main/mls/util/bytes.js';
import { trio } from './fixture.js';
import { learnOffsets, mutants } from './mutate.js';
import { engineFrame, errorText, SLOW_MS, summarize, type Finding, cpuNow } from './probe.js';
import { Rng } from './prng.js';

const t = trio();
const suite = t.suite;
const alice = t.alice;
const bob = t.bob;
const rng = new Rng(0x5e0d);

const content: FramedContent = {
  groupId: alice.groupContext.groupId,
  epoch: alice.groupContext.epoch,
  sender: { senderType: SenderType.member, leafIndex: leafIndex(0) },
  authenticatedData: utf8('aad'),
  contentType: ContentType.application,
  applicationData: utf8('crafted by hand'),
};
const ac = signContent(suite, t.members[0].signaturePrivateKey, WireFormat.mlsPrivateMessage, content, alice.groupContext);
const plaintext = encode(encodePrivateMessageContent, { contentType: ContentType.application, applicationData: content.applicationData, auth: ac.auth, paddingLength: 7 });

/** A PrivateMessage whose SenderData says (leaf, generation) and whose ciphertext is `pt` under that ratchet's real key when alice can derive it. */
function craft(leaf: number, generation: number, pt: Uint8Array, ratchet: 'application' | 'handshake' = 'application'): Uint8Array {
  let key: Uint8Array;
  let nonce: Uint8Array;
  try {
    const k = receiverKey(suite, alice.secretTree, leafIndex(leaf), ratchet, generation).key;
    key = k.key;
    nonce = k.nonce;
  } catch (e) {
    if (!(e instanceof MlsError)) throw e;
    key = rng.bytes(suite.aead.keySize); // beyond what alice's limits derive: the receiver must refuse before decrypting
    nonce = rng.bytes(suite.aead.nonceSize);
  }
  const reuseGuard = rng.bytes(4);
  const ciphertext = suite.aead.seal(key, applyReuseGuard(nonce, reuseGuard), encode(encodePrivateContentAAD, content), pt);
  const sd = senderDataKeyNonce(suite, alice.keys.senderDataSecret, ciphertext);
  const encryptedSenderData = suite.aead.seal(sd.key, sd.nonce, encode(encodeSenderDataAAD, content), encode(encodeSenderData, { leafIndex: leafIndex(leaf), generation, reuseGuard }));
  const privateMessage = { groupId: content.groupId, epoch: content.epoch, contentType: content.contentType, authenticatedData: content.authenticatedData, encryptedSenderData, ciphertext };
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPrivateMessage, privateMessage });
}

function outcome(bytes: Uint8Array): { ok: true; data: Uint8Array } | { ok: false; error: unknown } {
  try {
    const r = processMessage(bob, bytes);
    assert.equal(r.result.kind, 'application');
    return { ok: true, data: r.result.kind === 'application' ? r.result.data : new Uint8Array(0) };
  } catch (e) {
    return { ok: false, error: e };
  }
}

void test('control: the hand-made message of leaf 0, generation 0 is accepted', () => {
  const r = outcome(craft(0, 0, plaintext));
  assert.ok(r.ok && equalBytes(r.data, content.applicationData));
});

void test('crafted SenderData: only alice\'s own leaf within the forward limit is accepted; the rest are typed errors, fast, state unchanged', () => {
  const before = groupStateBytes(bob);
  const limit = bob.config.maxForwardDistance;
  const bad: string[] = [];
  const leaves = [0, 1, 2, 3, 4, 7, 0x7fffffff];
  const gens = [0, 1, limit - 1, limit, limit + 1, 0xffff, 0x7fffffff, 0xfffffffe, 0xffffffff];
  for (const leaf of leaves) {
    for (const gen of gens) {
      for (const ratchet of ['application', 'handshake'] as const) {
        const t0 = cpuNow();
        const r = outcome(craft(leaf, gen, plaintext, ratchet));
        const ms = cpuNow() - t0;
        const want = leaf === 0 && gen <= limit && ratchet === 'application';
        const what = `leaf ${leaf} generation ${gen} ${ratchet}`;
        if (r.ok !== want) bad.push(`${what}: ${r.ok ? 'accepted' : errorText(r.error)}`);
        if (!r.ok && !(r.error instanceof MlsError)) bad.push(`${what}: untyped ${errorText(r.error)} at ${engineFrame(r.error)}`);
        if (ms > SLOW_MS) bad.push(`${what}: ${ms.toFixed(0)} ms`);
        if (!equalBytes(groupStateBytes(bob), before)) bad.push(`${what}: state changed`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

void test('crafted plaintexts (mutated PrivateMessageContent, correctly encrypted): typed error, or the same content with other padding', () => {
  const before = groupStateBytes(bob);
  const offs = learnOffsets(plaintext, () => void decode((d) => decodePrivateMessageContent(d, ContentType.application), plaintext, 'PrivateMessageContent'));
  const findings: Finding[] = [];
  let paddingOnly = 0;
  for (const m of mutants(new Rng(0x91a1), plaintext, offs, { bitFlips: 200, inserts: 40, deletes: 40, truncateAll: 200, random: 20, maxFields: 40 })) {
    const t0 = cpuNow();
    const r = outcome(craft(0, 0, m.bytes));
    if (r.ok) {
      // Accepted: only a change of the zero padding may be (the signature covers everything else).
      const zeroTail = m.bytes.length >= plaintext.length - 7 && equalBytes(m.bytes.subarray(0, plaintext.length - 7), plaintext.subarray(0, plaintext.length - 7)) && m.bytes.subarray(plaintext.length - 7).every((b) => b === 0);
      if (!zeroTail || !equalBytes(r.data, content.applicationData)) findings.push({ codec: 'crafted plaintext', seed: '', mutant: m, problem: 'accepted-mutant', detail: 'accepted a changed content', where: '' });
      else paddingOnly++;
    } else if (!(r.error instanceof MlsError)) findings.push({ codec: 'crafted plaintext', seed: '', mutant: m, problem: 'crash', detail: errorText(r.error), where: engineFrame(r.error) });
    if (cpuNow() - t0 > SLOW_MS) findings.push({ codec: 'crafted plaintext', seed: '', mutant: m, problem: 'slow', detail: '', where: '' });
    if (!equalBytes(groupStateBytes(bob), before)) findings.push({ codec: 'crafted plaintext', seed: '', mutant: m, problem: 'state-changed', detail: '', where: '' });
  }
  assert.equal(findings.length, 0, summarize(findings));
  assert.ok(paddingOnly > 0, 'truncating or inserting zero padding is accepted (padding is not signed)');
});
