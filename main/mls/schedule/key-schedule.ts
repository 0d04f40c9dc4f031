// RFC 9420 §8: the key schedule. Pure functions from the previous epoch's
// init_secret, the commit_secret, the psk_secret and the new GroupContext to
// the secrets of the new epoch. Two entry points:
//   - deriveEpochSecrets: a member processing (or creating) a commit;
//   - welcomeSecretFromJoiner + epochSecretsFromJoiner: a new member holding the
//     joiner_secret from a Welcome's GroupSecrets (§12.4.3.1), which needs the
//     welcome_secret before it has the GroupContext (it is inside the GroupInfo).
// Also: the external HPKE key pair (§8), MLS-Exporter (§8.5), welcome_key/nonce (§12.4.3.1).

import { Encoder } from '../codec/encoder.js';
import { deriveSecret, expandWithLabel } from '../crypto/labeled.js';
import type { CipherSuite, HpkeKeyPair } from '../crypto/provider.js';
import { ArgumentError } from '../errors.js';
import { groupContextBytes, type GroupContext } from '../group/group-context.js';
import { utf8 } from '../util/bytes.js';

/** The secrets derived from an epoch_secret (RFC 9420 §8, table "Epoch-Derived Secrets"), plus the next init_secret. */
export interface EpochSecrets {
  readonly joinerSecret: Uint8Array;
  readonly welcomeSecret: Uint8Array;
  readonly epochSecret: Uint8Array;
  readonly senderDataSecret: Uint8Array;
  readonly encryptionSecret: Uint8Array;
  readonly exporterSecret: Uint8Array;
  readonly externalSecret: Uint8Array;
  readonly confirmationKey: Uint8Array;
  readonly membershipKey: Uint8Array;
  readonly resumptionPsk: Uint8Array;
  readonly epochAuthenticator: Uint8Array;
  /** init_secret_[n]: the input of the NEXT epoch's key schedule. */
  readonly initSecret: Uint8Array;
}

export interface KeyScheduleInput {
  /** init_secret_[n-1], from the previous epoch (or fresh random for a new group). */
  readonly initSecret: Uint8Array;
  /** commit_secret (the all-zero vector when the commit has no path). */
  readonly commitSecret: Uint8Array;
  /** psk_secret from computePskSecret; omitted means no PSKs (all-zero vector). */
  readonly pskSecret?: Uint8Array;
  /** GroupContext_[n]: the context of the epoch being entered. */
  readonly groupContext: GroupContext;
}

function checkSecret(suite: CipherSuite, what: string, s: Uint8Array): void {
  if (s.length !== suite.kdf.size) {
    throw new ArgumentError(`${what} must be KDF.Nh = ${suite.kdf.size} bytes, got ${s.length}`);
  }
}

function contextBytes(suite: CipherSuite, gc: GroupContext): Uint8Array {
  if (gc.cipherSuite !== suite.id) {
    throw new ArgumentError(`GroupContext cipher suite ${gc.cipherSuite} does not match the suite in use ${suite.id}`);
  }
  return groupContextBytes(gc);
}

function pskOrZero(suite: CipherSuite, pskSecret: Uint8Array | undefined): Uint8Array {
  if (pskSecret === undefined) return new Uint8Array(suite.kdf.size);
  checkSecret(suite, 'psk_secret', pskSecret);
  return pskSecret;
}

/** A fresh init_secret for epoch 0 of a new group (RFC 9420 §11). */
export function newGroupInitSecret(suite: CipherSuite): Uint8Array {
  return suite.randomBytes(suite.kdf.size);
}

/** joiner_secret = ExpandWithLabel(Extract(salt=init_secret, ikm=commit_secret), "joiner", GroupContext, Nh). */
export function computeJoinerSecret(
  suite: CipherSuite,
  initSecret: Uint8Array,
  commitSecret: Uint8Array,
  groupContext: GroupContext,
): Uint8Array {
  checkSecret(suite, 'init_secret', initSecret);
  checkSecret(suite, 'commit_secret', commitSecret);
  const prk = suite.kdf.extract(initSecret, commitSecret);
  return expandWithLabel(suite, prk, 'joiner', contextBytes(suite, groupContext), suite.kdf.size);
}

// The "member" PRK between joiner_secret and epoch_secret: Extract(salt=joiner_secret, ikm=psk_secret).
function memberPrk(suite: CipherSuite, joinerSecret: Uint8Array, pskSecret: Uint8Array | undefined): Uint8Array {
  checkSecret(suite, 'joiner_secret', joinerSecret);
  return suite.kdf.extract(joinerSecret, pskOrZero(suite, pskSecret));
}

