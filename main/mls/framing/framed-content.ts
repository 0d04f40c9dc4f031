// RFC 9420 §6: FramedContent, the content of a handshake or application message
// with the group, epoch and sender it belongs to.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeCommit, encodeCommit, type Commit } from '../messages/commit.js';
import { decodeProposal, encodeProposal, type Proposal } from '../messages/proposal.js';
import { ContentType, decodeContentType } from './content-type.js';
import { decodeSender, encodeSender, type Sender } from './sender.js';

/** The `select (content_type)` part, shared with PrivateMessageContent. */
export type FramedContentBody =
  | { readonly contentType: typeof ContentType.application; readonly applicationData: Uint8Array }
  | { readonly contentType: typeof ContentType.proposal; readonly proposal: Proposal }
  | { readonly contentType: typeof ContentType.commit; readonly commit: Commit };

// RFC 9420 §6
export type FramedContent = {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly sender: Sender;
  readonly authenticatedData: Uint8Array;
} & FramedContentBody;

/** Encodes only the selected body (without the content_type byte). */
export function encodeContentBody(e: Encoder, v: FramedContentBody): void {
  switch (v.contentType) {
    case ContentType.application:
      e.opaque(v.applicationData);
      return;
    case ContentType.proposal:
      encodeProposal(e, v.proposal);
      return;
    case ContentType.commit:
      encodeCommit(e, v.commit);
      return;
  }
}

/** Decodes the body selected by an already-read content type. */
export function decodeContentBody(d: Decoder, contentType: ContentType): FramedContentBody {
  switch (contentType) {
    case ContentType.application:
      return { contentType, applicationData: d.opaque('application_data') };
    case ContentType.proposal:
      return { contentType, proposal: d.field('proposal', decodeProposal) };
    case ContentType.commit:
      return { contentType, commit: d.field('commit', decodeCommit) };
  }
}

export function encodeFramedContent(e: Encoder, v: FramedContent): void {
  e.opaque(v.groupId).u64(v.epoch);
  encodeSender(e, v.sender);
  e.opaque(v.authenticatedData).u8(v.contentType);
  encodeContentBody(e, v);
}

export function decodeFramedContent(d: Decoder): FramedContent {
  const groupId = d.opaque('group_id');
  const epoch = d.u64('epoch');
  const sender = d.field('sender', decodeSender);
  const authenticatedData = d.opaque('authenticated_data');
  const contentType = decodeContentType(d);
  return { groupId, epoch, sender, authenticatedData, ...decodeContentBody(d, contentType) };
}
