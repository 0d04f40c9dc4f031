// PrivateMessage protection (RFC 9420 §6.3): content and sender-data encryption,
// reuse guard, padding, and rejection of bad input leaving the secret tree unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../../main/mls/codec/encoder.js';
import { CryptoError, DecodeError, ValidationError } from '../../../main/mls/errors.js';
import type { AuthenticatedContent } from '../../../main/mls/framing/authenticated-content.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import type { FramedContentBody } from '../../../main/mls/framing/framed-content.js';
import { encodePrivateContentAAD } from '../../../main/mls/framing/private-content-aad.js';
import type { PrivateMessage } from '../../../main/mls/framing/private-message.js';
import { protectPrivate, unprotectPrivate, type UnprotectPrivateParams } from '../../../main/mls/framing/protect-private.js';
import { SenderType } from '../../../main/mls/framing/sender.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { applyReuseGuard } from '../../../main/mls/schedule/reuse-guard.js';
import { nextSenderKey, serializeSecretTreeState, type SecretTreeState } from '../../../main/mls/schedule/secret-tree.js';
import {
  application,
  flipBit,
  framed,
  freshTree,
  groupContext,
  handcraftPrivate,
  plaintextOf,
  removeProposal,
  SENDER,
  senderDataSecret,
  sigKeys,
  signed,
  suite,
} from './fixture.js';

const commitBody: FramedContentBody = { contentType: ContentType.commit, commit: { proposals: [] } };

function send(body: FramedContentBody, tree: SecretTreeState = freshTree(), paddingBlockSize?: number) {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(body));
  const r = protectPrivate(suite, ac, { groupContext, senderDataSecret, secretTree: tree, paddingBlockSize });
  return { ac, ...r };
}

function recvParams(tree: SecretTreeState): UnprotectPrivateParams {
  return { groupContext, senderDataSecret, secretTree: tree, signaturePublicKey: sigKeys.publicKey };
}

/** Asserts `fn` throws `cls` and leaves `tree` byte-for-byte and deep-equal as it was. */
function rejects(tree: SecretTreeState, fn: () => unknown, cls: new (...a: never[]) => Error, msg?: RegExp): void {
  const bytes = serializeSecretTreeState(tree);
  const clone = structuredClone(tree);
  assert.throws(fn, (e: unknown) => e instanceof cls && (msg === undefined || msg.test((e as Error).message)));
  assert.deepEqual(serializeSecretTreeState(tree), bytes);
  assert.deepEqual(tree, clone);
}

void test('application, proposal and commit round-trip; the receiver learns the sender leaf', () => {
  for (const body of [application(), removeProposal, commitBody]) {
    const { ac, message, secretTree } = send(body);
    assert.notDeepEqual(serializeSecretTreeState(secretTree), serializeSecretTreeState(freshTree()));
    assert.equal(message.contentType, body.contentType);
    const got = unprotectPrivate(suite, message, recvParams(freshTree()));
    assert.deepEqual(got.content, ac);
    assert.equal(got.content.content.sender.senderType, SenderType.member);
  }
});

void test('protect and unprotect never change the tree passed in', () => {
  const sender = freshTree();
  const before = serializeSecretTreeState(sender);
  const { message, secretTree } = send(application(), sender);
  assert.deepEqual(serializeSecretTreeState(sender), before);
  const recv = freshTree();
  const recvBefore = structuredClone(recv);
  unprotectPrivate(suite, message, recvParams(recv));
  assert.deepEqual(recv, recvBefore);
  // The sender's returned tree moves on: the next message uses generation 1, which a fresh receiver accepts out of order.
  const second = send(application('two'), secretTree);
  assert.equal(unprotectPrivate(suite, second.message, recvParams(freshTree())).content.content.contentType, ContentType.application);
});

