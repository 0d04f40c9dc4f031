// RFC 9420 §6.3: protecting AuthenticatedContent as a PrivateMessage and
// unprotecting it. The content is encrypted with the sender's ratchet key for
// one generation (its nonce XORed with a fresh reuse guard); the sender data
// (leaf, generation, guard) is encrypted under a key derived from
// sender_data_secret and a sample of that ciphertext. Both functions are pure:
// they return the advanced secret tree and never change the one passed in.

import { decode } from '../codec/decoder.js';
import { encode } from '../codec/encoder.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ArgumentError, CryptoError, MlsError, ValidationError } from '../errors.js';
import type { GroupContext } from '../group/group-context.js';
import { applyReuseGuard, REUSE_GUARD_SIZE } from '../schedule/reuse-guard.js';
import { nextSenderKey, receiverKey, type RatchetType, type SecretTreeState } from '../schedule/secret-tree.js';
import { senderDataKeyNonce } from '../schedule/sender-data.js';
import type { LeafIndex } from '../tree/math.js';
import type { AuthenticatedContent } from './authenticated-content.js';
import { resolveSignatureKey, verifyFramedContentSignature, type SignatureKeySource } from './content-auth.js';
import { ContentType } from './content-type.js';
import type { FramedContent } from './framed-content.js';
import { encodePrivateContentAAD } from './private-content-aad.js';
import { decodePrivateMessageContent, encodePrivateMessageContent } from './private-message-content.js';
import type { PrivateMessage } from './private-message.js';
import { checkGroupAndEpoch, checkSuite } from './protect-public.js';
import { decodeSenderData, encodeSenderData } from './sender-data.js';
import { encodeSenderDataAAD } from './sender-data-aad.js';
import { SenderType } from './sender.js';
import { WireFormat } from './wire-format.js';

/** Default padding: the PrivateMessageContent is padded to a multiple of this many bytes. */
export const DEFAULT_PADDING_BLOCK = 32;

/** Handshake messages (proposals, commits) and application messages use separate ratchets (§9.1). */
export function ratchetTypeOf(contentType: ContentType): RatchetType {
  return contentType === ContentType.application ? 'application' : 'handshake';
}

export interface ProtectPrivateParams {
  readonly groupContext: GroupContext;
  readonly senderDataSecret: Uint8Array;
  readonly secretTree: SecretTreeState;
  /** Pad the plaintext to a multiple of this many bytes; 0 or 1 means no padding. Default DEFAULT_PADDING_BLOCK. */
  readonly paddingBlockSize?: number;
  /** Fixed reuse guard, for tests only; by default a fresh random one. */
  readonly reuseGuard?: Uint8Array;
}

export interface ProtectPrivateResult {
  readonly message: PrivateMessage;
  readonly secretTree: SecretTreeState;
}

function paddingFor(unpaddedLength: number, block: number): number {
  if (!Number.isInteger(block) || block < 0) throw new ArgumentError(`padding block size ${block} is not a non-negative integer`);
  if (block <= 1) return 0;
  return (block - (unpaddedLength % block)) % block;
}

export function protectPrivate(suite: CipherSuite, ac: AuthenticatedContent, p: ProtectPrivateParams): ProtectPrivateResult {
  checkSuite(suite, p.groupContext);
  const content = ac.content;
  if (ac.wireFormat !== WireFormat.mlsPrivateMessage) throw new ValidationError('protectPrivate: content was signed for another wire format');
  if (content.sender.senderType !== SenderType.member) throw new ValidationError('protectPrivate: only members send PrivateMessage');
  checkGroupAndEpoch('protectPrivate', content.groupId, content.epoch, p.groupContext);
  const reuseGuard = p.reuseGuard ?? suite.randomBytes(REUSE_GUARD_SIZE);
  if (reuseGuard.length !== REUSE_GUARD_SIZE) throw new ArgumentError(`reuse guard must be ${REUSE_GUARD_SIZE} bytes`);

  const { key: ratchet, state } = nextSenderKey(suite, p.secretTree, content.sender.leafIndex, ratchetTypeOf(content.contentType));

  const unpadded = encode(encodePrivateMessageContent, { ...content, auth: ac.auth, paddingLength: 0 });
  const paddingLength = paddingFor(unpadded.length, p.paddingBlockSize ?? DEFAULT_PADDING_BLOCK);
  const plaintext = new Uint8Array(unpadded.length + paddingLength);
  plaintext.set(unpadded);

  const contentAad = encode(encodePrivateContentAAD, content);
  const ciphertext = suite.aead.seal(ratchet.key, applyReuseGuard(ratchet.nonce, reuseGuard), contentAad, plaintext);

  const senderData = encode(encodeSenderData, { leafIndex: content.sender.leafIndex, generation: ratchet.generation, reuseGuard });
  const sd = senderDataKeyNonce(suite, p.senderDataSecret, ciphertext);
  const senderDataAad = encode(encodeSenderDataAAD, content);
  const encryptedSenderData = suite.aead.seal(sd.key, sd.nonce, senderDataAad, senderData);

  const message: PrivateMessage = {
    groupId: content.groupId,
    epoch: content.epoch,
    contentType: content.contentType,
    authenticatedData: content.authenticatedData,
    encryptedSenderData,
    ciphertext,
  };
  return { message, secretTree: state };
}

