import type { Decoder } from '../../codec/decoder.js';
import type { Encoder } from '../../codec/encoder.js';

// RFC 9420 §12.1.6
export interface ExternalInit {
  readonly kemOutput: Uint8Array;
}

export function encodeExternalInit(e: Encoder, v: ExternalInit): void {
  e.opaque(v.kemOutput);
}

export function decodeExternalInit(d: Decoder): ExternalInit {
  return { kemOutput: d.opaque('kem_output') };
}
