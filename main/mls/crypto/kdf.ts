// HKDF (RFC 5869) built on a suite's HMAC, so both providers share one
// extract/expand and differ only in their MAC.

import { ArgumentError } from '../errors.js';
import type { Hash, Kdf } from './provider.js';

export function hkdf(hash: Hash): Kdf {
  const n = hash.size;
  return {
    size: n,
    extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
      // An empty salt is HMAC'd as a zero key, which HMAC pads to the same block as HashLen zeros.
      return hash.mac(salt, ikm);
    },
    expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
      if (!Number.isInteger(length) || length < 0 || length > 255 * n) {
        throw new ArgumentError(`HKDF-Expand: length ${length} outside 0..${255 * n}`);
      }
      if (length <= n) {
        // One block (every key, nonce and secret MLS derives): T(1) = HMAC(PRK, info || 0x01).
        const block = new Uint8Array(info.length + 1);
        block.set(info);
        block[info.length] = 1;
        const t = hash.mac(prk, block);
        return length === n ? t : t.subarray(0, length);
      }
      const out = new Uint8Array(length);
      let t: Uint8Array = new Uint8Array(0);
      for (let i = 1, o = 0; o < length; i++) {
        const block = new Uint8Array(t.length + info.length + 1);
        block.set(t, 0);
        block.set(info, t.length);
        block[block.length - 1] = i;
        t = hash.mac(prk, block);
        out.set(t.subarray(0, Math.min(n, length - o)), o);
        o += n;
      }
      return out;
    },
  };
}
