// RFC 9420 §7.2, §13: Extension { ExtensionType extension_type; opaque extension_data<V>; }
// Unknown extension types are carried intact (their data is kept as bytes).

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';

/** RFC 9420 §17.3 (and last_resort from the MLS extensions registry). */
export const ExtensionType = {
  application_id: 0x0001,
  ratchet_tree: 0x0002,
  required_capabilities: 0x0003,
  external_pub: 0x0004,
  external_senders: 0x0005,
  last_resort: 0x000a,
} as const;

export interface Extension {
  readonly extensionType: number;
  readonly extensionData: Uint8Array;
}

export function encodeExtension(e: Encoder, v: Extension): void {
  e.u16(v.extensionType).opaque(v.extensionData);
}

export function decodeExtension(d: Decoder): Extension {
  const extensionType = d.u16('extension_type');
  const extensionData = d.opaque('extension_data');
  return { extensionType, extensionData };
}

export function encodeExtensions(e: Encoder, list: readonly Extension[]): void {
  e.vector(list, encodeExtension);
}

/**
 * Extension extensions<V>; a type appearing twice is an error: §13.4, among the rules implementations "MUST"
 * follow when handling extensible fields, "Any field containing a list of extensions MUST NOT have more than one
 * extension of any given type".
 */
export function decodeExtensions(d: Decoder, field = 'extensions'): Extension[] {
  const list = d.vector(field, decodeExtension);
  const seen = new Set<number>();
  for (const x of list) {
    if (seen.has(x.extensionType)) d.fail(field, `extension type ${x.extensionType} appears twice`);
    seen.add(x.extensionType);
  }
  return list;
}

export function findExtension(list: readonly Extension[], type: number): Extension | undefined {
  return list.find((x) => x.extensionType === type);
}