export interface UnprotectPrivateParams {
  /** The receiver's current GroupContext: the expected group id and epoch, and what signatures cover. */
  readonly groupContext: GroupContext;
  readonly senderDataSecret: Uint8Array;
  readonly secretTree: SecretTreeState;
  /** False for a blank leaf (§6.3.2: the sender's leaf must be non-blank). Default: every leaf in range. */
  readonly isMember?: (leaf: LeafIndex) => boolean;
  readonly signaturePublicKey: SignatureKeySource;
}

export interface UnprotectPrivateResult {
  readonly content: AuthenticatedContent;
  readonly secretTree: SecretTreeState;
}

/** AEAD open that names what failed to decrypt. */
function open(suite: CipherSuite, what: string, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  try {
    return suite.aead.open(key, nonce, aad, ct);
  } catch (e) {
    if (e instanceof MlsError && !(e instanceof CryptoError)) throw e;
    throw new CryptoError(`${what} does not decrypt`);
  }
}

export function unprotectPrivate(suite: CipherSuite, msg: PrivateMessage, p: UnprotectPrivateParams): UnprotectPrivateResult {
  checkSuite(suite, p.groupContext);
  checkGroupAndEpoch('PrivateMessage', msg.groupId, msg.epoch, p.groupContext);

  const sd = senderDataKeyNonce(suite, p.senderDataSecret, msg.ciphertext);
  const senderDataAad = encode(encodeSenderDataAAD, msg);
  const senderDataBytes = open(suite, 'PrivateMessage.encrypted_sender_data', sd.key, sd.nonce, senderDataAad, msg.encryptedSenderData);
  const senderData = decode(decodeSenderData, senderDataBytes, 'SenderData');

  // §6.3.2: "the recipient MUST verify that the leaf index indicated in the leaf_index field identifies a non-blank node."
  const leaf = senderData.leafIndex;
  const nLeaves = p.secretTree.nLeaves;
  if (leaf >= nLeaves) throw new ValidationError(`SenderData.leaf_index ${leaf} is outside the tree of ${nLeaves} leaves`);
  if (p.isMember !== undefined && !p.isMember(leaf)) throw new ValidationError(`SenderData.leaf_index ${leaf} is a blank leaf`);

  // Throws on a generation already consumed (§9.2: a consumed key is deleted) or further ahead than the
  // local policy allows (§15.3, GroupConfig.maxForwardDistance); the input state is untouched either way.
  const { key: ratchet, state } = receiverKey(suite, p.secretTree, leaf, ratchetTypeOf(msg.contentType), senderData.generation);

  const contentAad = encode(encodePrivateContentAAD, msg);
  const nonce = applyReuseGuard(ratchet.nonce, senderData.reuseGuard);
  const plaintext = open(suite, 'PrivateMessage.ciphertext', ratchet.key, nonce, contentAad, msg.ciphertext);
  // The plaintext is a fresh buffer nobody else holds: the content may view it (codec/decoder.ts DecodeBytes).
  const pmc = decode((d) => decodePrivateMessageContent(d, msg.contentType), plaintext, 'PrivateMessageContent', 'view');

  const { auth, paddingLength: _padding, ...body } = pmc;
  const content: FramedContent = {
    groupId: msg.groupId,
    epoch: msg.epoch,
    sender: { senderType: SenderType.member, leafIndex: leaf },
    authenticatedData: msg.authenticatedData,
    ...body,
  };
  // §6.3.1: "When decoding a PrivateMessageContent, the application MUST check that the FramedContentAuthData is valid."
  const key = resolveSignatureKey(p.signaturePublicKey, content);
  verifyFramedContentSignature(suite, key, WireFormat.mlsPrivateMessage, content, p.groupContext, auth.signature);
  return { content: { wireFormat: WireFormat.mlsPrivateMessage, content, auth }, secretTree: state };
}
