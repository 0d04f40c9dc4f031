// RFC 9420 §8, §11, §12: the state of one member in one epoch of a group, as
// plain immutable data. Every group operation takes a GroupState and returns a
// new one; nothing here is ever mutated. state-codec.ts stores it as bytes.

import { getProvider } from '../crypto/index.js';
import type { CipherSuite, CipherSuiteId, CryptoProvider } from '../crypto/provider.js';
import { ArgumentError } from '../errors.js';
import type { Sender } from '../framing/sender.js';
import { WireFormat } from '../framing/wire-format.js';
import type { Proposal } from '../messages/proposal.js';
import type { ReInit } from '../messages/proposals/reinit.js';
import { DEFAULT_SECRET_TREE_LIMITS, type SecretTreeState } from '../schedule/secret-tree.js';
import type { LeafNode } from '../tree/leaf-node.js';
import type { LeafIndex } from '../tree/math.js';
import type { TreePrivateKeys } from '../tree/private-keys.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import type { GroupContext } from './group-context.js';
import type { LeafSignatureKeys } from './past-signature-keys.js';

/** Local policy of one member; not part of the protocol, but stored with the state. */
export interface GroupConfig {
  /** PrivateMessage plaintexts are padded to a multiple of this many bytes (0 or 1: none). */
  readonly paddingBlockSize: number;
  /** How many past epochs keep their receive state for late application messages. */
  readonly pastEpochsKept: number;
  /** How many past epochs' resumption PSKs are kept (RFC 9420 §8.6). */
  readonly resumptionPsksKept: number;
  /** Out-of-order window of each sender ratchet (RFC 9420 §9.4). */
  readonly maxForwardDistance: number;
  readonly maxSkippedKeys: number;
  /** Wire format of own proposals and commits: PublicMessage or PrivateMessage. */
  readonly handshakeWireFormat: typeof WireFormat.mlsPublicMessage | typeof WireFormat.mlsPrivateMessage;
  /** Put the ratchet_tree extension in the GroupInfo of Welcomes (and published GroupInfos). */
  readonly ratchetTreeExtension: boolean;
  /** Put the external_pub extension in published GroupInfos (enables external commits). */
  readonly externalPub: boolean;
  /**
   * Validation policy (docs/validation.md): every HPKE public key a peer puts into a
   * KeyPackage or the tree (Add, Update, UpdatePath, a joined tree) is validated as
   * its KEM demands when it arrives (RFC 9180 §7.1.4, done at arrival instead of at
   * first use; crypto/hpke-key-check.ts), so a key nobody can encrypt to is refused before it makes this
   * member's commits fail. False: only the key's length is checked, and a bad key
   * fails the first commit that encrypts to it, as with implementations that check
   * on use. No validation list of RFC 9420 asks for it; default true.
   */
  readonly checkHpkeKeys: boolean;
}

export const DEFAULT_GROUP_CONFIG: GroupConfig = {
  paddingBlockSize: 32,
  pastEpochsKept: 2,
  resumptionPsksKept: 8,
  maxForwardDistance: DEFAULT_SECRET_TREE_LIMITS.maxForwardDistance,
  maxSkippedKeys: DEFAULT_SECRET_TREE_LIMITS.maxSkippedKeys,
  handshakeWireFormat: WireFormat.mlsPublicMessage,
  ratchetTreeExtension: true,
  externalPub: true,
  checkHpkeKeys: true,
};

/** RFC 9420 §8: the secrets of the current epoch that outlive the key schedule run. */
export interface EpochKeys {
  /** init_secret of this epoch: the input of the next epoch's key schedule. */
  readonly initSecret: Uint8Array;
  readonly senderDataSecret: Uint8Array;
  readonly exporterSecret: Uint8Array;
  readonly externalSecret: Uint8Array;
  readonly confirmationKey: Uint8Array;
  readonly membershipKey: Uint8Array;
  readonly resumptionPsk: Uint8Array;
  readonly epochAuthenticator: Uint8Array;
}

/** A proposal received (or sent) in this epoch, kept until a commit covers it (RFC 9420 §12.4). */
export interface PendingProposal {
  /** RFC 9420 §5.2: ProposalRef of its AuthenticatedContent. */
  readonly ref: Uint8Array;
  readonly proposal: Proposal;
  readonly sender: Sender;
}

