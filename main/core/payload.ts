// The application payload inside an MLS application message: what one member
// says to the others. Versioned and typed so replies, edits, deletes,
// reactions, attachments and read receipts can be added as new types; a
// receiver ignores types it does not know (a newer client's message).
//
// struct {
//   uint16 version = 1;
//   uint16 type;                          // 1 text, 2 delivery receipt
//   select (type) {
//     case text:    opaque id[16]; uint64 sent_at; opaque text<V>;
//     case receipt: uint64 sent_at; MessageUid ids<V>;   // MessageUid: opaque[16]
//   }
// } ArborPayload;
// sent_at is the sender's clock in ms since the Unix epoch.

import { Decoder } from '../mls/codec/decoder.js';
import { Encoder } from '../mls/codec/encoder.js';
import { DecodeError } from '../mls/index.js';

export const PAYLOAD_VERSION = 1;
export const PayloadType = { text: 1, receipt: 2 } as const;
export const UID_BYTES = 16;
export const MAX_RECEIPT_IDS = 1000;

export type Payload =
  | { readonly type: 'text'; readonly uid: Uint8Array; readonly sentAt: number; readonly text: string }
  | { readonly type: 'receipt'; readonly sentAt: number; readonly uids: readonly Uint8Array[] }
  /** A type (or version) this build does not know: kept out of the conversation. */
  | { readonly type: 'unknown'; readonly version: number; readonly typeId: number };

function fixed(d: Decoder, field: string, n: number): Uint8Array {
  return d.raw(n, field).slice();
}

function timestamp(d: Decoder): number {
  const t = d.u64('sent_at');
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) d.fail('sent_at', `${t} is not a time`);
  return Number(t);
}

export function encodePayload(p: Exclude<Payload, { type: 'unknown' }>): Uint8Array {
  const e = new Encoder();
  e.u16(PAYLOAD_VERSION);
  if (p.type === 'text') {
    if (p.uid.length !== UID_BYTES) throw new RangeError(`message uid must be ${UID_BYTES} bytes`);
    e.u16(PayloadType.text).raw(p.uid);
    e.u64(BigInt(p.sentAt)).opaque(new TextEncoder().encode(p.text));
  } else {
    if (p.uids.length > MAX_RECEIPT_IDS) throw new RangeError(`at most ${MAX_RECEIPT_IDS} ids per receipt`);
    e.u16(PayloadType.receipt).u64(BigInt(p.sentAt));
    e.vector(p.uids, (e2, u) => {
      if (u.length !== UID_BYTES) throw new RangeError(`message uid must be ${UID_BYTES} bytes`);
      e2.raw(u);
    });
  }
  return e.finish();
}

/** Strict for the types it knows (a DecodeError names the field); unknown versions and types come back as 'unknown'. */
export function decodePayload(bytes: Uint8Array): Payload {
  const d = new Decoder(bytes, 'ArborPayload');
  const version = d.u16('version');
  const typeId = d.u16('type');
  if (version !== PAYLOAD_VERSION) return { type: 'unknown', version, typeId };
  let p: Payload;
  if (typeId === PayloadType.text) {
    const uid = fixed(d, 'id', UID_BYTES);
    const sentAt = timestamp(d);
    const raw = d.opaque('text');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new DecodeError('ArborPayload.text', 'not UTF-8');
    }
    p = { type: 'text', uid, sentAt, text };
  } else if (typeId === PayloadType.receipt) {
    const sentAt = timestamp(d);
    const uids = d.vector('ids', (x) => fixed(x, 'id', UID_BYTES));
    if (uids.length > MAX_RECEIPT_IDS) d.fail('ids', `${uids.length} ids exceed ${MAX_RECEIPT_IDS}`);
    p = { type: 'receipt', sentAt, uids };
  } else {
    return { type: 'unknown', version, typeId };
  }
  d.end();
  return p;
}
