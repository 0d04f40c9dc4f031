// RFC 9420 §7.8: tree hashes. TreeHashInput { NodeType node_type; select: 
// LeafNodeHashInput { uint32 leaf_index; optional<LeafNode> leaf_node; } or
// ParentNodeHashInput { optional<ParentNode> parent_node; opaque left_hash<V>; opaque right_hash<V>; } }

import { Encoder } from '../codec/encoder.js';
import { varintSize } from '../codec/varint.js';
import type { CipherSuite } from '../crypto/provider.js';
import { leafNodeBytes } from './leaf-node.js';
import type { NodeIndex } from './math.js';
import { NodeType, type Node } from './node.js';
import { parentNodeBytes } from './parent-node.js';

/** The hash of one node given its children's hashes (parents) or nothing (leaves). */
export function computeNodeHash(
  suite: CipherSuite,
  x: NodeIndex,
  node: Node | undefined,
  leftHash: Uint8Array | undefined,
  rightHash: Uint8Array | undefined,
): Uint8Array {
  // The node's memoized encoding, in an encoder of the exact size (one allocation, no copy): a
  // joined tree of 10,000 members hashes ~30,000 nodes.
  if (x % 2 === 0) {
    const leaf = node?.nodeType === NodeType.leaf ? leafNodeBytes(node.leaf) : undefined;
    const e = new Encoder(1 + 4 + 1 + (leaf?.length ?? 0)).u8(NodeType.leaf).u32(x / 2);
    if (leaf === undefined) e.u8(0);
    else e.u8(1).raw(leaf);
    return suite.hash.digest(e.finish());
  }
  const parent = node?.nodeType === NodeType.parent ? parentNodeBytes(node.parent) : undefined;
  const l = leftHash!;
  const r = rightHash!;
  const e = new Encoder(1 + 1 + (parent?.length ?? 0) + varintSize(l.length) + l.length + varintSize(r.length) + r.length).u8(NodeType.parent);
  if (parent === undefined) e.u8(0);
  else e.u8(1).raw(parent);
  return suite.hash.digest(e.opaque(l).opaque(r).finish());
}
