// RFC 9420 §6.2: PublicMessage, content that is signed (and, from members,
// MACed with the membership key) but not encrypted.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { EncodeError } from '../errors.js';
import { decodeFramedContentAuthData, encodeFramedContentAuthData, type FramedContentAuthData } from './framed-content-auth-data.js';
import { decodeFramedContent, encodeFramedContent, type FramedContent } from './framed-content.js';
import { SenderType } from './sender.js';

// RFC 9420 §6.2
export interface PublicMessage {
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
  /** Present exactly for member senders. */
  readonly membershipTag?: Uint8Array;
}

export function encodePublicMessage(e: Encoder, v: PublicMessage): void {
  const isMember = v.content.sender.senderType === SenderType.member;
  if (isMember && v.membershipTag === undefined) throw new EncodeError('PublicMessage: a member sender needs a membership_tag');
  if (!isMember && v.membershipTag !== undefined) throw new EncodeError('PublicMessage: only member senders carry a membership_tag');
  encodeFramedContent(e, v.content);
  encodeFramedContentAuthData(e, v.auth, v.content.contentType);
  if (v.membershipTag !== undefined) e.opaque(v.membershipTag);
}

export function decodePublicMessage(d: Decoder): PublicMessage {
  const content = d.field('content', decodeFramedContent);
  const auth = d.field('auth', (s) => decodeFramedContentAuthData(s, content.contentType));
  if (content.sender.senderType !== SenderType.member) return { content, auth };
  return { content, auth, membershipTag: d.opaque('membership_tag') };
}
