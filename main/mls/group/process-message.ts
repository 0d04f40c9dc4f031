// The single entry for incoming group messages (RFC 9420 §6, §12): decode an
// MLSMessage, check group and epoch, unprotect (PublicMessage: membership tag
// and signature; PrivateMessage: decrypt with the epoch's secret tree, also for
// a bounded number of past epochs for late application messages), then act on
// the content. Pure: returns the result and the new state; on any error
// (DecodeError, ValidationError, CryptoError) the input state stays valid.

import { makeProposalRef } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { authenticatedContentBytes, type AuthenticatedContent } from '../framing/authenticated-content.js';
import { ContentType } from '../framing/content-type.js';
import { parseMLSMessage } from '../framing/mls-message.js';
import type { PrivateMessage } from '../framing/private-message.js';
import { unprotectPrivate } from '../framing/protect-private.js';
import { unprotectPublic } from '../framing/protect-public.js';
import { SenderType, type Sender } from '../framing/sender.js';
import { WireFormat } from '../framing/wire-format.js';
import type { Proposal } from '../messages/proposal.js';
import type { LeafIndex } from '../tree/math.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { processCommit, type ProcessCommitOptions } from './commit-process.js';
import { validateReceivedProposal } from './proposal-receipt.js';
import { checkProposalSender } from './proposal-validation.js';
import { senderSignatureKey } from './signature-keys.js';
import { suiteOf, type GroupState, type PastEpoch, type ProviderOption } from './state.js';

export interface ProcessMessageOptions extends ProcessCommitOptions, ProviderOption {}

export type ProcessResult =
  | { readonly kind: 'application'; readonly data: Uint8Array; readonly sender: LeafIndex; readonly authenticatedData: Uint8Array; readonly epoch: bigint }
  | { readonly kind: 'proposal'; readonly ref: Uint8Array; readonly proposal: Proposal; readonly sender: Sender }
  | {
      readonly kind: 'commit';
      readonly newEpoch: bigint;
      readonly committer: LeafIndex;
      readonly added: readonly LeafIndex[];
      readonly removed: readonly LeafIndex[];
      readonly updated: readonly LeafIndex[];
    }
  | { readonly kind: 'removed'; readonly epoch: bigint; readonly committer: LeafIndex };

export interface Processed {
  readonly result: ProcessResult;
  /** The new state; for 'removed', still the old epoch's (for its late messages; the member should then delete the group). */
  readonly state: GroupState;
}

/**
 * §12.1 and §12.4.2: the epoch must be the current one. Only application messages of a kept past epoch
 * are read (§15.3, local policy GroupConfig.pastEpochsKept).
 */
function checkEpoch(state: GroupState, epoch: bigint, what: string): void {
  const cur = state.groupContext.epoch;
  if (epoch > cur) throw new ValidationError(`${what}: epoch ${epoch} is in the future (the group is at epoch ${cur})`);
  if (epoch < cur) throw new ValidationError(`${what}: epoch ${epoch} is past (the group is at epoch ${cur}); only application messages of kept past epochs are accepted`);
}

export function processMessage(state: GroupState, bytes: Uint8Array, opts: ProcessMessageOptions = {}): Processed {
  const suite = suiteOf(state, opts.provider);
  const msg = parseMLSMessage(bytes);
  let ac: AuthenticatedContent;
  let next: GroupState = state;
  if (msg.wireFormat === WireFormat.mlsPublicMessage) {
    const c = msg.publicMessage.content;
    if (!equalBytes(c.groupId, state.groupContext.groupId)) throw new ValidationError('PublicMessage: group_id does not match this group');
    checkEpoch(state, c.epoch, 'PublicMessage');
    ac = unprotectPublic(suite, msg.publicMessage, {
      groupContext: state.groupContext,
      membershipKey: state.keys.membershipKey,
      signaturePublicKey: (content) => senderSignatureKey(state.tree, state.groupContext, content),
    });
  } else if (msg.wireFormat === WireFormat.mlsPrivateMessage) {
    const pm = msg.privateMessage;
    if (!equalBytes(pm.groupId, state.groupContext.groupId)) throw new ValidationError('PrivateMessage: group_id does not match this group');
    if (pm.epoch < state.groupContext.epoch) return processPastPrivate(suite, state, pm);
    checkEpoch(state, pm.epoch, 'PrivateMessage');
    const r = unprotectPrivate(suite, pm, {
      groupContext: state.groupContext,
      senderDataSecret: state.keys.senderDataSecret,
      secretTree: state.secretTree,
      isMember: (l) => state.tree.leaf(l) !== undefined,
      signaturePublicKey: (content) => senderSignatureKey(state.tree, state.groupContext, content),
    });
    ac = r.content;
    next = { ...state, secretTree: r.secretTree };
  } else {
    throw new ValidationError(`processMessage: wire format ${msg.wireFormat} is not a group message (use the Welcome/GroupInfo functions)`);
  }
  return actOn(suite, state, next, ac, opts);
}

