// The JSON shapes of stored messages and Welcomes (docs/protocol.md §5.11,
// §5.16), and what each costs in a frame, so that pages can be cut by bytes:
// a page's items, base64 and all, always fit in one frame of `maxFrameBytes`.

import { toB64, type Json } from './protocol.js';
import type { PageLimit, StoredMessage, WelcomeRecord } from './storage/types.js';

export function messageJson(m: StoredMessage): Json {
  return {
    groupId: toB64(m.groupId),
    seq: m.seq,
    epoch: m.epoch.toString(),
    kind: m.kind,
    sender: { userId: m.sender.userId, deviceId: m.sender.deviceId },
    message: toB64(m.data),
    ts: m.createdAt,
  };
}

export function welcomeJson(w: WelcomeRecord): Json {
  return {
    id: w.id,
    groupId: toB64(w.groupId),
    epoch: w.epoch.toString(),
    sender: { userId: w.sender.userId, deviceId: w.sender.deviceId },
    welcome: toB64(w.data),
    ts: w.createdAt,
  };
}

/** Room kept in every frame for the response envelope (v, id, ok, groupId, acked, more, ...). */
export const ENVELOPE_BYTES = 4096;

/**
 * The largest MLS payload a frame can carry: base64 makes 3 bytes into 4, and
 * the envelope and one item's fields need room. Stored messages are never
 * larger, so any one of them fits a response or a push.
 */
export function maxPayloadBytes(maxFrameBytes: number): number {
  return Math.floor(((maxFrameBytes - ENVELOPE_BYTES) * 3) / 4);
}

/**
 * A page limit in payload bytes: an item costs its payload plus the JSON of its
 * other fields (ids up to 64 characters, a group id up to 255 bytes, numbers),
 * counted in payload-equivalent bytes (3/4 of their frame bytes).
 */
export function pageLimit(maxFrameBytes: number, limit: number): PageLimit {
  const itemFieldsJson = 200 + 4 * Math.ceil(255 / 3) + 2 * 64 + 3 * 20;
  return { limit, maxBytes: maxPayloadBytes(maxFrameBytes), overhead: Math.ceil((itemFieldsJson * 3) / 4) + 3 };
}