/** The private key of a leaf this member proposed in its own Update, to use once committed. */
export interface OwnUpdateKey {
  readonly ref: Uint8Array;
  readonly encryptionPrivateKey: Uint8Array;
  /** The new signature private key, when the Update changes it. */
  readonly signaturePrivateKey: Uint8Array;
}

/** RFC 9420 §8.6: a resumption PSK of a past epoch of this group. */
export interface ResumptionPskEntry {
  readonly epoch: bigint;
  readonly psk: Uint8Array;
}

/** What decrypting and verifying a late PrivateMessage of a past epoch needs. */
export interface PastEpoch {
  readonly groupContext: GroupContext;
  readonly senderDataSecret: Uint8Array;
  readonly secretTree: SecretTreeState;
  /** Signature key of each leaf in that epoch (undefined: blank), by leaf index (past-signature-keys.ts). */
  readonly signatureKeys: LeafSignatureKeys;
}

export interface GroupState {
  readonly cipherSuite: CipherSuiteId;
  readonly groupContext: GroupContext;
  readonly tree: RatchetTree;
  readonly ownLeaf: LeafIndex;
  readonly privateKeys: TreePrivateKeys;
  readonly signaturePrivateKey: Uint8Array;
  readonly keys: EpochKeys;
  readonly secretTree: SecretTreeState;
  /** RFC 9420 §8.2: interim_transcript_hash of this epoch. */
  readonly interimTranscriptHash: Uint8Array;
  /** The confirmation tag of the commit (or creation) that started this epoch. */
  readonly confirmationTag: Uint8Array;
  readonly pendingProposals: readonly PendingProposal[];
  readonly ownUpdates: readonly OwnUpdateKey[];
  /** Most recent first; at most config.resumptionPsksKept (the current epoch's is in keys). */
  readonly resumptionPsks: readonly ResumptionPskEntry[];
  /** Most recent first; at most config.pastEpochsKept. */
  readonly pastEpochs: readonly PastEpoch[];
  /** Set once a commit with a ReInit proposal was applied: the group may then only be re-initialized (RFC 9420 §11.2). */
  readonly reinit?: ReInit;
  readonly config: GroupConfig;
}

/** Options every group operation accepts. */
export interface ProviderOption {
  /** Crypto provider; default getProvider(). */
  readonly provider?: CryptoProvider;
}

export function suiteOf(state: { readonly cipherSuite: CipherSuiteId }, provider?: CryptoProvider): CipherSuite {
  return (provider ?? getProvider()).getSuite(state.cipherSuite);
}

export function ownLeafNode(state: GroupState): LeafNode {
  const leaf = state.tree.leaf(state.ownLeaf);
  if (leaf === undefined) throw new ArgumentError(`own leaf ${state.ownLeaf} is blank`);
  return leaf;
}

/** The members of the current epoch: leaf index and leaf node of every non-blank leaf. */
export function members(state: GroupState): { index: LeafIndex; leaf: LeafNode }[] {
  return state.tree.memberLeaves().map((index) => ({ index, leaf: state.tree.leaf(index)! }));
}

export function epochAuthenticator(state: GroupState): Uint8Array {
  return state.keys.epochAuthenticator;
}

/** Upper bounds of the numeric config: beyond them a message or a state would cost unbounded time or memory. */
export const CONFIG_LIMITS = {
  paddingBlockSize: 65536,
  pastEpochsKept: 64,
  resumptionPsksKept: 1024,
  maxForwardDistance: 100_000,
  maxSkippedKeys: 100_000,
} as const;

export function checkConfig(c: GroupConfig): void {
  const u32 = (k: string, v: number): void => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new ArgumentError(`group config ${k} must be a uint32, got ${v}`);
  };
  for (const [k, max] of Object.entries(CONFIG_LIMITS) as [keyof typeof CONFIG_LIMITS, number][]) {
    u32(k, c[k]);
    if (c[k] > max) throw new ArgumentError(`group config ${k} is ${c[k]}, at most ${max}`);
  }
  if (c.handshakeWireFormat !== WireFormat.mlsPublicMessage && c.handshakeWireFormat !== WireFormat.mlsPrivateMessage) {
    throw new ArgumentError(`group config handshakeWireFormat must be PublicMessage (1) or PrivateMessage (2)`);
  }
}
