// Ed25519, Ed448 and ECDSA from node:crypto, with the same key/signature formats
// and the same strictness as the noble implementation (RFC 9420 §5.1.2).

import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import { ed25519Canonical, ed448Canonical } from '../eddsa-checks.js';
import type { Signature, SignatureName } from '../provider.js';
import { isValidScalar, KEMS, randomScalar } from '../suites.js';
import { exportPrivate, exportPublic, importPrivate, importPublic, own, publicOfImported, type KeyKind } from './keys.js';
import { verifyParallel } from './parallel-verify.js';
import { randomBytes } from './random.js';

function eddsa(name: 'Ed25519' | 'Ed448'): Signature {
  const kind: KeyKind = name === 'Ed25519' ? 'ed25519' : 'ed448';
  const canonical = name === 'Ed25519' ? ed25519Canonical : ed448Canonical;
  const verify = (pk: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean => {
    if (!canonical(pk, sig)) return false;
    try {
      return nodeVerify(null, message, importPublic(kind, pk), sig);
    } catch {
      return false;
    }
  };
  return {
    name,
    generateKeyPair() {
      const { privateKey } = generateKeyPairSync(kind as 'ed25519');
      return { privateKey: exportPrivate(kind, privateKey), publicKey: exportPublic(kind, privateKey) };
    },
    publicKeyFromPrivate: (sk) => publicOfImported(kind, importPrivate(kind, sk)),
    sign: (sk, message) => own(nodeSign(null, message, importPrivate(kind, sk))),
    verify,
    verifyMany: (items) => verifyParallel(items, { kty: 'OKP', crv: name, hash: null }, (c) => verify(c.publicKey, c.message, c.signature), (c) => canonical(c.publicKey, c.signature)),
  };
}

const ECDSA = {
  'ECDSA-P256': { kind: 'P-256', hash: 'sha256', params: KEMS['DHKEM-P256'] },
  'ECDSA-P384': { kind: 'P-384', hash: 'sha384', params: KEMS['DHKEM-P384'] },
  'ECDSA-P521': { kind: 'P-521', hash: 'sha512', params: KEMS['DHKEM-P521'] },
} as const;

function ecdsa(name: 'ECDSA-P256' | 'ECDSA-P384' | 'ECDSA-P521'): Signature {
  const { kind, hash, params } = ECDSA[name];
  const importSk = (sk: Uint8Array) => {
    // OpenSSL accepts out-of-range scalars in SEC1; noble does not, so check here to agree.
    if (!isValidScalar(params, sk)) throw new CryptoError(`${name}: private key is not a ${params.privateKeySize}-byte scalar in [1, n-1]`);
    return importPrivate(kind, sk);
  };
  const verify = (pk: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean => {
    try {
      return nodeVerify(hash, message, { key: importPublic(kind, pk), dsaEncoding: 'der' }, sig);
    } catch {
      return false;
    }
  };
  return {
    name,
    generateKeyPair() {
      // A random scalar, not generateKeyPairSync: exporting that key's private part
      // needs JWK, which can deadlock in Node 20 (see keys.ts).
      const sk = randomScalar(params, randomBytes);
      return { privateKey: sk, publicKey: publicOfImported(kind, importSk(sk)) };
    },
    publicKeyFromPrivate: (sk) => publicOfImported(kind, importSk(sk)),
    sign: (sk, message) => own(nodeSign(hash, message, { key: importSk(sk), dsaEncoding: 'der' })),
    verify,
    verifyMany: (items) => verifyParallel(items, { kty: 'EC', crv: kind, hash }, (c) => verify(c.publicKey, c.message, c.signature), () => true),
  };
}

export function nodeSignature(name: SignatureName): Signature {
  switch (name) {
    case 'Ed25519':
    case 'Ed448':
      return eddsa(name);
    default:
      return ecdsa(name);
  }
}
