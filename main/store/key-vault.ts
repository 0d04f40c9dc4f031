// Where the database key comes from. The core never sees a passphrase: it gets
// 32 random bytes from a KeyVault. In the desktop app the vault is Electron's
// safeStorage (main/app); headless (tests, CLI, demo) it is a 0600 key file
// beside the database.

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const DATABASE_KEY_BYTES = 32;

export interface KeyVault {
  /** The database key; created (and kept) on first use. */
  databaseKey(): Uint8Array;
}

export class KeyVaultError extends Error {
  override name = 'KeyVaultError';
}

/** Writes `bytes` to `path` atomically with mode 0600 (temp file, fsync, rename). */
export function writeSecretFile(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** A key file, readable only by its owner. Refuses a file others can read (where modes exist). */
export class FileKeyVault implements KeyVault {
  readonly path: string;

  constructor(dataDir: string, fileName = 'database.key') {
    this.path = join(dataDir, fileName);
  }

  databaseKey(): Uint8Array {
    if (!existsSync(this.path)) writeSecretFile(this.path, randomBytes(DATABASE_KEY_BYTES));
    if (process.platform !== 'win32' && (statSync(this.path).mode & 0o077) !== 0) {
      throw new KeyVaultError(`${this.path}: key file is readable by other users (mode ${(statSync(this.path).mode & 0o777).toString(8)}); chmod 600 it`);
    }
    const key = new Uint8Array(readFileSync(this.path));
    if (key.length !== DATABASE_KEY_BYTES) throw new KeyVaultError(`${this.path}: key file holds ${key.length} bytes, expected ${DATABASE_KEY_BYTES}`);
    return key;
  }
}
