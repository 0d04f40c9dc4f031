// RFC 9420 §2.1: the TLS presentation language, as MLS uses it. Encoder side.
// One growable buffer per encoding: nested vectors are written in place (their
// length prefix is patched in afterwards), so an encode allocates its buffer,
// its growth steps and the result, whatever the nesting.

import { EncodeError } from '../errors.js';
import { varintSize } from './varint.js';

/** V8 keeps typed arrays up to 64 bytes on its heap (no backing store to allocate), so start there. */
const INITIAL_CAPACITY = 64;

export class Encoder {
  private buf: Uint8Array;
  private len = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = new Uint8Array(capacity);
  }

  /** Room for n more bytes (a caller that knows the size spares the doublings). */
  reserve(n: number): void {
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
   * encoded first (opaqueWith).
   */
  vector<T>(items: readonly T[], encodeItem: (e: Encoder, item: T) => void): this {
    return this.opaqueWith((e) => {
      for (const it of items) encodeItem(e, it);
    });
  }

  /**
   * opaque data<V> whose bytes `fill` writes into this encoder: in place after
   * one byte kept for the length prefix (enough below 64 bytes); longer data is
   * moved right by the prefix's extra bytes. No intermediate copy of the data.
   */
  opaqueWith(fill: (e: Encoder) => void): this {
    this.reserve(1);
    const at = this.len++;
    fill(this);
    const n = this.len - at - 1;
    const size = varintSize(n);
    if (size > 1) {
      this.reserve(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.len);
      this.len += size - 1;
    }
    const b = this.buf;
    if (size === 1) b[at] = n;
    else if (size === 2) {
      b[at] = 0x40 | (n >> 8);
      b[at + 1] = n & 0xff;
    } else {
      b[at] = 0x80 | (n >>> 24);
      b[at + 1] = (n >>> 16) & 0xff;
      b[at + 2] = (n >>> 8) & 0xff;
      b[at + 3] = n & 0xff;
    }
    return this;
  }

  /** optional<T> (§2.1.1 of RFC 8446 style as MLS uses it): uint8 presence, then the value. */
  optional<T>(v: T | undefined, encodeValue: (e: Encoder, v: T) => void): this {
    if (v === undefined) return this.u8(0);
    this.u8(1);
    encodeValue(this, v);
    return this;
  }

  /**
   * The encoding as a view of the encoder's buffer, never copied: for bytes
   * used at once and dropped (a signature's or a hash's input), however much
   * room the buffer has left. The encoder must not be used afterwards.
   */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** The encoding. The encoder must not be used afterwards (the result may share its buffer). */
  finish(): Uint8Array {
    // Exactly full (an encoder made with its size), or a large encoding at least half its buffer
    // (as one grown by doubling always is): hand over the buffer instead of copying megabytes.
    if (this.len === this.buf.length) return this.buf;
    if (this.len >= 4096 && this.len * 2 >= this.buf.length) return this.buf.subarray(0, this.len);
    return this.buf.slice(0, this.len);
  }
}

/** Encode one value with a struct encoder: `encode(encodeLeafNode, leaf)`. */
export function encode<T>(encodeFn: (e: Encoder, v: T) => void, v: T): Uint8Array {
  const e = new Encoder();
  encodeFn(e, v);
  return e.finish();
}
