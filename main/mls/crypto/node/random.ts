// Random bytes for the node provider (keys, ephemeral keys, secrets, nonces),
// drawn from a pool that randomFillSync refills 4 KiB at a time: each
// randomBytes() call costs a job object and a Buffer (~4 µs, more under load),
// one refill serves a hundred keys. Every byte is handed out once and zeroed
// in the pool as it leaves. Part of the provider's process-wide state, like its
// key caches (ARCHITECTURE.md); each worker thread has its own.

import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let at = 0;

export function randomBytes(n: number): Uint8Array {
  if (n > POOL_SIZE / 4) return randomFillSync(new Uint8Array(n));
  if (at + n > pool.length) {
    pool = randomFillSync(new Uint8Array(POOL_SIZE));
    at = 0;
  }
  const out = pool.slice(at, at + n);
  pool.fill(0, at, at + n);
  at += n;
  return out;
}
