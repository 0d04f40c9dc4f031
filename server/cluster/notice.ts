// The notifications DS processes exchange through PostgreSQL (LISTEN/NOTIFY
// on NOTIFY_CHANNEL, sent by the triggers of pg-schema.ts migration 2). A
// notification names rows; the process that hears it reads them. Parsed
// strictly: anything else on the channel is an error the listener logs.

import type { DeviceRef } from '../storage/types.js';

export type Notice =
  /** A message was stored at `seq` of the group. */
  | { readonly kind: 'message'; readonly groupId: Uint8Array; readonly seq: number }
  /** A device started reading the group (creator, external joiner, accepted invitation) when its last seq was `lastSeq`. */
  | { readonly kind: 'reader'; readonly groupId: Uint8Array; readonly device: DeviceRef; readonly lastSeq: number }
  /** A Welcome was queued by the process named `node`. */
  | { readonly kind: 'welcome'; readonly id: number; readonly node: string };

export class NoticeError extends Error {
  override readonly name = 'NoticeError';
}

function hexBytes(v: unknown): Uint8Array {
  if (typeof v !== 'string' || v.length === 0 || v.length % 2 !== 0 || !/^[0-9a-f]+$/.test(v)) throw new NoticeError('g: expected lower-case hex');
  return new Uint8Array(Buffer.from(v, 'hex'));
}

function seqOf(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new NoticeError(`${field}: expected a non-negative integer`);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new NoticeError(`${field}: expected a string`);
  return v;
}

export function parseNotice(payload: string): Notice {
  let o: unknown;
  try {
    o = JSON.parse(payload);
  } catch {
    throw new NoticeError('not JSON');
  }
  if (typeof o !== 'object' || o === null) throw new NoticeError('not a JSON object');
  const n = o as Record<string, unknown>;
  switch (n.k) {
    case 'm':
      return { kind: 'message', groupId: hexBytes(n.g), seq: seqOf(n.s, 's') };
    case 'j':
      return { kind: 'reader', groupId: hexBytes(n.g), device: { userId: str(n.u, 'u'), deviceId: str(n.d, 'd') }, lastSeq: seqOf(n.s, 's') };
    case 'w':
      return { kind: 'welcome', id: seqOf(n.id, 'id'), node: str(n.n, 'n') };
    default:
      throw new NoticeError(`k: unknown kind ${JSON.stringify(n.k)}`);
  }
}

/** The form of a message notification the test hook names: `<group id hex>:<seq>`. */
export const noticeKey = (groupId: Uint8Array, seq: number): string => `${Buffer.from(groupId).toString('hex')}:${seq}`;
