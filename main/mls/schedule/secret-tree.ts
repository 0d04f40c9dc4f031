// RFC 9420 §9: the secret tree and the per-sender hash ratchets.
//
// Public API (stable; the framing layer imports these):
//   type RatchetType = 'handshake' | 'application'
//   interface RatchetKeyNonce { key, nonce, generation }
//   type SecretTreeState (immutable)
//   createSecretTree(suite, encryptionSecret, nLeaves, limits?) → SecretTreeState
//   nextSenderKey(suite, state, leaf, type) → { key: RatchetKeyNonce, state }
//   receiverKey(suite, state, leaf, type, generation) → { key: RatchetKeyNonce, state }
//   encodeSecretTreeState(e, state) / decodeSecretTreeState(d)
//   encodeSecretTreeHeader / decodeSecretTreeHeader, encodeSecretNode / decodeSecretNode
//     (the parts of that encoding, for storing a tree's frontier apart: secret-tree-rows.ts)
//   serializeSecretTreeState(state) → bytes / deserializeSecretTreeState(bytes)
//
// The state is a persistent binary tree shaped like the ratchet tree. A subtree
// nobody has needed yet is a single node holding its secret; deriving a leaf's
// ratchets expands only the nodes on its path (O(log n)), replacing each
// consumed parent secret by its two children (RFC 9420 §9.2: consumed secrets
// are deleted, copath secrets kept). Every update copies only that path; the new
// state shares all other subtrees with the old one, which stays valid and
// unchanged, so a caller can drop the new state if, say, the AEAD then fails.
// A key returned by receiverKey is consumed in the returned state: asking for
// it again from that state is a replay and throws ValidationError.
// Secrets are not wiped in place: the old state may still be in use and shares them.

import { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { deriveTreeSecret, expandWithLabel } from '../crypto/labeled.js';
import type { CipherSuite, CipherSuiteId } from '../crypto/provider.js';
import { isCipherSuiteId } from '../crypto/provider.js';
import { ArgumentError, ValidationError } from '../errors.js';
import type { LeafIndex } from '../tree/math.js';
import { utf8 } from '../util/bytes.js';

export type RatchetType = 'handshake' | 'application';

/** One step of a sender ratchet: ratchet_key_[N]_[j], ratchet_nonce_[N]_[j] and j. */
export interface RatchetKeyNonce {
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
  readonly generation: number;
}

/** Bounds on out-of-order delivery, per ratchet. */
export interface SecretTreeLimits {
  /** A received generation may be at most this far past the next expected one. */
  readonly maxForwardDistance: number;
  /** At most this many skipped (not yet received) keys are kept per ratchet; the oldest go first. */
  readonly maxSkippedKeys: number;
}

export const DEFAULT_SECRET_TREE_LIMITS: SecretTreeLimits = { maxForwardDistance: 1000, maxSkippedKeys: 256 };

/** A hash ratchet: `secret` is ratchet_secret_[generation]; `skipped` holds unconsumed older keys, ascending. */
export interface Ratchet {
  readonly generation: number;
  readonly secret: Uint8Array;
  readonly skipped: readonly RatchetKeyNonce[];
}

/** A node of the persistent secret tree (internal representation, exported for inspection and tests). */
export type SecretNode =
  /** A subtree not expanded yet: tree_node_[N]_secret. */
  | { readonly kind: 'secret'; readonly secret: Uint8Array }
  /** A parent whose secret was consumed: its children. */
  | { readonly kind: 'split'; readonly left: SecretNode; readonly right: SecretNode }
  /** A leaf whose secret was consumed: its two ratchets. */
  | { readonly kind: 'leaf'; readonly handshake: Ratchet; readonly application: Ratchet };

export interface SecretTreeState {
  readonly cipherSuite: CipherSuiteId;
  /** Leaf count of the ratchet tree (a power of two). */
  readonly nLeaves: number;
  readonly limits: SecretTreeLimits;
  readonly root: SecretNode;
}

const MAX_U32 = 0xffffffff;
const MAX_LEAVES = 0x80000000;

function depthOf(nLeaves: number): number {
  return Math.log2(nLeaves);
}

function checkLimits(l: SecretTreeLimits): void {
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isInteger(v) || v < 0 || v > MAX_U32) throw new ArgumentError(`secret tree limit ${k} must be a uint32, got ${String(v)}`);
  }
}

