// Storage encoding of a PendingCommit (not a wire format of RFC 9420), so a
// messenger can keep its own commit across a restart while it waits for the
// delivery service's answer. Versioned and strict like state-codec.ts:
//
// struct {
//   uint16 format = 1;
//   uint64 from_epoch;
//   opaque from_interim_transcript_hash<V>;
//   opaque state<V>;              // groupStateBytes of the next epoch
//   uint32 added<V>; uint32 removed<V>;
// } StoredPendingCommit;

import { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { DecodeError } from '../errors.js';
import { leafIndex } from '../tree/math.js';
import type { PendingCommit } from './pending-commit.js';
import { groupStateBytes, groupStateFromBytes } from './state-codec.js';

export const PENDING_COMMIT_FORMAT = 1;

export function pendingCommitBytes(p: PendingCommit): Uint8Array {
  const e = new Encoder();
  e.u16(PENDING_COMMIT_FORMAT).u64(p.fromEpoch).opaque(p.fromInterimTranscriptHash).opaque(groupStateBytes(p.state));
  e.vector(p.added, (x, l) => x.u32(l)).vector(p.removed, (x, l) => x.u32(l));
  return e.finish();
}

/** Strict: a DecodeError for anything pendingCommitBytes did not produce. */
export function pendingCommitFromBytes(bytes: Uint8Array): PendingCommit {
  const d = new Decoder(bytes, 'PendingCommit');
  const format = d.u16('format');
  if (format !== PENDING_COMMIT_FORMAT) d.fail('format', `unknown pending commit format ${format}`);
  const fromEpoch = d.u64('from_epoch');
  const fromInterimTranscriptHash = d.opaque('from_interim_transcript_hash');
  const stateBytes = d.opaque('state');
  const leaf = (x: Decoder): ReturnType<typeof leafIndex> => {
    const n = x.u32('leaf');
    if (n > 0x7fffffff) x.fail('leaf', `leaf index ${n} is out of range`);
    return leafIndex(n);
  };
  const added = d.vector('added', leaf);
  const removed = d.vector('removed', leaf);
  d.end();
  const state = groupStateFromBytes(stateBytes);
  if (state.groupContext.epoch !== fromEpoch + 1n) throw new DecodeError('PendingCommit.state', `holds epoch ${state.groupContext.epoch}, expected ${fromEpoch + 1n}`);
  return { fromEpoch, fromInterimTranscriptHash, state, added, removed };
}
