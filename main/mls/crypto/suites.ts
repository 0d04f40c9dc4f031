// The parameters of the seven RFC 9420 cipher suites (§17.1 table) and of their
// HPKE KEMs (RFC 9180 §7.1): which primitive each suite uses and the registry ids
// that HPKE mixes into its suite_id. Pure data; providers build on it.

import type { AeadName, CipherSuiteId, HashName, KemName, SignatureName } from './provider.js';
import { ArgumentError } from '../errors.js';

export interface SuiteParams {
  readonly id: CipherSuiteId;
  readonly hash: HashName;
  readonly aead: AeadName;
  readonly signature: SignatureName;
  readonly kem: KemName;
  /** RFC 9180 §7.2 KDF id (the suite's HKDF, used by the HPKE key schedule). */
  readonly kdfId: number;
  /** RFC 9180 §7.3 AEAD id. */
  readonly aeadId: number;
}

/** RFC 9420 §17.1: KEM / KDF / AEAD / hash / signature per suite. */
export const SUITES: Readonly<Record<CipherSuiteId, SuiteParams>> = {
  1: { id: 1, hash: 'SHA-256', aead: 'AES-128-GCM', signature: 'Ed25519', kem: 'DHKEM-X25519', kdfId: 0x0001, aeadId: 0x0001 },
  2: { id: 2, hash: 'SHA-256', aead: 'AES-128-GCM', signature: 'ECDSA-P256', kem: 'DHKEM-P256', kdfId: 0x0001, aeadId: 0x0001 },
  3: { id: 3, hash: 'SHA-256', aead: 'ChaCha20-Poly1305', signature: 'Ed25519', kem: 'DHKEM-X25519', kdfId: 0x0001, aeadId: 0x0003 },
  4: { id: 4, hash: 'SHA-512', aead: 'AES-256-GCM', signature: 'Ed448', kem: 'DHKEM-X448', kdfId: 0x0003, aeadId: 0x0002 },
  5: { id: 5, hash: 'SHA-512', aead: 'AES-256-GCM', signature: 'ECDSA-P521', kem: 'DHKEM-P521', kdfId: 0x0003, aeadId: 0x0002 },
  6: { id: 6, hash: 'SHA-512', aead: 'ChaCha20-Poly1305', signature: 'Ed448', kem: 'DHKEM-X448', kdfId: 0x0003, aeadId: 0x0003 },
  7: { id: 7, hash: 'SHA-384', aead: 'AES-256-GCM', signature: 'ECDSA-P384', kem: 'DHKEM-P384', kdfId: 0x0002, aeadId: 0x0002 },
};

export interface KemParams {
  readonly kem: KemName;
  /** RFC 9180 §7.1 KEM id. */
  readonly id: number;
  /** The hash of the KEM's own HKDF (fixed by the KEM, independent of the suite KDF). */
  readonly hash: HashName;
  readonly secretSize: number; // Nsecret
  readonly encSize: number; // Nenc
  readonly publicKeySize: number; // Npk
  readonly privateKeySize: number; // Nsk
  /** NIST curves only: group order and first-byte mask for DeriveKeyPair's rejection sampling (RFC 9180 §7.1.3). */
  readonly order?: bigint;
  readonly bitmask?: number;
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P384_N =
  0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
const P521_N =
  0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n;

export const KEMS: Readonly<Record<KemName, KemParams>> = {
  'DHKEM-X25519': { kem: 'DHKEM-X25519', id: 0x0020, hash: 'SHA-256', secretSize: 32, encSize: 32, publicKeySize: 32, privateKeySize: 32 },
  'DHKEM-X448': { kem: 'DHKEM-X448', id: 0x0021, hash: 'SHA-512', secretSize: 64, encSize: 56, publicKeySize: 56, privateKeySize: 56 },
  'DHKEM-P256': { kem: 'DHKEM-P256', id: 0x0010, hash: 'SHA-256', secretSize: 32, encSize: 65, publicKeySize: 65, privateKeySize: 32, order: P256_N, bitmask: 0xff },
  'DHKEM-P384': { kem: 'DHKEM-P384', id: 0x0011, hash: 'SHA-384', secretSize: 48, encSize: 97, publicKeySize: 97, privateKeySize: 48, order: P384_N, bitmask: 0xff },
  'DHKEM-P521': { kem: 'DHKEM-P521', id: 0x0012, hash: 'SHA-512', secretSize: 64, encSize: 133, publicKeySize: 133, privateKeySize: 66, order: P521_N, bitmask: 0x01 },
};

export const HASH_SIZES: Readonly<Record<HashName, number>> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

export const AEAD_KEY_SIZES: Readonly<Record<AeadName, number>> = { 'AES-128-GCM': 16, 'AES-256-GCM': 32, 'ChaCha20-Poly1305': 32 };

/** Big-endian bytes to bigint (OS2IP). */
export function os2ip(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

/**
 * A uniformly random private scalar in [1, n-1] for a NIST curve, by rejection
 * sampling (the top byte masked to the order's bit length, so P-521 rarely retries).
 */
export function randomScalar(kem: KemParams, random: (n: number) => Uint8Array): Uint8Array {
  if (kem.order === undefined) throw new ArgumentError('randomScalar: not a prime-order curve');
  const topBits = kem.order.toString(2).length - 8 * (kem.privateKeySize - 1);
  for (;;) {
    const sk = random(kem.privateKeySize);
    sk[0] = sk[0]! & ((1 << topBits) - 1);
    if (isValidScalar(kem, sk)) return sk;
  }
}

/** True when a NIST-curve private key is a scalar in [1, n-1] of exactly the curve's byte length. */
export function isValidScalar(kem: KemParams, sk: Uint8Array): boolean {
  if (kem.order === undefined) return sk.length === kem.privateKeySize;
  if (sk.length !== kem.privateKeySize) return false;
  const s = os2ip(sk);
  return s > 0n && s < kem.order;
}
