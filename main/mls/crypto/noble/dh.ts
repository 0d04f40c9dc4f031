// The DHKEM groups (RFC 9180 §7.1) from @noble/curves: X25519, X448 and ECDH on
// P-256/P-384/P-521 with uncompressed points and the x coordinate as DH output.

import { x25519 } from '@noble/curves/ed25519.js';
import { x448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CryptoError } from '../../errors.js';
import type { DhGroup } from '../primitives.js';
import type { KemName } from '../provider.js';
import { isSmallOrderPoint } from '../small-order.js';
import { KEMS } from '../suites.js';

function allZero(b: Uint8Array): boolean {
  let d = 0;
  for (const x of b) d |= x;
  return d === 0;
}

interface RawDh {
  /** RFC 9180 §7.1.4 validation of a public key of the right length (throws CryptoError). */
  check(pk: Uint8Array): void;
  random(): Uint8Array;
  pub(sk: Uint8Array): Uint8Array;
  shared(sk: Uint8Array, pk: Uint8Array): Uint8Array;
}

function raw(kem: KemName): RawDh {
  switch (kem) {
    case 'DHKEM-X25519':
    case 'DHKEM-X448': {
      const montgomery = kem === 'DHKEM-X25519' ? { c: x25519, size: 32 } : { c: x448, size: 56 };
      return {
        check: (pk) => {
          if (isSmallOrderPoint(kem, pk)) throw new CryptoError(`${kem}: public key is a point of small order (every DH with it is zero)`);
        },
        random: () => randomBytes(montgomery.size),
        pub: (sk) => montgomery.c.getPublicKey(sk),
        shared: (sk, pk) => montgomery.c.getSharedSecret(sk, pk),
      };
    }
    default: {
      const c = kem === 'DHKEM-P256' ? p256 : kem === 'DHKEM-P384' ? p384 : p521;
      return {
        check: (pk) => {
          try {
            c.Point.fromBytes(pk); // decodes and validates: coordinates in range, on the curve
          } catch {
            throw new CryptoError(`${kem}: public key is not a point on the curve`);
          }
        },
        random: () => c.utils.randomSecretKey(),
        pub: (sk) => c.getPublicKey(sk, false),
        // The compressed shared point minus its prefix byte is the x coordinate (RFC 9180 §7.1.1).
        shared: (sk, pk) => c.getSharedSecret(sk, pk, true).subarray(1),
      };
    }
  }
}

export function nobleDh(kem: KemName): DhGroup {
  const params = KEMS[kem];
  const r = raw(kem);
  const isNist = params.order !== undefined;

  function checkPublic(pk: Uint8Array): void {
    if (pk.length !== params.publicKeySize) throw new CryptoError(`${kem}: public key is ${pk.length} bytes, expected ${params.publicKeySize}`);
    if (isNist && pk[0] !== 0x04) throw new CryptoError(`${kem}: public key is not an uncompressed point`);
  }

  function dh(sk: Uint8Array, pk: Uint8Array): Uint8Array {
    checkPublic(pk);
    if (sk.length !== params.privateKeySize) throw new CryptoError(`${kem}: private key is ${sk.length} bytes, expected ${params.privateKeySize}`);
    let out: Uint8Array;
    try {
      out = r.shared(sk, pk);
    } catch {
      throw new CryptoError(`${kem}: invalid public key (not on the curve or of low order) or private key`);
    }
    if (allZero(out)) throw new CryptoError(`${kem}: DH output is all zero`);
    return out;
  }

  function publicKeyFromPrivate(sk: Uint8Array): Uint8Array {
    if (sk.length !== params.privateKeySize) throw new CryptoError(`${kem}: private key is ${sk.length} bytes, expected ${params.privateKeySize}`);
    try {
      return r.pub(sk);
    } catch {
      throw new CryptoError(`${kem}: private key is out of range`);
    }
  }

  return {
    kem,
    checkPublicKey(pk) {
      checkPublic(pk);
      r.check(pk);
    },
    generateKeyPair() {
      const privateKey = r.random();
      return { privateKey, publicKey: publicKeyFromPrivate(privateKey) };
    },
    publicKeyFromPrivate,
    dh,
    ephemeral(pkR) {
      checkPublic(pkR);
      const skE = r.random();
      return { enc: publicKeyFromPrivate(skE), dh: dh(skE, pkR) };
    },
  };
}
