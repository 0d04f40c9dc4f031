// Applies the numbered schema migrations (pg-schema.ts) at start. Several DS
// processes may start at once against one database: an advisory lock makes
// them take turns, so each migration runs exactly once, in its own
// transaction with its record in arbor_schema (a failed one leaves nothing
// behind). A database that has a migration this build does not know was
// written by a newer server and is refused rather than half-understood.

import type pg from 'pg';
import { MigrationError, SchemaVersionError } from './errors.js';
import { MIGRATIONS, type Migration } from './pg-schema.js';
import { LOCK, lockKey } from './pg-tx.js';

export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was up to date). */
  readonly applied: number[];
  readonly version: number;
}

export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  const c = await pool.connect();
  try {
    // Session-level lock: held across the per-migration transactions below, released in finally.
    await c.query('SELECT pg_advisory_lock($1, $2)', lockKey(LOCK.migrate, 0));
    try {
      await c.query(`CREATE TABLE IF NOT EXISTS arbor_schema (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const have = new Set((await c.query<{ version: number }>('SELECT version FROM arbor_schema')).rows.map((r) => r.version));
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...have].filter((v) => !known.has(v)).sort((a, b) => a - b);
      if (unknown.length > 0) {
        throw new SchemaVersionError(
          `the database has schema migration ${unknown.join(', ')}, which this server does not know (it knows up to ${migrations[migrations.length - 1]?.version ?? 0}): ` +
            'it was written by a newer server; run that version, or a new database',
        );
      }
      const applied: number[] = [];
      for (const m of migrations) {
        if (have.has(m.version)) continue;
        try {
          await c.query('BEGIN');
          await c.query(m.sql);
          await c.query('INSERT INTO arbor_schema (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => {});
          throw new MigrationError(`schema migration ${m.version} (${m.name}) failed and was rolled back: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
      return { applied, version: migrations[migrations.length - 1]?.version ?? 0 };
    } finally {
      await c.query('SELECT pg_advisory_unlock($1, $2)', lockKey(LOCK.migrate, 0)).catch(() => {});
    }
  } finally {
    c.release();
  }
}
