// RFC 9420 §7.8, §12.4.3.3: Node (a leaf or a parent) and NodeType.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeLeafNode, encodeLeafNode, type LeafNode } from './leaf-node.js';
import { decodeParentNode, encodeParentNode, type ParentNode } from './parent-node.js';

/** RFC 9420 §7.8: NodeType; 0 is reserved. */
export const NodeType = {
  leaf: 1,
  parent: 2,
} as const;

// RFC 9420 §12.4.3.3
export type Node =
  | { readonly nodeType: typeof NodeType.leaf; readonly leaf: LeafNode }
  | { readonly nodeType: typeof NodeType.parent; readonly parent: ParentNode };

export function encodeNode(e: Encoder, v: Node): void {
  e.u8(v.nodeType);
  if (v.nodeType === NodeType.leaf) encodeLeafNode(e, v.leaf);
  else encodeParentNode(e, v.parent);
}

/** One slot of a tree: optional<Node>. */
export function encodeOptionalNode(e: Encoder, n: Node | undefined): void {
  if (n === undefined) {
    e.u8(0);
    return;
  }
  e.u8(1).u8(n.nodeType);
  if (n.nodeType === NodeType.leaf) encodeLeafNode(e, n.leaf);
  else encodeParentNode(e, n.parent);
}

export function decodeNode(d: Decoder): Node {
  const t = d.u8('node_type');
  if (t === NodeType.leaf) return { nodeType: t, leaf: d.field('leaf_node', decodeLeafNode) };
  if (t === NodeType.parent) return { nodeType: t, parent: d.field('parent_node', decodeParentNode) };
  return d.fail('node_type', `unknown node type ${t}`);
}
