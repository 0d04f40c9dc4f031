// The portable provider: every suite on @noble/hashes, @noble/curves and @noble/ciphers.
import { randomBytes } from '@noble/hashes/utils.js';
import type { Primitives } from '../primitives.js';
import type { CryptoProvider } from '../provider.js';
import { makeProvider } from '../suite.js';
import { nobleAead } from './aead.js';
import { nobleDh } from './dh.js';
import { nobleHash } from './hash.js';
import { nobleSignature } from './signature.js';

export const noblePrimitives: Primitives = {
  hash: nobleHash,
  aead: nobleAead,
  signature: nobleSignature,
  dh: nobleDh,
  randomBytes: (n) => randomBytes(n),
};

export function createNobleProvider(): CryptoProvider {
  return makeProvider('noble', noblePrimitives);
}
