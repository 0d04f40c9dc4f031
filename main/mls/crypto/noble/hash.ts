// SHA-2 and HMAC from @noble/hashes.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { Hash, HashName } from '../provider.js';

const FNS = { 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;

export function nobleHash(name: HashName): Hash {
  const fn = FNS[name];
  return {
    name,
    size: fn.outputLen,
    digest: (data) => fn(data),
    mac: (key, data) => hmac(fn, key, data),
  };
}
