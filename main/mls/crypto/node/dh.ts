// The DHKEM groups from node:crypto: X25519, X448 and ECDH on the NIST curves.
// diffieHellman yields the x coordinate for EC keys, as RFC 9180 §7.1.1 wants.

import { diffieHellman, type KeyObject } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import type { DhGroup } from '../primitives.js';
import type { KemName } from '../provider.js';
import { isSmallOrderPoint } from '../small-order.js';
import { isValidScalar, KEMS, randomScalar } from '../suites.js';
import { importPrivate, importPublic, own, publicOfImported, type KeyKind } from './keys.js';
import { ephemeralParallel } from './parallel-ephemeral.js';
import { randomBytes } from './random.js';

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

export function nodeDh(kem: KemName): DhGroup {
  const kind = KIND[kem];
  const params = KEMS[kem];
  const isNist = params.order !== undefined;

  function importSk(sk: Uint8Array): KeyObject {
    if (!isValidScalar(params, sk)) throw new CryptoError(`${kem}: private key of ${sk.length} bytes is not a valid key`);
    return importPrivate(kind, sk);
  }

  function derive(privateKey: KeyObject, pk: Uint8Array): Uint8Array {
    const publicKey = importPublic(kind, pk);
    let out: Uint8Array;
    try {
      out = own(diffieHellman({ privateKey, publicKey }));
    } catch {
      // OpenSSL fails X25519/X448 derivation whose result is zero (a low-order point).
      throw new CryptoError(`${kem}: invalid public key (low order) or private key`);
    }
    if (allZero(out)) throw new CryptoError(`${kem}: DH output is all zero`);
    return out;
  }

  // Keys are random bytes (X25519/X448) or random scalars (NIST) imported with
  // createPrivateKey, never key generation jobs: those are slow in OpenSSL 3, and
  // exporting their keys as JWK can deadlock Node 20 (keys.ts). The import already
  // computes the public key, which publicOfImported reads back.
  const freshPrivate = (): Uint8Array => (isNist ? randomScalar(params, randomBytes) : randomBytes(params.privateKeySize));

  function ephemeral(pkR: Uint8Array): { enc: Uint8Array; dh: Uint8Array } {
    importPublic(kind, pkR); // validate before spending a key generation
    // Not through the cache: a one-time key would only evict long-lived ones from it.
    const skE = importPrivate(kind, freshPrivate(), false);
    return { enc: publicOfImported(kind, skE), dh: derive(skE, pkR) };
  }

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
      const sk = freshPrivate();
      return { privateKey: sk, publicKey: publicOfImported(kind, importSk(sk)) };
    },
    publicKeyFromPrivate: (sk) => publicOfImported(kind, importSk(sk)),
    dh: (sk, pk) => derive(importSk(sk), pk),
    ephemeral,
    ...(isNist ? {} : { ephemeralMany: (pks: readonly Uint8Array[]) => ephemeralParallel(pks, kem === 'DHKEM-X25519' ? 'X25519' : 'X448', params.privateKeySize, ephemeral) }),
  };
}
