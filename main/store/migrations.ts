// Numbered schema migrations on PRAGMA user_version, each in one transaction:
// a crash mid-migration leaves the previous version intact. A database written
// by a newer Arbor (user_version above what this build knows) is refused with a
// clear error rather than touched.

import type Database from 'better-sqlite3-multiple-ciphers';
import { SCHEMA_V1 } from './schema-v1.js';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** migrations[i] takes the schema from version i to version i + 1. */
export const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [(db) => db.exec(SCHEMA_V1)];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Database.Database, where: string, migrations = MIGRATIONS): void {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new MigrationError(`${where}: written by a newer Arbor (schema version ${current}; this build knows up to ${migrations.length}). Update Arbor to open it.`);
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      migrations[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
