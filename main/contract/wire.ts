// The messages every transport carries (worker postMessage, the test host's
// WebSocket, the CLI): calls with ids, their replies, and events. Checked
// shape-by-shape on arrival, since the other side may be a different process.

import type { WireError } from './errors.js';

export interface CallMessage {
  readonly type: 'call';
  readonly id: number;
  readonly command: string;
  readonly args: unknown;
}

export type ReplyMessage =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError };

export interface EventMessage {
  readonly type: 'event';
  readonly event: string;
  readonly payload: unknown;
}

export type FromCore = ReplyMessage | EventMessage;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A call from a client, or undefined when the value is not one. */
export function asCall(v: unknown): CallMessage | undefined {
  if (!isRecord(v) || v.type !== 'call' || !isId(v.id) || typeof v.command !== 'string') return undefined;
  return { type: 'call', id: v.id, command: v.command, args: v.args };
}

/** A reply or event from the core, or undefined when the value is not one. */
export function asFromCore(v: unknown): FromCore | undefined {
  if (!isRecord(v)) return undefined;
  if (v.type === 'event' && typeof v.event === 'string') return { type: 'event', event: v.event, payload: v.payload };
  if (v.type !== 'reply' || !isId(v.id) || typeof v.ok !== 'boolean') return undefined;
  if (v.ok) return { type: 'reply', id: v.id, ok: true, result: v.result };
  return { type: 'reply', id: v.id, ok: false, error: v.error as WireError };
}
