// Storage encoding of a GroupState (not a wire format of RFC 9420): the whole
// state as one byte string, for a SQLite row. Versioned (first field, u16) and
// strict like every decoder here: wrong lengths, unknown enum values,
// inconsistent fields and trailing bytes are DecodeErrors.
//
// struct {
//   uint16 format = 2;                             // format 1 (no check_hpke_keys) is still read
//   CipherSuite cipher_suite;
//   GroupContext group_context;
//   uint32 n_leaves; optional<Node> nodes<V>;        // full width, blanks included
//   uint32 own_leaf;
//   NodeKey private_keys<V>;                         // NodeKey { uint32 node; opaque key<V>; }
//   opaque signature_private_key<V>;
//   opaque init_secret<V> ... epoch_authenticator<V>;  // EpochKeys, 8 secrets
//   SecretTreeState secret_tree;
//   opaque interim_transcript_hash<V>; opaque confirmation_tag<V>;
//   PendingProposal pending_proposals<V>;          // { opaque ref<V>; Proposal; Sender; }
//   OwnUpdateKey own_updates<V>;                   // { opaque ref<V>; opaque enc_priv<V>; opaque sig_priv<V>; }
//   ResumptionPsk resumption_psks<V>;              // { uint64 epoch; opaque psk<V>; }
//   PastEpoch past_epochs<V>;                      // { GroupContext; opaque sender_data_secret<V>; SecretTreeState; optional<opaque> signature_keys<V>; }
//   optional<ReInit> reinit;
//   GroupConfig config;                            // uint32 x5, uint16 wire format, uint8 bool x3
// } StoredGroupState;
// state-parts.ts stores the same struct with its own format number and each
// SecretTreeState cut to its header (the nodes go to rows of their own).

import { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { isCipherSuiteId, type CipherSuiteId } from '../crypto/provider.js';
import { decodeSender, encodeSender } from '../framing/sender.js';
import { WireFormat } from '../framing/wire-format.js';
import { decodeProposal, encodeProposal } from '../messages/proposal.js';
import { decodeReInit, encodeReInit } from '../messages/proposals/reinit.js';
import { decodeSecretTreeState, encodeSecretTreeState, type SecretTreeState } from '../schedule/secret-tree.js';
import { directPath, leafIndex, nodeWidth, root, type NodeIndex } from '../tree/math.js';
import { decodeNode, encodeOptionalNode, NodeType, type Node } from '../tree/node.js';
import { RatchetTree } from '../tree/ratchet-tree.js';
import { decodeGroupContext, encodeGroupContext } from './group-context.js';
import { signatureKeyList } from './past-signature-keys.js';
import { CONFIG_LIMITS, DEFAULT_GROUP_CONFIG, type EpochKeys, type GroupConfig, type GroupState, type PastEpoch } from './state.js';

export const GROUP_STATE_FORMAT = 2;

const KEY_NAMES = [
  'initSecret',
  'senderDataSecret',
  'exporterSecret',
  'externalSecret',
  'confirmationKey',
  'membershipKey',
  'resumptionPsk',
  'epochAuthenticator',
] as const satisfies readonly (keyof EpochKeys)[];

const NH: Record<CipherSuiteId, number> = { 1: 32, 2: 32, 3: 32, 4: 64, 5: 64, 6: 64, 7: 48 };

/** The whole tree, blanks included, with its leaf count (also used by public/public-codec.ts). */
export function encodeTreeFull(e: Encoder, tree: RatchetTree): void {
  e.u32(tree.nLeaves);
  e.opaqueWith((w) => tree.writeSlots(w, tree.width, encodeOptionalNode));
}

export function decodeTreeFull(d: Decoder): RatchetTree {
  const nLeaves = d.u32('n_leaves');
  if (nLeaves < 1 || nLeaves > 0x80000000 || (nLeaves & (nLeaves - 1)) !== 0) d.fail('n_leaves', `not a power of two: ${nLeaves}`);
  const slots = d.vector('nodes', (d2, i) => {
    const n = d2.optional('node', decodeNode);
    if (n !== undefined && (n.nodeType === NodeType.leaf) !== (i % 2 === 0)) d2.fail('node_type', `wrong node type at position ${i}`);
    return n;
  });
  if (slots.length !== nodeWidth(nLeaves)) d.fail('nodes', `${slots.length} slots for a tree of ${nLeaves} leaves`);
  return RatchetTree.fromNodes(slots as (Node | undefined)[]);
}

function encodeConfig(e: Encoder, c: GroupConfig): void {
  e.u32(c.paddingBlockSize).u32(c.pastEpochsKept).u32(c.resumptionPsksKept).u32(c.maxForwardDistance).u32(c.maxSkippedKeys);
  e.u16(c.handshakeWireFormat).u8(c.ratchetTreeExtension ? 1 : 0).u8(c.externalPub ? 1 : 0).u8(c.checkHpkeKeys ? 1 : 0);
}

function bool(d: Decoder, field: string): boolean {
  const v = d.u8(field);
  if (v > 1) d.fail(field, `boolean must be 0 or 1, got ${v}`);
  return v === 1;
}

function decodeConfig(d: Decoder, format: number): GroupConfig {
  const paddingBlockSize = d.u32('padding_block_size');
  const pastEpochsKept = d.u32('past_epochs_kept');
  const resumptionPsksKept = d.u32('resumption_psks_kept');
  const maxForwardDistance = d.u32('max_forward_distance');
  const maxSkippedKeys = d.u32('max_skipped_keys');
  const wf = d.u16('handshake_wire_format');
  if (wf !== WireFormat.mlsPublicMessage && wf !== WireFormat.mlsPrivateMessage) d.fail('handshake_wire_format', `not a handshake wire format: ${wf}`);
  const ratchetTreeExtension = bool(d, 'ratchet_tree_extension');
  const externalPub = bool(d, 'external_pub');
  const checkHpkeKeys = format === 1 ? DEFAULT_GROUP_CONFIG.checkHpkeKeys : bool(d, 'check_hpke_keys');
  const numbers = { paddingBlockSize, pastEpochsKept, resumptionPsksKept, maxForwardDistance, maxSkippedKeys };
  for (const [k, max] of Object.entries(CONFIG_LIMITS) as [keyof typeof CONFIG_LIMITS, number][]) {
    if (numbers[k] > max) d.fail(k, `${numbers[k]} exceeds the limit ${max}`);
  }
  return { paddingBlockSize, pastEpochsKept, resumptionPsksKept, maxForwardDistance, maxSkippedKeys, handshakeWireFormat: wf, ratchetTreeExtension, externalPub, checkHpkeKeys };
}

// How the secret trees are written: whole in the full state (here), or as their
// header only in the core of a state kept in parts (state-parts.ts), whose
// decoder rebuilds each tree from its rows given the tree's epoch. Each way has
// its own format number, so one is never read as the other.
type EncodeTree = (e: Encoder, t: SecretTreeState) => void;
type DecodeTree = (d: Decoder, epoch: bigint) => SecretTreeState;

function encodePastEpoch(e: Encoder, p: PastEpoch, encodeTree: EncodeTree): void {
  encodeGroupContext(e, p.groupContext);
  e.opaque(p.senderDataSecret);
  encodeTree(e, p.secretTree);
  e.opaqueWith((w) => {
    for (const k of signatureKeyList(p.signatureKeys)) {
      if (k === undefined) w.u8(0);
      else w.u8(1).opaque(k);
    }
  });
}

export function encodeGroupState(e: Encoder, s: GroupState): void {
  encodeGroupStateWith(e, s, GROUP_STATE_FORMAT, encodeSecretTreeState);
}

export function encodeGroupStateWith(e: Encoder, s: GroupState, format: number, encodeTree: EncodeTree): void {
  e.u16(format).u16(s.cipherSuite);
  encodeGroupContext(e, s.groupContext);
  encodeTreeFull(e, s.tree);
  e.u32(s.ownLeaf);
  const keys = [...s.privateKeys.keys.entries()].sort((a, b) => a[0] - b[0]);
  e.vector(keys, (e2, [x, k]) => void e2.u32(x).opaque(k));
  e.opaque(s.signaturePrivateKey);
  for (const k of KEY_NAMES) e.opaque(s.keys[k]);
  encodeTree(e, s.secretTree);
  e.opaque(s.interimTranscriptHash).opaque(s.confirmationTag);
  e.vector(s.pendingProposals, (e2, p) => {
    e2.opaque(p.ref);
    encodeProposal(e2, p.proposal);
    encodeSender(e2, p.sender);
  });
  e.vector(s.ownUpdates, (e2, u) => void e2.opaque(u.ref).opaque(u.encryptionPrivateKey).opaque(u.signaturePrivateKey));
  e.vector(s.resumptionPsks, (e2, r) => void e2.u64(r.epoch).opaque(r.psk));
  e.vector(s.pastEpochs, (e2, p) => encodePastEpoch(e2, p, encodeTree));
  e.optional(s.reinit, encodeReInit);
  encodeConfig(e, s.config);
}

export function decodeGroupState(d: Decoder): GroupState {
  return decodeGroupStateWith(d, GROUP_STATE_FORMAT, (dd) => decodeSecretTreeState(dd));
}

export function decodeGroupStateWith(d: Decoder, expectedFormat: number, decodeTree: DecodeTree): GroupState {
  const format = d.u16('format');
  // Format 1 (before check_hpke_keys) is still read as a full state; the parts core has its own number.
  const legacy = expectedFormat === GROUP_STATE_FORMAT && format === 1;
  if (format !== expectedFormat && !legacy) d.fail('format', `unknown group state format ${format} (this build reads ${expectedFormat}${expectedFormat === GROUP_STATE_FORMAT ? ' and 1' : ''})`);
  const cs = d.u16('cipher_suite');
  if (!isCipherSuiteId(cs)) d.fail('cipher_suite', `unsupported cipher suite ${cs}`);
  const nh = NH[cs];
  const secret = (dd: Decoder, field: string): Uint8Array => {
    const v = dd.opaque(field);
    if (v.length !== nh) dd.fail(field, `secret of ${v.length} bytes, want ${nh}`);
    return v;
  };
  const groupContext = d.field('group_context', decodeGroupContext);
  if (groupContext.cipherSuite !== cs) d.fail('group_context.cipher_suite', `${groupContext.cipherSuite} differs from the state's ${cs}`);
  const tree = d.field('tree', decodeTreeFull);
  const own = d.u32('own_leaf');
  if (own >= tree.nLeaves || tree.leaf(leafIndex(own)) === undefined) d.fail('own_leaf', `leaf ${own} is not a member of the tree`);
  const ownLeaf = leafIndex(own);
  // Only the own leaf and its direct path hold private keys (RFC 9420 §7.4), listed in node order.
  const ownNode = (2 * ownLeaf) as NodeIndex;
  const allowed = new Set<number>([ownNode, ...(ownNode === root(tree.nLeaves) ? [] : directPath(ownNode, tree.nLeaves))]);
  let prevNode = -1;
  const keyList = d.vector('private_keys', (dd) => {
    const x = dd.u32('node');
    if (x <= prevNode) dd.fail('node', `node ${x} is out of order (nodes ascend)`);
    prevNode = x;
    if (!allowed.has(x)) dd.fail('node', `node ${x} is neither the own leaf nor on its direct path`);
    if (tree.isBlank(x as NodeIndex)) dd.fail('node', `node ${x} is blank in the tree`);
    return [x as NodeIndex, dd.opaque('key')] as const;
  });
  const pk = new Map<NodeIndex, Uint8Array>(keyList);
  if (!pk.has((2 * ownLeaf) as NodeIndex)) d.fail('private_keys', `no key for the own leaf ${ownLeaf}`);
  const signaturePrivateKey = d.opaque('signature_private_key');
  const k: Record<string, Uint8Array> = {};
  for (const name of KEY_NAMES) k[name] = secret(d, name);
  const keys = k as unknown as EpochKeys;
  const secretTree = d.field('secret_tree', (dd) => decodeTree(dd, groupContext.epoch));
  if (secretTree.cipherSuite !== cs || secretTree.nLeaves !== tree.nLeaves) d.fail('secret_tree', 'does not match the suite or size of the tree');
  checkTreeLimits(d, secretTree.limits, 'secret_tree');
  const interimTranscriptHash = d.opaque('interim_transcript_hash');
  if (interimTranscriptHash.length !== nh) d.fail('interim_transcript_hash', `hash of ${interimTranscriptHash.length} bytes, want ${nh}`);
  const confirmationTag = d.opaque('confirmation_tag');
  const pendingProposals = d.vector('pending_proposals', (dd) => {
    const ref = dd.opaque('ref');
    const proposal = dd.field('proposal', decodeProposal);
    const sender = dd.field('sender', decodeSender);
    return { ref, proposal, sender };
  });
  const ownUpdates = d.vector('own_updates', (dd) => {
    const ref = dd.opaque('ref');
    const encryptionPrivateKey = dd.opaque('encryption_private_key');
    const sigKey = dd.opaque('signature_private_key');
    return { ref, encryptionPrivateKey, signaturePrivateKey: sigKey };
  });
  let prevEpoch = groupContext.epoch;
  const resumptionPsks = d.vector('resumption_psks', (dd) => {
    const epoch = dd.u64('epoch');
    if (epoch >= prevEpoch) dd.fail('epoch', `epoch ${epoch} is not below ${prevEpoch} (past epochs descend from the current one)`);
    prevEpoch = epoch;
    return { epoch, psk: secret(dd, 'psk') };
  });
  prevEpoch = groupContext.epoch;
  const pastEpochs = d.vector('past_epochs', (dd) => {
    const gc = dd.field('group_context', decodeGroupContext);
    if (gc.cipherSuite !== cs || !sameBytes(gc.groupId, groupContext.groupId)) dd.fail('group_context', 'belongs to another group or suite');
    if (gc.epoch >= prevEpoch) dd.fail('group_context.epoch', `epoch ${gc.epoch} is not below ${prevEpoch} (past epochs descend from the current one)`);
    prevEpoch = gc.epoch;
    const senderDataSecret = secret(dd, 'sender_data_secret');
    const st = dd.field('secret_tree', (d3) => decodeTree(d3, gc.epoch));
    if (st.cipherSuite !== cs) dd.fail('secret_tree', 'belongs to another suite');
    checkTreeLimits(dd, st.limits, 'secret_tree');
    const signatureKeys = dd.vector('signature_keys', (d3) => d3.optional('key', (d4) => d4.opaque('key')));
    if (signatureKeys.length > st.nLeaves) dd.fail('signature_keys', `${signatureKeys.length} keys for ${st.nLeaves} leaves`);
    if (signatureKeys.length > 0 && signatureKeys[signatureKeys.length - 1] === undefined) dd.fail('signature_keys', 'trailing blank leaves are not stored');
    return { groupContext: gc, senderDataSecret, secretTree: st, signatureKeys };
  });
  const reinit = d.optional('reinit', decodeReInit);
  const config = d.field('config', (dc) => decodeConfig(dc, format));
  const base: GroupState = {
    cipherSuite: cs,
    groupContext,
    tree,
    ownLeaf,
    privateKeys: { leafIndex: ownLeaf, keys: pk },
    signaturePrivateKey,
    keys,
    secretTree,
    interimTranscriptHash,
    confirmationTag,
    pendingProposals,
    ownUpdates,
    resumptionPsks,
    pastEpochs,
    config,
  };
  return reinit === undefined ? base : { ...base, reinit };
}

function checkTreeLimits(d: Decoder, l: { maxForwardDistance: number; maxSkippedKeys: number }, field: string): void {
  if (l.maxForwardDistance > CONFIG_LIMITS.maxForwardDistance || l.maxSkippedKeys > CONFIG_LIMITS.maxSkippedKeys) {
    d.fail(field, `ratchet limits ${l.maxForwardDistance}/${l.maxSkippedKeys} exceed ${CONFIG_LIMITS.maxForwardDistance}/${CONFIG_LIMITS.maxSkippedKeys}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A first guess of a stored state's size per tree slot (a leaf ~190 bytes, a parent ~70, a blank 1),
 * so that the encoder neither grows (copying megabytes) nor ends far from full (finish() then copies).
 */
export const STATE_BYTES_PER_SLOT = 96;

export function groupStateBytes(s: GroupState): Uint8Array {
  const e = new Encoder(s.tree.width * STATE_BYTES_PER_SLOT);
  encodeGroupState(e, s);
  return e.finish();
}

/** Strict: any malformed or inconsistent byte string is a DecodeError. */
export function groupStateFromBytes(bytes: Uint8Array): GroupState {
  // One copy of the input, which the state then views field by field (codec/decoder.ts DecodeBytes):
  // a 10,000-member state has some 200,000 fields, each a copied array otherwise.
  const own = bytes.slice();
  const d = new Decoder(own, 'GroupState', 0, own.length, undefined, 'view');
  const s = decodeGroupState(d);
  d.end();
  return s;
}
