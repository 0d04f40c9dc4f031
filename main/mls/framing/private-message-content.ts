// RFC 9420 §6.3.1: PrivateMessageContent, the plaintext of PrivateMessage.ciphertext:
// the content body, its auth data, then zero padding up to the end.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { EncodeError } from '../errors.js';
import type { ContentType } from './content-type.js';
import { decodeFramedContentAuthData, encodeFramedContentAuthData, type FramedContentAuthData } from './framed-content-auth-data.js';
import { decodeContentBody, encodeContentBody, type FramedContentBody } from './framed-content.js';

// RFC 9420 §6.3.1
export type PrivateMessageContent = FramedContentBody & {
  readonly auth: FramedContentAuthData;
  /** Number of zero padding bytes. */
  readonly paddingLength: number;
};

export function encodePrivateMessageContent(e: Encoder, v: PrivateMessageContent): void {
  if (!Number.isInteger(v.paddingLength) || v.paddingLength < 0) throw new EncodeError(`PrivateMessageContent: bad padding length ${v.paddingLength}`);
  encodeContentBody(e, v);
  encodeFramedContentAuthData(e, v.auth, v.contentType);
  e.raw(new Uint8Array(v.paddingLength));
}

/**
 * Consumes the rest of the decoder: the padding is whatever follows the auth
 * data, and every padding byte must be zero (a nonzero byte is a DecodeError).
 */
export function decodePrivateMessageContent(d: Decoder, contentType: ContentType): PrivateMessageContent {
  const body = decodeContentBody(d, contentType);
  const auth = d.field('auth', (s) => decodeFramedContentAuthData(s, contentType));
  const paddingLength = d.remaining;
  const padding = d.raw(paddingLength, 'padding');
  const bad = padding.findIndex((b) => b !== 0);
  // §6.3.1: "A receiver MUST verify that there are no non-zero bytes in the padding field".
  if (bad >= 0) d.fail('padding', `nonzero padding byte at offset ${bad}`);
  return { ...body, auth, paddingLength };
}
