import type { Decoder } from '../../codec/decoder.js';
import type { Encoder } from '../../codec/encoder.js';
import { decodeKeyPackage, encodeKeyPackage, type KeyPackage } from '../key-package.js';

// RFC 9420 §12.1.1
export interface Add {
  readonly keyPackage: KeyPackage;
}

export function encodeAdd(e: Encoder, v: Add): void {
  encodeKeyPackage(e, v.keyPackage);
}

export function decodeAdd(d: Decoder): Add {
  return { keyPackage: d.field('key_package', decodeKeyPackage) };
}
