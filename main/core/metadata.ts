// The conversation's shared metadata as a GroupContext extension of private-use
// type 0xF0A0 (RFC 9420 §13: 0xF000-0xFFFF are for private use). Because it is
// in the GroupContext, every member's key schedule covers it, so all members
// agree on the title (§12.1.7); renaming is a GroupContextExtensions commit.
//
// struct {
//   uint16 version = 1;
//   opaque title<V>;          // UTF-8, at most 200 characters
// } ArborConversationMetadata;

import { Decoder } from '../mls/codec/decoder.js';
import { Encoder } from '../mls/codec/encoder.js';
import type { Extension } from '../mls/index.js';

export const METADATA_EXTENSION_TYPE = 0xf0a0;
const VERSION = 1;
export const MAX_TITLE = 200;

export interface ConversationMetadata {
  readonly title: string;
}

export function metadataExtension(m: ConversationMetadata): Extension {
  if ([...m.title].length > MAX_TITLE) throw new RangeError(`title longer than ${MAX_TITLE} characters`);
  const e = new Encoder();
  e.u16(VERSION).opaque(new TextEncoder().encode(m.title));
  return { extensionType: METADATA_EXTENSION_TYPE, extensionData: e.finish() };
}

/** The metadata of a GroupContext's extensions; a missing, unknown-version or malformed one reads as no title. */
export function readMetadata(extensions: readonly Extension[]): ConversationMetadata {
  const x = extensions.find((e) => e.extensionType === METADATA_EXTENSION_TYPE);
  if (x === undefined) return { title: '' };
  try {
    const d = new Decoder(x.extensionData, 'ArborConversationMetadata');
    if (d.u16('version') !== VERSION) return { title: '' };
    const title = new TextDecoder('utf-8', { fatal: true }).decode(d.opaque('title'));
    d.end();
    return { title: [...title].slice(0, MAX_TITLE).join('') };
  } catch {
    return { title: '' };
  }
}

/** The extension list with the metadata replaced (other extensions kept: §12.1.7 replaces wholesale). */
export function withMetadata(extensions: readonly Extension[], m: ConversationMetadata): Extension[] {
  return [...extensions.filter((e) => e.extensionType !== METADATA_EXTENSION_TYPE), metadataExtension(m)];
}
