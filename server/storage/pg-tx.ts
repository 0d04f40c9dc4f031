// Transactions on a pg pool: one Storage method = one transaction on one
// pooled connection. PostgreSQL may abort a transaction that raced another
// (deadlock detected, serialization failure); nothing of it was kept, so it is
// run again, a few times, before the error reaches the caller.

import type pg from 'pg';

/** Advisory lock namespaces (the first int4 of the two-key form); the values spell "Arbo" so they do not collide with another application's by accident. */
const BASE = 0x4172626f;
export const LOCK = {
  /** Registrations and KeyPackage uploads of one user (second key: hashtext(user_id)). */
  user: BASE,
  /** The retention sweep: one process at a time. */
  purge: BASE + 1,
  /** Schema migrations at start. */
  migrate: BASE + 2,
} as const;

export function lockKey(ns: number, key: number): [number, number] {
  return [ns | 0, key | 0];
}

const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 5;

export interface TxOptions {
  /** A consistent snapshot for a multi-statement read. */
  readonly readOnly?: boolean;
}

export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, opts: TxOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const c = await pool.connect();
    let broken = false;
    try {
      await c.query(opts.readOnly === true ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (err) {
      try {
        await c.query('ROLLBACK');
      } catch {
        // The connection itself failed: do not hand it back to the pool.
        broken = true;
      }
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && RETRYABLE.has(code) && attempt < ATTEMPTS) {
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
        continue;
      }
      throw err;
    } finally {
      c.release(broken);
    }
  }
}
