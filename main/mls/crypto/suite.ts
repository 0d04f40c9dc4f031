// Assembles a CipherSuite (RFC 9420 §5.1) from a provider's primitives, with the
// shared HKDF and HPKE on top, and caches one per suite id.

import { ArgumentError } from '../errors.js';
import { hkdf } from './kdf.js';
import { makeHpke } from './hpke.js';
import type { Primitives } from './primitives.js';
import { CIPHER_SUITE_NAMES, isCipherSuiteId, type CipherSuite, type CipherSuiteId, type CryptoProvider } from './provider.js';
import { KEMS, SUITES } from './suites.js';

export function buildSuite(id: CipherSuiteId, prims: Primitives): CipherSuite {
  const s = SUITES[id];
  const kem = KEMS[s.kem];
  const hash = prims.hash(s.hash);
  const kdf = hkdf(hash);
  const aead = prims.aead(s.aead);
  const hpke = makeHpke({
    kem,
    group: prims.dh(s.kem),
    kemKdf: hkdf(prims.hash(kem.hash)),
    kdf,
    kdfId: s.kdfId,
    aead,
    aeadId: s.aeadId,
  });
  return {
    id,
    name: CIPHER_SUITE_NAMES[id],
    hash,
    kdf,
    aead,
    signature: prims.signature(s.signature),
    hpke,
    randomBytes: (n) => prims.randomBytes(n),
  };
}

/** A provider whose suites are built on first use and then reused. */
export function makeProvider(name: CryptoProvider['name'], prims: Primitives): CryptoProvider {
  const cache = new Map<CipherSuiteId, CipherSuite>();
  return {
    name,
    getSuite(id: CipherSuiteId): CipherSuite {
      if (!isCipherSuiteId(id)) throw new ArgumentError(`unsupported cipher suite ${String(id)}`);
      let suite = cache.get(id);
      if (suite === undefined) {
        suite = buildSuite(id, prims);
        cache.set(id, suite);
      }
      return suite;
    },
  };
}
