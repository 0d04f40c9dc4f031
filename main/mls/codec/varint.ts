// RFC 9420 §2.1.2: variable-size vector length headers, QUIC-style (RFC 9000 §16)
// with 1, 2 or 4 bytes. The 8-byte form (prefix 0b11) is invalid in MLS, and the
// minimum-length encoding is required.

import { EncodeError } from '../errors.js';

export const VARINT_MAX = 0x3fffffff;

export function varintSize(n: number): 1 | 2 | 4 {
  if (!Number.isInteger(n) || n < 0 || n > VARINT_MAX) throw new EncodeError(`varint: ${n} is outside 0..${VARINT_MAX}`);
  return n < 0x40 ? 1 : n < 0x4000 ? 2 : 4;
}

export type VarintResult = { readonly value: number; readonly size: number } | { readonly error: string };

/**
 * Reads a varint at `offset`, within `buf` up to `end` (default its length); returns an
 * error string rather than throwing, so the decoder can name the field.
 */
export function readVarint(buf: Uint8Array, offset: number, end = buf.length): VarintResult {
  if (offset >= end) return { error: 'varint: no bytes remaining' };
  const first = buf[offset]!;
  const prefix = first >> 6;
  if (prefix === 3) return { error: 'varint: 8-byte length prefix is invalid in MLS' };
  const size = 1 << prefix;
  if (offset + size > end) return { error: `varint: needs ${size} bytes, ${end - offset} remaining` };
  let value = first & 0x3f;
  for (let i = 1; i < size; i++) value = value * 256 + buf[offset + i]!;
  if (size > 1 && value < (size === 2 ? 0x40 : 0x4000)) return { error: `varint: ${value} not minimally encoded in ${size} bytes` };
  return { value, size };
}
