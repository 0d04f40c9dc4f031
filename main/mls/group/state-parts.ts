// A GroupState stored in parts, so that a message costs a few small writes
// instead of rewriting the whole state (storage only; not a wire format of
// RFC 9420). The parts:
//
// - the core: StoredGroupState (state-codec.ts) with format GROUP_STATE_CORE_FORMAT,
//   each SecretTreeState (RFC 9420 §9) cut to its header (format, cipher suite,
//   n_leaves, limits). It changes only with a proposal or a commit.
// - per kept epoch (the current one and each past one kept for late
//   messages), the rows of that epoch's secret tree: its frontier, one row per
//   entry (schedule/secret-tree-rows.ts). A message touches one path of one tree.
//
// stateDelta says what to write between two versions of one member's state,
// comparing by reference: the state is immutable and an operation shares what
// it did not change, so unchanged parts are found without encoding them.

import { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { ArgumentError, DecodeError } from '../errors.js';
import { decodeSecretTreeHeader, encodeSecretTreeHeader, type SecretTreeHeader, type SecretTreeState } from '../schedule/secret-tree.js';
import { secretTreeFromRows, secretTreeRowDiff, secretTreeRows, type SecretTreeRow } from '../schedule/secret-tree-rows.js';
import { equalBytes } from '../util/bytes.js';
import { decodeGroupStateWith, encodeGroupStateWith, STATE_BYTES_PER_SLOT } from './state-codec.js';
import type { GroupState, PastEpoch } from './state.js';

export type { SecretTreeRow } from '../schedule/secret-tree-rows.js';

/** Format of a core: distinct from the full state's (1), so neither is taken for the other. */
export const GROUP_STATE_CORE_FORMAT = 0x8001;

/** The rows of one epoch's secret tree. */
export interface EpochTreeRows {
  readonly epoch: bigint;
  readonly rows: readonly SecretTreeRow[];
}

/** A whole state in parts: the core and every kept epoch's rows (the current epoch first, then past ones, newest first). */
export interface StateParts {
  readonly core: Uint8Array;
  readonly trees: readonly EpochTreeRows[];
}

/** Changes to one epoch's rows: delete these nodes, then write these rows (a node is never in both). */
export interface EpochTreeDelta {
  readonly epoch: bigint;
  readonly put: readonly SecretTreeRow[];
  readonly delete: readonly number[];
}

/**
 * What to write to go from one version of a state to the next. Apply in this
 * order: drop every row of `dropEpochs`; every epoch of `newEpochs` starts
 * with no rows (its entry in `trees` puts all of them); apply each entry of
 * `trees`; replace the core if `core` is present.
 */
export interface StateDelta {
  /** Present iff anything but the secret trees' contents changed. */
  readonly core?: Uint8Array;
  readonly trees: readonly EpochTreeDelta[];
  /** Epochs no longer kept. */
  readonly dropEpochs: readonly bigint[];
  /** Epochs not kept before (a commit's new epoch; after a rejoin, any). */
  readonly newEpochs: readonly bigint[];
}

function coreOf(state: GroupState): Uint8Array {
  const e = new Encoder(state.tree.width * STATE_BYTES_PER_SLOT);
  encodeGroupStateWith(e, state, GROUP_STATE_CORE_FORMAT, encodeSecretTreeHeader);
  return e.finish();
}

/** Every kept epoch's secret tree: the current epoch's, then the past ones' (newest first). */
function treesOf(state: GroupState): Map<bigint, SecretTreeState> {
  const m = new Map<bigint, SecretTreeState>([[state.groupContext.epoch, state.secretTree]]);
  for (const p of state.pastEpochs) m.set(p.groupContext.epoch, p.secretTree);
  return m;
}

/** The whole state in parts, for a first save (or a rewrite). */
export function stateParts(state: GroupState): StateParts {
  return { core: coreOf(state), trees: [...treesOf(state)].map(([epoch, t]) => ({ epoch, rows: secretTreeRows(t) })) };
}

function sameHeader(a: SecretTreeHeader, b: SecretTreeHeader): boolean {
  return (
    a.cipherSuite === b.cipherSuite &&
    a.nLeaves === b.nLeaves &&
    a.limits.maxForwardDistance === b.limits.maxForwardDistance &&
    a.limits.maxSkippedKeys === b.limits.maxSkippedKeys
  );
}

/** Same fields by reference, except `secretTree`, whose header is compared by value (its nodes are in rows). */
function sameExceptTree<T extends { readonly secretTree: SecretTreeState }>(a: T, b: T, skip: ReadonlySet<string>): boolean {
  if (!sameHeader(a.secretTree, b.secretTree)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'secretTree' || skip.has(k)) continue;
    if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  }
  return true;
}