function actOn(suite: CipherSuite, state: GroupState, next: GroupState, ac: AuthenticatedContent, opts: ProcessMessageOptions): Processed {
  const content = ac.content;
  const s = content.sender;
  // API rule, not a protocol check: own proposals are pending already and own commits are merged (pending-commit.ts).
  if (s.senderType === SenderType.member && s.leafIndex === state.ownLeaf) {
    throw new ValidationError('message sent by this member itself (own proposals are already pending; own commits are merged, not processed)');
  }
  switch (content.contentType) {
    case ContentType.application:
      // §6: application data only comes in a PrivateMessage, which only members send (§6.3.2).
      if (s.senderType !== SenderType.member) throw new ValidationError('application data from a non-member');
      return {
        // A copy: the decrypted content is decoded as views into its plaintext (codec/decoder.ts DecodeBytes), the caller's data stands alone.
        result: { kind: 'application', data: content.applicationData.slice(), sender: s.leafIndex, authenticatedData: content.authenticatedData, epoch: content.epoch },
        state: next,
      };
    case ContentType.proposal: {
      // §12.4.2: after a ReInit commit "the client MUST NOT use the group to send messages anymore. Instead, it
      // MUST wait for a Welcome message"; nothing sent in the old group can be valid any more.
      if (state.reinit !== undefined) throw new ValidationError('the group was re-initialized: it accepts no more proposals');
      checkProposalSender({ proposal: content.proposal, sender: s }, 'proposal');
      validateReceivedProposal(suite, state, content.proposal, s, { ...opts, checkHpkeKeys: state.config.checkHpkeKeys });
      const ref = makeProposalRef(suite, authenticatedContentBytes(ac));
      // Idempotence, not a refusal of the proposal: it is cached already (§12.1); the state stays as it is.
      if (state.pendingProposals.some((p) => equalBytes(p.ref, ref))) throw new ValidationError(`proposal ${toHex(ref)} was already received in this epoch (replay)`);
      return {
        result: { kind: 'proposal', ref, proposal: content.proposal, sender: s },
        state: { ...next, pendingProposals: [...next.pendingProposals, { ref, proposal: content.proposal, sender: s }] },
      };
    }
    case ContentType.commit: {
      if (state.reinit !== undefined) throw new ValidationError('the group was re-initialized: it accepts no more commits');
      // The commit is processed against the state after its own decryption (its ratchet step is consumed).
      const r = processCommit(suite, next, ac, opts);
      // Removed: the epoch's state stays (minus the consumed ratchet step) for late messages of this epoch.
      if (r.kind === 'removed') return { result: { kind: 'removed', epoch: state.groupContext.epoch + 1n, committer: r.changes.committer }, state: next };
      return {
        result: { kind: 'commit', newEpoch: r.state.groupContext.epoch, committer: r.changes.committer, added: r.changes.added, removed: r.changes.removed, updated: r.changes.updated },
        state: r.state,
      };
    }
  }
}

/** A late PrivateMessage of a kept past epoch: application data only, decrypted with that epoch's secrets. */
function processPastPrivate(suite: CipherSuite, state: GroupState, pm: PrivateMessage): Processed {
  const i = state.pastEpochs.findIndex((p) => p.groupContext.epoch === pm.epoch);
  const past = state.pastEpochs[i];
  if (past === undefined) {
    throw new ValidationError(`PrivateMessage: epoch ${pm.epoch} is too old: its secrets were deleted (the group is at epoch ${state.groupContext.epoch}, keeping ${state.config.pastEpochsKept} past epochs)`);
  }
  // §12.1, §12.4.2: handshake messages only in the current epoch.
  if (pm.contentType !== ContentType.application) throw new ValidationError(`PrivateMessage: a handshake message of past epoch ${pm.epoch} (the group is at epoch ${state.groupContext.epoch})`);
  const keyOf = (l: LeafIndex): Uint8Array | undefined => past.signatureKeys.at(l);
  const r = unprotectPrivate(suite, pm, {
    groupContext: past.groupContext,
    senderDataSecret: past.senderDataSecret,
    secretTree: past.secretTree,
    isMember: (l) => keyOf(l) !== undefined,
    signaturePublicKey: (content) => {
      const k = content.sender.senderType === SenderType.member ? keyOf(content.sender.leafIndex) : undefined;
      if (k === undefined) throw new ValidationError('PrivateMessage of a past epoch from a non-member');
      return k;
    },
  });
  const c = r.content.content;
  if (c.contentType !== ContentType.application || c.sender.senderType !== SenderType.member) throw new ValidationError('PrivateMessage: not application data');
  const updated: PastEpoch = { ...past, secretTree: r.secretTree };
  const pastEpochs = state.pastEpochs.map((p, j) => (j === i ? updated : p));
  return {
    result: { kind: 'application', data: c.applicationData.slice(), sender: c.sender.leafIndex, authenticatedData: c.authenticatedData, epoch: c.epoch },
    state: { ...state, pastEpochs },
  };
}
