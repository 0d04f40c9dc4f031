import type { Decoder } from '../../codec/decoder.js';
import type { Encoder } from '../../codec/encoder.js';
import { decodeLeafNode, encodeLeafNode, type LeafNode } from '../../tree/leaf-node.js';

// RFC 9420 §12.1.2
export interface Update {
  readonly leafNode: LeafNode;
}

export function encodeUpdate(e: Encoder, v: Update): void {
  encodeLeafNode(e, v.leafNode);
}

export function decodeUpdate(d: Decoder): Update {
  return { leafNode: d.field('leaf_node', decodeLeafNode) };
}
