// RFC 9420 §6.3.2: the AEAD key and nonce that protect a PrivateMessage's
// SenderData, derived from sender_data_secret and a sample of the content ciphertext.

import { expandWithLabel } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ArgumentError } from '../errors.js';

export interface SenderDataKeyNonce {
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
}

/**
 * ciphertext_sample = ciphertext[0..KDF.Nh-1] (the whole ciphertext when shorter);
 * key = ExpandWithLabel(sender_data_secret, "key", sample, AEAD.Nk),
 * nonce = ExpandWithLabel(sender_data_secret, "nonce", sample, AEAD.Nn).
 */
export function senderDataKeyNonce(suite: CipherSuite, senderDataSecret: Uint8Array, ciphertext: Uint8Array): SenderDataKeyNonce {
  if (senderDataSecret.length !== suite.kdf.size) {
    throw new ArgumentError(`sender_data_secret must be KDF.Nh = ${suite.kdf.size} bytes, got ${senderDataSecret.length}`);
  }
  const sample = ciphertext.subarray(0, suite.kdf.size);
  return {
    key: expandWithLabel(suite, senderDataSecret, 'key', sample, suite.aead.keySize),
    nonce: expandWithLabel(suite, senderDataSecret, 'nonce', sample, suite.aead.nonceSize),
  };
}
