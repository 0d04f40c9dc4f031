// Arbor's MLS engine (RFC 9420), the small API a messenger uses without
// knowing the RFC's internals. Everything is synchronous and pure: a
// GroupState goes in, a new GroupState comes out, the old one is never
// changed, and a rejected input throws a typed error (DecodeError,
// ValidationError, CryptoError, ArgumentError) with the caller's state still
// the valid current one. Messages are MLSMessage bytes, ready for the wire.
//
//   const alice = createIdentity(1, 'alice');            const bob = createIdentity(1, 'bob');
//   let a = createGroup(alice);                           const kp = createKeyPackage(bob);
//   const c = addMembers(a, [kp.keyPackage]);             // send c.commit; once the server accepts it:
//   a = mergePendingCommit(a, c.pending);
//   let b = joinFromWelcome(c.welcome!, kp, bob);
//   const m = encrypt(a, utf8('hi')); a = m.state;
//   const r = processMessage(b, m.message); b = r.state; // r.result.kind === 'application'
//
// Own commits are pending until the delivery service accepts them: commit()
// returns the commit and a PendingCommit and changes nothing; merge it once
// accepted, or drop it, process the winning commit and redo the operation.
//
// Credentials are basic (createIdentity) or x509 (createX509Identity). What an
// application supports beyond the defaults (e.g. x509 credentials, which some
// groups require: requiredCapabilities) goes in the identity's capabilities.
// Every credential received is checked (RFC 9420 §5.3 for x509) and handed to
// the validateCredential option of the call (§5.3.1), by default
// acceptAnyCredential, which leaves trust, dates and names unchecked.

import { getProvider } from './crypto/index.js';
import type { CipherSuite, CipherSuiteId, CryptoProvider, SignatureKeyPair } from './crypto/provider.js';
import { ArgumentError, ValidationError } from './errors.js';
import type { Extension } from './extensions/extension.js';
import { mlsMessageBytes, parseMLSMessage } from './framing/mls-message.js';
import { WireFormat } from './framing/wire-format.js';
import { createBranch, joinBranch as joinBranchGroup } from './group/branch.js';
import { createCommit, type CreatedCommit } from './group/commit-create.js';
import { createGroup as createGroupState } from './group/create-group.js';
import { createExternalCommit, createResyncCommit, type ExternalCommit } from './group/external-commit.js';
import { isExternalCommitMessage } from './group/external-commit-check.js';
import { PROTOCOL_VERSION_MLS10 } from './group/group-context.js';
import { createGroupInfo as signedGroupInfo } from './group/group-info.js';
import { createApplicationMessage } from './group/application.js';
import { exportSecret as exporter } from './group/exporter.js';
import { mergePendingCommit as merge, type PendingCommit } from './group/pending-commit.js';
import { pendingCommitBytes, pendingCommitFromBytes } from './group/pending-commit-codec.js';
import { processMessage as process, type ProcessResult } from './group/process-message.js';
import {
  addProposal,
  createProposalMessage,
  createUpdateProposal,
  groupContextExtensionsProposal,
  pskProposal,
  removeProposal,
} from './group/proposal-message.js';
import type { PskLookup } from './group/psk-lookup.js';
import { createReInitGroup, joinReInitGroup, reinitProposal, reinitSuite, type ReInitOptions } from './group/reinit.js';
import { groupStateBytes, groupStateFromBytes } from './group/state-codec.js';
import { stateDelta as delta, stateFromParts as fromParts, stateParts as parts, type StateDelta, type StateParts } from './group/state-parts.js';
import { epochAuthenticator as authenticator, members as memberLeaves, suiteOf, type GroupConfig, type GroupState } from './group/state.js';
import { joinFromWelcome as joinWelcome, type JoinedGroup } from './group/welcome-join.js';
import type { KeyPackage } from './messages/key-package.js';
import { createKeyPackage as makeKeyPackage, type KeyPackageWithSecrets } from './messages/key-package-create.js';
import { DEFAULT_EXTENSION_TYPES } from './messages/key-package-validation.js';
import { lastResortExtension } from './messages/last-resort.js';
import { validateKeyPackage } from './messages/key-package-validation.js';
import { ProposalType, type Proposal } from './messages/proposal.js';
import type { SecretTreeRow } from './schedule/secret-tree-rows.js';
import { PSKType, ResumptionPSKUsage, type PreSharedKeyID } from './schedule/psk.js';
import type { Capabilities } from './tree/capabilities.js';
import { basicCredential, CredentialType, type Credential } from './tree/credential.js';
import { acceptAnyCredential, type CredentialValidator } from './tree/leaf-validation.js';
import { readRequiredCapabilities, type RequiredCapabilities } from './messages/required-capabilities.js';
import type { LeafIndex } from './tree/math.js';
import { checkX509Credential, parseX509Chain, type X509Certificate } from './tree/x509.js';
import { ratchetTreeBytes, ratchetTreeFromBytes } from './tree/ratchet-tree-codec.js';
import { utf8 } from './util/bytes.js';
import { publicMembers as publicMembersOf, type PublicGroup } from './public/index.js';

export { MlsError, DecodeError, EncodeError, CryptoError, ValidationError, ArgumentError } from './errors.js';
export { CIPHER_SUITE_NAMES, type CipherSuiteId, type CryptoProvider, type SignatureKeyPair } from './crypto/provider.js';
export { getProvider } from './crypto/index.js';
export type { GroupState, GroupConfig } from './group/state.js';
export type { PendingCommit } from './group/pending-commit.js';
export type { ProcessResult } from './group/process-message.js';
export type { Proposal } from './messages/proposal.js';
export type { Credential } from './tree/credential.js';
export { acceptAnyCredential, type CredentialValidator } from './tree/leaf-validation.js';
export { requiredCapabilitiesExtension, type RequiredCapabilities } from './messages/required-capabilities.js';
export type { X509Certificate, X509Algorithm, X509Extension } from './tree/x509.js';
export type { Extension } from './extensions/extension.js';
export type { KeyPackage } from './messages/key-package.js';
export type { LeafNode } from './tree/leaf-node.js';
export type { ReInitOptions } from './group/reinit.js';
export type { StateParts, StateDelta, EpochTreeRows, EpochTreeDelta } from './group/state-parts.js';
export type { SecretTreeRow } from './schedule/secret-tree-rows.js';

