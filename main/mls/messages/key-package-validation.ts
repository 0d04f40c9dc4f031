// RFC 9420 §10.1: the one validation of a received KeyPackage, used when one is
// downloaded and when one arrives in an Add (group/proposal-validation.ts,
// proposal-receipt.ts). The group-level parts of leaf validation (§7.3: the
// group's required_capabilities, credential types in use, key uniqueness in the
// tree) are the group layer's (group/proposal-apply.ts). Each check below names
// the sentence that requires it; docs/validation.md has the whole audit.
//
// Deliberately not checked (no receiver rule asks for it):
// - KeyPackage.extensions against the capabilities: §10 asks the creator to list
//   them, but §10 and §13.4 say a receiver MUST ignore unknown ones, §10.1 does
//   not check them, and §13.5 lets GREASE ones carry anything.
// - Unknown (GREASE, §13.5) values in the capabilities lists: "unknown values in
//   capabilities MUST be ignored" (§7.2).
// - capabilities.versions and .cipher_suites listing the KeyPackage's own: §7.2
//   ("The client MUST list all values for the respective parameters that it
//   supports") binds the creator; neither §10.1 nor §7.3 lists it, and other
//   implementations publish KeyPackages without it (issue 9). Arbor's own
//   KeyPackages still list both (key-package-create.ts).

import type { CipherSuite, SignatureCheck } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { PROTOCOL_VERSION_MLS10 } from '../group/group-context.js';
import { hpkeKeyCheck } from '../crypto/hpke-key-check.js';
import { leafNodeSignatureCheck, LeafNodeSource } from '../tree/leaf-node.js';
import { validateLeafNode, type CredentialValidator } from '../tree/leaf-validation.js';
import { equalBytes } from '../util/bytes.js';
import { keyPackageSignatureCheck, type KeyPackage, verifyKeyPackageSignature } from './key-package.js';

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
  /** The GroupConfig.checkHpkeKeys policy: false checks only the keys' length. Default true. */
  readonly checkHpkeKeys?: boolean;
  /** Verdicts of the leaf's and the KeyPackage's signatures when verified in a batch (keyPackageSignatureChecks); verified here otherwise. */
  readonly signaturesValid?: { readonly leaf: boolean; readonly keyPackage: boolean };
}

/** The two signatures validateKeyPackage verifies (leaf, then KeyPackage), as items of a batch. */
export function keyPackageSignatureChecks(kp: KeyPackage): [SignatureCheck, SignatureCheck] {
  return [leafNodeSignatureCheck(kp.leafNode), keyPackageSignatureCheck(kp)];
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
  // §10.1: "Verify that the cipher suite and protocol version of the KeyPackage match those in the GroupContext."
  if (kp.version !== version) fail(`version ${kp.version} differs from the group's ${version}`);
  if (kp.cipherSuite !== suite.id) fail(`cipher suite ${kp.cipherSuite} differs from the group's ${suite.id}`);
  const leaf = kp.leafNode;
  // §10.1: "Verify that the leaf_node of the KeyPackage is valid for a KeyPackage according to Section 7.3."
  validateLeafNode(
    suite,
    leaf,
    {
      expectedSource: LeafNodeSource.keyPackage,
      ...(opts.now !== undefined ? { now: opts.now } : {}),
      ...(opts.validateCredential !== undefined ? { validateCredential: opts.validateCredential } : {}),
      ...(opts.signaturesValid !== undefined ? { signatureValid: opts.signaturesValid.leaf } : {}),
    },
    `${where}: leaf_node`,
  );
  // §10.1: "Verify that the signature on the KeyPackage is valid using the public key in leaf_node.credential."
  if (!(opts.signaturesValid?.keyPackage ?? verifyKeyPackageSignature(suite, kp))) fail('signature does not verify');
  // §10.1: "Verify that the value of leaf_node.encryption_key is different from the value of the init_key field."
  if (equalBytes(kp.initKey, leaf.encryptionKey)) fail('init_key equals leaf_node.encryption_key');
  // Policy (RFC 9180 §7.1.4 at arrival, crypto/hpke-key-check.ts): §10 "The value for init_key MUST be a
  // public key for the asymmetric encryption scheme defined by cipher_suite".
  const checkKey = hpkeKeyCheck(opts.checkHpkeKeys);
  checkKey(suite, kp.initKey, `${where}: init_key`);
  checkKey(suite, leaf.encryptionKey, `${where}: leaf_node.encryption_key`);
}