void test('the reuse guard is XORed into the first four bytes of the ratchet nonce', () => {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(application()));
  const reuseGuard = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
  const { message } = protectPrivate(suite, ac, { groupContext, senderDataSecret, secretTree: freshTree(), paddingBlockSize: 0, reuseGuard });
  const { key } = nextSenderKey(suite, freshTree(), SENDER, 'application');
  const nonce = applyReuseGuard(key.nonce, reuseGuard);
  assert.deepEqual(nonce.subarray(4), key.nonce.subarray(4));
  assert.notDeepEqual(nonce.subarray(0, 4), key.nonce.subarray(0, 4));
  const want = suite.aead.seal(key.key, nonce, encode(encodePrivateContentAAD, ac.content), plaintextOf(ac));
  assert.deepEqual(message.ciphertext, want);
});

void test('padding fills the plaintext up to a multiple of the block size', () => {
  const unpadded = plaintextOf(signed(WireFormat.mlsPrivateMessage, framed(application()))).length;
  for (const [block, want] of [
    [0, unpadded],
    [1, unpadded],
    [32, Math.ceil(unpadded / 32) * 32],
    [1000, 1000],
  ] as const) {
    const { message } = send(application(), freshTree(), block);
    assert.equal(message.ciphertext.length - suite.aead.tagSize, want, `block ${block}`);
    unprotectPrivate(suite, message, recvParams(freshTree()));
  }
  const { message } = send(application());
  assert.equal((message.ciphertext.length - suite.aead.tagSize) % 32, 0, 'default block of 32');
});

void test('a flipped bit in the ciphertext is a CryptoError: in the sample it breaks the sender data, later the content', () => {
  const { message } = send(application('a longer message, so the ciphertext outgrows the sample'));
  const tree = freshTree();
  for (const i of [0, suite.kdf.size - 1]) {
    rejects(tree, () => unprotectPrivate(suite, { ...message, ciphertext: flipBit(message.ciphertext, i) }, recvParams(tree)), CryptoError, /encrypted_sender_data/);
  }
  for (const i of [suite.kdf.size, message.ciphertext.length - 1]) {
    rejects(tree, () => unprotectPrivate(suite, { ...message, ciphertext: flipBit(message.ciphertext, i, 7) }, recvParams(tree)), CryptoError, /ciphertext/);
  }
});

void test('a flipped bit in the encrypted sender data is a CryptoError', () => {
  const { message } = send(removeProposal);
  const tree = freshTree();
  for (const i of [0, 5, message.encryptedSenderData.length - 1]) {
    const bad = { ...message, encryptedSenderData: flipBit(message.encryptedSenderData, i, 2) };
    rejects(tree, () => unprotectPrivate(suite, bad, recvParams(tree)), CryptoError);
  }
});

void test('tampered authenticated_data or content_type fails decryption', () => {
  const { message } = send(application());
  const tree = freshTree();
  rejects(tree, () => unprotectPrivate(suite, { ...message, authenticatedData: new Uint8Array([1]) }, recvParams(tree)), CryptoError);
  rejects(tree, () => unprotectPrivate(suite, { ...message, contentType: ContentType.proposal }, recvParams(tree)), CryptoError);
});

void test('a wrong epoch or group id is a ValidationError', () => {
  const { message } = send(application());
  const tree = freshTree();
  rejects(tree, () => unprotectPrivate(suite, { ...message, epoch: 41n }, recvParams(tree)), ValidationError, /epoch 41 is not the current epoch 42/);
  const next = { ...recvParams(tree), groupContext: { ...groupContext, epoch: 43n } };
  rejects(tree, () => unprotectPrivate(suite, message, next), ValidationError);
  rejects(tree, () => unprotectPrivate(suite, { ...message, groupId: new Uint8Array([1]) }, recvParams(tree)), ValidationError, /group_id/);
});

void test('a replayed message (same generation twice) is a ValidationError', () => {
  const { message } = send(application());
  const first = unprotectPrivate(suite, message, recvParams(freshTree()));
  rejects(first.secretTree, () => unprotectPrivate(suite, message, recvParams(first.secretTree)), ValidationError, /generation 0/);
});

