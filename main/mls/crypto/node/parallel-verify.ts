// Many signatures verified on several threads, synchronously for the caller
// (helper-pool.ts): joining a 10,000-member group verifies 10,000 leaf
// signatures (RFC 9420 §12.4.3.1 → §7.3), two-thirds of the join, and
// node:crypto verifies one at a time on the calling thread. Same answers as one
// at a time: the helpers run the same node:crypto verify on the same key
// import; checks that are not OpenSSL's (EdDSA canonical encodings) stay with
// the caller, and only a helper's "valid" is taken as is: every other verdict
// is redone here, so a helper can make a batch faster but never refuse a good
// signature.

import type { SignatureCheck } from '../provider.js';
import { helperThreads, packJob, PARALLEL_MIN, runJob } from './helper-pool.js';

export { PARALLEL_MIN };

/** How a helper imports a public key and verifies: JWK fields per key kind, hash for ECDSA. */
export interface VerifySpec {
  readonly kty: 'OKP' | 'EC';
  readonly crv: string;
  /** Digest for ECDSA (DER signatures); null for EdDSA. */
  readonly hash: string | null;
}

/**
 * `verifyOne` for each item, the result array in order. Items go to helper
 * threads as well when there are enough of them and this machine has more
 * than one core; `precheck` (run here, for every item a helper found valid)
 * must pass too.
 */
export function verifyParallel(
  items: readonly SignatureCheck[],
  spec: VerifySpec,
  verifyOne: (c: SignatureCheck) => boolean,
  precheck: (c: SignatureCheck) => boolean,
): boolean[] {
  const workers = items.length >= PARALLEL_MIN ? helperThreads() : [];
  if (workers.length === 0) return items.map(verifyOne);
  const job = packJob(
    'verify',
    items.map((c) => [c.publicKey, c.message, c.signature]),
    3,
    0,
    spec,
  );
  const status = runJob(job, workers, (i) => verifyOne(items[i]!));
  // A helper's "valid" is final; anything else is decided here (not done, or refused: a helper whose runtime
  // could not import a key kind must never make a valid signature count as bad).
  return items.map((c, i) => (Atomics.load(status, i) === 1 ? precheck(c) : verifyOne(c)));
}
