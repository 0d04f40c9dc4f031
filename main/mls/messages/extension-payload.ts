// Shared plumbing for the typed extension payloads (RFC 9420 §13): each payload
// is the `extension_data` of one Extension, decoded strictly with the
// extension's name as the error path.

import { decode } from '../codec/decoder.js';
import type { Decoder } from '../codec/decoder.js';
import { encode } from '../codec/encoder.js';
import type { Encoder } from '../codec/encoder.js';
import { findExtension, type Extension } from '../extensions/extension.js';

/** Decodes the payload of the extension of `type` in `list`; undefined when the list lacks it. */
export function readExtension<T>(
  list: readonly Extension[],
  type: number,
  name: string,
  decodeFn: (d: Decoder) => T,
): T | undefined {
  const x = findExtension(list, type);
  return x === undefined ? undefined : decode(decodeFn, x.extensionData, name);
}

export function makeExtension<T>(type: number, encodeFn: (e: Encoder, v: T) => void, v: T): Extension {
  return { extensionType: type, extensionData: encode(encodeFn, v) };
}
