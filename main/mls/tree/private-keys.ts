// RFC 9420 §7.4, §12.4.3.1: a member's private view of the tree: the HPKE private
// keys of its own leaf and of the parent nodes on its direct path that it knows.
// Immutable like the tree: every change returns a new value.

import { deriveSecret } from '../crypto/labeled.js';
import type { CipherSuite, HpkeKeyPair } from '../crypto/provider.js';
import { ArgumentError, ValidationError } from '../errors.js';
import { equalBytes } from '../util/bytes.js';
import { type LeafIndex, type NodeIndex } from './math.js';
import type { RatchetTree } from './ratchet-tree.js';

export interface TreePrivateKeys {
  readonly leafIndex: LeafIndex;
  /** HPKE private keys by node index: the leaf's encryption key at node 2*leafIndex, then known parent keys. */
  readonly keys: ReadonlyMap<NodeIndex, Uint8Array>;
}

export function newTreePrivateKeys(leafIndex: LeafIndex, leafPrivateKey: Uint8Array): TreePrivateKeys {
  return { leafIndex, keys: new Map([[(2 * leafIndex) as NodeIndex, leafPrivateKey]]) };
}

export function leafPrivateKey(priv: TreePrivateKeys): Uint8Array {
  const k = priv.keys.get((2 * priv.leafIndex) as NodeIndex);
  if (k === undefined) throw new ArgumentError(`no private key for leaf ${priv.leafIndex}`);
  return k;
}

/** RFC 9420 §7.4: node_secret = DeriveSecret(path_secret, "node"); key pair = KEM.DeriveKeyPair(node_secret). */
export function pathSecretKeyPair(suite: CipherSuite, pathSecret: Uint8Array): HpkeKeyPair {
  return suite.hpke.deriveKeyPair(deriveSecret(suite, pathSecret, 'node'));
}

/** RFC 9420 §7.4: path_secret[n] = DeriveSecret(path_secret[n-1], "path"). */
export function nextPathSecret(suite: CipherSuite, pathSecret: Uint8Array): Uint8Array {
  return deriveSecret(suite, pathSecret, 'path');
}

/** A copy with the key of one node set to the key pair derived from its path secret. */
export function withPathSecret(suite: CipherSuite, priv: TreePrivateKeys, node: NodeIndex, pathSecret: Uint8Array): TreePrivateKeys {
  const keys = new Map(priv.keys);
  keys.set(node, pathSecretKeyPair(suite, pathSecret).privateKey);
  return { leafIndex: priv.leafIndex, keys };
}

/**
 * RFC 9420 §12.4.3.1: checks that every private key matches the public key of a
 * non-blank node of the tree. ValidationError names the first mismatch.
 */
export function checkPrivateKeys(suite: CipherSuite, tree: RatchetTree, priv: TreePrivateKeys): void {
  for (const [x, sk] of priv.keys) {
    const pk = x < tree.width ? tree.encryptionKey(x) : undefined;
    if (pk === undefined) throw new ValidationError(`private keys: node ${x} is blank in the tree`);
    if (!equalBytes(suite.hpke.publicKeyFromPrivate(sk), pk)) throw new ValidationError(`private keys: node ${x}: private key does not match the tree's public key`);
  }
}

/** A copy without the keys of the given nodes (keys of nodes that were blanked or replaced). */
export function withoutKeys(priv: TreePrivateKeys, nodes: Iterable<NodeIndex>): TreePrivateKeys {
  const keys = new Map(priv.keys);
  for (const x of nodes) keys.delete(x);
  return { leafIndex: priv.leafIndex, keys };
}

/**
 * A copy without the keys of nodes that are blank (or gone) in the tree: after
 * Update/Remove proposals blank a path, those keys must not linger (RFC 9420 §7.5).
 */
export function pruneBlankKeys(tree: RatchetTree, priv: TreePrivateKeys): TreePrivateKeys {
  const stale = [...priv.keys.keys()].filter((x) => x >= tree.width || tree.isBlank(x));
  return stale.length === 0 ? priv : withoutKeys(priv, stale);
}