/** welcome_secret = DeriveSecret(Extract(joiner_secret, psk_secret), "welcome"): what a Welcome recipient needs first. */
export function welcomeSecretFromJoiner(suite: CipherSuite, joinerSecret: Uint8Array, pskSecret?: Uint8Array): Uint8Array {
  return deriveSecret(suite, memberPrk(suite, joinerSecret, pskSecret), 'welcome');
}

/** The joiner path: every epoch secret from joiner_secret, psk_secret and the (new) GroupContext. */
export function epochSecretsFromJoiner(
  suite: CipherSuite,
  joinerSecret: Uint8Array,
  pskSecret: Uint8Array | undefined,
  groupContext: GroupContext,
): EpochSecrets {
  const member = memberPrk(suite, joinerSecret, pskSecret);
  const welcomeSecret = deriveSecret(suite, member, 'welcome');
  const epochSecret = expandWithLabel(suite, member, 'epoch', contextBytes(suite, groupContext), suite.kdf.size);
  const d = (label: string): Uint8Array => deriveSecret(suite, epochSecret, label);
  return {
    joinerSecret,
    welcomeSecret,
    epochSecret,
    senderDataSecret: d('sender data'),
    encryptionSecret: d('encryption'),
    exporterSecret: d('exporter'),
    externalSecret: d('external'),
    confirmationKey: d('confirm'),
    membershipKey: d('membership'),
    resumptionPsk: d('resumption'),
    epochAuthenticator: d('authentication'),
    initSecret: d('init'),
  };
}

/** RFC 9420 §8: the full schedule for a member entering epoch n. */
export function deriveEpochSecrets(suite: CipherSuite, input: KeyScheduleInput): EpochSecrets {
  const joiner = computeJoinerSecret(suite, input.initSecret, input.commitSecret, input.groupContext);
  return epochSecretsFromJoiner(suite, joiner, input.pskSecret, input.groupContext);
}

/** RFC 9420 §8: external_priv, external_pub = KEM.DeriveKeyPair(external_secret). */
export function externalKeyPair(suite: CipherSuite, externalSecret: Uint8Array): HpkeKeyPair {
  checkSecret(suite, 'external_secret', externalSecret);
  return suite.hpke.deriveKeyPair(externalSecret);
}

/** RFC 9420 §12.4.3.1: the AEAD key and nonce that encrypt a Welcome's GroupInfo. */
export function welcomeKeyNonce(suite: CipherSuite, welcomeSecret: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  checkSecret(suite, 'welcome_secret', welcomeSecret);
  const empty = new Uint8Array(0);
  return {
    key: expandWithLabel(suite, welcomeSecret, 'key', empty, suite.aead.keySize),
    nonce: expandWithLabel(suite, welcomeSecret, 'nonce', empty, suite.aead.nonceSize),
  };
}

// DeriveSecret with a label given as bytes: exporter labels are application
// data (the test vectors use arbitrary bytes), not necessarily UTF-8 text.
function deriveSecretBytesLabel(suite: CipherSuite, secret: Uint8Array, label: Uint8Array): Uint8Array {
  const prefix = utf8('MLS 1.0 ');
  const full = new Uint8Array(prefix.length + label.length);
  full.set(prefix);
  full.set(label, prefix.length);
  const info = new Encoder().u16(suite.kdf.size).opaque(full).opaque(new Uint8Array(0)).finish();
  return suite.kdf.expand(secret, info, suite.kdf.size);
}

/**
 * RFC 9420 §8.5: MLS-Exporter(Label, Context, Length) =
 *   ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length).
 * A string label is taken as its UTF-8 bytes.
 */
export function mlsExporter(
  suite: CipherSuite,
  exporterSecret: Uint8Array,
  label: string | Uint8Array,
  context: Uint8Array,
  length: number,
): Uint8Array {
  checkSecret(suite, 'exporter_secret', exporterSecret);
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) {
    throw new ArgumentError(`MLS-Exporter length must be a uint16, got ${length}`);
  }
  const labelBytes = typeof label === 'string' ? utf8(label) : label;
  const derived = deriveSecretBytesLabel(suite, exporterSecret, labelBytes);
  return expandWithLabel(suite, derived, 'exported', suite.hash.digest(context), length);
}
