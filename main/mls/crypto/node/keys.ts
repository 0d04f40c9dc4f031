// Raw key bytes <-> node:crypto KeyObjects. Keys go through JWK where it can
// carry them (OKP keys, NIST public keys): OpenSSL 3 parses and writes DER
// through its generic decoder framework, 20 to 100 times slower than the raw
// key calls behind JWK, which made DER the main cost of TreeKEM and Welcome
// encryption in large groups. NIST private keys stay SEC1 DER (JWK would need
// the public point). Each imported key is cached (bounded LRU keyed by its
// bytes) so a group's long-lived keys are parsed once, not on every operation.

import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import { bytesKey } from '../../util/bytes.js';
import { Lru } from '../lru.js';

export type KeyKind = 'ed25519' | 'ed448' | 'x25519' | 'x448' | 'P-256' | 'P-384' | 'P-521';

interface KindInfo {
  /** Raw public key length (for NIST curves: the uncompressed point). */
  publicSize: number;
  privateSize: number;
  /** EC curves only: the named-curve OID, for SEC1 private keys. */
  curveOid?: string;
  /** JWK crv name. */
  crv: string;
}

export const KINDS: Readonly<Record<KeyKind, KindInfo>> = {
  ed25519: { publicSize: 32, privateSize: 32, crv: 'Ed25519' },
  ed448: { publicSize: 57, privateSize: 57, crv: 'Ed448' },
  x25519: { publicSize: 32, privateSize: 32, crv: 'X25519' },
  x448: { publicSize: 56, privateSize: 56, crv: 'X448' },
  'P-256': { publicSize: 65, privateSize: 32, curveOid: '06082a8648ce3d030107', crv: 'P-256' },
  'P-384': { publicSize: 97, privateSize: 48, curveOid: '06052b81040022', crv: 'P-384' },
  'P-521': { publicSize: 133, privateSize: 66, curveOid: '06052b81040023', crv: 'P-521' },
};

// One LRU per key kind, keyed by the key's bytes (Ed25519 and X25519 keys have the same length).
const publicCaches = new Map<KeyKind, Lru<KeyObject>>();
const privateCaches = new Map<KeyKind, Lru<KeyObject>>();

function cacheOf(caches: Map<KeyKind, Lru<KeyObject>>, kind: KeyKind, size: number): Lru<KeyObject> {
  let c = caches.get(kind);
  if (c === undefined) {
    c = new Lru<KeyObject>(size);
    caches.set(kind, c);
  }
  return c;
}

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

function b64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
}

/** The JWK of a raw public key: OKP `x`, or the EC point split into `x` and `y`. */
function publicJwk(info: KindInfo, pk: Uint8Array): JsonWebKey {
  if (info.curveOid === undefined) return { kty: 'OKP', crv: info.crv, x: b64(pk) };
  const n = (pk.length - 1) / 2;
  return { kty: 'EC', crv: info.crv, x: b64(pk.subarray(1, 1 + n)), y: b64(pk.subarray(1 + n)) };
}

/** Imports a raw public key; throws CryptoError when the bytes are not a valid key of that kind. */
export function importPublic(kind: KeyKind, pk: Uint8Array): KeyObject {
  const info = KINDS[kind];
  if (pk.length !== info.publicSize) throw new CryptoError(`${kind}: public key is ${pk.length} bytes, expected ${info.publicSize}`);
  if (info.curveOid !== undefined && pk[0] !== 0x04) throw new CryptoError(`${kind}: public key is not an uncompressed point`);
  const cache = cacheOf(publicCaches, kind, 512);
  const id = bytesKey(pk);
  let k = cache.get(id);
  if (k === undefined) {
    try {
      k = createPublicKey({ key: publicJwk(info, pk), format: 'jwk' });
    } catch {
      throw new CryptoError(`${kind}: public key is not a valid point`);
    }
    cache.set(id, k);
  }
  return k;
}

