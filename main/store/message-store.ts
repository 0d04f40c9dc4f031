// Messages (text and system lines), the users a system line names, and the
// delivery state of own messages per recipient device.

import type { MessageKind, SendStatus, SystemEvent } from '../contract/types.js';
import { sql, type Db } from './database.js';

export interface MessageRow {
  readonly id: number;
  readonly conversationId: string;
  readonly kind: MessageKind;
  readonly uid: Uint8Array | null;
  readonly senderUserId: string | null;
  readonly senderDeviceId: string | null;
  readonly isOwn: boolean;
  readonly body: string;
  readonly system: SystemEvent | null;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly status: SendStatus | null;
  readonly failReason: string | null;
  readonly seq: number | null;
  readonly epoch: number | null;
}

export interface NewMessage {
  readonly conversationId: string;
  readonly kind: MessageKind;
  readonly uid?: Uint8Array;
  readonly senderUserId?: string;
  readonly senderDeviceId?: string;
  readonly isOwn: boolean;
  readonly body: string;
  readonly system?: SystemEvent;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly status?: SendStatus;
  readonly seq?: number;
  readonly epoch?: number;
}

/** The columns a system event is stored in: type, by, title, count, and the users list. */
function systemColumns(e: SystemEvent | undefined): { type: string | null; by: string | null; title: string | null; count: number | null; users: readonly string[] } {
  if (e === undefined) return { type: null, by: null, title: null, count: null, users: [] };
  switch (e.type) {
    case 'created':
      return { type: e.type, by: e.by, title: e.title, count: null, users: [] };
    case 'invited':
    case 'youWereRemoved':
      return { type: e.type, by: e.by, title: null, count: null, users: [] };
    case 'joined':
    case 'removed':
      return { type: e.type, by: e.by, title: null, count: null, users: e.userIds };
    case 'left':
      return { type: e.type, by: e.userId, title: null, count: null, users: [] };
    case 'renamed':
      return { type: e.type, by: e.by, title: e.title, count: null, users: [] };
    case 'safetyCodeChanged':
      return { type: e.type, by: null, title: null, count: null, users: e.userIds };
    case 'gap':
      return { type: e.type, by: null, title: null, count: e.count, users: [] };
    case 'youLeft':
    case 'rejoined':
      return { type: e.type, by: null, title: null, count: null, users: [] };
  }
}

function systemEvent(type: string, by: string | null, title: string | null, count: number | null, users: string[]): SystemEvent | null {
  const b = by ?? '';
  switch (type) {
    case 'created':
      return { type, by: b, title: title ?? '' };
    case 'invited':
    case 'youWereRemoved':
      return { type, by: b };
    case 'joined':
    case 'removed':
      return { type, by: b, userIds: users };
    case 'left':
      return { type, userId: b };
    case 'renamed':
      return { type, by: b, title: title ?? '' };
    case 'safetyCodeChanged':
      return { type, userIds: users };
    case 'gap':
      return { type, count: count ?? 1 };
    case 'youLeft':
    case 'rejoined':
      return { type };
    default:
      return null;
  }
}

export class MessageStore {
  constructor(private readonly db: Db) {}

  private toRow(r: Record<string, unknown>): MessageRow {
    const type = r.system_type as string | null;
    const users = type === 'joined' || type === 'removed' || type === 'safetyCodeChanged' ? this.users(r.id as number) : [];
    return {
      id: r.id as number,
      conversationId: r.conversation_id as string,
      kind: r.kind as MessageKind,
      uid: r.uid === null ? null : new Uint8Array(r.uid as Buffer),
      senderUserId: r.sender_user_id as string | null,
      senderDeviceId: r.sender_device_id as string | null,
      isOwn: r.is_own === 1,
      body: r.body as string,
      system: type === null ? null : systemEvent(type, r.system_by as string | null, r.system_title as string | null, r.system_count as number | null, users),
      sentAt: r.sent_at as number,
      receivedAt: r.received_at as number,
      status: (r.status as SendStatus | null) ?? null,
      failReason: (r.fail_reason as string | null) ?? null,
      seq: (r.seq as number | null) ?? null,
      epoch: (r.epoch as number | null) ?? null,
    };
  }

  private users(messageId: number): string[] {
    return (sql(this.db, 'SELECT user_id FROM message_users WHERE message_id = ? ORDER BY position').all(messageId) as { user_id: string }[]).map((r) => r.user_id);
  }

