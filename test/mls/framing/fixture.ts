// Shared setup for the framing tests: a 4-leaf group in suite 1, leaf 1 sending.
import { encode } from '../../../main/mls/codec/encoder.js';
import { getProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite } from '../../../main/mls/crypto/provider.js';
import { signContent, signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import type { FramedContent, FramedContentBody } from '../../../main/mls/framing/framed-content.js';
import type { AuthenticatedContent } from '../../../main/mls/framing/authenticated-content.js';
import { encodePrivateContentAAD } from '../../../main/mls/framing/private-content-aad.js';
import { encodePrivateMessageContent } from '../../../main/mls/framing/private-message-content.js';
import type { PrivateMessage } from '../../../main/mls/framing/private-message.js';
import { encodeSenderData } from '../../../main/mls/framing/sender-data.js';
import { encodeSenderDataAAD } from '../../../main/mls/framing/sender-data-aad.js';
import { memberSender, type Sender } from '../../../main/mls/framing/sender.js';
import type { ContentWireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10, type GroupContext } from '../../../main/mls/group/group-context.js';
import { applyReuseGuard } from '../../../main/mls/schedule/reuse-guard.js';
import { createSecretTree, nextSenderKey, type SecretTreeState } from '../../../main/mls/schedule/secret-tree.js';
import { senderDataKeyNonce } from '../../../main/mls/schedule/sender-data.js';
import { leafIndex, type LeafIndex } from '../../../main/mls/tree/math.js';
import { concat, fromHex } from '../../../main/mls/util/bytes.js';

export const suite: CipherSuite = getProvider().getSuite(1);
export const SENDER: LeafIndex = leafIndex(1);
export const N_LEAVES = 4;
export const sigKeys = suite.signature.generateKeyPair();
export const encryptionSecret = new Uint8Array(32).fill(7);
export const senderDataSecret = new Uint8Array(32).fill(9);
export const membershipKey = new Uint8Array(32).fill(11);

export const groupContext: GroupContext = {
  version: PROTOCOL_VERSION_MLS10,
  cipherSuite: 1,
  groupId: fromHex('0102030405'),
  epoch: 42n,
  treeHash: new Uint8Array(32).fill(1),
  confirmedTranscriptHash: new Uint8Array(32).fill(2),
  extensions: [],
};

export function freshTree(): SecretTreeState {
  return createSecretTree(suite, encryptionSecret, N_LEAVES);
}

export const application = (text = 'hello'): FramedContentBody => ({
  contentType: ContentType.application,
  applicationData: new TextEncoder().encode(text),
});

/** Remove(leaf 2), as bytes 0003 00000002. */
export const removeProposal: FramedContentBody = {
  contentType: ContentType.proposal,
  proposal: { proposalType: 3, remove: { removed: 2 } },
};

export function framed(body: FramedContentBody, sender: Sender = memberSender(SENDER), gc: GroupContext = groupContext): FramedContent {
  const content: FramedContent = { groupId: gc.groupId, epoch: gc.epoch, sender, authenticatedData: new Uint8Array([0xaa]), ...body };
  return content;
}

export function signed(wireFormat: ContentWireFormat, content: FramedContent, key = sigKeys.privateKey): AuthenticatedContent {
  if (content.contentType !== ContentType.commit) return signContent(suite, key, wireFormat, content, groupContext);
  const signature = signFramedContent(suite, key, wireFormat, content, groupContext);
  return { wireFormat, content, auth: { signature, confirmationTag: new Uint8Array(32).fill(5) } };
}

/**
 * Builds a PrivateMessage by hand, as protectPrivate does, but from a chosen
 * plaintext and sender data: for messages protectPrivate would never produce.
 */
export function handcraftPrivate(
  content: FramedContent,
  plaintext: Uint8Array,
  opts: { leaf?: number; generation?: number; tree?: SecretTreeState } = {},
): PrivateMessage {
  const { key } = nextSenderKey(suite, opts.tree ?? freshTree(), SENDER, content.contentType === ContentType.application ? 'application' : 'handshake');
  const reuseGuard = new Uint8Array([1, 2, 3, 4]);
  const ciphertext = suite.aead.seal(key.key, applyReuseGuard(key.nonce, reuseGuard), encode(encodePrivateContentAAD, content), plaintext);
  const sd = senderDataKeyNonce(suite, senderDataSecret, ciphertext);
  const senderData = encode(encodeSenderData, { leafIndex: leafIndex(opts.leaf ?? SENDER), generation: opts.generation ?? key.generation, reuseGuard });
  const encryptedSenderData = suite.aead.seal(sd.key, sd.nonce, encode(encodeSenderDataAAD, content), senderData);
  return {
    groupId: content.groupId,
    epoch: content.epoch,
    contentType: content.contentType,
    authenticatedData: content.authenticatedData,
    encryptedSenderData,
    ciphertext,
  };
}

/** The PrivateMessageContent plaintext of signed content, with the given padding bytes appended. */
export function plaintextOf(ac: AuthenticatedContent, padding: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(encode(encodePrivateMessageContent, { ...ac.content, auth: ac.auth, paddingLength: 0 }), padding);
}

export function flipBit(b: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = b.slice();
  out[index] = out[index]! ^ (1 << bit);
  return out;
}
