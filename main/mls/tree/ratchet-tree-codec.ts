// RFC 9420 §12.4.3.3: the ratchet_tree extension body, optional<Node> ratchet_tree<V>.
// Blank nodes after the last non-blank node are not sent; a receiver rejects a
// tree whose last entry is blank ("The receiver MUST check that the last node in
// ratchet_tree is non-blank"), then pads the array to a full tree. Leaves sit at
// even positions ("The leaves of the tree are stored in even-numbered entries").

import { Decoder, type DecodeBytes } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { ArgumentError } from '../errors.js';
import { decodeNode, encodeOptionalNode, NodeType, type Node } from './node.js';
import type { NodeIndex } from './math.js';
import { RatchetTree } from './ratchet-tree.js';

export function encodeRatchetTree(e: Encoder, tree: RatchetTree): void {
  let last = tree.width - 1;
  while (last >= 0 && tree.node(last as NodeIndex) === undefined) last--;
  // The tree's memoized runs of slots (slot-encodings.ts): a GroupInfo carrying a large tree copies most of it.
  e.opaqueWith((w) => tree.writeSlots(w, last + 1, encodeOptionalNode));
}

export function decodeRatchetTree(d: Decoder): RatchetTree {
  const slots = d.vector('ratchet_tree', (d2, i) => {
    const n = d2.optional('node', decodeNode);
    if (n !== undefined && (n.nodeType === NodeType.leaf) !== (i % 2 === 0)) {
      d2.fail('node_type', `a ${n.nodeType === NodeType.leaf ? 'leaf' : 'parent'} node at ${i % 2 === 0 ? 'leaf' : 'parent'} position ${i}`);
    }
    return n;
  });
  if (slots.length === 0) d.fail('ratchet_tree', 'the tree is empty');
  if (slots[slots.length - 1] === undefined) d.fail('ratchet_tree', 'the last node is blank (trailing blank nodes are not allowed)');
  try {
    return RatchetTree.fromNodes(slots as (Node | undefined)[]);
  } catch (e) {
    if (e instanceof ArgumentError) d.fail('ratchet_tree', e.message);
    throw e;
  }
}

export function ratchetTreeBytes(tree: RatchetTree): Uint8Array {
  const e = new Encoder();
  encodeRatchetTree(e, tree);
  return e.finish();
}

/** `mode` 'view' only for bytes the engine owns (codec/decoder.ts DecodeBytes). */
export function ratchetTreeFromBytes(bytes: Uint8Array, mode: DecodeBytes = 'copy'): RatchetTree {
  const d = new Decoder(bytes, 'ratchet_tree', 0, bytes.length, undefined, mode);
  const t = decodeRatchetTree(d);
  d.end();
  return t;
}
