// Opens the client database: one SQLite file, encrypted as a whole with
// SQLCipher (better-sqlite3-multiple-ciphers), WAL journal, synchronous=FULL so
// a committed transaction survives a crash of the process or the machine.
// The key is 32 random bytes from a KeyVault, given raw (no passphrase KDF).

import Database from 'better-sqlite3-multiple-ciphers';
import { DATABASE_KEY_BYTES } from './key-vault.js';
import { migrate } from './migrations.js';

export type Db = Database.Database;

export class StoreError extends Error {
  override name = 'StoreError';
}

export function openDatabase(file: string, key: Uint8Array): Db {
  if (key.length !== DATABASE_KEY_BYTES) throw new StoreError(`database key must be ${DATABASE_KEY_BYTES} bytes, got ${key.length}`);
  const db = new Database(file);
  try {
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`);
    try {
      // The first read is where a wrong key or a foreign file shows.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (e) {
      throw new StoreError(`${file}: cannot be opened with this key (wrong key, or not an Arbor database): ${(e as Error).message}`);
    }
    // 1 KiB pages (a new file only): a received message touches a handful of pages, and each
    // page written is encrypted and logged whole, so small pages cut bytes and CPU per message.
    db.pragma('page_size = 1024');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    migrate(db, file);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

const cache = new WeakMap<Db, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per database (the hot paths run per message). */
export function sql(db: Db, text: string): Database.Statement {
  let m = cache.get(db);
  if (m === undefined) cache.set(db, (m = new Map()));
  let st = m.get(text);
  if (st === undefined) m.set(text, (st = db.prepare(text)));
  return st;
}
