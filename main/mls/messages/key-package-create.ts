// RFC 9420 §10: making a fresh KeyPackage, with the private keys its owner
// must keep (the init key opens the Welcome; the leaf key is its tree key).

import type { CipherSuite } from '../crypto/provider.js';
import type { Extension } from '../extensions/extension.js';
import { PROTOCOL_VERSION_MLS10 } from '../group/group-context.js';
import type { Capabilities } from '../tree/capabilities.js';
import type { Credential } from '../tree/credential.js';
import { LeafNodeSource, signLeafNode } from '../tree/leaf-node.js';
import type { Lifetime } from '../tree/lifetime.js';
import { type KeyPackage, keyPackageRef, signKeyPackage } from './key-package.js';
import { DEFAULT_EXTENSION_TYPES } from './key-package-validation.js';

export interface KeyPackageParams {
  readonly credential: Credential;
  readonly signaturePrivateKey: Uint8Array;
  /** Defaults to the public key of signaturePrivateKey. */
  readonly signaturePublicKey?: Uint8Array;
  readonly lifetime: Lifetime;
  /**
   * Defaults to mls10, this suite, the non-default extension types used in
   * `extensions` and `leafExtensions` (RFC 9420 §10 requires them listed), no
   * extra proposal types, and the credential's type.
   */
  readonly capabilities?: Capabilities;
  /** Added to `capabilities` (or to the defaults): what the application supports beyond them. */
  readonly extraCapabilities?: Partial<Pick<Capabilities, 'extensions' | 'proposals' | 'credentials'>>;
  readonly extensions?: readonly Extension[];
  readonly leafExtensions?: readonly Extension[];
}

export interface KeyPackageWithSecrets {
  readonly keyPackage: KeyPackage;
  readonly ref: Uint8Array;
  readonly initPrivateKey: Uint8Array;
  readonly encryptionPrivateKey: Uint8Array;
}

export function createKeyPackage(suite: CipherSuite, p: KeyPackageParams): KeyPackageWithSecrets {
  const init = suite.hpke.generateKeyPair();
  const enc = suite.hpke.generateKeyPair();
  const extensions = p.extensions ?? [];
  const leafExtensions = p.leafExtensions ?? [];
  const used = [...extensions, ...leafExtensions].map((x) => x.extensionType).filter((t) => !DEFAULT_EXTENSION_TYPES.has(t));
  const base: Capabilities = p.capabilities ?? {
    versions: [PROTOCOL_VERSION_MLS10],
    cipherSuites: [suite.id],
    extensions: [...new Set(used)],
    proposals: [],
    credentials: [p.credential.credentialType],
  };
  const x = p.extraCapabilities;
  const union = (a: readonly number[], b: readonly number[] | undefined): number[] => [...new Set([...a, ...(b ?? [])])];
  const capabilities: Capabilities =
    x === undefined
      ? base
      : { ...base, extensions: union(base.extensions, x.extensions), proposals: union(base.proposals, x.proposals), credentials: union(base.credentials, x.credentials) };
  const leafNode = signLeafNode(suite, p.signaturePrivateKey, {
    leafNodeSource: LeafNodeSource.keyPackage,
    encryptionKey: enc.publicKey,
    signatureKey: p.signaturePublicKey ?? suite.signature.publicKeyFromPrivate(p.signaturePrivateKey),
    credential: p.credential,
    capabilities,
    lifetime: p.lifetime,
    extensions: leafExtensions,
  });
  const keyPackage = signKeyPackage(suite, p.signaturePrivateKey, {
    version: PROTOCOL_VERSION_MLS10,
    cipherSuite: suite.id,
    initKey: init.publicKey,
    leafNode,
    extensions,
  });
  return { keyPackage, ref: keyPackageRef(suite, keyPackage), initPrivateKey: init.privateKey, encryptionPrivateKey: enc.privateKey };
}
