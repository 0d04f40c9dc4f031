// RFC 9420 §10.1: checks on a received KeyPackage that need no group tree.
// The group-level parts of leaf validation (§7.3: required capabilities,
// credential types in use, key uniqueness in the tree) are the caller's.

import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { PROTOCOL_VERSION_MLS10 } from '../group/group-context.js';
import { lifetimeCovers } from '../tree/lifetime.js';
import { LeafNodeSource, verifyLeafNode } from '../tree/leaf-node.js';
import { equalBytes } from '../util/bytes.js';
import { type KeyPackage, verifyKeyPackageSignature } from './key-package.js';

/** RFC 9420 §7.2: extension types that need not (and must not) appear in capabilities. */
export const DEFAULT_EXTENSION_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5]);

export interface KeyPackageValidationOptions {
  /** The group's protocol version; default mls10. */
  readonly version?: number;
  /** Seconds since the Unix epoch: when given, the leaf's lifetime must cover it. */
  readonly now?: bigint;
}

/**
 * Throws ValidationError naming the first rule the KeyPackage breaks. `suite`
 * is the group's cipher suite, which the KeyPackage must use.
 */
export function validateKeyPackage(suite: CipherSuite, kp: KeyPackage, opts: KeyPackageValidationOptions = {}): void {
  const version = opts.version ?? PROTOCOL_VERSION_MLS10;
  const fail = (reason: string): never => {
    throw new ValidationError(`KeyPackage: ${reason}`);
  };
  if (kp.version !== version) fail(`version ${kp.version} differs from the group's ${version}`);
  if (kp.cipherSuite !== suite.id) fail(`cipher suite ${kp.cipherSuite} differs from the group's ${suite.id}`);
  const leaf = kp.leafNode;
  if (leaf.leafNodeSource !== LeafNodeSource.keyPackage) fail(`leaf_node.leaf_node_source is ${leaf.leafNodeSource}, not key_package`);
  if (!verifyLeafNode(suite, leaf)) fail('leaf_node.signature does not verify');
  if (!verifyKeyPackageSignature(suite, kp)) fail('signature does not verify');
  if (equalBytes(kp.initKey, leaf.encryptionKey)) fail('init_key equals leaf_node.encryption_key');
  if (opts.now !== undefined && leaf.leafNodeSource === LeafNodeSource.keyPackage && !lifetimeCovers(leaf.lifetime, opts.now)) {
    fail(`leaf_node.lifetime [${leaf.lifetime.notBefore}, ${leaf.lifetime.notAfter}] does not cover ${opts.now}`);
  }
  const caps = leaf.capabilities;
  if (!caps.versions.includes(kp.version)) fail(`leaf_node.capabilities.versions lacks ${kp.version}`);
  if (!caps.cipherSuites.includes(kp.cipherSuite)) fail(`leaf_node.capabilities.cipher_suites lacks ${kp.cipherSuite}`);
  if (!caps.credentials.includes(leaf.credential.credentialType)) {
    fail(`leaf_node.capabilities.credentials lacks its own credential type ${leaf.credential.credentialType}`);
  }
  // §10, §7.2: every non-default extension used must be advertised.
  for (const [where, list] of [['extensions', kp.extensions], ['leaf_node.extensions', leaf.extensions]] as const) {
    for (const x of list) {
      if (!DEFAULT_EXTENSION_TYPES.has(x.extensionType) && !caps.extensions.includes(x.extensionType)) {
        fail(`${where} has extension type ${x.extensionType}, not listed in leaf_node.capabilities.extensions`);
      }
    }
  }
}
