// Strict RFC 8032 encoding checks done before any EdDSA verify, by both
// providers, so that they agree on what is "non-canonical" (§5.1.7 / §5.2.7:
// S < L and point encodings with y < p). Public keys of small order are refused
// too: with them, crafted signatures verify for any message (OpenSSL would
// accept them, noble's strict mode does not; both providers now refuse).

import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { ED448_TORSION_SUBGROUP } from '@noble/curves/ed448.js';
import { toHex } from '../util/bytes.js';

const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;
const ED25519_P = (1n << 255n) - 19n;
const ED448_L = (1n << 446n) - 13818066809895115352007386748515426880336692474882178609894547503885n;
const ED448_P = (1n << 448n) - (1n << 224n) - 1n;

/** Encodings of the small-order points, with the x sign bit cleared (either sign is refused). */
function torsion(list: readonly string[]): Set<string> {
  return new Set(list.map((h) => h.slice(0, -2) + (parseInt(h.slice(-2), 16) & 0x7f).toString(16).padStart(2, '0')));
}
const SMALL_25519 = torsion(ED25519_TORSION_SUBGROUP);
const SMALL_448 = torsion(ED448_TORSION_SUBGROUP);

function smallOrder(set: Set<string>, p: Uint8Array): boolean {
  const q = p.slice();
  q[q.length - 1] = q[q.length - 1]! & 0x7f;
  return set.has(toHex(q));
}

function le(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

function canonicalPoint25519(p: Uint8Array): boolean {
  const y = p.slice();
  y[31] = y[31]! & 0x7f;
  return le(y) < ED25519_P;
}

function canonicalPoint448(p: Uint8Array): boolean {
  // The last byte holds only the sign of x; its low seven bits must be zero.
  if ((p[56]! & 0x7f) !== 0) return false;
  return le(p.subarray(0, 56)) < ED448_P;
}

export function ed25519Canonical(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (smallOrder(SMALL_25519, publicKey)) return false;
  return canonicalPoint25519(publicKey) && canonicalPoint25519(signature.subarray(0, 32)) && le(signature.subarray(32)) < ED25519_L;
}

export function ed448Canonical(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 57 || signature.length !== 114) return false;
  if (smallOrder(SMALL_448, publicKey)) return false;
  return canonicalPoint448(publicKey) && canonicalPoint448(signature.subarray(0, 57)) && le(signature.subarray(57)) < ED448_L;
}
