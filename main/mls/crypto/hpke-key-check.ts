// RFC 9180 §7.1.4 public key validation for HPKE keys a peer puts in the tree
// (KeyPackage init and leaf keys, Update leaves, UpdatePath nodes). A key that
// HPKE refuses would make every later commit fail to encrypt to it, wedging the
// group, so it is refused on arrival. The KEM judges the key without a KEM
// operation (Hpke.checkPublicKey): for X25519/X448 a small-order point is
// exactly a key whose DH output is all zero (crypto/small-order.ts); for the
// NIST curves the point must decode and lie on the curve. These are the keys a
// trial encryption refused, which this check replaced (a DH and a key
// generation per key). No validation list of RFC 9420 requires this at
// arrival: it is a local policy (GroupConfig.checkHpkeKeys, default on, see
// docs/validation.md); with it off only the length is checked (RFC 9180 §4: a
// KEM public key is Npk bytes).

import type { CipherSuite } from './provider.js';
import { CryptoError, ValidationError } from '../errors.js';

/** Throws ValidationError(`${where}: ...`) unless `pk` is a usable HPKE public key of the suite. */
export function checkHpkePublicKey(suite: CipherSuite, pk: Uint8Array, where: string): void {
  checkHpkeKeyLength(suite, pk, where);
  try {
    suite.hpke.checkPublicKey(pk);
  } catch (e) {
    if (e instanceof CryptoError) throw new ValidationError(`${where}: not a valid ${suite.hpke.kem} public key (${e.message})`);
    throw e;
  }
}

/** The check the policy selects: the KEM's validation (`full`, the default), or only the length. */
export function hpkeKeyCheck(full: boolean | undefined): typeof checkHpkePublicKey {
  return full === false ? checkHpkeKeyLength : checkHpkePublicKey;
}

/** The cheap part of the check: the encoded length of the suite's KEM public keys. */
export function checkHpkeKeyLength(suite: CipherSuite, pk: Uint8Array, where: string): void {
  if (pk.length !== suite.hpke.publicKeySize) {
    throw new ValidationError(`${where}: HPKE public key of ${pk.length} bytes, ${suite.hpke.kem} keys have ${suite.hpke.publicKeySize}`);
  }
}
