// RFC 9420 §7.3: the checks on a single LeafNode that do not need the rest of
// the tree (signature, own capabilities, lifetime, source, required
// capabilities, the application's credential check). Uniqueness of keys and
// credential-type support across members are tree checks (tree-validation.ts).

import { Decoder } from '../codec/decoder.js';
import type { CipherSuite } from '../crypto/provider.js';
import { DecodeError, ValidationError } from '../errors.js';
import { ExtensionType, findExtension, type Extension } from '../extensions/extension.js';
import { CredentialType, type Credential } from './credential.js';
import { LeafNodeSource, verifyLeafNode, type LeafNode, type LeafNodeSourceValue } from './leaf-node.js';
import { lifetimeCovers } from './lifetime.js';
import type { LeafIndex } from './math.js';
import { checkX509Credential, parseX509Chain, type X509Certificate } from './x509.js';

/**
 * The application's Authentication Service hook (RFC 9420 §5.3.1): true when the
 * credential legitimately binds its identities to `signatureKey` and they are
 * the ones the application expects for this member. For an x509 credential the
 * engine has already parsed the chain and checked that the end-entity
 * certificate's key is `signatureKey` (§5.3, x509.ts); `x509` is that chain,
 * end-entity first. Everything else is the validator's: the certificates'
 * signatures and trust anchor, validity dates, revocation, names. It may be
 * asked more than once about one credential (a proposal on receipt, then in
 * the commit), so it should depend on its arguments only.
 */
export type CredentialValidator = (credential: Credential, signatureKey: Uint8Array, x509?: readonly X509Certificate[]) => boolean;

/**
 * The validator used when the application gives none: it accepts every credential that reaches it, which is
 * every credential RFC 9420 itself accepts: any basic identity (§5.3: "a bare assertion of an identity"), and
 * any x509 chain that parses with its end-entity key equal to the leaf's signature_key (checked before any
 * validator runs). What it does not check is exactly what §5.3.1 leaves to the application's Authentication
 * Service: whether the presented identities are the ones expected for the member, whether a chain leads to a
 * trusted root with valid signatures, dates and revocation status, and whether a replacing credential is a
 * valid successor of the old one. An application that uses x509 credentials should pass its own.
 */
export const acceptAnyCredential: CredentialValidator = () => true;

/**
 * §7.3 "Verify that the credential in the LeafNode is valid, as described in Section 5.3.1": the §5.3 rule for
 * x509 credentials (always), then the application's validator when given. Throws ValidationError.
 */
export function checkLeafCredential(suite: CipherSuite, leaf: Pick<LeafNode, 'credential' | 'signatureKey'>, validator: CredentialValidator | undefined, where: string): void {
  const x509 = leaf.credential.credentialType === CredentialType.x509 ? checkX509Credential(suite, leaf.credential, leaf.signatureKey, where) : undefined;
  if (validator !== undefined && !validator(leaf.credential, leaf.signatureKey, x509)) throw new ValidationError(`${where}: credential rejected by the authentication service`);
}

/** The application's validator on a credential that already passed checkLeafCredential (so an x509 chain parses). */
export function credentialAccepted(leaf: Pick<LeafNode, 'credential' | 'signatureKey'>, validator: CredentialValidator): boolean {
  const x509 = leaf.credential.credentialType === CredentialType.x509 ? parseX509Chain(leaf.credential) : undefined;
  return validator(leaf.credential, leaf.signatureKey, x509);
}

export interface LeafValidationOptions {
  /** Group binding of update/commit signatures. Required to check such leaves. */
  readonly groupId?: Uint8Array;
  /** Where the leaf sits (update/commit signatures cover it). */
  readonly leafIndex?: LeafIndex;
  /** The source this leaf must have (key_package in a KeyPackage, update in an Update, commit in an UpdatePath). */
  readonly expectedSource?: LeafNodeSourceValue;
  /** Current time in seconds since the epoch; when given, a key_package leaf's lifetime must cover it. */
  readonly now?: bigint;
  /** The group's GroupContext extensions, for required_capabilities. */
  readonly groupExtensions?: readonly Extension[];
  readonly validateCredential?: CredentialValidator;
  /** The signature's verdict when it was already verified in a batch (tree validation); verified here otherwise. */
  readonly signatureValid?: boolean;
}

/** RFC 9420 §7.2: extension types every client supports, which MUST NOT be listed in capabilities. */
const DEFAULT_EXTENSION_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5]);
/** RFC 9420 §7.2: proposal types every client supports. */
const DEFAULT_PROPOSAL_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7]);

/** RFC 9420 §11.1: RequiredCapabilities { extension_types<V>; proposal_types<V>; credential_types<V>; } */
export interface RequiredCapabilities {
  readonly extensionTypes: readonly number[];
  readonly proposalTypes: readonly number[];
  readonly credentialTypes: readonly number[];
}

