// The outbox: one serial queue of durable jobs per conversation, and the own
// commit waiting for the server's answer.

import { sql, type Db } from './database.js';

export type JobKind = 'message' | 'receipt' | 'create' | 'add' | 'remove' | 'rename' | 'leave' | 'commit' | 'accept' | 'decline' | 'resync';

export interface JobRow {
  readonly id: number;
  readonly conversationId: string;
  readonly kind: JobKind;
  readonly messageId: number | null;
  readonly title: string | null;
  readonly payload: Uint8Array | null;
  readonly state: 'queued' | 'sending';
  readonly wire: Uint8Array | null;
  readonly wireEpoch: number | null;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly deadlineAt: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly userIds: readonly string[];
}

export interface PendingCommitRow {
  readonly conversationId: string;
  readonly jobId: number;
  readonly epoch: number;
  readonly commitMessage: Uint8Array;
  readonly pending: Uint8Array;
}

export class OutboxStore {
  constructor(private readonly db: Db) {}

  private toJob(r: Record<string, unknown>): JobRow {
    const id = r.id as number;
    return {
      id,
      conversationId: r.conversation_id as string,
      kind: r.kind as JobKind,
      messageId: (r.message_id as number | null) ?? null,
      title: (r.title as string | null) ?? null,
      payload: r.payload === null ? null : new Uint8Array(r.payload as Buffer),
      state: r.state as 'queued' | 'sending',
      wire: r.wire === null ? null : new Uint8Array(r.wire as Buffer),
      wireEpoch: (r.wire_epoch as number | null) ?? null,
      attempts: r.attempts as number,
      nextAttemptAt: r.next_attempt_at as number,
      deadlineAt: (r.deadline_at as number | null) ?? null,
      lastError: (r.last_error as string | null) ?? null,
      createdAt: r.created_at as number,
      userIds: (sql(this.db, 'SELECT user_id FROM outbox_users WHERE job_id = ? ORDER BY user_id').all(id) as { user_id: string }[]).map((x) => x.user_id),
    };
  }

  add(j: { conversationId: string; kind: JobKind; messageId?: number; title?: string; payload?: Uint8Array; userIds?: readonly string[]; now: number; notBefore?: number; deadlineAt?: number }): number {
    const r = sql(
      this.db,
      `INSERT INTO outbox (conversation_id, kind, message_id, title, payload, state, next_attempt_at, deadline_at, created_at)
       VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
    ).run(j.conversationId, j.kind, j.messageId ?? null, j.title ?? null, j.payload ?? null, j.notBefore ?? j.now, j.deadlineAt ?? null, j.now);
    const id = Number(r.lastInsertRowid);
    const st = sql(this.db, 'INSERT INTO outbox_users (job_id, user_id) VALUES (?, ?)');
    for (const u of j.userIds ?? []) st.run(id, u);
    return id;
  }

  get(id: number): JobRow | undefined {
    const r = sql(this.db, 'SELECT * FROM outbox WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : this.toJob(r);
  }

  /** The job at the head of a conversation's queue. */
  head(conversationId: string): JobRow | undefined {
    const r = sql(this.db, 'SELECT * FROM outbox WHERE conversation_id = ? ORDER BY id LIMIT 1').get(conversationId) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : this.toJob(r);
  }

  conversationsWithJobs(): string[] {
    return (sql(this.db, 'SELECT DISTINCT conversation_id AS c FROM outbox').all() as { c: string }[]).map((r) => r.c);
  }

  jobs(conversationId: string): JobRow[] {
    return (sql(this.db, 'SELECT * FROM outbox WHERE conversation_id = ? ORDER BY id').all(conversationId) as Record<string, unknown>[]).map((r) => this.toJob(r));
  }

  /** A queued job of this kind, if any (to merge receipts, or not to plan the same commit twice). */
  queuedOfKind(conversationId: string, kind: JobKind): JobRow | undefined {
    const r = sql(this.db, "SELECT * FROM outbox WHERE conversation_id = ? AND kind = ? AND state = 'queued' ORDER BY id DESC LIMIT 1").get(conversationId, kind) as
      | Record<string, unknown>
      | undefined;
    return r === undefined ? undefined : this.toJob(r);
  }

  byMessage(messageId: number): JobRow | undefined {
    const r = sql(this.db, 'SELECT * FROM outbox WHERE message_id = ?').get(messageId) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : this.toJob(r);
  }

  sendingWith(conversationId: string): JobRow[] {
    return (sql(this.db, "SELECT * FROM outbox WHERE conversation_id = ? AND state = 'sending'").all(conversationId) as Record<string, unknown>[]).map((r) => this.toJob(r));
  }

  setPayload(id: number, payload: Uint8Array): void {
    sql(this.db, 'UPDATE outbox SET payload = ? WHERE id = ?').run(payload, id);
  }

  /** The exact bytes are about to go to the server: after a crash, they are looked for there before anything is resent. */
  markSending(id: number, wire: Uint8Array, epoch: number): void {
    sql(this.db, "UPDATE outbox SET state = 'sending', wire = ?, wire_epoch = ?, attempts = attempts + 1 WHERE id = ?").run(wire, epoch, id);
  }

  /** Back to the queue (the bytes never reached the server, or must be made again), due at `at`. */
  requeue(id: number, at: number, error: string | null): void {
    sql(this.db, "UPDATE outbox SET state = 'queued', wire = NULL, wire_epoch = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?").run(at, error, id);
  }

  bumpAttempt(id: number, at: number, error: string): void {
    sql(this.db, "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, state = 'queued', wire = NULL, wire_epoch = NULL WHERE id = ?").run(at, error, id);
  }

  remove(id: number): void {
    sql(this.db, 'DELETE FROM outbox WHERE id = ?').run(id);
  }

  removeAll(conversationId: string): JobRow[] {
    const jobs = this.jobs(conversationId);
    sql(this.db, 'DELETE FROM outbox WHERE conversation_id = ?').run(conversationId);
    return jobs;
  }

  // ---- pending commit

  pendingCommit(conversationId: string): PendingCommitRow | undefined {
    const r = sql(this.db, 'SELECT * FROM pending_commits WHERE conversation_id = ?').get(conversationId) as Record<string, unknown> | undefined;
    if (r === undefined) return undefined;
    return {
      conversationId,
      jobId: r.job_id as number,
      epoch: r.epoch as number,
      commitMessage: new Uint8Array(r.commit_message as Buffer),
      pending: new Uint8Array(r.pending as Buffer),
    };
  }

  setPendingCommit(p: PendingCommitRow, now: number): void {
    sql(this.db, 'INSERT OR REPLACE INTO pending_commits (conversation_id, job_id, epoch, commit_message, pending, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      p.conversationId,
      p.jobId,
      p.epoch,
      p.commitMessage,
      p.pending,
      now,
    );
  }

  clearPendingCommit(conversationId: string): void {
    sql(this.db, 'DELETE FROM pending_commits WHERE conversation_id = ?').run(conversationId);
  }
}
