// RFC 9420 §2.1: the TLS presentation language, as MLS uses it. Encoder side.

import { EncodeError } from '../errors.js';
import { varintSize } from './varint.js';

export class Encoder {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new EncodeError(`uint8 out of range: ${v}`);
    this.reserve(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new EncodeError(`uint16 out of range: ${v}`);
    this.reserve(2);
    this.buf[this.len++] = v >> 8;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new EncodeError(`uint32 out of range: ${v}`);
    this.reserve(4);
    this.buf[this.len++] = (v >>> 24) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(`uint64 out of range: ${v}`);
    this.u32(Number(v >> 32n));
    return this.u32(Number(v & 0xffffffffn));
  }

  /** Raw bytes with no length prefix (fixed-size fields). */
  raw(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  varint(n: number): this {
    const size = varintSize(n);
    if (size === 1) return this.u8(n);
    if (size === 2) return this.u16(0x4000 | n);
    return this.u32((0x80000000 | n) >>> 0);
  }

  /** opaque data<V>: a varint length, then the bytes. */
  opaque(b: Uint8Array): this {
    return this.varint(b.length).raw(b);
  }

  /**
   * T items<V>: the length prefix counts bytes, not items, so the items are
   * encoded first: after room for the longest (4-byte) prefix, then moved back
   * over the room the minimal prefix does not need. No buffer per vector, so a
   * big tree (thousands of nested vectors) encodes in one pass.
   */
  vector<T>(items: readonly T[], encodeItem: (e: Encoder, item: T) => void): this {
    this.reserve(4);
    const start = this.len;
    this.len += 4;
    for (const it of items) encodeItem(this, it);
    const n = this.len - start - 4;
    const size = varintSize(n);
    if (size < 4) this.buf.copyWithin(start + size, start + 4, this.len);
    this.len = start;
    this.varint(n);
    this.len = start + size + n;
    return this;
  }

  /** optional<T> (§2.1.1 of RFC 8446 style as MLS uses it): uint8 presence, then the value. */
  optional<T>(v: T | undefined, encodeValue: (e: Encoder, v: T) => void): this {
    if (v === undefined) return this.u8(0);
    this.u8(1);
    encodeValue(this, v);
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Encode one value with a struct encoder: `encode(encodeLeafNode, leaf)`. */
export function encode<T>(encodeFn: (e: Encoder, v: T) => void, v: T): Uint8Array {
  const e = new Encoder();
  encodeFn(e, v);
  return e.finish();
}
