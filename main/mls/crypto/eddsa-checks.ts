// Strict RFC 8032 encoding checks done before any EdDSA verify, by both
// providers, so that they agree on what is "non-canonical" (§5.1.7 / §5.2.7:
// S < L and point encodings with y < p). Public keys of small order are refused
// too: with them, crafted signatures verify for any message (OpenSSL would
// accept them, noble's strict mode does not; both providers now refuse).

import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { ED448_TORSION_SUBGROUP } from '@noble/curves/ed448.js';
import { fromHex } from '../util/bytes.js';

const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;
const ED25519_P = (1n << 255n) - 19n;
const ED448_L = (1n << 446n) - 13818066809895115352007386748515426880336692474882178609894547503885n;
const ED448_P = (1n << 448n) - (1n << 224n) - 1n;

// The checks run before every signature verification, so they compare bytes:
// the bounds are encoded once, little-endian, like the values they bound.
function leBytes(n: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}
const L25519 = leBytes(ED25519_L, 32);
const P25519 = leBytes(ED25519_P, 32);
const L448 = leBytes(ED448_L, 57);
const P448 = leBytes(ED448_P, 57);

/** b[at .. at + bound.length), read little-endian with its top byte masked by `topMask`, is below `bound`. */
function lessThan(b: Uint8Array, at: number, bound: Uint8Array, topMask = 0xff): boolean {
  for (let i = bound.length - 1; i >= 0; i--) {
    const x = i === bound.length - 1 ? b[at + i]! & topMask : b[at + i]!;
    if (x !== bound[i]) return x < bound[i]!;
  }
  return false;
}

/** Encodings of the small-order points, with the x sign bit cleared (either sign is refused). */
function torsion(list: readonly string[]): Uint8Array[] {
  return list.map((h) => {
    const b = fromHex(h);
    b[b.length - 1] = b[b.length - 1]! & 0x7f;
    return b;
  });
}
const SMALL_25519 = torsion(ED25519_TORSION_SUBGROUP);
const SMALL_448 = torsion(ED448_TORSION_SUBGROUP);

function smallOrder(table: readonly Uint8Array[], p: Uint8Array): boolean {
  const last = p.length - 1;
  for (const e of table) {
    if (e[last] !== (p[last]! & 0x7f)) continue;
    let same = true;
    for (let i = 0; i < last && same; i++) same = e[i] === p[i];
    if (same) return true;
  }
  return false;
}

/** y (the encoding without the sign bit of x) is below p. */
function canonicalPoint25519(b: Uint8Array, at: number): boolean {
  return lessThan(b, at, P25519, 0x7f);
}

function canonicalPoint448(b: Uint8Array, at: number): boolean {
  // The last byte holds only the sign of x; its low seven bits must be zero.
  if ((b[at + 56]! & 0x7f) !== 0) return false;
  return lessThan(b, at, P448, 0x00);
}

export function ed25519Canonical(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (smallOrder(SMALL_25519, publicKey)) return false;
  return canonicalPoint25519(publicKey, 0) && canonicalPoint25519(signature, 0) && lessThan(signature, 32, L25519);
}

export function ed448Canonical(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 57 || signature.length !== 114) return false;
  if (smallOrder(SMALL_448, publicKey)) return false;
  return canonicalPoint448(publicKey, 0) && canonicalPoint448(signature, 0) && lessThan(signature, 57, L448);
}
