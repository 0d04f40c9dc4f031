import type { Decoder } from '../../codec/decoder.js';
import type { Encoder } from '../../codec/encoder.js';

// RFC 9420 §12.1.3: `removed` is a leaf index (not yet checked against a tree here).
export interface Remove {
  readonly removed: number;
}

export function encodeRemove(e: Encoder, v: Remove): void {
  e.u32(v.removed);
}

export function decodeRemove(d: Decoder): Remove {
  return { removed: d.u32('removed') };
}
