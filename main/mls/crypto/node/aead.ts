// AES-GCM and ChaCha20-Poly1305 from node:crypto; output is ciphertext || tag as in noble.
import { createCipheriv, createDecipheriv, type CipherGCMTypes, type CipherChaCha20Poly1305Types } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import { AEAD_NONCE, AEAD_TAG, checkAeadArgs } from '../aead-args.js';
import type { Aead, AeadName } from '../provider.js';
import { AEAD_KEY_SIZES } from '../suites.js';


const ALGS: Readonly<Record<AeadName, CipherGCMTypes | CipherChaCha20Poly1305Types>> = {
  'AES-128-GCM': 'aes-128-gcm',
  'AES-256-GCM': 'aes-256-gcm',
  'ChaCha20-Poly1305': 'chacha20-poly1305',
};

export function nodeAead(name: AeadName): Aead {
  const alg = ALGS[name];
  return {
    name,
    keySize: AEAD_KEY_SIZES[name],
    nonceSize: AEAD_NONCE,
    tagSize: AEAD_TAG,
    seal(key, nonce, aad, plaintext) {
      checkAeadArgs(name, 'seal', key, nonce);
      const c = createCipheriv(alg as CipherGCMTypes, key, nonce, { authTagLength: AEAD_TAG });
      c.setAAD(aad);
      // One exact-size result: ciphertext || tag.
      const out = new Uint8Array(plaintext.length + AEAD_TAG);
      const body = c.update(plaintext);
      out.set(body);
      const rest = c.final();
      out.set(rest, body.length);
      out.set(c.getAuthTag(), body.length + rest.length);
      return out;
    },
    open(key, nonce, aad, ciphertext) {
      checkAeadArgs(name, 'open', key, nonce);
      if (ciphertext.length < AEAD_TAG) throw new CryptoError(`${name} open: ciphertext of ${ciphertext.length} bytes is shorter than the tag`);
      const split = ciphertext.length - AEAD_TAG;
      const d = createDecipheriv(alg as CipherGCMTypes, key, nonce, { authTagLength: AEAD_TAG });
      d.setAuthTag(ciphertext.subarray(split));
      d.setAAD(aad);
      const out = new Uint8Array(split);
      const body = d.update(ciphertext.subarray(0, split));
      out.set(body);
      try {
        out.set(d.final(), body.length);
        return out;
      } catch {
        throw new CryptoError(`${name} open: authentication tag does not verify`);
      }
    },
  };
}
