// RFC 9420 §12.4.3.1: one new member's entry in a Welcome.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeHPKECiphertext, encodeHPKECiphertext, type HPKECiphertext } from '../tree/update-path.js';

// RFC 9420 §12.4.3.1. new_member is the KeyPackageRef of the member's KeyPackage.
export interface EncryptedGroupSecrets {
  readonly newMember: Uint8Array;
  readonly encryptedGroupSecrets: HPKECiphertext;
}

export function encodeEncryptedGroupSecrets(e: Encoder, v: EncryptedGroupSecrets): void {
  e.opaque(v.newMember);
  encodeHPKECiphertext(e, v.encryptedGroupSecrets);
}

export function decodeEncryptedGroupSecrets(d: Decoder): EncryptedGroupSecrets {
  const newMember = d.opaque('new_member');
  const encryptedGroupSecrets = d.field('encrypted_group_secrets', decodeHPKECiphertext);
  return { newMember, encryptedGroupSecrets };
}
