// RFC 9420 §12.4.3.1: Welcome, the message that lets new members join an epoch.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import type { CipherSuiteId } from '../crypto/provider.js';
import { isCipherSuiteId } from '../crypto/provider.js';
import { equalBytes } from '../util/bytes.js';
import {
  decodeEncryptedGroupSecrets,
  encodeEncryptedGroupSecrets,
  type EncryptedGroupSecrets,
} from './encrypted-group-secrets.js';

// RFC 9420 §12.4.3.1
export interface Welcome {
  readonly cipherSuite: CipherSuiteId;
  readonly secrets: readonly EncryptedGroupSecrets[];
  readonly encryptedGroupInfo: Uint8Array;
}

export function encodeWelcome(e: Encoder, v: Welcome): void {
  e.u16(v.cipherSuite);
  e.vector(v.secrets, encodeEncryptedGroupSecrets);
  e.opaque(v.encryptedGroupInfo);
}

export function decodeWelcome(d: Decoder): Welcome {
  const cipherSuite = d.u16('cipher_suite');
  if (!isCipherSuiteId(cipherSuite)) d.fail('cipher_suite', `unsupported cipher suite ${cipherSuite}`);
  const secrets = d.vector('secrets', decodeEncryptedGroupSecrets);
  const encryptedGroupInfo = d.opaque('encrypted_group_info');
  return { cipherSuite, secrets, encryptedGroupInfo };
}

/** The entry addressed to the KeyPackage with this ref, if any. */
export function findWelcomeSecrets(v: Welcome, keyPackageRef: Uint8Array): EncryptedGroupSecrets | undefined {
  return v.secrets.find((s) => equalBytes(s.newMember, keyPackageRef));
}
