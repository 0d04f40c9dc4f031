// RFC 9420 §8.1: GroupContext, the summary of the group's state that every
// member agrees on in each epoch; its encoding feeds the key schedule.

import type { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import type { CipherSuiteId } from '../crypto/provider.js';
import { isCipherSuiteId } from '../crypto/provider.js';
import { decodeExtensions, encodeExtensions, type Extension } from '../extensions/extension.js';

/** RFC 9420 §6: ProtocolVersion mls10 = 1. */
export const PROTOCOL_VERSION_MLS10 = 1;

export interface GroupContext {
  readonly version: number;
  readonly cipherSuite: CipherSuiteId;
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly treeHash: Uint8Array;
  readonly confirmedTranscriptHash: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function encodeGroupContext(e: Encoder, v: GroupContext): void {
  e.u16(v.version).u16(v.cipherSuite).opaque(v.groupId).u64(v.epoch).opaque(v.treeHash).opaque(v.confirmedTranscriptHash);
  encodeExtensions(e, v.extensions);
}

export function groupContextBytes(v: GroupContext): Uint8Array {
  const e = new Encoder();
  encodeGroupContext(e, v);
  return e.finish();
}

export function decodeGroupContext(d: Decoder): GroupContext {
  const version = d.u16('version');
  if (version !== PROTOCOL_VERSION_MLS10) d.fail('version', `unsupported protocol version ${version}`);
  const cs = d.u16('cipher_suite');
  if (!isCipherSuiteId(cs)) d.fail('cipher_suite', `unsupported cipher suite ${cs}`);
  const groupId = d.opaque('group_id');
  const epoch = d.u64('epoch');
  const treeHash = d.opaque('tree_hash');
  const confirmedTranscriptHash = d.opaque('confirmed_transcript_hash');
  const extensions = decodeExtensions(d);
  return { version, cipherSuite: cs, groupId, epoch, treeHash, confirmedTranscriptHash, extensions };
}
