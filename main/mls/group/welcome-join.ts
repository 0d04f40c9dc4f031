// RFC 9420 §12.4.3.1: joining a group from a Welcome. Finds this client's
// entry by KeyPackageRef, opens the GroupSecrets and the GroupInfo, checks the
// GroupInfo signature, the ratchet tree (from the ratchet_tree extension or
// supplied out of band) and the confirmation tag, and derives the epoch's
// secrets and this member's private keys.

import { getProvider } from '../crypto/index.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { ArgumentError, CryptoError, ValidationError } from '../errors.js';
import { parseMLSMessage } from '../framing/mls-message.js';
import { interimTranscriptHash, verifyConfirmationTag } from '../framing/transcript-hash.js';
import { WireFormat } from '../framing/wire-format.js';
import type { GroupInfo } from '../messages/group-info.js';
import type { GroupSecrets } from '../messages/group-secrets.js';
import { keyPackageRef } from '../messages/key-package.js';
import type { KeyPackageWithSecrets } from '../messages/key-package-create.js';
import type { Welcome } from '../messages/welcome.js';
import { findWelcomeSecrets } from '../messages/welcome.js';
import { decryptGroupInfo, decryptGroupSecrets } from '../messages/welcome-crypto.js';
import { epochSecretsFromJoiner, welcomeSecretFromJoiner } from '../schedule/key-schedule.js';
import { PSKType, ResumptionPSKUsage } from '../schedule/psk.js';
import { leafNodeBytes } from '../tree/leaf-node.js';
import type { CredentialValidator } from '../tree/leaf-validation.js';
import type { LeafIndex } from '../tree/math.js';
import { NodeType } from '../tree/node.js';
import { newTreePrivateKeys } from '../tree/private-keys.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import { privateKeysFromPathSecret } from '../tree/treekem.js';
import { equalBytes } from '../util/bytes.js';
import { freshEpochState } from './epoch.js';
import { hpkeKeyCheck } from '../crypto/hpke-key-check.js';
import { pskSecretFor, type PskLookup } from './psk-lookup.js';
import { checkConfig, DEFAULT_GROUP_CONFIG, type GroupConfig, type GroupState } from './state.js';
import { verifiedGroupInfoTree } from './group-info-tree.js';
import { leafSupportsGroup } from './proposal-apply.js';

export interface JoinFromWelcomeParams {
  /** MLSMessage(Welcome) bytes, or a decoded Welcome. */
  readonly welcome: Uint8Array | Welcome;
  /** The KeyPackage the Welcome was made for, with its private keys. */
  readonly keyPackage: KeyPackageWithSecrets;
  readonly signaturePrivateKey: Uint8Array;
  /** The tree, when the GroupInfo carries no ratchet_tree extension. */
  readonly ratchetTree?: RatchetTree;
  readonly psks?: PskLookup;
  readonly config?: Partial<GroupConfig>;
  readonly provider?: CryptoProvider;
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
  /**
   * Validate every HPKE key of the received tree (RFC 9180 §7.1.4; default: the
   * config's checkHpkeKeys policy, true unless changed). False checks only their
   * length, at the risk that a malicious inviter's bad key makes this member's
   * commits fail later.
   */
  readonly checkTreeKeys?: boolean;
  /** Largest tree (in leaves, blank ones included) accepted; default DEFAULT_MAX_TREE_LEAVES. */
  readonly maxTreeLeaves?: number;
}

/** Re-exported: the bound is shared with external joins (tree-size.ts). */
export { DEFAULT_MAX_TREE_LEAVES } from './tree-size.js';

export interface JoinedGroup {
  readonly state: GroupState;
  /** The decrypted GroupInfo (its extensions may matter to the application). */
  readonly groupInfo: GroupInfo;
  readonly groupSecrets: GroupSecrets;
}

function welcomeOf(w: Uint8Array | Welcome): Welcome {
  if (!(w instanceof Uint8Array)) return w;
  const m = parseMLSMessage(w);
  if (m.wireFormat !== WireFormat.mlsWelcome) throw new ValidationError(`expected an MLSMessage(Welcome), got wire format ${m.wireFormat}`);
  return m.welcome;
}

