// Protocol v1 of the delivery service: JSON text frames over WebSocket (see
// docs/protocol.md). This module holds the error codes and the strict readers
// of request fields; a request that does not fit them is refused with
// `bad_request` naming the field.

import type { DeviceRef } from './storage/types.js';

export const PROTOCOL_VERSION = 1;
/**
 * Additive revisions of version 1, announced in `hello` (docs/protocol.md §0):
 * 2 = the DS follows each group's public MLS state, invitations, paging by bytes.
 */
export const PROTOCOL_REVISION = 2;

export const ErrorCode = {
  badFrame: 'bad_frame',
  unsupportedVersion: 'unsupported_version',
  unknownRequest: 'unknown_request',
  badRequest: 'bad_request',
  badMessage: 'bad_message',
  tooLarge: 'too_large',
  rateLimited: 'rate_limited',
  notLoggedIn: 'not_logged_in',
  alreadyLoggedIn: 'already_logged_in',
  challengeInvalid: 'challenge_invalid',
  badSignature: 'bad_signature',
  badKey: 'bad_key',
  userExists: 'user_exists',
  unknownUser: 'unknown_user',
  deviceExists: 'device_exists',
  unknownDevice: 'unknown_device',
  notAuthorized: 'not_authorized',
  groupExists: 'group_exists',
  noGroup: 'no_group',
  notMember: 'not_member',
  staleEpoch: 'stale_epoch',
  wrongContentType: 'wrong_content_type',
  badRoster: 'bad_roster',
  badCredential: 'bad_credential',
  privateHandshake: 'private_handshake',
  limitExceeded: 'limit_exceeded',
  shuttingDown: 'shutting_down',
  internal: 'internal',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A refusal: becomes `{ok:false, error: code, reason, ...extra}` in the response. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    readonly code: ErrorCodeValue,
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${code}: ${reason}`);
  }
}

export type Json = Record<string, unknown>;

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ID = /^[A-Za-z0-9._@-]{1,64}$/;

function bad(field: string, reason: string): never {
  throw new ProtocolError(ErrorCode.badRequest, `${field}: ${reason}`);
}

export function toB64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Standard base64 with padding, nothing else (no whitespace, no url alphabet). */
export function b64Field(v: unknown, field: string, maxBytes: number, minBytes = 0): Uint8Array {
  if (typeof v !== 'string') bad(field, 'expected a base64 string');
  if (v.length > Math.ceil(maxBytes / 3) * 4 + 4) throw new ProtocolError(ErrorCode.tooLarge, `${field}: more than ${maxBytes} bytes`);
  if (!B64.test(v)) bad(field, 'not canonical base64');
  const out = new Uint8Array(Buffer.from(v, 'base64'));
  if (out.length > maxBytes) throw new ProtocolError(ErrorCode.tooLarge, `${field}: ${out.length} bytes exceeds ${maxBytes}`);
  if (out.length < minBytes) bad(field, `at least ${minBytes} bytes expected`);
  return out;
}

export function idField(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ID.test(v)) bad(field, 'expected 1-64 characters of A-Z a-z 0-9 . _ @ -');
  return v;
}

export function optBool(v: unknown, field: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') bad(field, 'expected a boolean');
  return v;
}

export function intField(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(field, `expected an integer in [${min}, ${max}]`);
  return v;
}

export function arrayField(v: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(v)) bad(field, 'expected an array');
  if (v.length > max) throw new ProtocolError(ErrorCode.tooLarge, `${field}: more than ${max} items`);
  return v;
}

export function objField(v: unknown, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(field, 'expected an object');
  return v as Json;
}

export function optIntField(v: unknown, field: string, min: number, max: number, dflt: number): number {
  return v === undefined ? dflt : intField(v, field, min, max);
}

export function deviceField(v: unknown, field: string): DeviceRef {
  const o = objField(v, field);
  return { userId: idField(o.userId, `${field}.userId`), deviceId: idField(o.deviceId, `${field}.deviceId`) };
}
