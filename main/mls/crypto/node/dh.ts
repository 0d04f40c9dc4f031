// The DHKEM groups from node:crypto: X25519, X448 and ECDH on the NIST curves.
// diffieHellman yields the x coordinate for EC keys, as RFC 9180 §7.1.1 wants.

import { diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import type { DhGroup } from '../primitives.js';
import type { KemName } from '../provider.js';
import { isSmallOrderPoint } from '../small-order.js';
import { isValidScalar, KEMS, randomScalar } from '../suites.js';
import { exportPublic, importPrivate, importPublic, u8, type KeyKind } from './keys.js';

const KIND: Readonly<Record<KemName, KeyKind>> = {
  'DHKEM-X25519': 'x25519',
  'DHKEM-X448': 'x448',
  'DHKEM-P256': 'P-256',
  'DHKEM-P384': 'P-384',
  'DHKEM-P521': 'P-521',
};

function allZero(b: Uint8Array): boolean {
  let d = 0;
  for (const x of b) d |= x;
  return d === 0;
}

/** The little-endian u-coordinate `u` as a public key of `size` bytes. */
function basePointOf(size: number, u: number): Uint8Array {
  const b = new Uint8Array(size);
  b[0] = u;
  return b;
}

export function nodeDh(kem: KemName): DhGroup {
  const kind = KIND[kem];
  const params = KEMS[kem];
  const isNist = params.order !== undefined;

  const generate = (): KeyObject =>
    isNist ? generateKeyPairSync('ec', { namedCurve: kind }).privateKey : generateKeyPairSync(kind as 'x25519').privateKey;

  function importSk(sk: Uint8Array): KeyObject {
    if (!isValidScalar(params, sk)) throw new CryptoError(`${kem}: private key of ${sk.length} bytes is not a valid key`);
    return importPrivate(kind, sk);
  }

  function derive(privateKey: KeyObject, pk: Uint8Array): Uint8Array {
    const publicKey = importPublic(kind, pk);
    let out: Uint8Array;
    try {
      out = u8(diffieHellman({ privateKey, publicKey }));
    } catch {
      // OpenSSL fails X25519/X448 derivation whose result is zero (a low-order point).
      throw new CryptoError(`${kem}: invalid public key (low order) or private key`);
    }
    if (allZero(out)) throw new CryptoError(`${kem}: DH output is all zero`);
    return out;
  }

  // X25519/X448: a private key is any string of random bytes, and its public key
  // is DH with the base point (u = 9, u = 5). This avoids key generation jobs and
  // key export, both slow in OpenSSL 3, and JWK export, which in Node 20 can
  // deadlock when a GC during it finalizes a key generation job of the same key.
  const basePoint = isNist ? undefined : importPublic(kind, basePointOf(params.publicKeySize, kem === 'DHKEM-X25519' ? 9 : 5));
  const montgomeryPublic = (sk: KeyObject): Uint8Array => u8(diffieHellman({ privateKey: sk, publicKey: basePoint! }));

  return {
    kem,
    checkPublicKey(pk) {
      if (isNist) {
        // The JWK import decodes the point and refuses one off the curve (OpenSSL's
        // EC_POINT_set_affine_coordinates), the same import a DH with it goes through.
        importPublic(kind, pk);
        return;
      }
      if (pk.length !== params.publicKeySize) throw new CryptoError(`${kem}: public key is ${pk.length} bytes, expected ${params.publicKeySize}`);
      if (isSmallOrderPoint(kem as 'DHKEM-X25519' | 'DHKEM-X448', pk)) throw new CryptoError(`${kem}: public key is a point of small order (every DH with it is zero)`);
    },
    generateKeyPair() {
      if (!isNist) {
        const sk = u8(randomBytes(params.privateKeySize));
        return { privateKey: sk, publicKey: montgomeryPublic(importSk(sk)) };
      }
      // A random scalar rather than a generated KeyObject: exporting a generated EC
      // private key needs JWK, which can deadlock in Node 20 (see above).
      const sk = randomScalar(params, (n) => u8(randomBytes(n)));
      return { privateKey: sk, publicKey: exportPublic(kind, importSk(sk)) };
    },
    publicKeyFromPrivate: (sk) => (isNist ? exportPublic(kind, importSk(sk)) : montgomeryPublic(importSk(sk))),
    dh: (sk, pk) => derive(importSk(sk), pk),
    ephemeral(pkR) {
      importPublic(kind, pkR); // validate before spending a key generation
      if (!isNist) {
        // Not through importPrivate: a one-time key would only evict long-lived ones from its cache.
        const skE = importPrivate(kind, u8(randomBytes(params.privateKeySize)), false);
        return { enc: montgomeryPublic(skE), dh: derive(skE, pkR) };
      }
      const skE = generate();
      return { enc: exportPublic(kind, skE), dh: derive(skE, pkR) };
    },
  };
}
