// RFC 9420 §10.1: the one validation of a received KeyPackage, used when one is
// downloaded and when one arrives in an Add (group/proposal-validation.ts,
// proposal-receipt.ts). The group-level parts of leaf validation (§7.3: the
// group's required_capabilities, credential types in use, key uniqueness in the
// tree) are the group layer's (group/proposal-apply.ts).
//
// What the RFC asks, and what is deliberately not checked:
// - leaf_node: valid for a KeyPackage per §7.3 (tree/leaf-validation.ts): source
//   key_package, signature, own credential type listed, every non-default
//   leaf_node.extensions type listed in capabilities.extensions (§7.2, §7.3;
//   §13.5 notes GREASE leaf extensions must be listed for this reason).
// - KeyPackage.extensions: §10 asks the creator to list them too, but §10 and
//   §13.4 say a receiver MUST ignore unknown ones, §10.1 does not check them, and
//   §13.5 lets GREASE ones carry anything: they are not checked against the
//   capabilities.
// - Unknown (GREASE, §13.5) values in the capabilities lists are ignored.
// - capabilities.versions and .cipher_suites must include the KeyPackage's own:
//   §7.2 has a client list every value it supports, and a KeyPackage states a
//   version and suite its client supports (§10), so a package that omits its own
//   contradicts itself and would defeat the §11 downgrade check.
// - init_key and leaf_node.encryption_key must be usable HPKE keys of the suite
//   (§10: "MUST be a public key for the asymmetric encryption scheme"): one KEM
//   operation each, see crypto/hpke-key-check.ts.

import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { PROTOCOL_VERSION_MLS10 } from '../group/group-context.js';
import { checkHpkePublicKey } from '../crypto/hpke-key-check.js';
import { LeafNodeSource } from '../tree/leaf-node.js';
import { validateLeafNode, type CredentialValidator } from '../tree/leaf-validation.js';
import { equalBytes } from '../util/bytes.js';
import { type KeyPackage, verifyKeyPackageSignature } from './key-package.js';

/** RFC 9420 §7.2: extension types that need not (and must not) appear in capabilities. */
export const DEFAULT_EXTENSION_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5]);

export interface KeyPackageValidationOptions {
  /** The group's protocol version; default mls10. */
  readonly version?: number;
  /** Seconds since the Unix epoch: when given, the leaf's lifetime must cover it. */
  readonly now?: bigint;
  /** The application's credential check (§5.3.1), when the caller wants it applied here. */
  readonly validateCredential?: CredentialValidator;
  /** Prefix of error messages; default 'KeyPackage'. */
  readonly where?: string;
}

/**
 * Throws ValidationError naming the first rule the KeyPackage breaks. `suite`
 * is the group's cipher suite, which the KeyPackage must use.
 */
export function validateKeyPackage(suite: CipherSuite, kp: KeyPackage, opts: KeyPackageValidationOptions = {}): void {
  const version = opts.version ?? PROTOCOL_VERSION_MLS10;
  const where = opts.where ?? 'KeyPackage';
  const fail = (reason: string): never => {
    throw new ValidationError(`${where}: ${reason}`);
  };
  if (kp.version !== version) fail(`version ${kp.version} differs from the group's ${version}`);
  if (kp.cipherSuite !== suite.id) fail(`cipher suite ${kp.cipherSuite} differs from the group's ${suite.id}`);
  const leaf = kp.leafNode;
  validateLeafNode(
    suite,
    leaf,
    {
      expectedSource: LeafNodeSource.keyPackage,
      ...(opts.now !== undefined ? { now: opts.now } : {}),
      ...(opts.validateCredential !== undefined ? { validateCredential: opts.validateCredential } : {}),
    },
    `${where}: leaf_node`,
  );
  const caps = leaf.capabilities;
  if (!caps.versions.includes(kp.version)) fail(`leaf_node.capabilities.versions lacks the KeyPackage's own version ${kp.version}`);
  if (!caps.cipherSuites.includes(kp.cipherSuite)) fail(`leaf_node.capabilities.cipher_suites lacks the KeyPackage's own suite ${kp.cipherSuite}`);
  if (!verifyKeyPackageSignature(suite, kp)) fail('signature does not verify');
  if (equalBytes(kp.initKey, leaf.encryptionKey)) fail('init_key equals leaf_node.encryption_key');
  checkHpkePublicKey(suite, kp.initKey, `${where}: init_key`);
  checkHpkePublicKey(suite, leaf.encryptionKey, `${where}: leaf_node.encryption_key`);
}
