// RFC 9420 §7.6: HPKECiphertext, UpdatePathNode, UpdatePath.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeLeafNode, encodeLeafNode, type LeafNode } from './leaf-node.js';

// RFC 9420 §7.6
export interface HPKECiphertext {
  readonly kemOutput: Uint8Array;
  readonly ciphertext: Uint8Array;
}

// RFC 9420 §7.6
export interface UpdatePathNode {
  readonly encryptionKey: Uint8Array;
  readonly encryptedPathSecret: readonly HPKECiphertext[];
}

// RFC 9420 §7.6
export interface UpdatePath {
  readonly leafNode: LeafNode;
  readonly nodes: readonly UpdatePathNode[];
}

export function encodeHPKECiphertext(e: Encoder, v: HPKECiphertext): void {
  e.opaque(v.kemOutput).opaque(v.ciphertext);
}

export function decodeHPKECiphertext(d: Decoder): HPKECiphertext {
  const kemOutput = d.opaque('kem_output');
  const ciphertext = d.opaque('ciphertext');
  return { kemOutput, ciphertext };
}

export function encodeUpdatePathNode(e: Encoder, v: UpdatePathNode): void {
  e.opaque(v.encryptionKey).vector(v.encryptedPathSecret, encodeHPKECiphertext);
}

export function decodeUpdatePathNode(d: Decoder): UpdatePathNode {
  const encryptionKey = d.opaque('encryption_key');
  const encryptedPathSecret = d.vector('encrypted_path_secret', decodeHPKECiphertext);
  return { encryptionKey, encryptedPathSecret };
}

export function encodeUpdatePath(e: Encoder, v: UpdatePath): void {
  encodeLeafNode(e, v.leafNode);
  e.vector(v.nodes, encodeUpdatePathNode);
}

export function decodeUpdatePath(d: Decoder): UpdatePath {
  const leafNode = d.field('leaf_node', decodeLeafNode);
  const nodes = d.vector('nodes', decodeUpdatePathNode);
  return { leafNode, nodes };
}