function checkSuite(suite: CipherSuite, state: SecretTreeState): void {
  if (suite.id !== state.cipherSuite) {
    throw new ArgumentError(`secret tree belongs to cipher suite ${state.cipherSuite}, called with suite ${suite.id}`);
  }
}

/** RFC 9420 §9: a secret tree rooted at the epoch's encryption_secret. Nothing is derived yet. */
export function createSecretTree(
  suite: CipherSuite,
  encryptionSecret: Uint8Array,
  nLeaves: number,
  limits: SecretTreeLimits = DEFAULT_SECRET_TREE_LIMITS,
): SecretTreeState {
  if (!Number.isInteger(nLeaves) || nLeaves < 1 || nLeaves > MAX_LEAVES || (nLeaves & (nLeaves - 1)) !== 0) {
    throw new ArgumentError(`secret tree leaf count must be a power of two, got ${nLeaves}`);
  }
  if (encryptionSecret.length !== suite.kdf.size) {
    throw new ArgumentError(`encryption_secret must be KDF.Nh = ${suite.kdf.size} bytes, got ${encryptionSecret.length}`);
  }
  checkLimits(limits);
  return { cipherSuite: suite.id, nLeaves, limits: { ...limits }, root: { kind: 'secret', secret: encryptionSecret } };
}

const LEFT = utf8('left');
const RIGHT = utf8('right');
const EMPTY = new Uint8Array(0);

function expandParent(suite: CipherSuite, secret: Uint8Array): { left: SecretNode; right: SecretNode } {
  const nh = suite.kdf.size;
  return {
    left: { kind: 'secret', secret: expandWithLabel(suite, secret, 'tree', LEFT, nh) },
    right: { kind: 'secret', secret: expandWithLabel(suite, secret, 'tree', RIGHT, nh) },
  };
}

function expandLeaf(suite: CipherSuite, secret: Uint8Array): { handshake: Ratchet; application: Ratchet } {
  const nh = suite.kdf.size;
  return {
    handshake: { generation: 0, secret: expandWithLabel(suite, secret, 'handshake', EMPTY, nh), skipped: [] },
    application: { generation: 0, secret: expandWithLabel(suite, secret, 'application', EMPTY, nh), skipped: [] },
  };
}

type LeafRatchets = Extract<SecretNode, { kind: 'leaf' }>;

/**
 * Applies `f` to the ratchets of `leaf`, expanding the path to it as needed, and
 * returns f's result with a new state that copies only that path. If f throws,
 * nothing was changed.
 */
function updateLeaf<T>(
  suite: CipherSuite,
  state: SecretTreeState,
  leaf: number,
  f: (r: LeafRatchets) => [T, LeafRatchets],
): { result: T; state: SecretTreeState } {
  const go = (node: SecretNode, lvl: number): [T, SecretNode] => {
    if (lvl === 0) {
      if (node.kind === 'split') throw new Error('secret tree: split node at leaf level');
      const r: LeafRatchets = node.kind === 'leaf' ? node : { kind: 'leaf', ...expandLeaf(suite, node.secret) };
      return f(r);
    }
    if (node.kind === 'leaf') throw new Error('secret tree: leaf node above leaf level');
    const kids = node.kind === 'split' ? node : expandParent(suite, node.secret);
    if ((leaf >>> (lvl - 1)) & 1) {
      const [res, right] = go(kids.right, lvl - 1);
      return [res, { kind: 'split', left: kids.left, right }];
    }
    const [res, left] = go(kids.left, lvl - 1);
    return [res, { kind: 'split', left, right: kids.right }];
  };
  const [result, root] = go(state.root, depthOf(state.nLeaves));
  return { result, state: { ...state, root } };
}

function deriveKeyNonce(suite: CipherSuite, secret: Uint8Array, generation: number): RatchetKeyNonce {
  return {
    key: deriveTreeSecret(suite, secret, 'key', generation, suite.aead.keySize),
    nonce: deriveTreeSecret(suite, secret, 'nonce', generation, suite.aead.nonceSize),
    generation,
  };
}

