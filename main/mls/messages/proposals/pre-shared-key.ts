import type { Decoder } from '../../codec/decoder.js';
import type { Encoder } from '../../codec/encoder.js';
import { decodePreSharedKeyID, encodePreSharedKeyID, type PreSharedKeyID } from '../../schedule/psk.js';

// RFC 9420 §12.1.4
export interface PreSharedKey {
  readonly psk: PreSharedKeyID;
}

export function encodePreSharedKey(e: Encoder, v: PreSharedKey): void {
  encodePreSharedKeyID(e, v.psk);
}

export function decodePreSharedKey(d: Decoder): PreSharedKey {
  return { psk: d.field('psk', decodePreSharedKeyID) };
}
