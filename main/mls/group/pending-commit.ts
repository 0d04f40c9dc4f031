// A commit this member created but the delivery service has not yet accepted.
// It holds the next epoch's complete state; merging swaps it in, discarding is
// just dropping it (the current state was never touched).

import { ValidationError } from '../errors.js';
import type { LeafIndex } from '../tree/math.js';
import { equalBytes } from '../util/bytes.js';
import type { GroupState } from './state.js';

export interface PendingCommit {
  /** The epoch the commit was made in (the state it applies to). */
  readonly fromEpoch: bigint;
  /** Identifies the exact state the commit was made from. */
  readonly fromInterimTranscriptHash: Uint8Array;
  /** The state of the new epoch. */
  readonly state: GroupState;
  readonly added: readonly LeafIndex[];
  readonly removed: readonly LeafIndex[];
}

/** The new epoch's state, once the commit was accepted. Throws when `state` is not the one the commit was made from. */
export function mergePendingCommit(state: GroupState, pending: PendingCommit): GroupState {
  if (!equalBytes(state.groupContext.groupId, pending.state.groupContext.groupId)) throw new ValidationError('pending commit belongs to another group');
  if (state.groupContext.epoch !== pending.fromEpoch || !equalBytes(state.interimTranscriptHash, pending.fromInterimTranscriptHash)) {
    throw new ValidationError(`pending commit was made in epoch ${pending.fromEpoch}, the group is now at epoch ${state.groupContext.epoch}`);
  }
  return pending.state;
}