const NOTHING: ReadonlySet<string> = new Set();
const PAST_EPOCHS: ReadonlySet<string> = new Set(['pastEpochs']);

/**
 * Does the core differ? By reference: an application message replaces only
 * `secretTree` (application.ts, process-message.ts), or for a late message of
 * a past epoch `pastEpochs` with one element whose `secretTree` alone is new.
 * A field rebuilt with equal content counts as changed, which only costs a write.
 */
function coreChanged(a: GroupState, b: GroupState): boolean {
  if (!sameExceptTree(a, b, PAST_EPOCHS)) return true;
  if (a.pastEpochs === b.pastEpochs) return false;
  if (a.pastEpochs.length !== b.pastEpochs.length) return true;
  return a.pastEpochs.some((p, i) => !sameExceptTree<PastEpoch>(p, b.pastEpochs[i]!, NOTHING));
}

/**
 * The writes that turn the stored `before` into `after` (two versions of one
 * member's state of one group). Costs the changed paths, not the trees.
 */
export function stateDelta(before: GroupState, after: GroupState): StateDelta {
  if (!equalBytes(before.groupContext.groupId, after.groupContext.groupId)) throw new ArgumentError('stateDelta: the two states belong to different groups');
  const old = treesOf(before);
  const now = treesOf(after);
  const trees: EpochTreeDelta[] = [];
  const newEpochs: bigint[] = [];
  for (const [epoch, t] of now) {
    const prev = old.get(epoch);
    if (prev === undefined) {
      newEpochs.push(epoch);
      trees.push({ epoch, put: secretTreeRows(t), delete: [] });
    } else if (prev !== t) {
      const d = secretTreeRowDiff(prev, t);
      if (d.put.length > 0 || d.delete.length > 0) trees.push({ epoch, put: d.put, delete: d.delete });
    }
  }
  const dropEpochs = [...old.keys()].filter((e) => !now.has(e));
  const base = { trees, dropEpochs, newEpochs };
  return coreChanged(before, after) ? { core: coreOf(after), ...base } : base;
}

/**
 * Strict inverse of stateParts: a DecodeError (with the path of the field or
 * row) for a malformed core, a missing epoch, rows that do not tile their
 * tree exactly or do not decode, or rows of an epoch the core does not keep.
 */
export function stateFromParts(core: Uint8Array, trees: ReadonlyMap<bigint, readonly SecretTreeRow[]>): GroupState {
  const used = new Set<bigint>();
  // One copy of the core, which the state then views field by field (as groupStateFromBytes does).
  const own = core.slice();
  const d = new Decoder(own, 'GroupStateCore', 0, own.length, undefined, 'view');
  const state = decodeGroupStateWith(d, GROUP_STATE_CORE_FORMAT, (dd, epoch) => {
    const header = decodeSecretTreeHeader(dd);
    const rows = trees.get(epoch);
    const where = `GroupStateParts.trees[epoch ${epoch}]`;
    if (rows === undefined) throw new DecodeError(where, 'missing: the core keeps this epoch, but no rows were given for it');
    used.add(epoch);
    return secretTreeFromRows(header, rows, where);
  });
  d.end();
  for (const epoch of trees.keys()) {
    if (!used.has(epoch)) throw new DecodeError(`GroupStateParts.trees[epoch ${epoch}]`, `rows of an epoch the core does not keep (it keeps ${[...used].join(', ')})`);
  }
  return state;
}