function nextSecret(suite: CipherSuite, secret: Uint8Array, generation: number): Uint8Array {
  return deriveTreeSecret(suite, secret, 'secret', generation, suite.kdf.size);
}

/** Consumes generation `g` of ratchet `r` (which must be ≥ r.generation), keeping skipped keys within the limits. */
function advanceTo(suite: CipherSuite, r: Ratchet, g: number, limits: SecretTreeLimits): [RatchetKeyNonce, Ratchet] {
  // The ratchet secret of generation 2^32 - 1 would derive one with a generation that no uint32 can name.
  if (g >= MAX_U32) throw new ValidationError(`ratchet generation ${g} exhausts the ratchet`);
  let secret = r.secret;
  const skipped = g > r.generation ? r.skipped.slice() : (r.skipped as RatchetKeyNonce[]);
  for (let j = r.generation; j < g; j++) {
    // Only the newest maxSkippedKeys survive, so do not derive keys that would be dropped at once.
    if (g - j <= limits.maxSkippedKeys) skipped.push(deriveKeyNonce(suite, secret, j));
    secret = nextSecret(suite, secret, j);
  }
  const key = deriveKeyNonce(suite, secret, g);
  const kept = skipped.length > limits.maxSkippedKeys ? skipped.slice(skipped.length - limits.maxSkippedKeys) : skipped;
  return [key, { generation: g + 1, secret: nextSecret(suite, secret, g), skipped: kept }];
}

/**
 * A received generation: a consumed key is gone (§9.2 "As soon as a group member consumes a value, they MUST
 * immediately delete ... that value"), so a replay is refused; how far ahead a sender may jump and how many
 * skipped keys are kept is local policy (§15.3 "Applications SHOULD also define a policy limiting the maximum
 * number of steps that clients will move the ratchet forward"; GroupConfig.maxForwardDistance, maxSkippedKeys).
 */
function receiveOn(suite: CipherSuite, r: Ratchet, g: number, limits: SecretTreeLimits, what: string): [RatchetKeyNonce, Ratchet] {
  if (g < r.generation) {
    const i = r.skipped.findIndex((k) => k.generation === g);
    if (i < 0) {
      const oldest = r.skipped[0]?.generation ?? r.generation;
      const why = g < oldest ? `older than the oldest kept key (generation ${oldest})` : 'already consumed (replay)';
      throw new ValidationError(`${what}: generation ${g} is ${why}`);
    }
    const key = r.skipped[i]!;
    return [key, { ...r, skipped: [...r.skipped.slice(0, i), ...r.skipped.slice(i + 1)] }];
  }
  if (g - r.generation > limits.maxForwardDistance) {
    throw new ValidationError(
      `${what}: generation ${g} is ${g - r.generation} past the next expected generation ${r.generation} (limit ${limits.maxForwardDistance})`,
    );
  }
  return advanceTo(suite, r, g, limits);
}

function onRatchet(
  suite: CipherSuite,
  state: SecretTreeState,
  leaf: LeafIndex,
  type: RatchetType,
  step: (r: Ratchet, what: string) => [RatchetKeyNonce, Ratchet],
): { key: RatchetKeyNonce; state: SecretTreeState } {
  if (type !== 'handshake' && type !== 'application') throw new ArgumentError(`unknown ratchet type ${String(type)}`);
  const what = `secret tree leaf ${leaf} ${type} ratchet`;
  const { result, state: next } = updateLeaf(suite, state, leaf, (lr) => {
    const [key, r] = step(lr[type], what);
    return [key, type === 'handshake' ? { ...lr, handshake: r } : { ...lr, application: r }];
  });
  return { key: result, state: next };
}

/** The key and nonce for this member's next message of `type`; the returned state has moved past it. */
export function nextSenderKey(
  suite: CipherSuite,
  state: SecretTreeState,
  leaf: LeafIndex,
  type: RatchetType,
): { key: RatchetKeyNonce; state: SecretTreeState } {
  checkSuite(suite, state);
  if (!Number.isInteger(leaf) || leaf < 0 || leaf >= state.nLeaves) {
    throw new ArgumentError(`leaf ${leaf} is outside a secret tree of ${state.nLeaves} leaves`);
  }
  return onRatchet(suite, state, leaf, type, (r) => advanceTo(suite, r, r.generation, state.limits));
}

