// Conversations and their members (as of the current epoch).

import type { ConversationStatus } from '../contract/types.js';
import { sql, type Db } from './database.js';

export interface ConversationRow {
  readonly id: string;
  readonly groupId: Uint8Array;
  readonly title: string;
  readonly status: ConversationStatus;
  readonly invitedBy: string | null;
  readonly muted: boolean;
  readonly lastReadId: number;
  readonly unreadCount: number;
  readonly memberCount: number;
  readonly deviceCount: number;
  readonly lastMessageId: number | null;
  readonly lastActivityAt: number;
  readonly createdAt: number;
  readonly processedSeq: number;
  readonly ackedSeq: number;
  readonly welcomeId: number | null;
  readonly onServer: boolean;
  readonly lastResyncAt: number | null;
}

export interface MemberRow {
  readonly leafIndex: number;
  readonly userId: string;
  readonly deviceId: string;
}

export interface StoredMember extends MemberRow {
  readonly sinceSeq: number;
}

function row(r: Record<string, unknown>): ConversationRow {
  return {
    id: r.id as string,
    groupId: new Uint8Array(r.group_id as Buffer),
    title: r.title as string,
    status: r.status as ConversationStatus,
    invitedBy: (r.invited_by as string | null) ?? null,
    muted: r.muted === 1,
    lastReadId: r.last_read_id as number,
    unreadCount: r.unread_count as number,
    memberCount: r.member_count as number,
    deviceCount: r.device_count as number,
    lastMessageId: (r.last_message_id as number | null) ?? null,
    lastActivityAt: r.last_activity_at as number,
    createdAt: r.created_at as number,
    processedSeq: r.processed_seq as number,
    ackedSeq: r.acked_seq as number,
    welcomeId: (r.welcome_id as number | null) ?? null,
    onServer: r.on_server === 1,
    lastResyncAt: (r.last_resync_at as number | null) ?? null,
  };
}

export function conversationIdOf(groupId: Uint8Array): string {
  return Buffer.from(groupId).toString('hex');
}

export class ConversationStore {
  constructor(private readonly db: Db) {}

  get(id: string): ConversationRow | undefined {
    const r = sql(this.db, 'SELECT * FROM conversations WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : row(r);
  }

  all(): ConversationRow[] {
    return (sql(this.db, 'SELECT * FROM conversations ORDER BY last_activity_at DESC, id').all() as Record<string, unknown>[]).map(row);
  }

  insert(c: { id: string; groupId: Uint8Array; title: string; status: ConversationStatus; invitedBy: string | null; now: number; onServer: boolean; welcomeId: number | null }): void {
    sql(
      this.db,
      `INSERT INTO conversations (id, group_id, title, status, invited_by, last_activity_at, created_at, on_server, welcome_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(c.id, c.groupId, c.title, c.status, c.invitedBy, c.now, c.now, c.onServer ? 1 : 0, c.welcomeId);
  }

  /** A group rejoined after we had left or been removed: the old history stays, the membership starts over. */
  restart(c: { id: string; title: string; status: ConversationStatus; invitedBy: string | null; now: number; welcomeId: number | null }): void {
    sql(
      this.db,
      `UPDATE conversations SET title = ?, status = ?, invited_by = ?, last_activity_at = ?, welcome_id = ?,
         processed_seq = 0, acked_seq = 0, on_server = 1, last_resync_at = NULL WHERE id = ?`,
    ).run(c.title, c.status, c.invitedBy, c.now, c.welcomeId, c.id);
  }

  setStatus(id: string, status: ConversationStatus): void {
    sql(this.db, 'UPDATE conversations SET status = ? WHERE id = ?').run(status, id);
  }

  setTitle(id: string, title: string): void {
    sql(this.db, 'UPDATE conversations SET title = ? WHERE id = ?').run(title, id);
  }

  setMuted(id: string, muted: boolean): void {
    sql(this.db, 'UPDATE conversations SET muted = ? WHERE id = ?').run(muted ? 1 : 0, id);
  }

  setOnServer(id: string): void {
    sql(this.db, 'UPDATE conversations SET on_server = 1 WHERE id = ?').run(id);
  }

  setWelcomeId(id: string, welcomeId: number | null): void {
    sql(this.db, 'UPDATE conversations SET welcome_id = ? WHERE id = ?').run(welcomeId, id);
  }

  markRead(id: string): void {
    sql(this.db, 'UPDATE conversations SET last_read_id = coalesce(last_message_id, 0), unread_count = 0 WHERE id = ?').run(id);
  }

  /** A message was stored: it becomes the last one, and counts as unread when `unread`. */
  messageAdded(id: string, messageId: number, at: number, unread: boolean): void {
    sql(
      this.db,
      `UPDATE conversations SET last_message_id = ?, last_activity_at = max(last_activity_at, ?), unread_count = unread_count + ? WHERE id = ?`,
    ).run(messageId, at, unread ? 1 : 0, id);
  }

  setProcessedSeq(id: string, seq: number): void {
    sql(this.db, 'UPDATE conversations SET processed_seq = ? WHERE id = ? AND processed_seq < ?').run(seq, id, seq);
  }

  setAckedSeq(id: string, seq: number): void {
    sql(this.db, 'UPDATE conversations SET acked_seq = ? WHERE id = ? AND acked_seq < ?').run(seq, id, seq);
  }

  setLastResyncAt(id: string, at: number): void {
    sql(this.db, 'UPDATE conversations SET last_resync_at = ? WHERE id = ?').run(at, id);
  }

  byGroupId(groupId: Uint8Array): ConversationRow | undefined {
    return this.get(conversationIdOf(groupId));
  }

  // ---- members

  members(id: string): StoredMember[] {
    return (sql(this.db, 'SELECT leaf_index, user_id, device_id, since_seq FROM members WHERE conversation_id = ? ORDER BY user_id, device_id').all(id) as Record<string, unknown>[]).map((r) => ({
      leafIndex: r.leaf_index as number,
      userId: r.user_id as string,
      deviceId: r.device_id as string,
      sinceSeq: r.since_seq as number,
    }));
  }

  /** Replaces the member list with the current epoch's; devices new to it are members from `atSeq`. */
  setMembers(id: string, members: readonly MemberRow[], atSeq = 0): void {
    const key = (m: { userId: string; deviceId: string }): string => `${m.userId}/${m.deviceId}`;
    const since = new Map(this.members(id).map((m) => [key(m), m.sinceSeq]));
    sql(this.db, 'DELETE FROM members WHERE conversation_id = ?').run(id);
    const st = sql(this.db, 'INSERT INTO members (conversation_id, leaf_index, user_id, device_id, since_seq) VALUES (?, ?, ?, ?, ?)');
    for (const m of members) st.run(id, m.leafIndex, m.userId, m.deviceId, since.get(key(m)) ?? atSeq);
    sql(this.db, 'UPDATE conversations SET member_count = ?, device_count = ? WHERE id = ?').run(new Set(members.map((m) => m.userId)).size, members.length, id);
  }

  clearMembers(id: string): void {
    sql(this.db, 'DELETE FROM members WHERE conversation_id = ?').run(id);
    sql(this.db, 'UPDATE conversations SET member_count = 0, device_count = 0 WHERE id = ?').run(id);
  }

  /** Up to `limit` user ids other than `self`, for naming an untitled conversation. */
  otherUsers(id: string, self: string, limit: number): string[] {
    return (sql(this.db, 'SELECT DISTINCT user_id FROM members WHERE conversation_id = ? AND user_id <> ? ORDER BY user_id LIMIT ?').all(id, self, limit) as { user_id: string }[]).map((r) => r.user_id);
  }
}
