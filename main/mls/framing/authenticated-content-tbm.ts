// RFC 9420 §6.2: AuthenticatedContentTBM, what a PublicMessage's membership tag covers.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeFramedContentAuthData, encodeFramedContentAuthData, type FramedContentAuthData } from './framed-content-auth-data.js';
import { decodeFramedContentTBS, encodeFramedContentTBS, type FramedContentTBS } from './framed-content-tbs.js';

// RFC 9420 §6.2
export interface AuthenticatedContentTBM {
  readonly contentTbs: FramedContentTBS;
  readonly auth: FramedContentAuthData;
}

export function encodeAuthenticatedContentTBM(e: Encoder, v: AuthenticatedContentTBM): void {
  encodeFramedContentTBS(e, v.contentTbs);
  encodeFramedContentAuthData(e, v.auth, v.contentTbs.content.contentType);
}

export function decodeAuthenticatedContentTBM(d: Decoder): AuthenticatedContentTBM {
  const contentTbs = d.field('content_tbs', decodeFramedContentTBS);
  const auth = d.field('auth', (s) => decodeFramedContentAuthData(s, contentTbs.content.contentType));
  return { contentTbs, auth };
}
