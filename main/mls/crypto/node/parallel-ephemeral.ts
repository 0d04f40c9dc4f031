// HPKE Encap's key generation and DH for many recipients on several threads,
// synchronously for the caller (helper-pool.ts): a Welcome to 1,023 new members
// and an UpdatePath to a 1,024-member group each cost 1,023 of them, most of
// what committing costs. X25519 and X448 only (their keys are random bytes).
// Each helper draws its ephemeral keys from node:crypto's CSPRNG and returns
// only enc and DH(skE, pkR); the ephemeral private key never leaves it.
// Whatever a helper did not do, or refused (an invalid recipient key), is done
// here by the one-at-a-time path, which throws the same error it always did.

import { helperThreads, packJob, PARALLEL_MIN, runJob } from './helper-pool.js';

export interface Ephemeral {
  readonly enc: Uint8Array;
  readonly dh: Uint8Array;
}

/** `one(pk)` for each recipient key, in order, spread over helper threads when there are enough. */
export function ephemeralParallel(publicKeys: readonly Uint8Array[], crv: 'X25519' | 'X448', size: number, one: (pk: Uint8Array) => Ephemeral): Ephemeral[] {
  const workers = publicKeys.length >= PARALLEL_MIN ? helperThreads() : [];
  if (workers.length === 0) return publicKeys.map(one);
  const job = packJob(
    'ephemeral',
    publicKeys.map((pk) => [pk]),
    1,
    2 * size,
    { kty: 'OKP', crv, size },
  );
  const here = new Map<number, Ephemeral>();
  const status = runJob(job, workers, (i) => {
    try {
      here.set(i, one(publicKeys[i]!));
      return true;
    } catch {
      return false; // redone below, where it throws in order
    }
  });
  const out = new Uint8Array(job.out);
  return publicKeys.map((pk, i) => {
    const mine = here.get(i);
    if (mine !== undefined) return mine;
    if (Atomics.load(status, i) !== 1) return one(pk);
    const at = i * 2 * size;
    const dh = out.slice(at + size, at + 2 * size);
    // The one-at-a-time path refuses an all-zero DH output (a low-order recipient key); so does this.
    if (dh.every((b) => b === 0)) return one(pk);
    return { enc: out.slice(at, at + size), dh };
  });
}
