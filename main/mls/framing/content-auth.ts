// RFC 9420 §6.1: signing and verifying FramedContent (SignWithLabel over
// FramedContentTBS), and building AuthenticatedContent.

import { Encoder } from '../codec/encoder.js';
import { signWithLabel, verifyWithLabel } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { CryptoError, ValidationError } from '../errors.js';
import { PROTOCOL_VERSION_MLS10, type GroupContext } from '../group/group-context.js';
import type { AuthenticatedContent } from './authenticated-content.js';
import { ContentType } from './content-type.js';
import { encodeFramedContentTBS, senderNeedsContext, type FramedContentTBS } from './framed-content-tbs.js';
import type { FramedContent } from './framed-content.js';
import type { ContentWireFormat } from './wire-format.js';

export const FRAMED_CONTENT_TBS_LABEL = 'FramedContentTBS';

/**
 * Where a verifier finds the sender's signature key: the key itself, or a lookup
 * from the content (the group layer resolves a member's leaf, an external
 * sender's index, or the leaf in a new member's commit). A lookup throws when
 * the sender has no key (for example a blank leaf).
 */
export type SignatureKeySource = Uint8Array | ((content: FramedContent) => Uint8Array);

export function resolveSignatureKey(source: SignatureKeySource, content: FramedContent): Uint8Array {
  return typeof source === 'function' ? source(content) : source;
}

/** The TBS for a content: the GroupContext is included only for the sender types that bind it. */
export function framedContentTBS(wireFormat: ContentWireFormat, content: FramedContent, groupContext: GroupContext): FramedContentTBS {
  const base = { version: PROTOCOL_VERSION_MLS10, wireFormat, content };
  return senderNeedsContext(content.sender) ? { ...base, context: groupContext } : base;
}

export function framedContentTBSBytes(wireFormat: ContentWireFormat, content: FramedContent, groupContext: GroupContext): Uint8Array {
  const e = new Encoder();
  encodeFramedContentTBS(e, framedContentTBS(wireFormat, content, groupContext));
  return e.finish();
}

/** signature = SignWithLabel(key, "FramedContentTBS", FramedContentTBS). */
export function signFramedContent(
  suite: CipherSuite,
  signaturePrivateKey: Uint8Array,
  wireFormat: ContentWireFormat,
  content: FramedContent,
  groupContext: GroupContext,
): Uint8Array {
  return signWithLabel(suite, signaturePrivateKey, FRAMED_CONTENT_TBS_LABEL, (e) => encodeFramedContentTBS(e, framedContentTBS(wireFormat, content, groupContext)));
}

/**
 * Throws CryptoError when the signature does not verify under the given key. §6.1: "Recipients of an
 * MLSMessage MUST verify the signature with the key depending on the sender_type of the sender".
 */
export function verifyFramedContentSignature(
  suite: CipherSuite,
  signaturePublicKey: Uint8Array,
  wireFormat: ContentWireFormat,
  content: FramedContent,
  groupContext: GroupContext,
  signature: Uint8Array,
): void {
  const tbs = (e: Encoder): void => encodeFramedContentTBS(e, framedContentTBS(wireFormat, content, groupContext));
  if (!verifyWithLabel(suite, signaturePublicKey, FRAMED_CONTENT_TBS_LABEL, tbs, signature)) {
    throw new CryptoError('FramedContentAuthData.signature does not verify');
  }
}

/**
 * Signs a proposal or application content into AuthenticatedContent. Commits
 * need a confirmation tag computed from the signature (§8.2), so the group layer
 * builds them with signFramedContent and the transcript hash functions.
 */
export function signContent(
  suite: CipherSuite,
  signaturePrivateKey: Uint8Array,
  wireFormat: ContentWireFormat,
  content: FramedContent,
  groupContext: GroupContext,
): AuthenticatedContent {
  if (content.contentType === ContentType.commit) throw new ValidationError('signContent: a commit needs its confirmation tag; use signFramedContent');
  const signature = signFramedContent(suite, signaturePrivateKey, wireFormat, content, groupContext);
  return { wireFormat, content, auth: { signature } };
}
