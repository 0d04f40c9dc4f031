// RFC 9420 §6.3: PrivateMessage, a signed and encrypted message whose sender is
// hidden in the encrypted sender data.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeContentType, type ContentType } from './content-type.js';

// RFC 9420 §6.3
export interface PrivateMessage {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly contentType: ContentType;
  readonly authenticatedData: Uint8Array;
  readonly encryptedSenderData: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export function encodePrivateMessage(e: Encoder, v: PrivateMessage): void {
  e.opaque(v.groupId).u64(v.epoch).u8(v.contentType).opaque(v.authenticatedData).opaque(v.encryptedSenderData).opaque(v.ciphertext);
}

export function decodePrivateMessage(d: Decoder): PrivateMessage {
  const groupId = d.opaque('group_id');
  const epoch = d.u64('epoch');
  const contentType = decodeContentType(d);
  const authenticatedData = d.opaque('authenticated_data');
  const encryptedSenderData = d.opaque('encrypted_sender_data');
  const ciphertext = d.opaque('ciphertext');
  return { groupId, epoch, contentType, authenticatedData, encryptedSenderData, ciphertext };
}