export function requiredCapabilitiesOf(groupExtensions: readonly Extension[]): RequiredCapabilities | undefined {
  const ext = findExtension(groupExtensions, ExtensionType.required_capabilities);
  if (ext === undefined) return undefined;
  const d = new Decoder(ext.extensionData, 'required_capabilities');
  const u16 = (d2: Decoder): number => d2.u16('value');
  const v = {
    extensionTypes: d.vector('extension_types', u16),
    proposalTypes: d.vector('proposal_types', u16),
    credentialTypes: d.vector('credential_types', u16),
  };
  d.end();
  return v;
}

const SOURCE_NAMES: Record<number, string> = { 1: 'key_package', 2: 'update', 3: 'commit' };

/** Throws ValidationError(`${where}: ...`) for the first §7.3 check the leaf fails. */
export function validateLeafNode(suite: CipherSuite, leaf: LeafNode, opts: LeafValidationOptions, where: string): void {
  const fail = (why: string): never => {
    throw new ValidationError(`${where}: ${why}`);
  };
  // §7.3 "Verify the leaf_node_source field": key_package in a KeyPackage, update in an Update, commit in an UpdatePath.
  if (opts.expectedSource !== undefined && leaf.leafNodeSource !== opts.expectedSource) {
    fail(`leaf_node_source is ${SOURCE_NAMES[leaf.leafNodeSource]}, expected ${SOURCE_NAMES[opts.expectedSource]}`);
  }
  if (leaf.leafNodeSource !== LeafNodeSource.keyPackage && (opts.groupId === undefined || opts.leafIndex === undefined)) {
    fail(`cannot check the signature of a ${SOURCE_NAMES[leaf.leafNodeSource]} leaf without its group id and leaf index`);
  }
  const ctx = opts.groupId !== undefined && opts.leafIndex !== undefined ? { groupId: opts.groupId, leafIndex: opts.leafIndex } : undefined;
  // §7.3: "Verify that the signature on the LeafNode is valid using signature_key."
  if (!(opts.signatureValid ?? verifyLeafNode(suite, leaf, ctx))) fail('signature does not verify');
  // §7.3: "Verify that the credential in the LeafNode is valid, as described in Section 5.3.1": for x509, §5.3's
  // "The public key encoded in the subjectPublicKeyInfo of the end-entity certificate MUST be identical to the
  // signature_key in the LeafNode containing this credential"; then the application's AS, when given.
  checkLeafCredential(suite, leaf, opts.validateCredential, where);
  const caps = leaf.capabilities;
  // §7.3: "Verify that the credential type is supported by all members of the group" (this leaf is one of them
  // once in the tree; §12.2 asks the tree after a commit to be valid). The creator's side is §7.2: "the credential
  // type used in the LeafNode MUST be included in the credentials field of the capabilities field".
  if (!caps.credentials.includes(leaf.credential.credentialType)) {
    fail(`credential type ${leaf.credential.credentialType} is not listed in its own capabilities`);
  }
  // §7.3: "Verify that the extensions in the LeafNode are supported by checking that the ID for each extension in
  // the extensions field is listed in the capabilities.extensions field of the LeafNode." Default types are exempt:
  // §7.2 says they "MUST NOT be listed".
  for (const x of leaf.extensions) {
    if (!DEFAULT_EXTENSION_TYPES.has(x.extensionType) && !caps.extensions.includes(x.extensionType)) {
      fail(`extension ${x.extensionType} is not listed in its capabilities`);
    }
  }
  // Policy (`now`, default not given): §7.3 "Verify the lifetime field" is a MUST for a leaf this client sends and
  // "RECOMMENDED" for one it receives ("This check is not mandatory because the LeafNode might have expired").
  if (opts.now !== undefined && leaf.leafNodeSource === LeafNodeSource.keyPackage && !lifetimeCovers(leaf.lifetime, opts.now)) {
    fail(`lifetime [${leaf.lifetime.notBefore}, ${leaf.lifetime.notAfter}] does not cover the current time ${opts.now}`);
  }
  // §7.3: "If the GroupContext has a required_capabilities extension, then the required extensions, proposals, and
  // credential types MUST be listed in the LeafNode's capabilities field" (§11.1: default types need not be).
  if (opts.groupExtensions !== undefined) {
    let req: RequiredCapabilities | undefined;
    try {
      req = requiredCapabilitiesOf(opts.groupExtensions);
    } catch (e) {
      if (e instanceof DecodeError) fail(`the group's required_capabilities is malformed: ${e.message}`);
      throw e;
    }
    if (req !== undefined) {
      for (const t of req.extensionTypes) {
        if (!DEFAULT_EXTENSION_TYPES.has(t) && !caps.extensions.includes(t)) fail(`does not support required extension ${t}`);
      }
      for (const t of req.proposalTypes) {
        if (!DEFAULT_PROPOSAL_TYPES.has(t) && !caps.proposals.includes(t)) fail(`does not support required proposal ${t}`);
      }
      for (const t of req.credentialTypes) if (!caps.credentials.includes(t)) fail(`does not support required credential type ${t}`);
    }
  }
}
