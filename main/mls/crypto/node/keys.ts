// Raw key bytes <-> node:crypto KeyObjects. Raw keys are wrapped in fixed DER
// prefixes (SPKI / PKCS#8 for the Edwards and Montgomery curves, SEC1 for NIST
// private keys). Each imported key is cached (bounded LRU keyed by its bytes)
// so a group's long-lived keys are parsed once, not on every operation.

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import { toHex } from '../../util/bytes.js';
import { Lru } from '../lru.js';

export type KeyKind = 'ed25519' | 'ed448' | 'x25519' | 'x448' | 'P-256' | 'P-384' | 'P-521';

interface KindInfo {
  /** Raw public key length (for NIST curves: the uncompressed point). */
  publicSize: number;
  privateSize: number;
  spkiPrefix: string;
  /** PKCS#8 prefix (OKP) or SEC1 pieces (EC). */
  pkcs8Prefix?: string;
  curveOid?: string;
}

export const KINDS: Readonly<Record<KeyKind, KindInfo>> = {
  ed25519: { publicSize: 32, privateSize: 32, spkiPrefix: '302a300506032b6570032100', pkcs8Prefix: '302e020100300506032b657004220420' },
  ed448: { publicSize: 57, privateSize: 57, spkiPrefix: '3043300506032b6571033a00', pkcs8Prefix: '3047020100300506032b6571043b0439' },
  x25519: { publicSize: 32, privateSize: 32, spkiPrefix: '302a300506032b656e032100', pkcs8Prefix: '302e020100300506032b656e04220420' },
  x448: { publicSize: 56, privateSize: 56, spkiPrefix: '3042300506032b656f033900', pkcs8Prefix: '3046020100300506032b656f043a0438' },
  'P-256': { publicSize: 65, privateSize: 32, spkiPrefix: '3059301306072a8648ce3d020106082a8648ce3d030107034200', curveOid: '06082a8648ce3d030107' },
  'P-384': { publicSize: 97, privateSize: 48, spkiPrefix: '3076301006072a8648ce3d020106052b81040022036200', curveOid: '06052b81040022' },
  'P-521': { publicSize: 133, privateSize: 66, spkiPrefix: '30819b301006072a8648ce3d020106052b8104002303818600', curveOid: '06052b81040023' },
};

const publicCache = new Lru<KeyObject>(512);
const privateCache = new Lru<KeyObject>(256);

function der(hexPrefix: string, body: Uint8Array, hexSuffix = ''): Buffer {
  return Buffer.concat([Buffer.from(hexPrefix, 'hex'), body, Buffer.from(hexSuffix, 'hex')]);
}

function hexLen(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** SEC1 ECPrivateKey { version 1, privateKey, [0] curve } without the optional public key (OpenSSL recomputes it). */
function sec1(info: KindInfo, sk: Uint8Array): Buffer {
  const oid = info.curveOid!;
  const params = `a0${hexLen(oid.length / 2)}${oid}`;
  const inner = 3 + 2 + sk.length + params.length / 2;
  return der(`30${hexLen(inner)}020101` + `04${hexLen(sk.length)}`, sk, params);
}

/** Imports a raw public key; throws CryptoError when the bytes are not a valid key of that kind. */
export function importPublic(kind: KeyKind, pk: Uint8Array): KeyObject {
  const info = KINDS[kind];
  if (pk.length !== info.publicSize) throw new CryptoError(`${kind}: public key is ${pk.length} bytes, expected ${info.publicSize}`);
  if (info.curveOid !== undefined && pk[0] !== 0x04) throw new CryptoError(`${kind}: public key is not an uncompressed point`);
  const id = kind + toHex(pk);
  let k = publicCache.get(id);
  if (k === undefined) {
    try {
      k = createPublicKey({ key: der(info.spkiPrefix, pk), format: 'der', type: 'spki' });
    } catch {
      throw new CryptoError(`${kind}: public key is not a valid point`);
    }
    publicCache.set(id, k);
  }
  return k;
}

/** Imports a raw private key (range of NIST scalars is the caller's check). */
export function importPrivate(kind: KeyKind, sk: Uint8Array): KeyObject {
  const info = KINDS[kind];
  if (sk.length !== info.privateSize) throw new CryptoError(`${kind}: private key is ${sk.length} bytes, expected ${info.privateSize}`);
  const id = kind + toHex(sk);
  let k = privateCache.get(id);
  if (k === undefined) {
    try {
      k =
        info.pkcs8Prefix !== undefined
          ? createPrivateKey({ key: der(info.pkcs8Prefix, sk), format: 'der', type: 'pkcs8' })
          : createPrivateKey({ key: sec1(info, sk), format: 'der', type: 'sec1' });
    } catch {
      throw new CryptoError(`${kind}: private key is not valid`);
    }
    privateCache.set(id, k);
  }
  return k;
}

/** Copies a Buffer into a plain Uint8Array (callers compare with deepStrictEqual, and Buffers may share a pool). */
export function u8(b: Buffer): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

/** The raw public key: the tail of the SPKI encoding (the BIT STRING is its last element). */
export function exportPublic(kind: KeyKind, key: KeyObject): Uint8Array {
  const spki = key.type === 'private' ? createPublicKey(key).export({ format: 'der', type: 'spki' }) : key.export({ format: 'der', type: 'spki' });
  return u8(spki.subarray(spki.length - KINDS[kind].publicSize));
}

/** The raw private key: the PKCS#8 tail for the Edwards/Montgomery curves, else JWK `d` left-padded to the curve's length. */
export function exportPrivate(kind: KeyKind, key: KeyObject): Uint8Array {
  const size = KINDS[kind].privateSize;
  if (KINDS[kind].pkcs8Prefix !== undefined) {
    const p8 = key.export({ format: 'der', type: 'pkcs8' });
    // Node writes version-1 PKCS#8 without the public key, so the raw key is the tail.
    if (p8.length === KINDS[kind].pkcs8Prefix!.length / 2 + size) return u8(p8.subarray(p8.length - size));
  }
  const d = key.export({ format: 'jwk' }).d;
  if (d === undefined) throw new CryptoError(`${kind}: key has no private part`);
  const raw = Buffer.from(d, 'base64url');
  const out = new Uint8Array(size);
  out.set(raw.subarray(Math.max(0, raw.length - size)), Math.max(0, size - raw.length));
  return out;
}
