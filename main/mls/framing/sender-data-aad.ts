// RFC 9420 §6.3.2: SenderDataAAD, the AEAD associated data of the encrypted sender data.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeContentType, type ContentType } from './content-type.js';

// RFC 9420 §6.3.2
export interface SenderDataAAD {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly contentType: ContentType;
}

export function encodeSenderDataAAD(e: Encoder, v: SenderDataAAD): void {
  e.opaque(v.groupId).u64(v.epoch).u8(v.contentType);
}

export function decodeSenderDataAAD(d: Decoder): SenderDataAAD {
  const groupId = d.opaque('group_id');
  const epoch = d.u64('epoch');
  const contentType = decodeContentType(d);
  return { groupId, epoch, contentType };
}
