// RFC 9180 §7.1.4 for DHKEM(X25519) and DHKEM(X448): "For X25519 and X448,
// public keys and Diffie-Hellman outputs MUST be validated as described in
// [RFC7748]. In particular, recipients MUST check whether the Diffie-Hellman
// shared secret is the all-zero value and abort if so." A received public key
// can therefore be judged once, without a DH: the shared secret X(k, u) is zero
// exactly when u is the u-coordinate of a point of small order, for every
// private key k an honest party uses. Why:
//
// - RFC 7748 §5 decodes u by clearing the top bit (X25519 only) and taking the
//   value mod p, so u and u + p (when it fits) are the same point.
// - A clamped scalar is k = c * k', with c the cofactor 8 (X25519) or 4 (X448),
//   and 0 < k' < l for l the prime order of the big subgroup of the curve and of
//   its twist (k' >= l has probability below 2^-220: never in practice).
// - The 2-part of any point's order divides c on these curves and their twists
//   (cofactors 8 and 4; 4 and 4), so [k]P has odd order: never (0, 0), and the
//   neutral element (which the ladder also returns as 0) exactly when the order
//   of P divides c, i.e. P has small order.
// - The points of order dividing 8 on Curve25519 and its twist have u in
//   {0, 1, p - 1} and the two order-8 values below; on Curve448 and its twist
//   the points of order dividing 4 have u in {0, 1, p - 1}.
//
// So a key is refused iff its decoded u is one of those: the same keys a trial
// encryption (one DH with a fresh clamped scalar) refuses, without the DH.
// Both providers use this table (test/mls/crypto/small-order.test.ts checks
// each entry against both providers' DH and the order-8 values against noble's
// Edwards torsion points).

import type { KemName } from './provider.js';

const P25519 = (1n << 255n) - 19n;
const P448 = (1n << 448n) - (1n << 224n) - 1n;

/** The u-coordinates of the two points of order 8 on Curve25519 (RFC 7748 curve). */
export const X25519_ORDER_8_U: readonly bigint[] = [
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
];

function le(n: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/**
 * Every encoding of a small-order u, as the KEM serializes public keys (little-endian,
 * for X25519 with the top bit cleared): each value, and value + p where that fits.
 */
function encodings(p: bigint, size: number, values: readonly bigint[], bits: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const u of values) {
    out.push(le(u, size));
    if (u + p < 1n << BigInt(bits)) out.push(le(u + p, size));
  }
  return out;
}

const SMALL_ORDER_X25519 = encodings(P25519, 32, [0n, 1n, P25519 - 1n, ...X25519_ORDER_8_U], 255);
const SMALL_ORDER_X448 = encodings(P448, 56, [0n, 1n, P448 - 1n], 448);

/** The encodings a Montgomery DHKEM refuses (X25519: with the top bit cleared), for tests. */
export function smallOrderEncodings(kem: 'DHKEM-X25519' | 'DHKEM-X448'): readonly Uint8Array[] {
  return kem === 'DHKEM-X25519' ? SMALL_ORDER_X25519 : SMALL_ORDER_X448;
}

/**
 * True when `pk` (of the KEM's length) decodes to a point of small order, i.e.
 * every DH with it yields the all-zero shared secret. X25519 ignores the top bit.
 */
export function isSmallOrderPoint(kem: Extract<KemName, 'DHKEM-X25519' | 'DHKEM-X448'>, pk: Uint8Array): boolean {
  const table = kem === 'DHKEM-X25519' ? SMALL_ORDER_X25519 : SMALL_ORDER_X448;
  const last = pk.length - 1;
  const top = kem === 'DHKEM-X25519' ? pk[last]! & 0x7f : pk[last]!;
  for (const e of table) {
    if (e.length !== pk.length || e[last] !== top) continue;
    let same = true;
    for (let i = 0; i < last && same; i++) same = e[i] === pk[i];
    if (same) return true;
  }
  return false;
}
