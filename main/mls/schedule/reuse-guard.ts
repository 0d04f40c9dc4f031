// RFC 9420 §6.3.1: the reuse guard. The sender XORs a fresh random 4-byte value
// into the first four bytes of the ratchet nonce, so a generation reused after
// state loss still gets a fresh nonce; the guard travels in SenderData.

import { ArgumentError } from '../errors.js';

export const REUSE_GUARD_SIZE = 4;

/** nonce XOR (reuse_guard || 0...): returns a new array, the inputs are not modified. */
export function applyReuseGuard(nonce: Uint8Array, reuseGuard: Uint8Array): Uint8Array {
  if (reuseGuard.length !== REUSE_GUARD_SIZE) throw new ArgumentError(`reuse_guard must be 4 bytes, got ${reuseGuard.length}`);
  if (nonce.length < REUSE_GUARD_SIZE) throw new ArgumentError(`nonce of ${nonce.length} bytes is shorter than the reuse guard`);
  const out = nonce.slice();
  for (let i = 0; i < REUSE_GUARD_SIZE; i++) out[i] = out[i]! ^ reuseGuard[i]!;
  return out;
}
