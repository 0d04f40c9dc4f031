// RFC 9420 §6.1: FramedContentAuthData, the signature over FramedContentTBS and,
// for commits, the confirmation tag.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { EncodeError } from '../errors.js';
import { ContentType } from './content-type.js';

// RFC 9420 §6.1
export interface FramedContentAuthData {
  readonly signature: Uint8Array;
  /** Present exactly when the content is a commit. */
  readonly confirmationTag?: Uint8Array;
}

export function encodeFramedContentAuthData(e: Encoder, v: FramedContentAuthData, contentType: ContentType): void {
  const isCommit = contentType === ContentType.commit;
  if (isCommit && v.confirmationTag === undefined) throw new EncodeError('FramedContentAuthData: a commit needs a confirmation_tag');
  if (!isCommit && v.confirmationTag !== undefined) {
    throw new EncodeError(`FramedContentAuthData: content type ${contentType} has no confirmation_tag`);
  }
  e.opaque(v.signature);
  if (v.confirmationTag !== undefined) e.opaque(v.confirmationTag);
}

/** The shape depends on the enclosing content's type, so the caller passes it. */
export function decodeFramedContentAuthData(d: Decoder, contentType: ContentType): FramedContentAuthData {
  const signature = d.opaque('signature');
  if (contentType !== ContentType.commit) return { signature };
  return { signature, confirmationTag: d.opaque('confirmation_tag') };
}
