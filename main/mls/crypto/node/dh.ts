// The DHKEM groups from node:crypto: X25519, X448 and ECDH on the NIST curves.
// diffieHellman yields the x coordinate for EC keys, as RFC 9180 §7.1.1 wants.

import { diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import type { DhGroup } from '../primitives.js';
import type { KemName } from '../provider.js';
import { isValidScalar, KEMS } from '../suites.js';
import { exportPrivate, exportPublic, importPrivate, importPublic, u8, type KeyKind } from './keys.js';

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

  return {
    kem,
    generateKeyPair() {
      const k = generate();
      return { privateKey: exportPrivate(kind, k), publicKey: exportPublic(kind, k) };
    },
    publicKeyFromPrivate: (sk) => exportPublic(kind, importSk(sk)),
    dh: (sk, pk) => derive(importSk(sk), pk),
    ephemeral(pkR) {
      importPublic(kind, pkR); // validate before spending a key generation
      const skE = generate();
      return { enc: exportPublic(kind, skE), dh: derive(skE, pkR) };
    },
  };
}