/** Every function accepts a crypto provider; the default is getProvider() (ARBOR_CRYPTO=node|noble). */
export interface ProviderOptions {
  readonly provider?: CryptoProvider;
}

function suiteById(id: CipherSuiteId, o: ProviderOptions | undefined): CipherSuite {
  return (o?.provider ?? getProvider()).getSuite(id);
}

/**
 * Where received credentials reach the application's Authentication Service (RFC 9420 §5.3.1: KeyPackages
 * added, trees joined, Add and Update proposals, UpdatePaths, external joiners). Absent: acceptAnyCredential,
 * which accepts what the RFC leaves to the application (its doc says exactly what).
 */
export interface CredentialOptions {
  readonly validateCredential?: CredentialValidator;
}

function validatorOf(o: CredentialOptions): CredentialValidator {
  return o.validateCredential ?? acceptAnyCredential;
}

// ---------------------------------------------------------------- identities

export function generateSignatureKeyPair(suite: CipherSuiteId, opts?: ProviderOptions): SignatureKeyPair {
  return suiteById(suite, opts).signature.generateKeyPair();
}

/**
 * A client as its groups see it: a credential (basic unless `credential` says otherwise) and a signature key
 * pair, for one cipher suite, and what the application supports beyond the defaults.
 */
export interface ClientIdentity {
  readonly suite: CipherSuiteId;
  /** The basic credential's identity bytes (RFC 9420 §5.3); empty for an x509 identity. */
  readonly identity: Uint8Array;
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
  /** The credential its leaves carry; absent: a basic credential of `identity`. */
  readonly credential?: Credential;
  /**
   * Listed in every leaf this identity makes (KeyPackages, new groups, external joins), added to the defaults:
   * e.g. `{ credentials: [2] }` when the application can authenticate x509 credentials, which groups requiring
   * it (RFC 9420 §11.1 required_capabilities) need of every member.
   */
  readonly capabilities?: AppCapabilities;
}

export interface IdentityOptions extends ProviderOptions {
  /** What the application supports beyond the defaults (ClientIdentity.capabilities). */
  readonly capabilities?: AppCapabilities;
}

/** A new identity with a basic credential (fresh signature key pair unless one is given). */
export function createIdentity(suite: CipherSuiteId, identity: Uint8Array | string, keyPair?: SignatureKeyPair, opts?: IdentityOptions): ClientIdentity {
  const kp = keyPair ?? generateSignatureKeyPair(suite, opts);
  if (opts?.capabilities !== undefined) checkCapabilities(opts.capabilities);
  return {
    suite,
    identity: typeof identity === 'string' ? utf8(identity) : identity,
    signaturePublicKey: kp.publicKey,
    signaturePrivateKey: kp.privateKey,
    ...(opts?.capabilities !== undefined ? { capabilities: opts.capabilities } : {}),
  };
}

/**
 * A new identity with an x509 credential (RFC 9420 §5.3): `certificates` are DER certificates, end-entity
 * first, and the end-entity certificate's public key must be `keyPair`'s, as §5.3 requires ("MUST be
 * identical to the signature_key"); an ArgumentError otherwise. Its leaves list x509; a group of members with
 * basic credentials needs basic listed too (capabilities: `{ credentials: [1] }`).
 */
export function createX509Identity(suite: CipherSuiteId, certificates: readonly Uint8Array[], keyPair: SignatureKeyPair, opts?: IdentityOptions): ClientIdentity {
  const credential: Credential = { credentialType: CredentialType.x509, certificates: certificates.map((certData) => ({ certData })) };
  try {
    checkX509Credential(suiteById(suite, opts), credential, keyPair.publicKey, 'createX509Identity');
  } catch (e) {
    if (e instanceof ValidationError) throw new ArgumentError(e.message);
    throw e;
  }
  return { ...createIdentity(suite, new Uint8Array(0), keyPair, opts), credential };
}

function credentialOf(id: ClientIdentity): Credential {
  return id.credential ?? basicCredential(id.identity);
}

/** The identity's capabilities and the call's, both added to the defaults. */
function appCapabilitiesOf(id: ClientIdentity, extra: AppCapabilities | undefined): AppCapabilities | undefined {
  const a = id.capabilities;
  if (a === undefined || extra === undefined) return extra ?? a;
  const join = (x: readonly number[] | undefined, y: readonly number[] | undefined): number[] => [...new Set([...(x ?? []), ...(y ?? [])])];
  return { extensions: join(a.extensions, extra.extensions), proposals: join(a.proposals, extra.proposals), credentials: join(a.credentials, extra.credentials) };
}

// ---------------------------------------------------------------- key packages

/** A KeyPackage to publish, and the private keys to keep (e.g. in SQLite) until its Welcome arrives. */
export interface KeyPackageBundle {
  /** MLSMessage(KeyPackage) bytes, for the delivery service's directory. */
  readonly keyPackage: Uint8Array;
  /** RFC 9420 §5.2 KeyPackageRef: how a Welcome names it. */
  readonly ref: Uint8Array;
  readonly initPrivateKey: Uint8Array;
  readonly encryptionPrivateKey: Uint8Array;
}