void test('a bad signature is a CryptoError and the ratchet is not advanced', () => {
  const other = suite.signature.generateKeyPair();
  const ac = signed(WireFormat.mlsPrivateMessage, framed(application()), other.privateKey);
  const { message } = protectPrivate(suite, ac, { groupContext, senderDataSecret, secretTree: freshTree() });
  const tree = freshTree();
  rejects(tree, () => unprotectPrivate(suite, message, recvParams(tree)), CryptoError, /signature/);
  // The same generation then still decrypts for a correct message.
  const good = send(application());
  unprotectPrivate(suite, good.message, recvParams(tree));
  // A signature with a flipped bit, encrypted properly.
  const flipped: AuthenticatedContent = { ...good.ac, auth: { signature: flipBit(good.ac.auth.signature, 3) } };
  const msg2 = protectPrivate(suite, flipped, { groupContext, senderDataSecret, secretTree: freshTree() }).message;
  rejects(tree, () => unprotectPrivate(suite, msg2, recvParams(tree)), CryptoError);
});

void test('nonzero padding is a DecodeError', () => {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(application()));
  const tree = freshTree();
  const ok = handcraftPrivate(ac.content, plaintextOf(ac, new Uint8Array(5)));
  assert.deepEqual(unprotectPrivate(suite, ok, recvParams(tree)).content, ac);
  const bad = handcraftPrivate(ac.content, plaintextOf(ac, new Uint8Array([0, 0, 0, 0, 0x80])));
  rejects(tree, () => unprotectPrivate(suite, bad, recvParams(tree)), DecodeError, /padding/);
});

void test('a truncated or garbled plaintext is a DecodeError', () => {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(removeProposal));
  const full = plaintextOf(ac);
  const tree = freshTree();
  rejects(tree, () => unprotectPrivate(suite, handcraftPrivate(ac.content, full.subarray(0, full.length - 1)), recvParams(tree)), DecodeError);
  rejects(tree, () => unprotectPrivate(suite, handcraftPrivate(ac.content, new Uint8Array(0)), recvParams(tree)), DecodeError);
});

void test('a sender leaf outside the tree, or a blank one, is a ValidationError', () => {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(application()));
  const tree = freshTree();
  const outside = handcraftPrivate(ac.content, plaintextOf(ac), { leaf: 4 });
  rejects(tree, () => unprotectPrivate(suite, outside, recvParams(tree)), ValidationError, /outside the tree of 4 leaves/);
  const { message } = send(application());
  rejects(tree, () => unprotectPrivate(suite, message, { ...recvParams(tree), isMember: (l) => l !== SENDER }), ValidationError, /blank/);
});

void test('a generation too far ahead is a ValidationError', () => {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(application()));
  const tree = freshTree();
  const far = handcraftPrivate(ac.content, plaintextOf(ac), { generation: 100000 });
  rejects(tree, () => unprotectPrivate(suite, far, recvParams(tree)), ValidationError);
});

void test('only members send PrivateMessage, and only content signed for it', () => {
  const ext = framed(removeProposal, { senderType: SenderType.external, senderIndex: 0 });
  const tree = freshTree();
  rejects(tree, () => protectPrivate(suite, signed(WireFormat.mlsPrivateMessage, ext), { groupContext, senderDataSecret, secretTree: tree }), ValidationError);
  const pub = signed(WireFormat.mlsPublicMessage, framed(application()));
  rejects(tree, () => protectPrivate(suite, pub, { groupContext, senderDataSecret, secretTree: tree }), ValidationError);
  const stale = signed(WireFormat.mlsPrivateMessage, framed(application(), undefined, { ...groupContext, epoch: 1n }));
  rejects(tree, () => protectPrivate(suite, stale, { groupContext, senderDataSecret, secretTree: tree }), ValidationError);
});

void test('a message decrypted with another epoch\'s sender data secret fails as CryptoError', () => {
  const { message } = send(application());
  const tree = freshTree();
  const p = { ...recvParams(tree), senderDataSecret: new Uint8Array(32).fill(1) };
  rejects(tree, () => unprotectPrivate(suite, message as PrivateMessage, p), CryptoError);
});
