// RFC 9420 §8, §9: entering a new epoch. The key schedule's output becomes the
// state's EpochKeys and a fresh secret tree; the epoch being left keeps what
// late application messages need (bounded by config.pastEpochsKept), and its
// resumption PSK joins the bounded list of past ones (§8.6).

import type { CipherSuite } from '../crypto/provider.js';
import type { ReInit } from '../messages/proposals/reinit.js';
import type { EpochSecrets } from '../schedule/key-schedule.js';
import { createSecretTree } from '../schedule/secret-tree.js';
import type { LeafIndex } from '../tree/math.js';
import type { TreePrivateKeys } from '../tree/private-keys.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import type { GroupContext } from './group-context.js';
import { signatureKeysOf } from './past-signature-keys.js';
import type { EpochKeys, GroupConfig, GroupState, PastEpoch, ResumptionPskEntry } from './state.js';

export function epochKeysOf(s: EpochSecrets): EpochKeys {
  return {
    initSecret: s.initSecret,
    senderDataSecret: s.senderDataSecret,
    exporterSecret: s.exporterSecret,
    externalSecret: s.externalSecret,
    confirmationKey: s.confirmationKey,
    membershipKey: s.membershipKey,
    resumptionPsk: s.resumptionPsk,
    epochAuthenticator: s.epochAuthenticator,
  };
}

/** The receive state of the current epoch, to keep once it is left. */
export function pastEpochOf(state: GroupState): PastEpoch {
  return { groupContext: state.groupContext, senderDataSecret: state.keys.senderDataSecret, secretTree: state.secretTree, signatureKeys: signatureKeysOf(state.tree) };
}

export interface NewEpochParams {
  readonly suite: CipherSuite;
  readonly groupContext: GroupContext;
  readonly tree: RatchetTree;
  readonly ownLeaf: LeafIndex;
  readonly privateKeys: TreePrivateKeys;
  readonly signaturePrivateKey: Uint8Array;
  readonly secrets: EpochSecrets;
  readonly confirmationTag: Uint8Array;
  readonly interimTranscriptHash: Uint8Array;
  readonly reinit?: ReInit;
  readonly config: GroupConfig;
}

/** A state for an epoch with no history (a new group or a joiner). */
export function freshEpochState(p: NewEpochParams): GroupState {
  const base: GroupState = {
    cipherSuite: p.suite.id,
    groupContext: p.groupContext,
    tree: p.tree,
    ownLeaf: p.ownLeaf,
    privateKeys: p.privateKeys,
    signaturePrivateKey: p.signaturePrivateKey,
    keys: epochKeysOf(p.secrets),
    secretTree: createSecretTree(p.suite, p.secrets.encryptionSecret, p.tree.nLeaves, {
      maxForwardDistance: p.config.maxForwardDistance,
      maxSkippedKeys: p.config.maxSkippedKeys,
    }),
    interimTranscriptHash: p.interimTranscriptHash,
    confirmationTag: p.confirmationTag,
    pendingProposals: [],
    ownUpdates: [],
    resumptionPsks: [],
    pastEpochs: [],
    config: p.config,
  };
  return p.reinit === undefined ? base : { ...base, reinit: p.reinit };
}

/** The state of the epoch after `old`, keeping `old`'s late-message state and resumption PSK. */
export function nextEpochState(old: GroupState, p: NewEpochParams): GroupState {
  const fresh = freshEpochState(p);
  const cfg = p.config;
  const psks: ResumptionPskEntry[] = [{ epoch: old.groupContext.epoch, psk: old.keys.resumptionPsk }, ...old.resumptionPsks].slice(0, cfg.resumptionPsksKept);
  const past = cfg.pastEpochsKept === 0 ? [] : [pastEpochOf(old), ...old.pastEpochs].slice(0, cfg.pastEpochsKept);
  return { ...fresh, resumptionPsks: psks, pastEpochs: past };
}