/**
 * What the application supports beyond the defaults (RFC 9420 §7.2), added to
 * a KeyPackage's capabilities, which always list mls10, the suite, the
 * non-default extension types the KeyPackage uses and the credential's type.
 */
export interface AppCapabilities {
  /** Non-default extension types, e.g. a private GroupContext extension: every member must list each one (§13.4). */
  readonly extensions?: readonly number[];
  /** Non-default proposal types (above 7). */
  readonly proposals?: readonly number[];
  /** Credential types beyond the identity's own. */
  readonly credentials?: readonly number[];
}

function checkCapabilities(c: AppCapabilities): void {
  const check = (what: string, list: readonly number[] | undefined, isDefault: (v: number) => boolean): void => {
    for (const v of list ?? []) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new ArgumentError(`capabilities.${what}: ${v} is not a uint16`);
      // RFC 9420 §7.2: the default proposal and extension types "MUST NOT be listed".
      if (isDefault(v)) throw new ArgumentError(`capabilities.${what}: ${v} is a default type, which RFC 9420 §7.2 forbids listing`);
    }
  };
  check('extensions', c.extensions, (v) => DEFAULT_EXTENSION_TYPES.has(v));
  check('proposals', c.proposals, (v) => Object.values<number>(ProposalType).includes(v));
  check('credentials', c.credentials, () => false);
}

export interface KeyPackageOptions extends ProviderOptions {
  /** Added to the default capabilities. */
  readonly capabilities?: AppCapabilities;
  /** Validity from now (default 90 days); it starts one hour back to absorb clock skew. */
  readonly lifetimeSeconds?: number;
  /** Mark it last-resort: the directory may hand it out more than once. */
  readonly lastResort?: boolean;
  /** Seconds since the Unix epoch; default the clock. */
  readonly now?: bigint;
}

export function createKeyPackage(identity: ClientIdentity, opts: KeyPackageOptions = {}): KeyPackageBundle {
  const suite = suiteById(identity.suite, opts);
  const now = opts.now ?? BigInt(Math.floor(Date.now() / 1000));
  const life = BigInt(opts.lifetimeSeconds ?? 90 * 86400);
  const capabilities = appCapabilitiesOf(identity, opts.capabilities);
  if (capabilities !== undefined) checkCapabilities(capabilities);
  const kp = makeKeyPackage(suite, {
    credential: credentialOf(identity),
    signaturePrivateKey: identity.signaturePrivateKey,
    signaturePublicKey: identity.signaturePublicKey,
    lifetime: { notBefore: now > 3600n ? now - 3600n : 0n, notAfter: now + life },
    ...(opts.lastResort === true ? { extensions: [lastResortExtension()] } : {}),
    ...(capabilities !== undefined ? { extraCapabilities: capabilities } : {}),
  });
  return bundleOf(kp);
}

export function makeKeyPackages(identity: ClientIdentity, n: number, opts: KeyPackageOptions = {}): KeyPackageBundle[] {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`makeKeyPackages: count must be a non-negative integer, got ${n}`);
  return Array.from({ length: n }, () => createKeyPackage(identity, opts));
}

function bundleOf(kp: KeyPackageWithSecrets): KeyPackageBundle {
  return {
    keyPackage: mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsKeyPackage, keyPackage: kp.keyPackage }),
    ref: kp.ref,
    initPrivateKey: kp.initPrivateKey,
    encryptionPrivateKey: kp.encryptionPrivateKey,
  };
}

/** Decodes MLSMessage(KeyPackage) bytes (DecodeError / ValidationError when they are not one). */
export function parseKeyPackage(bytes: Uint8Array): KeyPackage {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsKeyPackage) throw new ValidationError(`expected an MLSMessage(KeyPackage), got wire format ${m.wireFormat}`);
  return m.keyPackage;
}

export interface CheckKeyPackageOptions extends ProviderOptions, CredentialOptions {
  /** Seconds since the Unix epoch: when given, the package's lifetime must cover it. */
  readonly now?: bigint;
}

/**
 * Decodes MLSMessage(KeyPackage) bytes and validates the KeyPackage as RFC 9420
 * §10.1 asks of a received one, in its own cipher suite (signatures, own
 * capabilities, usable HPKE keys, the credential (§5.3.1: an x509 chain must
 * carry the leaf's key, then the application's validator), and the lifetime
 * when `now` is given).
 * Throws DecodeError or ValidationError naming the first problem.
 */
export function checkKeyPackage(bytes: Uint8Array, opts: CheckKeyPackageOptions = {}): KeyPackage {
  const kp = parseKeyPackage(bytes);
  validateKeyPackage(suiteById(kp.cipherSuite, opts), kp, { ...(opts.now !== undefined ? { now: opts.now } : {}), validateCredential: validatorOf(opts) });
  return kp;
}

function secretsOf(b: KeyPackageBundle): KeyPackageWithSecrets {
  const keyPackage = parseKeyPackage(b.keyPackage);
  return { keyPackage, ref: b.ref, initPrivateKey: b.initPrivateKey, encryptionPrivateKey: b.encryptionPrivateKey };
}

// ---------------------------------------------------------------- groups

/** validateCredential applies to the members' KeyPackages of reinitGroup and branchGroup. */
export interface CreateGroupOptions extends ProviderOptions, CredentialOptions {
  /** Default: random. */
  readonly groupId?: Uint8Array;
  /** GroupContext extensions (e.g. required_capabilities, external_senders); our leaf lists their types (§13.4). */
  readonly extensions?: readonly Extension[];
  /** Added to the default capabilities of our leaf (with the identity's). */
  readonly capabilities?: AppCapabilities;
  readonly config?: Partial<GroupConfig>;
}

