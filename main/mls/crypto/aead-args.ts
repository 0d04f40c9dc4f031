// Argument checks shared by both AEAD implementations, so a wrong key or nonce
// length fails the same way whichever provider runs.

import { CryptoError } from '../errors.js';
import type { AeadName } from './provider.js';
import { AEAD_KEY_SIZES } from './suites.js';

export const AEAD_NONCE = 12;
export const AEAD_TAG = 16;

export function checkAeadArgs(name: AeadName, op: string, key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AEAD_KEY_SIZES[name]) throw new CryptoError(`${name} ${op}: key is ${key.length} bytes, expected ${AEAD_KEY_SIZES[name]}`);
  if (nonce.length !== AEAD_NONCE) throw new CryptoError(`${name} ${op}: nonce is ${nonce.length} bytes, expected ${AEAD_NONCE}`);
}
