// SHA-2 and HMAC from node:crypto.
import { createHash, createHmac } from 'node:crypto';
import type { Hash, HashName } from '../provider.js';
import { HASH_SIZES } from '../suites.js';
import { own } from './keys.js';

const ALGS: Readonly<Record<HashName, string>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

export function nodeHash(name: HashName): Hash {
  const alg = ALGS[name];
  return {
    name,
    size: HASH_SIZES[name],
    digest: (data) => own(createHash(alg).update(data).digest()),
    mac: (key, data) => own(createHmac(alg, key).update(data).digest()),
  };
}
