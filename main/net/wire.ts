// The edge between JSON and typed values, both ways.
// Reading (server → client): strict readers that throw DsProtocolError naming
// the field path; a hostile or buggy server must never get a malformed value
// past them. Writing (client → server): argument guards that throw
// DsArgumentError, so a caller bug is reported here and not as a refusal.

import { DsArgumentError, DsProtocolError } from './errors.js';
import type { DeviceRef } from './protocol-types.js';

export type Json = Record<string, unknown>;

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ID = /^[A-Za-z0-9._@-]{1,64}$/;
const EPOCH = /^(?:0|[1-9][0-9]{0,19})$/;
const U64_MAX = (1n << 64n) - 1n;

/** Longest `reason` kept from a refusal: it ends up in logs and UI, a server must not fill them. */
export const MAX_REASON_CHARS = 1000;

// ---------------------------------------------------------------- base64

/** Standard base64 with padding (RFC 4648 §4), as the protocol requires. */
export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function bad(path: string, what: string): never {
  throw new DsProtocolError(`${path}: ${what}`);
}

// ---------------------------------------------------------------- readers

export function readObject(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'expected an object');
  return v as Json;
}

export function readArray(v: unknown, path: string, maxItems = Number.MAX_SAFE_INTEGER): unknown[] {
  if (!Array.isArray(v)) bad(path, 'expected an array');
  if (v.length > maxItems) bad(path, `${v.length} items, at most ${maxItems} allowed`);
  return v;
}

export function readString(v: unknown, path: string, maxChars: number): string {
  if (typeof v !== 'string') bad(path, 'expected a string');
  if (v.length > maxChars) bad(path, `longer than ${maxChars} characters`);
  return v;
}

export function readBool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') bad(path, 'expected a boolean');
  return v;
}

export function readInt(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(path, `expected an integer in [${min}, ${max}]`);
  return v;
}

/** A u64 epoch: a decimal string without leading zeros. */
export function readEpoch(v: unknown, path: string): bigint {
  if (typeof v !== 'string' || !EPOCH.test(v)) bad(path, 'expected a u64 as a decimal string');
  const n = BigInt(v);
  if (n > U64_MAX) bad(path, 'exceeds 2^64 - 1');
  return n;
}

/** Canonical base64 of minBytes..maxBytes bytes, as a fresh Uint8Array (never a pooled Buffer). */
export function readBytes(v: unknown, path: string, minBytes: number, maxBytes = Number.MAX_SAFE_INTEGER): Uint8Array {
  if (typeof v !== 'string') bad(path, 'expected a base64 string');
  if (v.length > Math.ceil(maxBytes / 3) * 4) bad(path, `more than ${maxBytes} bytes`);
  if (!B64.test(v)) bad(path, 'not standard padded base64');
  const buf = Buffer.from(v, 'base64');
  // The pattern admits non-zero bits in the last character before padding
  // ("AB==" decodes like "AA=="); canonical means the encoding round-trips.
  if (buf.toString('base64') !== v) bad(path, 'not canonical base64');
  if (buf.length < minBytes || buf.length > maxBytes) bad(path, `${buf.length} bytes, expected ${minBytes}..${maxBytes}`);
  const out = new Uint8Array(buf.length);
  out.set(buf);
  return out;
}

/** A user or device id: 1–64 characters of A–Z a–z 0–9 . _ @ - */
export function readId(v: unknown, path: string): string {
  if (typeof v !== 'string' || !ID.test(v)) bad(path, 'expected 1-64 characters of A-Z a-z 0-9 . _ @ -');
  return v;
}

export function readDevice(v: unknown, path: string): DeviceRef {
  const o = readObject(v, path);
  return { userId: readId(o.userId, `${path}.userId`), deviceId: readId(o.deviceId, `${path}.deviceId`) };
}

/** The group id: 1–255 bytes (§5.8). */
export function readGroupId(v: unknown, path: string): Uint8Array {
  return readBytes(v, path, 1, 255);
}

// ---------------------------------------------------------------- argument guards

function arg(name: string, what: string): never {
  throw new DsArgumentError(`${name}: ${what}`);
}

export function isId(v: unknown): v is string {
  return typeof v === 'string' && ID.test(v);
}

export function argId(v: unknown, name: string): string {
  if (!isId(v)) arg(name, 'expected 1-64 characters of A-Z a-z 0-9 . _ @ -');
  return v;
}

export function argBytes(v: unknown, name: string, minBytes: number, maxBytes = Number.MAX_SAFE_INTEGER): string {
  if (!(v instanceof Uint8Array)) arg(name, 'expected a Uint8Array');
  if (v.length < minBytes || v.length > maxBytes) arg(name, `${v.length} bytes, expected ${minBytes}..${maxBytes}`);
  return toBase64(v);
}

export function argInt(v: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) arg(name, `expected an integer in [${min}, ${max}]`);
  return v;
}

export function argBool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') arg(name, 'expected a boolean');
  return v;
}

export function argArray(v: unknown, name: string, maxItems: number): readonly unknown[] {
  if (!Array.isArray(v)) arg(name, 'expected an array');
  if (v.length > maxItems) arg(name, `${v.length} items, at most ${maxItems} allowed`);
  return v as readonly unknown[];
}

export function argDevice(v: unknown, name: string): DeviceRef {
  if (typeof v !== 'object' || v === null) arg(name, 'expected {userId, deviceId}');
  const d = v as Record<string, unknown>;
  return { userId: argId(d.userId, `${name}.userId`), deviceId: argId(d.deviceId, `${name}.deviceId`) };
}

export function argObject(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) arg(name, 'expected an object');
  return v as Record<string, unknown>;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