/** Our KeyPackage for a new group with these GroupContext extensions, whose types its capabilities list (RFC 9420 §13.4). */
function ownKeyPackage(identity: ClientIdentity, opts: CreateGroupOptions, groupExtensions: readonly Extension[]): KeyPackageWithSecrets {
  const types = groupExtensions.map((x) => x.extensionType).filter((t) => !DEFAULT_EXTENSION_TYPES.has(t));
  const capabilities: AppCapabilities = { ...opts.capabilities, extensions: [...(opts.capabilities?.extensions ?? []), ...types] };
  return secretsOf(createKeyPackage(identity, { ...opts, capabilities }));
}

/** A one-member group at epoch 0 (RFC 9420 §11). */
export function createGroup(identity: ClientIdentity, opts: CreateGroupOptions = {}): GroupState {
  const suite = suiteById(identity.suite, opts);
  const kp = ownKeyPackage(identity, opts, opts.extensions ?? []);
  return createGroupState({
    suite,
    keyPackage: kp,
    signaturePrivateKey: identity.signaturePrivateKey,
    ...(opts.groupId !== undefined ? { groupId: opts.groupId } : {}),
    ...(opts.extensions !== undefined ? { extensions: opts.extensions } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
  });
}

/** The caller's external PSK store (RFC 9420 §8.4): the secret for a psk_id, or undefined. */
export type ExternalPskStore = (pskId: Uint8Array) => Uint8Array | undefined;

function lookupOf(store: ExternalPskStore | undefined): PskLookup | undefined {
  if (store === undefined) return undefined;
  return (id: PreSharedKeyID) => (id.psktype === PSKType.external ? store(id.pskId) : undefined);
}

function externalPskId(suite: CipherSuite, pskId: Uint8Array): PreSharedKeyID {
  return { psktype: PSKType.external, pskId, pskNonce: suite.randomBytes(suite.kdf.size) };
}

export interface CommitOptions extends ProviderOptions, CredentialOptions {
  /** KeyPackages (MLSMessage bytes) of members to add. */
  readonly add?: readonly Uint8Array[];
  /** Leaf indices of members to remove. */
  readonly remove?: readonly number[];
  /** External PSK ids to inject (the secrets come from pskStore; every member needs them). */
  readonly psks?: readonly Uint8Array[];
  readonly pskStore?: ExternalPskStore;
  /** Epochs of this group whose resumption PSK to inject (RFC 9420 §8.6; the current one or a kept past one). */
  readonly resumptionPsks?: readonly bigint[];
  /** Replace the group's GroupContext extensions. */
  readonly extensions?: readonly Extension[];
  /** Close the group for re-initialization (a commit with a ReInit must hold nothing else). */
  readonly reinit?: ReInitOptions;
  /** Commit the proposals received in this epoch too (default true). */
  readonly includePending?: boolean;
  readonly authenticatedData?: Uint8Array;
}

export interface CommitResult {
  /** MLSMessage carrying the commit: send it to the group. */
  readonly commit: Uint8Array;
  /** MLSMessage(Welcome) for the added members, if any. */
  readonly welcome?: Uint8Array;
  /**
   * MLSMessage(GroupInfo) of the new epoch (with external_pub and the tree per
   * config), made when first read: with the tree it costs O(n) (mostly the
   * signature over the tree), paid only by a caller that publishes it.
   */
  readonly groupInfo: Uint8Array;
  /** Merge with mergePendingCommit once the delivery service accepted the commit. */
  readonly pending: PendingCommit;
}

/**
 * RFC 9420 §12.4: a commit with the given changes, always with a fresh path
 * (so it also updates the committer's keys). Changes nothing.
 */
export function commit(state: GroupState, opts: CommitOptions = {}): CommitResult {
  const suite = suiteOf(state, opts.provider);
  const proposals: Proposal[] = [
    ...(opts.extensions !== undefined ? [groupContextExtensionsProposal(opts.extensions)] : []),
    ...(opts.remove ?? []).map((l) => removeProposal(l)),
    ...(opts.add ?? []).map((kp) => addProposal(parseKeyPackage(kp))),
    ...(opts.psks ?? []).map((id) => pskProposal(externalPskId(suite, id))),
    ...(opts.resumptionPsks ?? []).map((e) =>
      pskProposal({
        psktype: PSKType.resumption,
        usage: ResumptionPSKUsage.application,
        pskGroupId: state.groupContext.groupId,
        pskEpoch: e,
        pskNonce: suite.randomBytes(suite.kdf.size),
      }),
    ),
    ...(opts.reinit !== undefined ? [reinitProposal(state, { ...opts.reinit, ...(opts.provider !== undefined ? { provider: opts.provider } : {}) })] : []),
  ];
  const c: CreatedCommit = createCommit(state, {
    proposals,
    byReference: opts.includePending === false || opts.reinit !== undefined ? [] : 'all',
    ...(opts.pskStore !== undefined ? { psks: lookupOf(opts.pskStore) } : {}),
    ...(opts.authenticatedData !== undefined ? { authenticatedData: opts.authenticatedData } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    validateCredential: validatorOf(opts),
  });
  return {
    commit: c.commit,
    ...(c.welcome !== undefined ? { welcome: c.welcome } : {}),
    // Made when first read (commit-create.ts): O(n) with the tree inside, mostly its signature.
    get groupInfo(): Uint8Array {
      return c.groupInfo;
    },
    pending: c.pending,
  };
}

export function addMembers(state: GroupState, keyPackages: readonly Uint8Array[], opts: Omit<CommitOptions, 'add'> = {}): CommitResult {
  if (keyPackages.length === 0) throw new ArgumentError('addMembers: no KeyPackages');
  return commit(state, { ...opts, add: keyPackages });
}

export function removeMembers(state: GroupState, leafIndices: readonly number[], opts: Omit<CommitOptions, 'remove'> = {}): CommitResult {
  if (leafIndices.length === 0) throw new ArgumentError('removeMembers: no leaves');
  return commit(state, { ...opts, remove: leafIndices });
}

/** A commit with only a fresh path (plus any pending proposals): post-compromise security for the committer. */
export function update(state: GroupState, opts: Omit<CommitOptions, 'add' | 'remove'> = {}): CommitResult {
  return commit(state, opts);
}

/** The state of the new epoch once the delivery service accepted this member's commit. */
export function mergePendingCommit(state: GroupState, pending: PendingCommit): GroupState {
  return merge(state, pending);
}

// ---------------------------------------------------------------- proposals

export interface ProposalResult {
  /** MLSMessage carrying the proposal. */
  readonly message: Uint8Array;
  /** The state with the proposal pending (a later commit by anyone covers it). */
  readonly state: GroupState;
}

export interface ProposeOptions extends ProviderOptions {
  readonly authenticatedData?: Uint8Array;
}

function propose(state: GroupState, proposal: Proposal, opts: ProposeOptions, update?: { encryptionPrivateKey: Uint8Array; signaturePrivateKey: Uint8Array }): ProposalResult {
  const r = createProposalMessage(state, proposal, {
    ...(opts.authenticatedData !== undefined ? { authenticatedData: opts.authenticatedData } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    ...(update !== undefined ? { update } : {}),
  });
  return { message: r.message, state: r.state };
}

export function proposeAdd(state: GroupState, keyPackage: Uint8Array, opts: ProposeOptions = {}): ProposalResult {
  return propose(state, addProposal(parseKeyPackage(keyPackage)), opts);
}

export function proposeRemove(state: GroupState, leafIndex: number, opts: ProposeOptions = {}): ProposalResult {
  return propose(state, removeProposal(leafIndex), opts);
}

/** A new leaf key for this member, applied when another member commits it. */
export function proposeUpdate(state: GroupState, opts: ProposeOptions = {}): ProposalResult {
  const u = createUpdateProposal(state, opts.provider !== undefined ? { provider: opts.provider } : {});
  return propose(state, u.proposal, opts, { encryptionPrivateKey: u.encryptionPrivateKey, signaturePrivateKey: u.signaturePrivateKey });
}

export function proposeExternalPsk(state: GroupState, pskId: Uint8Array, opts: ProposeOptions = {}): ProposalResult {
  return propose(state, pskProposal(externalPskId(suiteOf(state, opts.provider), pskId)), opts);
}

export function proposeGroupContextExtensions(state: GroupState, extensions: readonly Extension[], opts: ProposeOptions = {}): ProposalResult {
  return propose(state, groupContextExtensionsProposal(extensions), opts);
}

export function proposeReInit(state: GroupState, reinit: ReInitOptions = {}, opts: ProposeOptions = {}): ProposalResult {
  return propose(state, reinitProposal(state, { ...reinit, ...(opts.provider !== undefined ? { provider: opts.provider } : {}) }), opts);
}

// ---------------------------------------------------------------- joining

export interface JoinOptions extends ProviderOptions, CredentialOptions {
  /** The encoded ratchet tree, when the GroupInfo carries none. */
  readonly ratchetTree?: Uint8Array;
  readonly pskStore?: ExternalPskStore;
  /** The group's local policy, kept with its state (checkHpkeKeys: docs/validation.md). */
  readonly config?: Partial<GroupConfig>;
  /** Validation policy: the largest tree (in leaves, blank ones included) accepted from a Welcome or GroupInfo; default 2^16. */
  readonly maxTreeLeaves?: number;
  /** Validation policy: seconds since the Unix epoch; when given, the tree's KeyPackage leaves must be within their lifetime (RFC 9420 §7.3, RECOMMENDED); default not checked. */
  readonly now?: bigint;
}

function joinPolicy(opts: JoinOptions): { maxTreeLeaves?: number; now?: bigint; validateCredential: CredentialValidator } {
  return {
    ...(opts.maxTreeLeaves !== undefined ? { maxTreeLeaves: opts.maxTreeLeaves } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    validateCredential: validatorOf(opts),
  };
}

function checkIdentitySuite(identity: ClientIdentity, suite: number, what: string): void {
  if (identity.suite !== suite) throw new ArgumentError(`${what}: the identity is for cipher suite ${identity.suite}, the group uses ${suite}`);
}

/** RFC 9420 §12.4.3.1: joins from a Welcome made for `keyPackage` (one of ours). */
export function joinFromWelcome(welcome: Uint8Array, keyPackage: KeyPackageBundle, identity: ClientIdentity, opts: JoinOptions = {}): GroupState {
  return joined(welcome, keyPackage, identity, opts, 'joinFromWelcome').state;
}

/** joinFromWelcome, also naming who added us: the leaf index of the member that signed the Welcome's GroupInfo (RFC 9420 §12.4.3). */
export function joinFromWelcomeWithInfo(welcome: Uint8Array, keyPackage: KeyPackageBundle, identity: ClientIdentity, opts: JoinOptions = {}): { state: GroupState; addedBy: number } {
  const j = joined(welcome, keyPackage, identity, opts, 'joinFromWelcomeWithInfo');
  return { state: j.state, addedBy: j.groupInfo.signer };
}

/** RFC 9420 §12.4.3.1 new_member: the KeyPackageRefs a Welcome has secrets for, to pick our KeyPackage without trial decryption. */
export function welcomeKeyPackageRefs(welcome: Uint8Array): Uint8Array[] {
  const m = parseMLSMessage(welcome);
  if (m.wireFormat !== WireFormat.mlsWelcome) throw new ValidationError(`expected an MLSMessage(Welcome), got wire format ${m.wireFormat}`);
  return m.welcome.secrets.map((s) => s.newMember);
}

function joined(welcome: Uint8Array, keyPackage: KeyPackageBundle, identity: ClientIdentity, opts: JoinOptions, what: string): JoinedGroup {
  const kp = secretsOf(keyPackage);
  checkIdentitySuite(identity, kp.keyPackage.cipherSuite, what);
  return joinWelcome({
    welcome,
    keyPackage: kp,
    signaturePrivateKey: identity.signaturePrivateKey,
    ...(opts.ratchetTree !== undefined ? { ratchetTree: ratchetTreeFromBytes(opts.ratchetTree) } : {}),
    ...(opts.pskStore !== undefined ? { psks: lookupOf(opts.pskStore) } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    ...joinPolicy(opts),
  });
}

export interface ExternalJoinOptions extends JoinOptions {
  /** External PSK ids to inject (their secrets from pskStore). */
  readonly psks?: readonly Uint8Array[];
  readonly authenticatedData?: Uint8Array;
}

export interface ExternalJoinResult {
  /** MLSMessage(PublicMessage): the external commit to send to the group. */
  readonly commit: Uint8Array;
  /** MLSMessage(GroupInfo) of the new epoch. */
  readonly groupInfo: Uint8Array;
  /** Our state in the new epoch: use it once the delivery service accepted the commit. */
  readonly state: GroupState;
}

function groupSuiteOfInfo(groupInfo: Uint8Array): number {
  const m = parseMLSMessage(groupInfo);
  if (m.wireFormat !== WireFormat.mlsGroupInfo) throw new ValidationError(`expected an MLSMessage(GroupInfo), got wire format ${m.wireFormat}`);
  return m.groupInfo.groupContext.cipherSuite;
}

function externalOpts(suite: CipherSuite, opts: ExternalJoinOptions) {
  return {
    ...(opts.ratchetTree !== undefined ? { ratchetTree: ratchetTreeFromBytes(opts.ratchetTree) } : {}),
    ...(opts.psks !== undefined ? { psks: opts.psks.map((id) => externalPskId(suite, id)) } : {}),
    ...(opts.pskStore !== undefined ? { pskLookup: lookupOf(opts.pskStore) } : {}),
    ...(opts.authenticatedData !== undefined ? { authenticatedData: opts.authenticatedData } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    ...joinPolicy(opts),
  };
}

function externalResult(r: ExternalCommit): ExternalJoinResult {
  return { commit: r.commit, groupInfo: r.groupInfo, state: r.state };
}

/**
 * RFC 9420 §12.4.3.2: joins by external commit from a GroupInfo (MLSMessage bytes) with external_pub. Our
 * leaf lists the identity's capabilities, which must cover the group's extensions and required_capabilities
 * (§13.4, §11.1; an ArgumentError names what is missing).
 */
export function joinExternal(groupInfo: Uint8Array, identity: ClientIdentity, opts: ExternalJoinOptions = {}): ExternalJoinResult {
  const suiteId = groupSuiteOfInfo(groupInfo);
  checkIdentitySuite(identity, suiteId, 'joinExternal');
  const suite = suiteById(identity.suite, opts);
  const credential = credentialOf(identity);
  const app = identity.capabilities;
  // The leaf createKeyPackage would make: mls10, this suite, the credential's type, plus the application's.
  const capabilities: Capabilities = {
    versions: [PROTOCOL_VERSION_MLS10],
    cipherSuites: [suite.id],
    extensions: [...new Set(app?.extensions ?? [])],
    proposals: [...new Set(app?.proposals ?? [])],
    credentials: [...new Set([credential.credentialType, ...(app?.credentials ?? [])])],
  };
  return externalResult(
    createExternalCommit({ groupInfo, credential, capabilities, signaturePrivateKey: identity.signaturePrivateKey, ...externalOpts(suite, opts) }),
  );
}

/** RFC 9420 §12.4.3.2 resync: rejoins the group of `state` from a current GroupInfo, removing our old leaf. */
export function resync(state: GroupState, groupInfo: Uint8Array, opts: ExternalJoinOptions = {}): ExternalJoinResult {
  return externalResult(createResyncCommit(state, groupInfo, externalOpts(suiteOf(state, opts.provider), opts)));
}

export interface GroupInfoOptions extends ProviderOptions {
  /** Include the whole tree (default: config.ratchetTreeExtension). */
  readonly ratchetTree?: boolean;
  /** Include external_pub so that clients can join by external commit (default: config.externalPub). */
  readonly externalPub?: boolean;
}

/** The encoded ratchet tree (RFC 9420 §12.4.3.3), for joiners when GroupInfos do not carry it (config.ratchetTreeExtension false). */
export function ratchetTree(state: GroupState): Uint8Array {
  return ratchetTreeBytes(state.tree);
}

/** MLSMessage(GroupInfo) of the current epoch, signed by this member (for external joins). */
export function groupInfo(state: GroupState, opts: GroupInfoOptions = {}): Uint8Array {
  const gi = signedGroupInfo(suiteOf(state, opts.provider), state, {
    ...(opts.ratchetTree !== undefined ? { ratchetTree: opts.ratchetTree } : {}),
    ...(opts.externalPub !== undefined ? { externalPub: opts.externalPub } : {}),
  });
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsGroupInfo, groupInfo: gi });
}

// ---------------------------------------------------------------- reinit and branch

export interface NewGroupResult {
  /** Our state of the new group (epoch 1, already in effect: nobody else holds epoch 0). */
  readonly state: GroupState;
  /** MLSMessage(Welcome) for the other members. */
  readonly welcome?: Uint8Array;
  readonly groupInfo: Uint8Array;
}

/** The cipher suite of the group that will replace `state` after a committed ReInit, or undefined. */
export function pendingReInitSuite(state: GroupState): CipherSuiteId | undefined {
  return state.reinit === undefined ? undefined : reinitSuite(state);
}

/**
 * RFC 9420 §11.2: after a ReInit was committed, creates the new group with
 * every other member's KeyPackage in the new suite. `identity` is ours in the
 * new suite.
 */
export function reinitGroup(old: GroupState, identity: ClientIdentity, keyPackages: readonly Uint8Array[], opts: CreateGroupOptions = {}): NewGroupResult {
  const kp = ownKeyPackage(identity, opts, old.reinit?.extensions ?? []);
  return createReInitGroup(old, {
    keyPackage: kp,
    signaturePrivateKey: identity.signaturePrivateKey,
    members: keyPackages.map(parseKeyPackage),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    validateCredential: validatorOf(opts),
  });
}

export function joinReInit(old: GroupState, welcome: Uint8Array, keyPackage: KeyPackageBundle, identity: ClientIdentity, opts: JoinOptions = {}): GroupState {
  return joinReInitGroup(old, {
    welcome,
    keyPackage: secretsOf(keyPackage),
    signaturePrivateKey: identity.signaturePrivateKey,
    ...(opts.ratchetTree !== undefined ? { ratchetTree: ratchetTreeFromBytes(opts.ratchetTree) } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    ...joinPolicy(opts),
  }).state;
}

/** RFC 9420 §11.3: a subgroup of `old` with the given members' KeyPackages (same suite). */
export function branchGroup(old: GroupState, identity: ClientIdentity, keyPackages: readonly Uint8Array[], opts: CreateGroupOptions = {}): NewGroupResult {
  const kp = ownKeyPackage(identity, opts, opts.extensions ?? []);
  return createBranch(old, {
    keyPackage: kp,
    signaturePrivateKey: identity.signaturePrivateKey,
    members: keyPackages.map(parseKeyPackage),
    ...(opts.groupId !== undefined ? { groupId: opts.groupId } : {}),
    ...(opts.extensions !== undefined ? { extensions: opts.extensions } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    validateCredential: validatorOf(opts),
  });
}

export function joinBranch(old: GroupState, welcome: Uint8Array, keyPackage: KeyPackageBundle, identity: ClientIdentity, opts: JoinOptions = {}): GroupState {
  return joinBranchGroup(old, {
    welcome,
    keyPackage: secretsOf(keyPackage),
    signaturePrivateKey: identity.signaturePrivateKey,
    ...(opts.ratchetTree !== undefined ? { ratchetTree: ratchetTreeFromBytes(opts.ratchetTree) } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    ...joinPolicy(opts),
  }).state;
}

// ---------------------------------------------------------------- messages

export interface EncryptOptions extends ProviderOptions {
  /** Send even though proposals are pending (RFC 9420 §12.4 says to commit them first). */
  readonly allowPendingProposals?: boolean;
}

/** An application message (PrivateMessage) and the state with the sender ratchet advanced: keep that state. */
export function encrypt(state: GroupState, plaintext: Uint8Array, authenticatedData?: Uint8Array, opts: EncryptOptions = {}): { message: Uint8Array; state: GroupState } {
  return createApplicationMessage(state, plaintext, authenticatedData ?? new Uint8Array(0), {
    ...(opts.allowPendingProposals !== undefined ? { allowPendingProposals: opts.allowPendingProposals } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
  });
}

export interface ProcessOptions extends ProviderOptions, CredentialOptions {
  readonly pskStore?: ExternalPskStore;
  /** Seconds since the Unix epoch, to check added KeyPackages' lifetimes; default: not checked. */
  readonly now?: bigint;
}

/**
 * Processes any incoming group message (PublicMessage or PrivateMessage):
 * application data, a proposal (kept pending), a commit (new epoch) or our
 * removal. Our own commits are not processed: merge their PendingCommit.
 * An external commit reports the joiner as `added` (and as `committer`).
 */
export function processMessage(state: GroupState, message: Uint8Array, opts: ProcessOptions = {}): { result: ProcessResult; state: GroupState } {
  const o = {
    ...(opts.pskStore !== undefined ? { psks: lookupOf(opts.pskStore) } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    validateCredential: validatorOf(opts),
  };
  if (!isExternalCommitMessage(message)) return process(state, message, o);
  const r = process(state, message, o);
  // The joiner of an external commit is its committer; report it as added too.
  if (r.result.kind === 'commit') return { result: { ...r.result, added: [...r.result.added, r.result.committer] }, state: r.state };
  return r;
}

/** What kind of MLSMessage some bytes are, without processing them (for routing). */
export function messageKind(bytes: Uint8Array): 'public' | 'private' | 'welcome' | 'groupInfo' | 'keyPackage' {
  const m = parseMLSMessage(bytes);
  switch (m.wireFormat) {
    case WireFormat.mlsPublicMessage:
      return 'public';
    case WireFormat.mlsPrivateMessage:
      return 'private';
    case WireFormat.mlsWelcome:
      return 'welcome';
    case WireFormat.mlsGroupInfo:
      return 'groupInfo';
    case WireFormat.mlsKeyPackage:
      return 'keyPackage';
  }
}

// ---------------------------------------------------------------- the public view

// A secret-free view of a group for a delivery service (public/public-group.ts
// says what it checks and what it cannot): created from a GroupInfo with its
// tree, it follows PublicMessage proposals and commits, and its tree hash and
// epoch stay every member's.
export {
  publicGroupFromGroupInfo,
  processPublicMessage,
  checkGroupInfo,
  publicGroupBytes,
  publicGroupFromBytes,
  publicEpoch,
  publicGroupId,
  publicTreeHash,
  welcomeRecipients,
  type WelcomeRecipients,
  type PublicGroup,
  type PublicGroupOptions,
  type PublicProcessResult,
  type PublicProposalResult,
  type PublicCommitResult,
  type PublicAddedLeaf,
  type PublicLeaf,
  type PublicLeafChange,
} from './public/index.js';

/** The members of a public view, in the shape members() gives for a GroupState. */
export function publicGroupMembers(group: PublicGroup): Member[] {
  return publicMembersOf(group).map((m) => ({ leafIndex: m.leafIndex, identity: basicIdentity(m.credential), credential: m.credential, signatureKey: m.signatureKey }));
}

/** The identity of a basic credential (RFC 9420 §5.3), or undefined for other credential types. */
export function basicCredentialIdentity(credential: Credential): Uint8Array | undefined {
  return credential.credentialType === CredentialType.basic && 'identity' in credential ? credential.identity : undefined;
}

/**
 * The certificates of an x509 credential (RFC 9420 §5.3), parsed, end-entity first; undefined for other
 * credential types. A member's chain always parses and carries its signature key (checked on arrival).
 */
export function x509Certificates(credential: Credential): X509Certificate[] | undefined {
  return credential.credentialType === CredentialType.x509 ? parseX509Chain(credential) : undefined;
}

function basicIdentity(credential: Credential): Uint8Array {
  return basicCredentialIdentity(credential) ?? new Uint8Array(0);
}

// ---------------------------------------------------------------- reading the state

/** RFC 9420 §8.5 MLS-Exporter: a secret every member of this epoch derives alike. */
export function exportSecret(state: GroupState, label: string, context: Uint8Array, length: number, opts: ProviderOptions = {}): Uint8Array {
  return exporter(state, label, context, length, opts.provider !== undefined ? { provider: opts.provider } : {});
}

export interface Member {
  readonly leafIndex: number;
  /** The basic credential's identity (empty for other credential types). */
  readonly identity: Uint8Array;
  readonly credential: Credential;
  readonly signatureKey: Uint8Array;
}

export function members(state: GroupState): Member[] {
  return memberLeaves(state).map(({ index, leaf }) => ({
    leafIndex: index,
    identity: basicIdentity(leaf.credential),
    credential: leaf.credential,
    signatureKey: leaf.signatureKey,
  }));
}

/** The member at one leaf, or undefined for a blank or out-of-range leaf: O(1), for naming a message's sender. */
export function memberAt(state: GroupState, leafIndex: number): Member | undefined {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= state.tree.nLeaves) return undefined;
  const leaf = state.tree.leaf(leafIndex as LeafIndex);
  if (leaf === undefined) return undefined;
  return { leafIndex, identity: basicIdentity(leaf.credential), credential: leaf.credential, signatureKey: leaf.signatureKey };
}

/** RFC 9420 §8.7: equal for every member of this epoch (compare out of band to detect impersonation). */
export function epochAuthenticator(state: GroupState): Uint8Array {
  return authenticator(state);
}

export function epoch(state: GroupState): bigint {
  return state.groupContext.epoch;
}

export function groupId(state: GroupState): Uint8Array {
  return state.groupContext.groupId;
}

export function ownLeafIndex(state: GroupState): LeafIndex {
  return state.ownLeaf;
}

export function cipherSuite(state: GroupState): CipherSuiteId {
  return state.cipherSuite;
}

/**
 * RFC 9420 §11.1: the extension, proposal and credential types a group requires every member to list, from its
 * state or an MLSMessage(GroupInfo); undefined when it has no required_capabilities extension. A client that
 * supports them lists them in its identity's capabilities before its KeyPackages are added or it joins.
 */
export function requiredCapabilities(group: GroupState | Uint8Array): RequiredCapabilities | undefined {
  if (!(group instanceof Uint8Array)) return readRequiredCapabilities(group.groupContext.extensions);
  const m = parseMLSMessage(group);
  if (m.wireFormat !== WireFormat.mlsGroupInfo) throw new ValidationError(`expected an MLSMessage(GroupInfo), got wire format ${m.wireFormat}`);
  return readRequiredCapabilities(m.groupInfo.groupContext.extensions);
}

/** The group's GroupContext extensions (RFC 9420 §13.4), e.g. an application's own; replace them with commit(state, { extensions }). */
export function groupContextExtensions(state: GroupState): readonly Extension[] {
  return state.groupContext.extensions;
}

/** The whole state as versioned bytes, for storage (it holds private keys: store it as a secret). */
export function serializeState(state: GroupState): Uint8Array {
  return groupStateBytes(state);
}

/** Strict: a DecodeError for anything serializeState did not produce. */
export function deserializeState(bytes: Uint8Array): GroupState {
  return groupStateFromBytes(bytes);
}

/** The state in parts for incremental saving: a core blob (changes only with proposals and commits) and each kept epoch's secret-tree rows. */
export function stateParts(state: GroupState): StateParts {
  return parts(state);
}

/** What to write between two versions of a state (`before` as stored, `after` to store): O(changed path); see StateDelta for the order. */
export function stateDelta(before: GroupState, after: GroupState): StateDelta {
  return delta(before, after);
}

/** Strict inverse of stateParts: a DecodeError for a bad core or rows that are missing, duplicate, overlapping, extra or of an unknown epoch. */
export function stateFromParts(core: Uint8Array, trees: ReadonlyMap<bigint, readonly SecretTreeRow[]>): GroupState {
  return fromParts(core, trees);
}

/** A pending commit as bytes, to keep it across a restart until the delivery service answers (a secret too). */
export function serializePendingCommit(pending: PendingCommit): Uint8Array {
  return pendingCommitBytes(pending);
}

export function deserializePendingCommit(bytes: Uint8Array): PendingCommit {
  return pendingCommitFromBytes(bytes);
}

