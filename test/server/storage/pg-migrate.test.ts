// Schema migrations on PostgreSQL: applied once each even when several DS
// processes start at the same moment, atomically, and a database written by a
// newer server is refused.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { MigrationError, SchemaVersionError } from '../../../server/storage/errors.js';
import { migrate } from '../../../server/storage/pg-migrate.js';
import { MIGRATIONS, PG_SCHEMA_VERSION } from '../../../server/storage/pg-schema.js';
import { PgStorage } from '../../../server/storage/pg.js';
import { postgresSkipReason, startTempPostgres, type TempPostgres } from '../temp-postgres.js';

const skip = postgresSkipReason();
let server: TempPostgres | undefined;

before(async () => {
  if (skip === false) server = await startTempPostgres();
});
after(async () => {
  await server?.stop();
});

async function rows(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

it('applies every migration once, in order, when three processes start at once', { skip }, async () => {
  const url = await server!.createDatabase('concurrent');
  const stores = await Promise.all([0, 1, 2].map((i) => PgStorage.open(url, { poolSize: 2, nodeId: `start-${i}` })));
  const applied = await rows(url, 'SELECT version FROM arbor_schema ORDER BY version');
  assert.deepEqual(applied.map((r) => r.version), MIGRATIONS.map((m) => m.version));
  assert.equal(PG_SCHEMA_VERSION, MIGRATIONS.length);
  // Starting again applies nothing.
  assert.deepEqual(await migrate(stores[0]!.pool), { applied: [], version: PG_SCHEMA_VERSION });
  for (const s of stores) await s.close();
});

it('refuses a database with a migration this server does not know', { skip }, async () => {
  const url = await server!.createDatabase('newer');
  await (await PgStorage.open(url)).close();
  await rows(url, `INSERT INTO arbor_schema (version, name) VALUES (${PG_SCHEMA_VERSION + 1}, 'from the future')`);
  await assert.rejects(PgStorage.open(url), (err: unknown) => err instanceof SchemaVersionError && /newer server/.test(err.message));
});

it('rolls a failing migration back whole, and records nothing for it', { skip }, async () => {
  const url = await server!.createDatabase('failing');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const broken = [...MIGRATIONS, { version: PG_SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT no_such_function();' }];
    await assert.rejects(migrate(pool, broken), (err: unknown) => err instanceof MigrationError && /broken/.test(err.message));
    assert.deepEqual(await rows(url, `SELECT to_regclass('half_done') IS NULL AS gone`), [{ gone: true }]);
    assert.deepEqual((await rows(url, 'SELECT max(version) AS v FROM arbor_schema'))[0]!.v, PG_SCHEMA_VERSION, 'the good ones stay applied');
  } finally {
    await pool.end();
  }
});
