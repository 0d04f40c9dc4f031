// Turns a conversation's messages (oldest first) into the rows the list shows:
// a day divider where the day changes, and text messages grouped by sender
// (same person, same day, a few minutes apart), so the name is shown once per
// group. Pure: tested under Node.

import type { Message } from '../../../main/contract/index.js';

export const GROUP_GAP_MS = 5 * 60 * 1000;

export type Row =
  | { readonly kind: 'day'; readonly key: string; readonly day: number }
  | { readonly kind: 'system'; readonly key: string; readonly message: Message }
  | { readonly kind: 'text'; readonly key: string; readonly message: Message; readonly firstOfGroup: boolean; readonly lastOfGroup: boolean };

/** Local midnight of a time, as ms. */
export function dayOf(t: number): number {
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Where a message sits in time for the reader: when this device stored it (own: when written). */
export function shownAt(m: Message): number {
  return m.isOwn ? m.sentAt : m.receivedAt;
}

function sameGroup(a: Message, b: Message): boolean {
  if (a.kind !== 'text' || b.kind !== 'text') return false;
  if (a.isOwn !== b.isOwn) return false;
  if (!a.isOwn && (a.sender?.userId ?? null) !== (b.sender?.userId ?? null)) return false;
  return Math.abs(shownAt(b) - shownAt(a)) <= GROUP_GAP_MS && dayOf(shownAt(a)) === dayOf(shownAt(b));
}

export function buildRows(messages: readonly Message[]): Row[] {
  const rows: Row[] = [];
  let lastDay = -1;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const day = dayOf(shownAt(m));
    if (day !== lastDay) {
      // Keyed by the day alone: stable when older messages of the same day are loaded above.
      rows.push({ kind: 'day', key: `d${day}`, day });
      lastDay = day;
    }
    if (m.kind === 'system') {
      rows.push({ kind: 'system', key: m.id, message: m });
      continue;
    }
    const prev = messages[i - 1];
    const next = messages[i + 1];
    rows.push({
      kind: 'text',
      key: m.id,
      message: m,
      firstOfGroup: prev === undefined || !sameGroup(prev, m),
      lastOfGroup: next === undefined || !sameGroup(m, next),
    });
  }
  return rows;
}

/** Message ids are decimal strings without leading zeros: compare by length, then text. */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** Inserts or replaces a message in an id-ordered list, returning a new list. */
export function upsert(list: readonly Message[], m: Message): Message[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds(list[mid]!.id, m.id) < 0) lo = mid + 1;
    else hi = mid;
  }
  const out = list.slice();
  if (lo < list.length && list[lo]!.id === m.id) out[lo] = m;
  else out.splice(lo, 0, m);
  return out;
}

/** Joins an older page (oldest first) before the loaded messages, dropping duplicates. */
export function prependPage(list: readonly Message[], older: readonly Message[]): Message[] {
  if (list.length === 0) return older.slice();
  const first = list[0]!.id;
  return [...older.filter((m) => compareIds(m.id, first) < 0), ...list];
}