export function joinFromWelcome(p: JoinFromWelcomeParams): JoinedGroup {
  const welcome = welcomeOf(p.welcome);
  const suite = (p.provider ?? getProvider()).getSuite(welcome.cipherSuite);
  const kp = p.keyPackage.keyPackage;
  // §12.4.3.1: "If no such field exists, or if the cipher suite indicated in the KeyPackage does not match the one
  // in the Welcome message, return an error."
  if (kp.cipherSuite !== welcome.cipherSuite) throw new ValidationError(`Welcome is for cipher suite ${welcome.cipherSuite}, our KeyPackage uses ${kp.cipherSuite}`);
  const config: GroupConfig = { ...DEFAULT_GROUP_CONFIG, ...p.config };
  checkConfig(config);
  if (!equalBytes(suite.signature.publicKeyFromPrivate(p.signaturePrivateKey), kp.leafNode.signatureKey)) {
    throw new ArgumentError('signature private key does not match the KeyPackage leaf signature key');
  }
  if (!equalBytes(suite.hpke.publicKeyFromPrivate(p.keyPackage.encryptionPrivateKey), kp.leafNode.encryptionKey)) {
    throw new ArgumentError('encryption private key does not match the KeyPackage leaf encryption key');
  }
  const entry = findWelcomeSecrets(welcome, keyPackageRef(suite, kp));
  if (entry === undefined) throw new ValidationError('Welcome: no entry for our KeyPackage (it is for someone else)');
  const groupSecrets = decryptGroupSecrets(suite, p.keyPackage.initPrivateKey, welcome.encryptedGroupInfo, entry.encryptedGroupSecrets);
  // joiner_secret is a KDF.Extract output of KDF.Nh bytes (§8); no committer can make another length.
  if (groupSecrets.joinerSecret.length !== suite.kdf.size) throw new ValidationError(`GroupSecrets.joiner_secret has ${groupSecrets.joinerSecret.length} bytes, expected ${suite.kdf.size}`);

  // §12.4.3.1: "If a PreSharedKeyID is part of the GroupSecrets and the client is not in possession of the
  // corresponding PSK, return an error. Additionally, if a PreSharedKeyID has type resumption with usage reinit
  // or branch, verify that it is the only such PSK."
  const special = groupSecrets.psks.filter((id) => id.psktype === PSKType.resumption && id.usage !== ResumptionPSKUsage.application);
  if (special.length > 1) throw new ValidationError('GroupSecrets: more than one reinit/branch resumption PSK');
  const pskSecret = pskSecretFor(suite, groupSecrets.psks, undefined, p.psks);
  const welcomeSecret = welcomeSecretFromJoiner(suite, groupSecrets.joinerSecret, pskSecret);
  let groupInfo: GroupInfo;
  try {
    groupInfo = decryptGroupInfo(suite, welcomeSecret, welcome.encryptedGroupInfo);
  } catch (e) {
    if (e instanceof CryptoError) throw new CryptoError(`Welcome.encrypted_group_info does not decrypt: ${e.message}`);
    throw e;
  }
  const gc = groupInfo.groupContext;
  // §12.4.3.1: "Verify that the cipher_suite in the GroupInfo matches the cipher_suite in the KeyPackage."
  if (gc.cipherSuite !== suite.id) throw new ValidationError(`GroupInfo cipher suite ${gc.cipherSuite} differs from the Welcome's ${suite.id}`);

  const tree = verifiedGroupInfoTree(suite, groupInfo, p, 'Welcome');
  const signer = groupInfo.signer as LeafIndex; // a member of the tree: checked with the signature

  // Policy (RFC 9180 §7.1.4 at arrival): every HPKE key of the tree must be usable, or this
  // member's first commit would fail to encrypt to it. Judged without a KEM operation (hpke-key-check.ts).
  const checkKey = hpkeKeyCheck(p.checkTreeKeys ?? config.checkHpkeKeys);
  for (const [x, n] of tree.entries()) checkKey(suite, n.nodeType === NodeType.leaf ? n.leaf.encryptionKey : n.parent.encryptionKey, `tree node ${x}`);

  const mine = leafNodeBytes(kp.leafNode);
  // §12.4.3.1: "Identify a leaf whose LeafNode is identical to the one in the KeyPackage. If no such field exists, return an error."
  // The leaves holding our signature key (the index knows them) are the only candidates.
  const me = tree
    .index()
    .leavesWithSignatureKey(kp.leafNode.signatureKey)
    .map((x) => (x / 2) as LeafIndex)
    .sort((a, b) => a - b)
    .find((l) => equalBytes(leafNodeBytes(tree.leaf(l)!), mine));
  if (me === undefined) throw new ValidationError('Welcome: our KeyPackage leaf is not in the tree');
  // §13.4: "A client joining a group MUST verify that it supports every extension in the GroupContext for the
  // group. Otherwise, it MUST treat the enclosing GroupInfo message as invalid and not join the group." What this
  // client supports is what its leaf advertises ("A client that posts a KeyPackage MUST support all parameters advertised in it").
  const unsupported = leafSupportsGroup(tree.leaf(me)!, gc.extensions);
  if (unsupported !== undefined) throw new ValidationError(`Welcome: our leaf ${unsupported} (RFC 9420 §13.4: not joining)`);
  let privateKeys = newTreePrivateKeys(me, p.keyPackage.encryptionPrivateKey);
  if (groupSecrets.pathSecret !== undefined) {
    // §12.4.3.1: the path secret is for "the lowest common ancestor of the leaf node my_leaf and of the node of the
    // member with leaf index GroupInfo.signer"; there is none when they are the same leaf.
    if (signer === me) throw new ValidationError('Welcome: a path secret, but the GroupInfo signer is ourselves');
    privateKeys = privateKeysFromPathSecret(suite, tree, privateKeys, signer, groupSecrets.pathSecret.pathSecret).privateKeys;
  }
  const secrets = epochSecretsFromJoiner(suite, groupSecrets.joinerSecret, pskSecret, gc);
  verifyConfirmationTag(suite, secrets.confirmationKey, gc.confirmedTranscriptHash, groupInfo.confirmationTag);
  // §12.4.3.1: "If a PreSharedKeyID was used that has type resumption with usage reinit or branch, verify that the
  // epoch field in the GroupInfo is equal to 1." (The rest of that check: reinit.ts, branch.ts, resumption.ts.)
  if (special.length === 1 && gc.epoch !== 1n) throw new ValidationError(`Welcome: a reinit/branch resumption PSK needs epoch 1, the GroupInfo is at epoch ${gc.epoch}`);

  const state = freshEpochState({
    suite,
    groupContext: gc,
    tree,
    ownLeaf: me,
    privateKeys,
    signaturePrivateKey: p.signaturePrivateKey,
    secrets,
    confirmationTag: groupInfo.confirmationTag,
    interimTranscriptHash: interimTranscriptHash(suite, gc.confirmedTranscriptHash, groupInfo.confirmationTag),
    config,
  });
  return { state, groupInfo, groupSecrets };
}
