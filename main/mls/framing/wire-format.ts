// RFC 9420 §6 / §17.2: WireFormat, the "MLS Wire Formats" registry values this engine speaks.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';

export const WireFormat = {
  mlsPublicMessage: 1,
  mlsPrivateMessage: 2,
  mlsWelcome: 3,
  mlsGroupInfo: 4,
  mlsKeyPackage: 5,
} as const;
export type WireFormat = (typeof WireFormat)[keyof typeof WireFormat];

export function isWireFormat(n: number): n is WireFormat {
  return Number.isInteger(n) && n >= 1 && n <= 5;
}

export function encodeWireFormat(e: Encoder, v: WireFormat): void {
  e.u16(v);
}

/** Any registered wire format; an unknown one is a DecodeError. */
export function decodeWireFormat(d: Decoder, field = 'wire_format'): WireFormat {
  const v = d.u16(field);
  if (!isWireFormat(v)) d.fail(field, `unknown wire format ${v}`);
  return v;
}

/** The two wire formats that carry FramedContent (AuthenticatedContent, FramedContentTBS). */
export type ContentWireFormat = typeof WireFormat.mlsPublicMessage | typeof WireFormat.mlsPrivateMessage;

export function decodeContentWireFormat(d: Decoder, field = 'wire_format'): ContentWireFormat {
  const v = d.u16(field);
  if (v !== WireFormat.mlsPublicMessage && v !== WireFormat.mlsPrivateMessage) {
    d.fail(field, `wire format ${v} does not carry framed content`);
  }
  return v;
}
