// RFC 9420 §6.2 as far as a non-member can go: a PublicMessage of the view's
// group and epoch, whose signature verifies under its sender's key. The
// membership_tag a member sender carries is present (the decoder requires it)
// but cannot be checked: it is a MAC under the epoch's membership key.

import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import type { AuthenticatedContent } from '../framing/authenticated-content.js';
import { verifyFramedContentSignature } from '../framing/content-auth.js';
import { ContentType } from '../framing/content-type.js';
import { parseMLSMessage } from '../framing/mls-message.js';
import { checkGroupAndEpoch } from '../framing/protect-public.js';
import { checkSenderContentType } from '../framing/sender-rules.js';
import { WireFormat } from '../framing/wire-format.js';
import { senderSignatureKey } from '../group/signature-keys.js';
import type { PublicGroup } from './public-group.js';

/** Decodes MLSMessage bytes that must carry a PublicMessage (a PrivateMessage is refused: this view cannot read it). */
export function parsePublicMessage(bytes: Uint8Array): AuthenticatedContent {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat === WireFormat.mlsPrivateMessage) {
    throw new ValidationError('a PrivateMessage cannot be followed without the epoch secrets: handshake messages must be PublicMessages');
  }
  if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new ValidationError(`expected a PublicMessage, got wire format ${m.wireFormat}`);
  return { wireFormat: WireFormat.mlsPublicMessage, content: m.publicMessage.content, auth: m.publicMessage.auth };
}

/** Throws ValidationError (wrong group, epoch, sender for the content type) or CryptoError (signature). */
export function verifyPublicContent(suite: CipherSuite, g: PublicGroup, ac: AuthenticatedContent): void {
  const content = ac.content;
  checkGroupAndEpoch('PublicMessage', content.groupId, content.epoch, g.groupContext);
  if (content.contentType === ContentType.application) throw new ValidationError('PublicMessage: application data must be sent as PrivateMessage');
  checkSenderContentType(content);
  const key = senderSignatureKey(g.tree, g.groupContext, content);
  verifyFramedContentSignature(suite, key, ac.wireFormat, content, g.groupContext, ac.auth.signature);
}
