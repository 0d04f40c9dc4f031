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

export function encodeCapabilities(e: Encoder, v: Capabilities): void {
  e.vector(v.versions, u16Item)
    .vector(v.cipherSuites, u16Item)
    .vector(v.extensions, u16Item)
    .vector(v.proposals, u16Item)
    .vector(v.credentials, u16Item);
}

export function decodeCapabilities(d: Decoder): Capabilities {
  const versions = d.u16Vector('versions', 'value');
  const cipherSuites = d.u16Vector('cipher_suites', 'value');
  const extensions = d.u16Vector('extensions', 'value');
  const proposals = d.u16Vector('proposals', 'value');
  const credentials = d.u16Vector('credentials', 'value');
  return { versions, cipherSuites, extensions, proposals, credentials };
}
