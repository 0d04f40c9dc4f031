import type { Decoder } from '../../codec/decoder.js';
import type { Encoder } from '../../codec/encoder.js';
import { decodeExtensions, encodeExtensions, type Extension } from '../../extensions/extension.js';

// RFC 9420 §12.1.5. version and cipher_suite stay plain numbers: a ReInit may
// name a version or suite this client lacks, which is a validation matter
// (the proposal must still be parsed to be refused), not a malformed message.
export interface ReInit {
  readonly groupId: Uint8Array;
  readonly version: number;
  readonly cipherSuite: number;
  readonly extensions: readonly Extension[];
}

export function encodeReInit(e: Encoder, v: ReInit): void {
  e.opaque(v.groupId).u16(v.version).u16(v.cipherSuite);
  encodeExtensions(e, v.extensions);
}

export function decodeReInit(d: Decoder): ReInit {
  const groupId = d.opaque('group_id');
  const version = d.u16('version');
  const cipherSuite = d.u16('cipher_suite');
  const extensions = decodeExtensions(d);
  return { groupId, version, cipherSuite, extensions };
}
