// RFC 9420 §11: creating a one-member group at epoch 0 from the creator's own
// KeyPackage (its leaf becomes leaf 0; its encryption key is the leaf's key).

import { encode } from '../codec/encoder.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ArgumentError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { computeConfirmationTag, interimTranscriptHash } from '../framing/transcript-hash.js';
import type { KeyPackageWithSecrets } from '../messages/key-package-create.js';
import { epochSecretsFromJoiner, newGroupInitSecret } from '../schedule/key-schedule.js';
import { validateLeafNode } from '../tree/leaf-validation.js';
import { ValidationError } from '../errors.js';
import { leafIndex } from '../tree/math.js';
import { newTreePrivateKeys } from '../tree/private-keys.js';
import { RatchetTree } from '../tree/ratchet-tree.js';
import { encodeExtensions } from '../extensions/extension.js';
import { freshEpochState } from './epoch.js';
import { PROTOCOL_VERSION_MLS10, type GroupContext } from './group-context.js';
import { checkConfig, DEFAULT_GROUP_CONFIG, type GroupConfig, type GroupState } from './state.js';
import { equalBytes } from '../util/bytes.js';

export interface CreateGroupParams {
  readonly suite: CipherSuite;
  /** The creator's KeyPackage with its private keys; its leaf node becomes leaf 0. */
  readonly keyPackage: KeyPackageWithSecrets;
  readonly signaturePrivateKey: Uint8Array;
  /** Default: KDF.Nh random bytes (§11). */
  readonly groupId?: Uint8Array;
  readonly extensions?: readonly Extension[];
  readonly config?: Partial<GroupConfig>;
}

export function createGroup(p: CreateGroupParams): GroupState {
  const { suite } = p;
  const kp = p.keyPackage.keyPackage;
  if (kp.cipherSuite !== suite.id) throw new ArgumentError(`KeyPackage is for cipher suite ${kp.cipherSuite}, the group uses ${suite.id}`);
  if (!equalBytes(suite.signature.publicKeyFromPrivate(p.signaturePrivateKey), kp.leafNode.signatureKey)) {
    throw new ArgumentError('signature private key does not match the KeyPackage leaf signature key');
  }
  const config: GroupConfig = { ...DEFAULT_GROUP_CONFIG, ...p.config };
  checkConfig(config);
  const extensions = p.extensions ?? [];
  encode(encodeExtensions, extensions); // rejects out-of-range values early
  try {
    validateLeafNode(suite, kp.leafNode, { groupExtensions: extensions }, 'own leaf');
  } catch (e) {
    if (e instanceof ValidationError) throw new ArgumentError(`cannot create the group: ${e.message}`);
    throw e;
  }
  const tree = RatchetTree.single(kp.leafNode);
  const me = leafIndex(0);
  const groupContext: GroupContext = {
    version: PROTOCOL_VERSION_MLS10,
    cipherSuite: suite.id,
    groupId: p.groupId ?? suite.randomBytes(suite.kdf.size),
    epoch: 0n,
    treeHash: tree.treeHash(suite),
    confirmedTranscriptHash: new Uint8Array(0),
    extensions,
  };
  // §11: epoch_secret is fresh random; feeding a random joiner secret through the schedule gives exactly that.
  const secrets = epochSecretsFromJoiner(suite, newGroupInitSecret(suite), undefined, groupContext);
  const confirmationTag = computeConfirmationTag(suite, secrets.confirmationKey, groupContext.confirmedTranscriptHash);
  return freshEpochState({
    suite,
    groupContext,
    tree,
    ownLeaf: me,
    privateKeys: newTreePrivateKeys(me, p.keyPackage.encryptionPrivateKey),
    signaturePrivateKey: p.signaturePrivateKey,
    secrets,
    confirmationTag,
    interimTranscriptHash: interimTranscriptHash(suite, groupContext.confirmedTranscriptHash, confirmationTag),
    config,
  });
}
