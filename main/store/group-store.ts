// The MLS group state of each conversation, in the parts the engine defines
// (main/mls/group/state-parts.ts): a core blob rewritten on commits and
// proposals, and the secret trees' frontier rows written per message. So
// receiving or sending one application message writes one or a few small rows,
// not the whole state, whatever the group's size.

import { stateFromParts, stateParts, type GroupState, type SecretTreeRow, type StateDelta } from '../mls/index.js';
import { sql, type Db } from './database.js';

export class GroupStore {
  constructor(private readonly db: Db) {}

  has(conversationId: string): boolean {
    return sql(this.db, 'SELECT 1 FROM group_state WHERE conversation_id = ?').get(conversationId) !== undefined;
  }

  load(conversationId: string): GroupState | undefined {
    const c = sql(this.db, 'SELECT core FROM group_state WHERE conversation_id = ?').get(conversationId) as { core: Buffer } | undefined;
    if (c === undefined) return undefined;
    const trees = new Map<bigint, SecretTreeRow[]>();
    for (const r of sql(this.db, 'SELECT epoch, node, data FROM secret_tree_rows WHERE conversation_id = ? ORDER BY epoch, node').all(conversationId) as {
      epoch: number;
      node: number;
      data: Buffer;
    }[]) {
      const e = BigInt(r.epoch);
      let list = trees.get(e);
      if (list === undefined) trees.set(e, (list = []));
      list.push({ node: r.node, data: new Uint8Array(r.data) });
    }
    return stateFromParts(new Uint8Array(c.core), trees);
  }

  /** Writes a whole state (a new group, a join, a resync), replacing any previous one. */
  saveFull(conversationId: string, state: GroupState): number {
    this.delete(conversationId);
    const p = stateParts(state);
    sql(this.db, 'INSERT INTO group_state (conversation_id, epoch, core) VALUES (?, ?, ?)').run(conversationId, Number(state.groupContext.epoch), p.core);
    let bytes = p.core.length;
    const st = sql(this.db, 'INSERT INTO secret_tree_rows (conversation_id, epoch, node, data) VALUES (?, ?, ?, ?)');
    for (const t of p.trees) {
      for (const r of t.rows) {
        st.run(conversationId, Number(t.epoch), r.node, r.data);
        bytes += r.data.length;
      }
    }
    return bytes;
  }

  /** Writes only what changed; returns the payload bytes written (for the benchmark). */
  saveDelta(conversationId: string, epoch: bigint, d: StateDelta): number {
    let bytes = 0;
    if (d.core !== undefined) {
      sql(this.db, 'UPDATE group_state SET epoch = ?, core = ? WHERE conversation_id = ?').run(Number(epoch), d.core, conversationId);
      bytes += d.core.length;
    }
    const del = sql(this.db, 'DELETE FROM secret_tree_rows WHERE conversation_id = ? AND epoch = ? AND node = ?');
    const put = sql(this.db, 'INSERT OR REPLACE INTO secret_tree_rows (conversation_id, epoch, node, data) VALUES (?, ?, ?, ?)');
    for (const t of d.trees) {
      const e = Number(t.epoch);
      for (const n of t.delete) del.run(conversationId, e, n);
      for (const r of t.put) {
        put.run(conversationId, e, r.node, r.data);
        bytes += r.data.length + 16;
      }
    }
    const drop = sql(this.db, 'DELETE FROM secret_tree_rows WHERE conversation_id = ? AND epoch = ?');
    for (const e of d.dropEpochs) drop.run(conversationId, Number(e));
    return bytes;
  }

  delete(conversationId: string): void {
    sql(this.db, 'DELETE FROM group_state WHERE conversation_id = ?').run(conversationId);
    sql(this.db, 'DELETE FROM secret_tree_rows WHERE conversation_id = ?').run(conversationId);
  }
}
