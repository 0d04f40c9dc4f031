// Raw messages from the server, stored before they are processed, and the
// seqs of our own accepted messages that the receive path has yet to pass.

import { sql, type Db } from './database.js';

export type InboundKind = 'commit' | 'proposal' | 'application';

export interface InboundRow {
  readonly conversationId: string;
  readonly seq: number;
  readonly epoch: number;
  readonly kind: InboundKind;
  readonly senderUserId: string;
  readonly senderDeviceId: string;
  readonly message: Uint8Array;
  readonly serverTs: number;
  readonly state: 'new' | 'future';
}

function row(r: Record<string, unknown>): InboundRow {
  return {
    conversationId: r.conversation_id as string,
    seq: r.seq as number,
    epoch: r.epoch as number,
    kind: r.kind as InboundKind,
    senderUserId: r.sender_user_id as string,
    senderDeviceId: r.sender_device_id as string,
    message: new Uint8Array(r.message as Buffer),
    serverTs: r.server_ts as number,
    state: r.state as 'new' | 'future',
  };
}

export class InboundStore {
  constructor(private readonly db: Db) {}

  /** Stores what is not stored yet; returns how many were new. */
  add(rows: readonly Omit<InboundRow, 'state'>[]): number {
    const st = sql(
      this.db,
      `INSERT OR IGNORE INTO inbound (conversation_id, seq, epoch, kind, sender_user_id, sender_device_id, message, server_ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    let n = 0;
    for (const r of rows) n += st.run(r.conversationId, r.seq, r.epoch, r.kind, r.senderUserId, r.senderDeviceId, r.message, r.serverTs).changes;
    return n;
  }

  next(conversationId: string, limit: number): InboundRow[] {
    return (sql(this.db, "SELECT * FROM inbound WHERE conversation_id = ? AND state = 'new' ORDER BY seq LIMIT ?").all(conversationId, limit) as Record<string, unknown>[]).map(row);
  }

  future(conversationId: string, epoch: number): InboundRow[] {
    return (sql(this.db, "SELECT * FROM inbound WHERE conversation_id = ? AND state = 'future' AND epoch = ? ORDER BY seq").all(conversationId, epoch) as Record<string, unknown>[]).map(row);
  }

  countFuture(conversationId: string): number {
    return (sql(this.db, "SELECT count(*) AS n FROM inbound WHERE conversation_id = ? AND state = 'future'").get(conversationId) as { n: number }).n;
  }

  /** Future messages of epochs we have passed without reaching: they will never decrypt. */
  dropFutureBelow(conversationId: string, epoch: number): number {
    return sql(this.db, "DELETE FROM inbound WHERE conversation_id = ? AND state = 'future' AND epoch < ?").run(conversationId, epoch).changes;
  }

  markFuture(conversationId: string, seq: number): void {
    sql(this.db, "UPDATE inbound SET state = 'future' WHERE conversation_id = ? AND seq = ?").run(conversationId, seq);
  }

  remove(conversationId: string, seq: number): void {
    sql(this.db, 'DELETE FROM inbound WHERE conversation_id = ? AND seq = ?').run(conversationId, seq);
  }

  removeUpTo(conversationId: string, seq: number): void {
    sql(this.db, "DELETE FROM inbound WHERE conversation_id = ? AND seq <= ? AND state = 'new'").run(conversationId, seq);
  }

  removeAll(conversationId: string): void {
    sql(this.db, 'DELETE FROM inbound WHERE conversation_id = ?').run(conversationId);
  }

  conversationsWithNew(): string[] {
    return (sql(this.db, "SELECT DISTINCT conversation_id AS c FROM inbound WHERE state = 'new'").all() as { c: string }[]).map((r) => r.c);
  }

  // ---- own seqs

  addOwnSeq(conversationId: string, seq: number): void {
    sql(this.db, 'INSERT OR IGNORE INTO own_seqs (conversation_id, seq) VALUES (?, ?)').run(conversationId, seq);
  }

  isOwnSeq(conversationId: string, seq: number): boolean {
    return sql(this.db, 'SELECT 1 FROM own_seqs WHERE conversation_id = ? AND seq = ?').get(conversationId, seq) !== undefined;
  }

  removeOwnSeqsUpTo(conversationId: string, seq: number): void {
    sql(this.db, 'DELETE FROM own_seqs WHERE conversation_id = ? AND seq <= ?').run(conversationId, seq);
  }
}
