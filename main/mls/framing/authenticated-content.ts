// RFC 9420 §6: AuthenticatedContent, the form in which the protocol handles a
// message once its PublicMessage/PrivateMessage protection has been removed.

import { decode, type Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { decodeFramedContentAuthData, encodeFramedContentAuthData, type FramedContentAuthData } from './framed-content-auth-data.js';
import { decodeFramedContent, encodeFramedContent, type FramedContent } from './framed-content.js';
import { decodeContentWireFormat, type ContentWireFormat } from './wire-format.js';

// RFC 9420 §6
export interface AuthenticatedContent {
  readonly wireFormat: ContentWireFormat;
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
}

export function encodeAuthenticatedContent(e: Encoder, v: AuthenticatedContent): void {
  e.u16(v.wireFormat);
  encodeFramedContent(e, v.content);
  encodeFramedContentAuthData(e, v.auth, v.content.contentType);
}

export function decodeAuthenticatedContent(d: Decoder): AuthenticatedContent {
  const wireFormat = decodeContentWireFormat(d);
  const content = d.field('content', decodeFramedContent);
  const auth = d.field('auth', (s) => decodeFramedContentAuthData(s, content.contentType));
  return { wireFormat, content, auth };
}

/** The encoding that ProposalRef (§5.2) and the transcript hashes are computed over. */
export function authenticatedContentBytes(v: AuthenticatedContent): Uint8Array {
  const e = new Encoder();
  encodeAuthenticatedContent(e, v);
  return e.finish();
}

export function parseAuthenticatedContent(bytes: Uint8Array): AuthenticatedContent {
  return decode(decodeAuthenticatedContent, bytes, 'AuthenticatedContent');
}
