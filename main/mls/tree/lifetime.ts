// RFC 9420 §7.2: Lifetime, seconds since the Unix epoch.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';

// RFC 9420 §7.2
export interface Lifetime {
  readonly notBefore: bigint;
  readonly notAfter: bigint;
}

export function encodeLifetime(e: Encoder, v: Lifetime): void {
  e.u64(v.notBefore).u64(v.notAfter);
}

export function decodeLifetime(d: Decoder): Lifetime {
  const notBefore = d.u64('not_before');
  const notAfter = d.u64('not_after');
  return { notBefore, notAfter };
}

/** Is `now` (seconds since the epoch) within [not_before, not_after]? */
export function lifetimeCovers(v: Lifetime, now: bigint): boolean {
  return v.notBefore <= now && now <= v.notAfter;
}