  insert(m: NewMessage): number {
    const s = systemColumns(m.system);
    const r = sql(
      this.db,
      `INSERT INTO messages (conversation_id, kind, uid, sender_user_id, sender_device_id, is_own, body, system_type, system_by, system_title, system_count,
         sent_at, received_at, status, seq, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      m.conversationId,
      m.kind,
      m.uid ?? null,
      m.senderUserId ?? null,
      m.senderDeviceId ?? null,
      m.isOwn ? 1 : 0,
      m.body,
      s.type,
      s.by,
      s.title,
      s.count,
      m.sentAt,
      m.receivedAt,
      m.status ?? null,
      m.seq ?? null,
      m.epoch ?? null,
    );
    const id = Number(r.lastInsertRowid);
    const st = sql(this.db, 'INSERT INTO message_users (message_id, position, user_id) VALUES (?, ?, ?)');
    s.users.forEach((u, i) => st.run(id, i, u));
    return id;
  }

  get(id: number): MessageRow | undefined {
    const r = sql(this.db, 'SELECT * FROM messages WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : this.toRow(r);
  }

  /** The newest `limit` messages before `before` (or the newest of all), oldest first. */
  page(conversationId: string, before: number | undefined, limit: number): { rows: MessageRow[]; hasMore: boolean } {
    const raw = sql(this.db, 'SELECT * FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?').all(
      conversationId,
      before ?? Number.MAX_SAFE_INTEGER,
      limit + 1,
    ) as Record<string, unknown>[];
    const hasMore = raw.length > limit;
    return { rows: raw.slice(0, limit).reverse().map((r) => this.toRow(r)), hasMore };
  }

  /** A text message already stored (same sender device and uid): a replay or a resend. */
  hasUid(conversationId: string, userId: string, deviceId: string, uid: Uint8Array): boolean {
    return sql(this.db, 'SELECT 1 FROM messages WHERE conversation_id = ? AND sender_user_id = ? AND sender_device_id = ? AND uid = ?').get(conversationId, userId, deviceId, uid) !== undefined;
  }

  ownByUid(conversationId: string, uid: Uint8Array): MessageRow | undefined {
    const r = sql(this.db, 'SELECT * FROM messages WHERE conversation_id = ? AND is_own = 1 AND uid = ?').get(conversationId, uid) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : this.toRow(r);
  }

  setStatus(id: number, status: SendStatus, failReason: string | null): void {
    sql(this.db, 'UPDATE messages SET status = ?, fail_reason = ? WHERE id = ?').run(status, failReason, id);
  }

  setSent(id: number, seq: number, epoch: number): void {
    sql(this.db, "UPDATE messages SET status = 'sent', fail_reason = NULL, seq = ?, epoch = ? WHERE id = ? AND status = 'pending'").run(seq, epoch, id);
  }

  /** Adds to the gap line's count (one line per gap, not one per lost message). */
  growGap(id: number, by: number): void {
    sql(this.db, "UPDATE messages SET system_count = system_count + ?, body = 'Messages may be missing here.' WHERE id = ? AND system_type = 'gap'").run(by, id);
  }

  // ---- delivery receipts

  /** The server accepted it while `others` other devices were members: that many receipts make it delivered. */
  expectReceipts(messageId: number, others: number): void {
    sql(this.db, 'UPDATE messages SET receipts_expected = ? WHERE id = ?').run(others, messageId);
  }

  /** Records a device's receipt; true when it was news. */
  addReceipt(messageId: number, userId: string, deviceId: string, at: number): boolean {
    if (sql(this.db, 'INSERT OR IGNORE INTO message_receipts (message_id, user_id, device_id, at) VALUES (?, ?, ?, ?)').run(messageId, userId, deviceId, at).changes === 0) return false;
    sql(this.db, 'UPDATE messages SET receipts_count = receipts_count + 1 WHERE id = ?').run(messageId);
    return true;
  }

  deliveryCounts(messageId: number): { count: number; of: number } {
    const r = sql(this.db, 'SELECT receipts_count AS d, coalesce(receipts_expected, 0) AS n FROM messages WHERE id = ?').get(messageId) as { d: number; n: number } | undefined;
    return { count: r?.d ?? 0, of: r?.n ?? 0 };
  }

  /**
   * A device left the group: own messages sent while it was a member (seq > its since_seq) and still
   * waiting for its receipt wait for one fewer. Returns those messages' ids.
   */
  dropDevice(conversationId: string, userId: string, deviceId: string, sinceSeq: number): number[] {
    return (
      sql(
        this.db,
        `UPDATE messages SET receipts_expected = receipts_expected - 1
         WHERE conversation_id = ? AND is_own = 1 AND status = 'sent' AND receipts_expected > receipts_count AND seq > ?
           AND NOT EXISTS (SELECT 1 FROM message_receipts r WHERE r.message_id = messages.id AND r.user_id = ? AND r.device_id = ?)
         RETURNING id`,
      ).all(conversationId, sinceSeq, userId, deviceId) as { id: number }[]
    ).map((r) => r.id);
  }
}
