// AES-GCM and ChaCha20-Poly1305 from @noble/ciphers.
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { CryptoError } from '../../errors.js';
import { AEAD_NONCE, AEAD_TAG, checkAeadArgs } from '../aead-args.js';
import type { Aead, AeadName } from '../provider.js';
import { AEAD_KEY_SIZES } from '../suites.js';

export function nobleAead(name: AeadName): Aead {
  const make = name === 'ChaCha20-Poly1305' ? chacha20poly1305 : gcm;
  return {
    name,
    keySize: AEAD_KEY_SIZES[name],
    nonceSize: AEAD_NONCE,
    tagSize: AEAD_TAG,
    seal(key, nonce, aad, plaintext) {
      checkAeadArgs(name, 'seal', key, nonce);
      return make(key, nonce, aad).encrypt(plaintext);
    },
    open(key, nonce, aad, ciphertext) {
      checkAeadArgs(name, 'open', key, nonce);
      if (ciphertext.length < AEAD_TAG) throw new CryptoError(`${name} open: ciphertext of ${ciphertext.length} bytes is shorter than the tag`);
      try {
        return make(key, nonce, aad).decrypt(ciphertext);
      } catch {
        throw new CryptoError(`${name} open: authentication tag does not verify`);
      }
    },
  };
}
