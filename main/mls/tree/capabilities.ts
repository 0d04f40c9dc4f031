// RFC 9420 §7.2: Capabilities. Unknown values are kept and ignored (§13: GREASE).

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';

// RFC 9420 §7.2
export interface Capabilities {
  readonly versions: readonly number[];
  readonly cipherSuites: readonly number[];
  readonly extensions: readonly number[];
  readonly proposals: readonly number[];
  readonly credentials: readonly number[];
}

const u16Item = (e: Encoder, v: number): void => void e.u16(v);
const readU16 = (d: Decoder): number => d.u16('value');

export function encodeCapabilities(e: Encoder, v: Capabilities): void {
  e.vector(v.versions, u16Item)
    .vector(v.cipherSuites, u16Item)
    .vector(v.extensions, u16Item)
    .vector(v.proposals, u16Item)
    .vector(v.credentials, u16Item);
}

export function decodeCapabilities(d: Decoder): Capabilities {
  const versions = d.vector('versions', readU16);
  const cipherSuites = d.vector('cipher_suites', readU16);
  const extensions = d.vector('extensions', readU16);
  const proposals = d.vector('proposals', readU16);
  const credentials = d.vector('credentials', readU16);
  return { versions, cipherSuites, extensions, proposals, credentials };
}