/**
 * The key and nonce of generation `generation` of `leaf`'s `type` ratchet, for
 * decrypting a received message. Out-of-order generations are served within the
 * limits; the returned key is consumed in the returned state. Throws
 * ValidationError for a replayed, expired or too-far-ahead generation, or a leaf
 * outside the tree; the input state is never changed.
 */
export function receiverKey(
  suite: CipherSuite,
  state: SecretTreeState,
  leaf: LeafIndex,
  type: RatchetType,
  generation: number,
): { key: RatchetKeyNonce; state: SecretTreeState } {
  checkSuite(suite, state);
  if (!Number.isInteger(leaf) || leaf < 0 || leaf >= state.nLeaves) {
    throw new ValidationError(`sender leaf ${leaf} is outside a secret tree of ${state.nLeaves} leaves`);
  }
  if (!Number.isInteger(generation) || generation < 0 || generation > MAX_U32) {
    throw new ArgumentError(`generation must be a uint32, got ${generation}`);
  }
  return onRatchet(suite, state, leaf, type, (r, what) => receiveOn(suite, r, generation, state.limits, what));
}

// ---- Serialization (for storing group state) ----
//
// struct {
//   uint8 format = 1;
//   CipherSuite cipher_suite;  uint32 n_leaves;
//   uint32 max_forward_distance;  uint32 max_skipped_keys;
//   SecretNode root;            // pre-order, shape fixed by n_leaves
// } SecretTreeState;
// SecretNode: uint8 kind (0 secret, 1 split, 2 leaf), then
//   secret: opaque secret<V> | split: SecretNode left, right | leaf: Ratchet handshake, application
// Ratchet: uint32 generation; opaque secret<V>; RatchetKeyNonce skipped<V>
// RatchetKeyNonce: uint32 generation; opaque key<V>; opaque nonce<V>

const FORMAT = 1;
const KIND = { secret: 0, split: 1, leaf: 2 } as const;

// RFC 9420 §17.1: KDF.Nh and AEAD.Nk of each suite (AEAD.Nn is 12 for all), to validate stored state.
const NH: Record<CipherSuiteId, number> = { 1: 32, 2: 32, 3: 32, 4: 64, 5: 64, 6: 64, 7: 48 };
const NK: Record<CipherSuiteId, number> = { 1: 16, 2: 16, 3: 32, 4: 32, 5: 32, 6: 32, 7: 32 };
const NN = 12;

function encodeKeyNonce(e: Encoder, k: RatchetKeyNonce): void {
  e.u32(k.generation).opaque(k.key).opaque(k.nonce);
}

function encodeRatchet(e: Encoder, r: Ratchet): void {
  e.u32(r.generation).opaque(r.secret).vector(r.skipped, encodeKeyNonce);
}

/** The encoding of one node (a pre-order subtree; for a 'secret' or 'leaf' node, just that node). */
export function encodeSecretNode(e: Encoder, n: SecretNode): void {
  e.u8(KIND[n.kind]);
  if (n.kind === 'secret') e.opaque(n.secret);
  else if (n.kind === 'split') {
    encodeSecretNode(e, n.left);
    encodeSecretNode(e, n.right);
  } else {
    encodeRatchet(e, n.handshake);
    encodeRatchet(e, n.application);
  }
}

/** What a tree is besides its nodes: enough to decode and to place them. */
export type SecretTreeHeader = Omit<SecretTreeState, 'root'>;

export function encodeSecretTreeHeader(e: Encoder, v: SecretTreeHeader): void {
  e.u8(FORMAT).u16(v.cipherSuite).u32(v.nLeaves).u32(v.limits.maxForwardDistance).u32(v.limits.maxSkippedKeys);
}

export function encodeSecretTreeState(e: Encoder, v: SecretTreeState): void {
  encodeSecretTreeHeader(e, v);
  encodeSecretNode(e, v.root);
}