/** Imports a raw private key (range of NIST scalars is the caller's check); `cache` false for one-time keys. */
export function importPrivate(kind: KeyKind, sk: Uint8Array, cache = true): KeyObject {
  const info = KINDS[kind];
  if (sk.length !== info.privateSize) throw new CryptoError(`${kind}: private key is ${sk.length} bytes, expected ${info.privateSize}`);
  const lru = cache ? cacheOf(privateCaches, kind, 256) : undefined;
  const id = lru === undefined ? '' : bytesKey(sk);
  let k = lru?.get(id);
  if (k === undefined) {
    try {
      // Node builds an OKP private key from `d` alone; `x` must be a string but is not read.
      k =
        info.curveOid === undefined
          ? createPrivateKey({ key: { kty: 'OKP', crv: info.crv, d: b64(sk), x: '' }, format: 'jwk' })
          : createPrivateKey({ key: sec1(info, sk), format: 'der', type: 'sec1' });
    } catch {
      throw new CryptoError(`${kind}: private key is not valid`);
    }
    lru?.set(id, k);
  }
  return k;
}

/** Copies a Buffer into a plain Uint8Array (callers compare with deepStrictEqual, and Buffers may share a pool). */
export function u8(b: Buffer): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

/**
 * A plain Uint8Array of a Buffer's bytes: a view when the Buffer has its
 * memory to itself (digests, signatures and DH outputs come so from
 * node:crypto), a copy when it sits in Node's shared pool. Saves a copy per
 * primitive call without keeping a pool slab alive.
 */
export function own(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.buffer.byteLength === b.length ? new Uint8Array(b.buffer, 0, b.length) : u8(b);
}

function fromB64(s: string | undefined, size: number): Uint8Array {
  const b = Buffer.from(s ?? '', 'base64url');
  if (b.length > size) throw new CryptoError(`JWK member of ${b.length} bytes, expected at most ${size}`);
  const out = new Uint8Array(size);
  out.set(b, size - b.length); // big-endian EC coordinates: left-pad (OKP keys always have their full size)
  return out;
}

/**
 * The raw public key of a private key made by importPrivate. OpenSSL computed it
 * while importing (for X25519/X448 and Ed25519/Ed448 a scalar multiplication), so
 * reading it back through JWK costs a base64 round trip instead of another
 * multiplication (or a DER export, ~100 µs). Only for imported keys: the JWK
 * export deadlock below concerns keys made by key generation jobs, which never
 * come here (importPrivate builds keys with createPrivateKey).
 */
export function publicOfImported(kind: KeyKind, key: KeyObject): Uint8Array {
  const info = KINDS[kind];
  const jwk = key.export({ format: 'jwk' });
  if (info.curveOid === undefined) return fromB64(jwk.x, info.publicSize);
  const n = (info.publicSize - 1) / 2;
  const out = new Uint8Array(info.publicSize);
  out[0] = 0x04;
  out.set(fromB64(jwk.x, n), 1);
  out.set(fromB64(jwk.y, n), 1 + n);
  return out;
}

/** The raw public key: the tail of the SPKI encoding (the BIT STRING is its last element). */
export function exportPublic(kind: KeyKind, key: KeyObject): Uint8Array {
  // DER, not JWK: Node 20's JWK export allocates while holding the key's lock, and deadlocks
  // when that allocation's GC finalizes a key generation job sharing the lock.
  const spki = key.type === 'private' ? createPublicKey(key).export({ format: 'der', type: 'spki' }) : key.export({ format: 'der', type: 'spki' });
  return u8(spki.subarray(spki.length - KINDS[kind].publicSize));
}

/** The raw private key of an Edwards/Montgomery curve: the PKCS#8 tail. (NIST keys are made as raw scalars, never exported.) */
export function exportPrivate(kind: KeyKind, key: KeyObject): Uint8Array {
  const size = KINDS[kind].privateSize;
  if (KINDS[kind].curveOid === undefined) {
    const p8 = key.export({ format: 'der', type: 'pkcs8' });
    // Node writes version-1 PKCS#8 without the public key, so the raw key is the tail.
    return u8(p8.subarray(p8.length - size));
  }
  throw new CryptoError(`${kind}: private keys are created as raw scalars and never exported`);
}
