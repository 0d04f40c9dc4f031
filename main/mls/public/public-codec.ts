// Storage encoding of a PublicGroup (not a wire format of RFC 9420): the view
// as one byte string, for a delivery service's database row. Versioned and
// strict like the engine's other codecs (group/state-codec.ts): wrong lengths,
// unknown values, inconsistent fields and trailing bytes are DecodeErrors.
// Decoding does not re-validate the tree: the bytes are the holder's own.
//
// struct {
//   uint16 format = 1;
//   GroupContext group_context;
//   uint32 n_leaves; optional<Node> nodes<V>;        // full width, blanks included
//   opaque interim_transcript_hash<V>;
//   opaque confirmation_tag<V>;
//   PendingProposal pending_proposals<V>;            // { opaque ref<V>; Proposal; Sender; }
//   optional<ReInit> reinit;
// } StoredPublicGroup;

import { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { decodeSender, encodeSender } from '../framing/sender.js';
import { decodeGroupContext, encodeGroupContext } from '../group/group-context.js';
import { decodeTreeFull, encodeTreeFull } from '../group/state-codec.js';
import { decodeProposal, encodeProposal } from '../messages/proposal.js';
import { decodeReInit, encodeReInit } from '../messages/proposals/reinit.js';
import type { PublicGroup } from './public-group.js';

export const PUBLIC_GROUP_FORMAT = 1;

export function encodePublicGroup(e: Encoder, g: PublicGroup): void {
  e.u16(PUBLIC_GROUP_FORMAT);
  encodeGroupContext(e, g.groupContext);
  encodeTreeFull(e, g.tree);
  e.opaque(g.interimTranscriptHash).opaque(g.confirmationTag);
  e.vector(g.pendingProposals, (e2, p) => {
    e2.opaque(p.ref);
    encodeProposal(e2, p.proposal);
    encodeSender(e2, p.sender);
  });
  e.optional(g.reinit, encodeReInit);
}

export function decodePublicGroup(d: Decoder): PublicGroup {
  const format = d.u16('format');
  if (format !== PUBLIC_GROUP_FORMAT) d.fail('format', `unknown public group format ${format} (this build reads ${PUBLIC_GROUP_FORMAT})`);
  const groupContext = d.field('group_context', decodeGroupContext);
  const tree = d.field('tree', decodeTreeFull);
  if (tree.memberLeaves().length === 0) d.fail('tree', 'has no members');
  const interimTranscriptHash = d.opaque('interim_transcript_hash');
  const confirmationTag = d.opaque('confirmation_tag');
  const pendingProposals = d.vector('pending_proposals', (dd) => {
    const ref = dd.opaque('ref');
    const proposal = dd.field('proposal', decodeProposal);
    const sender = dd.field('sender', decodeSender);
    return { ref, proposal, sender };
  });
  const reinit = d.optional('reinit', decodeReInit);
  const base: PublicGroup = { cipherSuite: groupContext.cipherSuite, groupContext, tree, interimTranscriptHash, confirmationTag, pendingProposals };
  return reinit === undefined ? base : { ...base, reinit };
}

export function publicGroupBytes(g: PublicGroup): Uint8Array {
  const e = new Encoder();
  encodePublicGroup(e, g);
  return e.finish();
}

/** Strict: a DecodeError for anything publicGroupBytes did not produce. */
export function publicGroupFromBytes(bytes: Uint8Array): PublicGroup {
  const d = new Decoder(bytes, 'PublicGroup');
  const g = decodePublicGroup(d);
  d.end();
  return g;
}
