// RFC 9420 §2.1: the TLS presentation language, decoder side. Strict: every
// length is checked against what remains, varints must be minimal, and a
// caller ends each top-level decode with `end()` so trailing bytes are an error.
// Every error names the path of the field being read, e.g.
// `KeyPackage.leaf_node.capabilities: length 9 exceeds remaining 4`.
// What the RFC requires of a decoder: §2.1.1 "a presence octet with a value
// other than 0 or 1 MUST be rejected as malformed"; §2.1.2 "values using more
// bits than necessary MUST be treated as malformed" and "Vectors that start with
// the prefix 11 are invalid and MUST be rejected". A value of a struct's
// `select` that has no case (an unknown sender type, node type, ...) leaves the
// rest of the bytes without a layout, so the decoders refuse it; bytes left
// over are not the struct. docs/validation.md lists the decoders' refusals.

import { DecodeError } from '../errors.js';
import { readVarint } from './varint.js';

/**
 * How decoded byte fields relate to the input. 'copy' (the default): each is a
 * copy, so the caller may reuse the input. 'view': each is a view into the
 * input, which must then be a buffer nobody else holds or changes (a decrypted
 * plaintext, a private copy): one allocation per field less, and the input
 * lives as long as any field of the result.
 */
export type DecodeBytes = 'copy' | 'view';

export class Decoder {
  private pos: number;
  private readonly limit: number;
  /** Field names, and vector positions as numbers (made into `[i]` only for an error message). */
  private readonly path: (string | number)[];

  private readonly buf: Uint8Array;

  constructor(
    input: Uint8Array,
    root = 'input',
    start = 0,
    limit = input.length,
    path?: (string | number)[],
    readonly bytes: DecodeBytes = 'copy',
  ) {
    // A Node Buffer's slice() is a view, not a copy: read any subclass as a plain Uint8Array.
    this.buf = Object.getPrototypeOf(input) === Uint8Array.prototype ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.pos = start;
    this.limit = limit;
    this.path = path ?? [root];
  }

  /** n bytes at `at`, as the mode gives fields (a view made from the buffer directly is cheaper than subarray()). */
  private bytesAt(at: number, n: number): Uint8Array {
    return this.bytes === 'view' ? new Uint8Array(this.buf.buffer, this.buf.byteOffset + at, n) : this.buf.slice(at, at + n);
  }

  get remaining(): number {
    return this.limit - this.pos;
  }

  get offset(): number {
    return this.pos;
  }

  fail(field: string | undefined, reason: string): never {
    const segments = this.path.map((s) => (typeof s === 'number' ? `[${s}]` : s));
    if (field !== undefined) segments.push(field);
    throw new DecodeError(segments.join('.'), reason);
  }

  /** Decode a named sub-structure: errors inside it carry `name` in their path. */
  field<T>(name: string, fn: (d: Decoder) => T): T {
    this.path.push(name);
    try {
      return fn(this);
    } finally {
      this.path.pop();
    }
  }

  private need(n: number, field: string): void {
    if (n > this.remaining) this.fail(field, `length ${n} exceeds remaining ${this.remaining}`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  u64(field: string): bigint {
    const hi = this.u32(field);
    const lo = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Fixed-size raw bytes (a copy, or a view in 'view' mode). */
  raw(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytesAt(this.pos, n);
    this.pos += n;
    return out;
  }

  varint(field: string): number {
    // The one-byte form (every length below 64) needs no checks beyond the bound.
    if (this.pos < this.limit && this.buf[this.pos]! < 0x40) return this.buf[this.pos++]!;
    const r = readVarint(this.buf, this.pos, this.limit);
    if ('error' in r) this.fail(field, r.error);
    this.pos += r.size;
    return r.value;
  }

  /** opaque data<V>. */
  opaque(field: string): Uint8Array {
    const n = this.varint(field);
    return this.raw(n, field);
  }

  /** T items<V>: decodes items until the byte length of the vector is consumed exactly. */
  vector<T>(field: string, decodeItem: (d: Decoder, index: number) => T): T[] {
    const n = this.varint(field);
    this.need(n, field);
    const end = this.pos + n;
    const sub = new Decoder(this.buf, '', this.pos, end, this.path, this.bytes);
    const items: T[] = [];
    this.path.push(field);
    try {
      while (sub.remaining > 0) {
        const i = items.length;
        this.path.push(i);
        try {
          items.push(decodeItem(sub, i));
        } finally {
          this.path.pop();
        }
      }
    } finally {
      this.path.pop();
    }
    this.pos = end;
    return items;
  }

  /**
   * uint16 items<V>: vector(field, (d) => d.u16(item)) without a decoder per
   * vector (a leaf's capabilities are five of them). A length that is odd or
   * too long goes the general way, for its exact error.
   */
  u16Vector(field: string, item: string): number[] {
    const start = this.pos;
    const n = this.varint(field);
    if (n % 2 !== 0 || n > this.remaining) {
      this.pos = start;
      return this.vector(field, (d) => d.u16(item));
    }
    const out = new Array<number>(n / 2);
    const b = this.buf;
    for (let i = 0, p = this.pos; i < out.length; i++, p += 2) out[i] = (b[p]! << 8) | b[p + 1]!;
    this.pos += n;
    return out;
  }

  optional<T>(field: string, decodeValue: (d: Decoder) => T): T | undefined {
    const present = this.u8(field);
    if (present === 0) return undefined;
    if (present !== 1) this.fail(field, `optional presence byte ${present} is neither 0 nor 1`);
    return this.field(field, decodeValue);
  }

  /** The bytes from `start` to the current position: for signing exactly what was received. */
  slice(start: number): Uint8Array {
    return this.buf.slice(start, this.pos);
  }

  /** The bytes from `start` to the current position as the mode gives fields: a view or a copy. */
  consumed(start: number): Uint8Array {
    return this.bytesAt(start, this.pos - start);
  }

  end(): void {
    if (this.remaining !== 0) this.fail(undefined, `${this.remaining} trailing bytes`);
  }
}

/** Decode a whole buffer with a struct decoder; trailing bytes are an error. See DecodeBytes for `mode`. */
export function decode<T>(decodeFn: (d: Decoder) => T, bytes: Uint8Array, root: string, mode: DecodeBytes = 'copy'): T {
  const d = new Decoder(bytes, root, 0, bytes.length, undefined, mode);
  const v = decodeFn(d);
  d.end();
  return v;
}
