// RFC 9420 §12.4.3.2: the external_pub GroupInfo extension, the HPKE public key
// an external joiner encrypts its init secret to.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { ExtensionType, type Extension } from '../extensions/extension.js';
import { makeExtension, readExtension } from './extension-payload.js';

// RFC 9420 §12.4.3.2
export interface ExternalPub {
  readonly externalPub: Uint8Array;
}

export function encodeExternalPub(e: Encoder, v: ExternalPub): void {
  e.opaque(v.externalPub);
}

export function decodeExternalPub(d: Decoder): ExternalPub {
  return { externalPub: d.opaque('external_pub') };
}

export function readExternalPub(list: readonly Extension[]): ExternalPub | undefined {
  return readExtension(list, ExtensionType.external_pub, 'ExternalPub', decodeExternalPub);
}

export function externalPubExtension(v: ExternalPub): Extension {
  return makeExtension(ExtensionType.external_pub, encodeExternalPub, v);
}
