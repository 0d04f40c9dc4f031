// The internal building blocks a provider supplies; suite.ts assembles them
// into a CipherSuite. Only the DH group is new here: hash, AEAD and signature
// already have their public interfaces in provider.ts.

import type { Aead, AeadName, Hash, HashName, HpkeKeyPair, KemName, Signature, SignatureName } from './provider.js';

/** The Diffie-Hellman group under a DHKEM (RFC 9180 §4.1). Keys are serialized as HPKE does. */
export interface DhGroup {
  readonly kem: KemName;
  generateKeyPair(): HpkeKeyPair;
  /** Throws CryptoError for a private key of the wrong length or out of range. */
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  /**
   * RFC 9180 §7.1.4 public key validation without a DH: throws CryptoError for a
   * key every DH with it would refuse (wrong length; X25519/X448: a small-order
   * point, small-order.ts; NIST curves: not an uncompressed point on the curve).
   */
  checkPublicKey(publicKey: Uint8Array): void;
  /** DH(sk, pk): validates pk (length, encoding, on-curve, not low order) and throws CryptoError when invalid or the result is zero. */
  dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** Encap's first half: a fresh ephemeral key pair, returning its serialized public key and DH(skE, pkR). */
  ephemeral(publicKey: Uint8Array): { enc: Uint8Array; dh: Uint8Array };
  /** ephemeral() for each key, in order (optional: a provider may spread a large batch over other threads). */
  ephemeralMany?(publicKeys: readonly Uint8Array[]): { enc: Uint8Array; dh: Uint8Array }[];
}

export interface Primitives {
  hash(name: HashName): Hash;
  aead(name: AeadName): Aead;
  signature(name: SignatureName): Signature;
  dh(kem: KemName): DhGroup;
  randomBytes(n: number): Uint8Array;
}
