// RFC 9420 §6.3.1: PrivateContentAAD, the AEAD associated data of PrivateMessage.ciphertext.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeContentType, type ContentType } from './content-type.js';

// RFC 9420 §6.3.1
export interface PrivateContentAAD {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly contentType: ContentType;
  readonly authenticatedData: Uint8Array;
}

export function encodePrivateContentAAD(e: Encoder, v: PrivateContentAAD): void {
  e.opaque(v.groupId).u64(v.epoch).u8(v.contentType).opaque(v.authenticatedData);
}

export function decodePrivateContentAAD(d: Decoder): PrivateContentAAD {
  const groupId = d.opaque('group_id');
  const epoch = d.u64('epoch');
  const contentType = decodeContentType(d);
  const authenticatedData = d.opaque('authenticated_data');
  return { groupId, epoch, contentType, authenticatedData };
}