export function decodeSecretTreeHeader(d: Decoder): SecretTreeHeader {
  const format = d.u8('format');
  if (format !== FORMAT) d.fail('format', `unknown secret tree state format ${format}`);
  const cs = d.u16('cipher_suite');
  if (!isCipherSuiteId(cs)) d.fail('cipher_suite', `unsupported cipher suite ${cs}`);
  const nLeaves = d.u32('n_leaves');
  if (nLeaves < 1 || nLeaves > MAX_LEAVES || (nLeaves & (nLeaves - 1)) !== 0) d.fail('n_leaves', `not a power of two: ${nLeaves}`);
  const maxForwardDistance = d.u32('max_forward_distance');
  const maxSkippedKeys = d.u32('max_skipped_keys');
  return { cipherSuite: cs, nLeaves, limits: { maxForwardDistance, maxSkippedKeys } };
}

function decodeSecret(d: Decoder, h: SecretTreeHeader, field: string): Uint8Array {
  const s = d.opaque(field);
  if (s.length !== NH[h.cipherSuite]) d.fail(field, `secret of ${s.length} bytes, want ${NH[h.cipherSuite]}`);
  return s;
}

function decodeKeyNonce(d: Decoder, h: SecretTreeHeader): RatchetKeyNonce {
  const nk = NK[h.cipherSuite];
  const generation = d.u32('generation');
  const key = d.opaque('key');
  if (key.length !== nk) d.fail('key', `key of ${key.length} bytes, want ${nk}`);
  const nonce = d.opaque('nonce');
  if (nonce.length !== NN) d.fail('nonce', `nonce of ${nonce.length} bytes, want ${NN}`);
  return { key, nonce, generation };
}

function decodeRatchet(d: Decoder, h: SecretTreeHeader): Ratchet {
  const generation = d.u32('generation');
  if (generation === MAX_U32) d.fail('generation', 'generation past the last usable one');
  const s = decodeSecret(d, h, 'secret');
  const skipped = d.vector('skipped', (dd) => decodeKeyNonce(dd, h));
  if (skipped.length > h.limits.maxSkippedKeys) d.fail('skipped', `${skipped.length} keys exceed max_skipped_keys ${h.limits.maxSkippedKeys}`);
  skipped.forEach((k, i) => {
    const prev = i === 0 ? -1 : skipped[i - 1]!.generation;
    if (k.generation <= prev || k.generation >= generation) {
      d.fail('skipped', `generation ${k.generation} out of order (must ascend and be below ${generation})`);
    }
  });
  return { generation, secret: s, skipped };
}

/**
 * A node at level `lvl` of a tree with header `h`. With `splits` false only a
 * 'secret' or 'leaf' node is accepted: one entry of the tree's frontier.
 */
export function decodeSecretNode(d: Decoder, h: SecretTreeHeader, lvl: number, splits = true): SecretNode {
  const kind = d.u8('kind');
  if (kind === KIND.secret) return { kind: 'secret', secret: decodeSecret(d, h, 'secret') };
  if (kind === KIND.split && lvl > 0 && splits) {
    const left = d.field('left', (x) => decodeSecretNode(x, h, lvl - 1));
    const right = d.field('right', (x) => decodeSecretNode(x, h, lvl - 1));
    return { kind: 'split', left, right };
  }
  if (kind === KIND.leaf && lvl === 0) {
    const handshake = d.field('handshake', (x) => decodeRatchet(x, h));
    const application = d.field('application', (x) => decodeRatchet(x, h));
    return { kind: 'leaf', handshake, application };
  }
  return d.fail('kind', `node kind ${kind} not allowed ${splits ? '' : 'in a frontier entry '}at level ${lvl}`);
}

export function decodeSecretTreeState(d: Decoder): SecretTreeState {
  const h = decodeSecretTreeHeader(d);
  const root = d.field('root', (x) => decodeSecretNode(x, h, depthOf(h.nLeaves)));
  return { ...h, root };
}

export function serializeSecretTreeState(state: SecretTreeState): Uint8Array {
  const e = new Encoder();
  encodeSecretTreeState(e, state);
  return e.finish();
}

/** Strict: malformed or inconsistent bytes are a DecodeError. */
export function deserializeSecretTreeState(bytes: Uint8Array): SecretTreeState {
  const d = new Decoder(bytes, 'SecretTreeState');
  const v = decodeSecretTreeState(d);
  d.end();
  return v;
}
