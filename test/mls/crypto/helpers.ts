// Shared fixtures for the crypto tests: both providers and every suite id.
import { getNobleProvider, getNodeProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuiteId, CryptoProvider } from '../../../main/mls/crypto/provider.js';

export const SUITE_IDS: readonly CipherSuiteId[] = [1, 2, 3, 4, 5, 6, 7];

export function providers(): CryptoProvider[] {
  return [getNobleProvider(), getNodeProvider()];
}

/** A copy of b with bit `bit` of byte `i` flipped (negative i counts from the end). */
export function flip(b: Uint8Array, i: number, bit = 0): Uint8Array {
  const out = b.slice();
  const at = i < 0 ? b.length + i : i;
  out[at] = out[at]! ^ (1 << bit);
  return out;
}

export function extend(b: Uint8Array, byte = 0): Uint8Array {
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = byte;
  return out;
}
