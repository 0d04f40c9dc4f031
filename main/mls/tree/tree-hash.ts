// RFC 9420 §7.8: tree hashes. TreeHashInput { NodeType node_type; select: 
// LeafNodeHashInput { uint32 leaf_index; optional<LeafNode> leaf_node; } or
// ParentNodeHashInput { optional<ParentNode> parent_node; opaque left_hash<V>; opaque right_hash<V>; } }

import { Encoder } from '../codec/encoder.js';
import type { CipherSuite } from '../crypto/provider.js';
import { encodeLeafNode } from './leaf-node.js';
import type { NodeIndex } from './math.js';
import { NodeType, type Node } from './node.js';
import { encodeParentNode } from './parent-node.js';

/** The hash of one node given its children's hashes (parents) or nothing (leaves). */
export function computeNodeHash(
  suite: CipherSuite,
  x: NodeIndex,
  node: Node | undefined,
  leftHash: Uint8Array | undefined,
  rightHash: Uint8Array | undefined,
): Uint8Array {
  const e = new Encoder();
  if (x % 2 === 0) {
    e.u8(NodeType.leaf).u32(x / 2);
    e.optional(node?.nodeType === NodeType.leaf ? node.leaf : undefined, encodeLeafNode);
  } else {
    e.u8(NodeType.parent);
    e.optional(node?.nodeType === NodeType.parent ? node.parent : undefined, encodeParentNode);
    e.opaque(leftHash!).opaque(rightHash!);
  }
  return suite.hash.digest(e.finish());
}
