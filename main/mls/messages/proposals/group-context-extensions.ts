import type { Decoder } from '../../codec/decoder.js';
import type { Encoder } from '../../codec/encoder.js';
import { decodeExtensions, encodeExtensions, type Extension } from '../../extensions/extension.js';

// RFC 9420 §12.1.7: the group's new extension list, replacing the old one wholesale.
export interface GroupContextExtensions {
  readonly extensions: readonly Extension[];
}

export function encodeGroupContextExtensions(e: Encoder, v: GroupContextExtensions): void {
  encodeExtensions(e, v.extensions);
}

export function decodeGroupContextExtensions(d: Decoder): GroupContextExtensions {
  return { extensions: decodeExtensions(d) };
}
