// RFC 9420 §6: ContentType.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';

export const ContentType = {
  application: 1,
  proposal: 2,
  commit: 3,
} as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

export function isContentType(n: number): n is ContentType {
  return n === 1 || n === 2 || n === 3;
}

export function encodeContentType(e: Encoder, v: ContentType): void {
  e.u8(v);
}

export function decodeContentType(d: Decoder, field = 'content_type'): ContentType {
  const v = d.u8(field);
  if (!isContentType(v)) d.fail(field, `unknown content type ${v}`);
  return v;
}
