// RFC 9420 §7.1: ParentNode.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { encodeMemo, memoEncoding, rememberEncoding } from '../codec/encode-memo.js';
import type { LeafIndex } from './math.js';

// RFC 9420 §7.1
export interface ParentNode {
  readonly encryptionKey: Uint8Array;
  readonly parentHash: Uint8Array;
  /** Sorted in increasing order (§7.1); checked by tree validation, not by the decoder. */
  readonly unmergedLeaves: readonly LeafIndex[];
}

function encodeParentNodeFields(e: Encoder, v: ParentNode): void {
  e.opaque(v.encryptionKey).opaque(v.parentHash).vector(v.unmergedLeaves, (e2, l) => void e2.u32(l));
}

/** A ParentNode's encoding (memoized: the caller must not modify it). */
export function parentNodeBytes(v: ParentNode): Uint8Array {
  return memoEncoding(v, encodeParentNodeFields);
}

/** Memoized (codec/encode-memo.ts): stored states and GroupInfos encode every parent of the tree. */
export function encodeParentNode(e: Encoder, v: ParentNode): void {
  encodeMemo(e, v, encodeParentNodeFields);
}

export function decodeParentNode(d: Decoder): ParentNode {
  const start = d.offset;
  const encryptionKey = d.opaque('encryption_key');
  const parentHash = d.opaque('parent_hash');
  const unmergedLeaves = d.vector('unmerged_leaves', (d2) => {
    const l = d2.u32('leaf_index');
    if (l > 0x7fffffff) d2.fail('leaf_index', `leaf index ${l} out of range`);
    return l as LeafIndex;
  });
  const node = { encryptionKey, parentHash, unmergedLeaves };
  rememberEncoding(node, d.consumed(start));
  return node;
}
