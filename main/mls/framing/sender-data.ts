// RFC 9420 §6.3.2: SenderData, the encrypted identification of a PrivateMessage's sender.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { EncodeError } from '../errors.js';
import { REUSE_GUARD_SIZE } from '../schedule/reuse-guard.js';
import { leafIndex, type LeafIndex } from '../tree/math.js';

// RFC 9420 §6.3.2
export interface SenderData {
  readonly leafIndex: LeafIndex;
  readonly generation: number;
  readonly reuseGuard: Uint8Array;
}

export function encodeSenderData(e: Encoder, v: SenderData): void {
  if (v.reuseGuard.length !== REUSE_GUARD_SIZE) throw new EncodeError(`SenderData: reuse_guard must be ${REUSE_GUARD_SIZE} bytes`);
  e.u32(v.leafIndex).u32(v.generation).raw(v.reuseGuard);
}

export function decodeSenderData(d: Decoder): SenderData {
  const n = d.u32('leaf_index');
  if (n > 0x7fffffff) d.fail('leaf_index', `leaf index ${n} is out of range`);
  const generation = d.u32('generation');
  const reuseGuard = d.raw(REUSE_GUARD_SIZE, 'reuse_guard');
  return { leafIndex: leafIndex(n), generation, reuseGuard };
}
