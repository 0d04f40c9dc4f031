// RFC 9420 §6.1: FramedContentTBS, what a message's signature covers. For member
// and new_member_commit senders it binds the GroupContext, so a signature is
// specific to one group and epoch.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { EncodeError } from '../errors.js';
import { decodeGroupContext, encodeGroupContext, PROTOCOL_VERSION_MLS10, type GroupContext } from '../group/group-context.js';
import { decodeFramedContent, encodeFramedContent, type FramedContent } from './framed-content.js';
import { SenderType, type Sender } from './sender.js';
import { decodeContentWireFormat, type ContentWireFormat } from './wire-format.js';

// RFC 9420 §6.1
export interface FramedContentTBS {
  readonly version: number;
  readonly wireFormat: ContentWireFormat;
  readonly content: FramedContent;
  /** Present exactly for member and new_member_commit senders. */
  readonly context?: GroupContext;
}

export function senderNeedsContext(sender: Sender): boolean {
  return sender.senderType === SenderType.member || sender.senderType === SenderType.newMemberCommit;
}

export function encodeFramedContentTBS(e: Encoder, v: FramedContentTBS): void {
  const needs = senderNeedsContext(v.content.sender);
  if (needs && v.context === undefined) throw new EncodeError('FramedContentTBS: this sender type needs the GroupContext');
  if (!needs && v.context !== undefined) throw new EncodeError('FramedContentTBS: this sender type takes no GroupContext');
  e.u16(v.version).u16(v.wireFormat);
  encodeFramedContent(e, v.content);
  if (v.context !== undefined) encodeGroupContext(e, v.context);
}

export function decodeFramedContentTBS(d: Decoder): FramedContentTBS {
  const version = d.u16('version');
  if (version !== PROTOCOL_VERSION_MLS10) d.fail('version', `unsupported protocol version ${version}`);
  const wireFormat = decodeContentWireFormat(d);
  const content = d.field('content', decodeFramedContent);
  if (!senderNeedsContext(content.sender)) return { version, wireFormat, content };
  return { version, wireFormat, content, context: d.field('context', decodeGroupContext) };
}
