// RFC 9420 §12.4.3.1: GroupSecrets, what the Welcome encrypts to each new member.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodePreSharedKeyID, encodePreSharedKeyID, type PreSharedKeyID } from '../schedule/psk.js';

// RFC 9420 §12.4.3.1
export interface PathSecret {
  readonly pathSecret: Uint8Array;
}

// RFC 9420 §12.4.3.1
export interface GroupSecrets {
  readonly joinerSecret: Uint8Array;
  readonly pathSecret?: PathSecret;
  readonly psks: readonly PreSharedKeyID[];
}

export function encodePathSecret(e: Encoder, v: PathSecret): void {
  e.opaque(v.pathSecret);
}

export function decodePathSecret(d: Decoder): PathSecret {
  return { pathSecret: d.opaque('path_secret') };
}

export function encodeGroupSecrets(e: Encoder, v: GroupSecrets): void {
  e.opaque(v.joinerSecret);
  e.optional(v.pathSecret, encodePathSecret);
  e.vector(v.psks, encodePreSharedKeyID);
}

export function decodeGroupSecrets(d: Decoder): GroupSecrets {
  const joinerSecret = d.opaque('joiner_secret');
  const pathSecret = d.optional('path_secret', decodePathSecret);
  const psks = d.vector('psks', decodePreSharedKeyID);
  return pathSecret === undefined ? { joinerSecret, psks } : { joinerSecret, pathSecret, psks };
}
