// RFC 9420 §12.4.3.1: the two layers of Welcome encryption. GroupSecrets go to
// each new member's init key with EncryptWithLabel("Welcome", encrypted_group_info);
// the GroupInfo is sealed once for all with welcome_key/welcome_nonce (empty AAD),
// derived from welcome_secret by the key schedule.

import { decode } from '../codec/decoder.js';
import { encode } from '../codec/encoder.js';
import { decryptWithLabel, encryptWithLabel, encryptWithLabelMany } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { welcomeKeyNonce } from '../schedule/key-schedule.js';
import type { HPKECiphertext } from '../tree/update-path.js';
import { decodeGroupInfo, encodeGroupInfo, type GroupInfo } from './group-info.js';
import { decodeGroupSecrets, encodeGroupSecrets, type GroupSecrets } from './group-secrets.js';

const EMPTY = new Uint8Array(0);

export function encryptGroupSecrets(
  suite: CipherSuite,
  initKey: Uint8Array,
  encryptedGroupInfo: Uint8Array,
  secrets: GroupSecrets,
): HPKECiphertext {
  const ct = encryptWithLabel(suite, initKey, 'Welcome', encryptedGroupInfo, encode(encodeGroupSecrets, secrets));
  return { kemOutput: ct.kemOutput, ciphertext: ct.ciphertext };
}

/** encryptGroupSecrets for each new member of one Welcome: the same ciphertexts, with encrypted_group_info hashed once. */
export function encryptGroupSecretsMany(
  suite: CipherSuite,
  recipients: readonly { initKey: Uint8Array; secrets: GroupSecrets }[],
  encryptedGroupInfo: Uint8Array,
): HPKECiphertext[] {
  const items = recipients.map((r) => ({ publicKey: r.initKey, plaintext: encode(encodeGroupSecrets, r.secrets) }));
  return encryptWithLabelMany(suite, items, 'Welcome', encryptedGroupInfo).map((ct) => ({ kemOutput: ct.kemOutput, ciphertext: ct.ciphertext }));
}

/** Throws CryptoError when the HPKE ciphertext does not open, DecodeError when the plaintext is malformed. */
export function decryptGroupSecrets(
  suite: CipherSuite,
  initPrivateKey: Uint8Array,
  encryptedGroupInfo: Uint8Array,
  ct: HPKECiphertext,
): GroupSecrets {
  const pt = decryptWithLabel(suite, initPrivateKey, 'Welcome', encryptedGroupInfo, ct.kemOutput, ct.ciphertext);
  return decode(decodeGroupSecrets, pt, 'GroupSecrets');
}

export function encryptGroupInfo(suite: CipherSuite, welcomeSecret: Uint8Array, groupInfo: GroupInfo): Uint8Array {
  const { key, nonce } = welcomeKeyNonce(suite, welcomeSecret);
  return suite.aead.seal(key, nonce, EMPTY, encode(encodeGroupInfo, groupInfo));
}

/** Throws CryptoError when the AEAD tag does not verify, DecodeError when the GroupInfo is malformed. */
export function decryptGroupInfo(suite: CipherSuite, welcomeSecret: Uint8Array, encryptedGroupInfo: Uint8Array): GroupInfo {
  const { key, nonce } = welcomeKeyNonce(suite, welcomeSecret);
  // The plaintext is a fresh buffer nobody else holds: the GroupInfo (and the tree in it) may view it.
  return decode(decodeGroupInfo, suite.aead.open(key, nonce, EMPTY, encryptedGroupInfo), 'GroupInfo', 'view');
}
