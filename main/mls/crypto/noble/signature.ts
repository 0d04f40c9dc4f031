// Ed25519, Ed448 and ECDSA over P-256/P-384/P-521 from @noble/curves, with the
// key and signature formats of RFC 9420 §5.1.2 (raw EdDSA keys; ECDSA: big-endian
// scalar, uncompressed point, DER signature over the suite hash of the message).

import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CryptoError } from '../../errors.js';
import { concat, equalBytes } from '../../util/bytes.js';
import { ed25519Canonical, ed448Canonical } from '../eddsa-checks.js';
import type { Signature, SignatureName } from '../provider.js';
import { KEMS } from '../suites.js';

function checkPrivate(name: SignatureName, sk: Uint8Array, len: number): void {
  if (sk.length !== len) throw new CryptoError(`${name}: private key is ${sk.length} bytes, expected ${len}`);
}

const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;

function le(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/**
 * RFC 8032 §5.1.7 Ed25519 verification without the cofactor: encode([S]B - [k]A)
 * must equal R byte for byte. This is what OpenSSL and BoringSSL do; noble's own
 * verify is cofactored and would accept signatures whose R carries a torsion
 * component, so the two providers could disagree on a crafted signature.
 * Encodings were checked canonical (and A not of small order) beforehand.
 */
function ed25519VerifyCofactorless(pk: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  const A = ed25519.Point.fromBytes(pk, false);
  const r = sig.subarray(0, 32);
  const S = le(sig.subarray(32));
  const k = le(sha512(concat(r, pk, message))) % ED25519_L;
  const R = ed25519.Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k));
  return equalBytes(R.toBytes(), r);
}

function eddsa(name: 'Ed25519' | 'Ed448'): Signature {
  const curve = name === 'Ed25519' ? ed25519 : ed448;
  const len = name === 'Ed25519' ? 32 : 57;
  const canonical = name === 'Ed25519' ? ed25519Canonical : ed448Canonical;
  return {
    name,
    generateKeyPair() {
      const privateKey = randomBytes(len);
      return { privateKey, publicKey: curve.getPublicKey(privateKey) };
    },
    publicKeyFromPrivate(sk) {
      checkPrivate(name, sk, len);
      return curve.getPublicKey(sk);
    },
    sign(sk, message) {
      checkPrivate(name, sk, len);
      return curve.sign(message, sk);
    },
    verify(pk, message, sig) {
      if (!canonical(pk, sig)) return false;
      try {
        if (name === 'Ed25519') return ed25519VerifyCofactorless(pk, message, sig);
        return curve.verify(sig, message, pk, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}

/** Exported for the node provider, which reuses the scalar/point checks. */
export const NIST = {
  'ECDSA-P256': { curve: p256, params: KEMS['DHKEM-P256'] },
  'ECDSA-P384': { curve: p384, params: KEMS['DHKEM-P384'] },
  'ECDSA-P521': { curve: p521, params: KEMS['DHKEM-P521'] },
} as const;

function ecdsa(name: 'ECDSA-P256' | 'ECDSA-P384' | 'ECDSA-P521'): Signature {
  const { curve, params } = NIST[name];
  const opts = { format: 'der', lowS: false, prehash: true } as const;
  const toPublic = (sk: Uint8Array): Uint8Array => {
    checkPrivate(name, sk, params.privateKeySize);
    try {
      return curve.getPublicKey(sk, false);
    } catch {
      throw new CryptoError(`${name}: private key is not a scalar in [1, n-1]`);
    }
  };
  return {
    name,
    generateKeyPair() {
      const privateKey = curve.utils.randomSecretKey();
      return { privateKey, publicKey: curve.getPublicKey(privateKey, false) };
    },
    publicKeyFromPrivate: toPublic,
    sign(sk, message) {
      checkPrivate(name, sk, params.privateKeySize);
      try {
        return curve.sign(message, sk, opts);
      } catch {
        throw new CryptoError(`${name}: private key is not a scalar in [1, n-1]`);
      }
    },
    verify(pk, message, sig) {
      if (pk.length !== params.publicKeySize || pk[0] !== 0x04) return false;
      try {
        return curve.verify(sig, message, pk, opts);
      } catch {
        return false;
      }
    },
  };
}

export function nobleSignature(name: SignatureName): Signature {
  switch (name) {
    case 'Ed25519':
    case 'Ed448':
      return eddsa(name);
    default:
      return ecdsa(name);
  }
}
