// The desktop app's KeyVault: the database key (32 random bytes) is kept on
// disk only encrypted by Electron's safeStorage (the macOS Keychain, Windows
// DPAPI, or the Linux secret service), in a 0600 file beside the database.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_KEY_BYTES, KeyVaultError, writeSecretFile, type KeyVault } from '../store/key-vault.js';

/** The part of Electron's safeStorage the vault uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no keyring was found and the key is only obfuscated. */
  getSelectedStorageBackend?(): string;
}

export interface SafeStorageVaultOptions {
  readonly fileName?: string;
  readonly platform?: NodeJS.Platform;
  /** Told once when the key is protected less well than it should be. */
  readonly onWarning?: (line: string) => void;
}

export class SafeStorageKeyVault implements KeyVault {
  readonly path: string;
  private readonly platform: NodeJS.Platform;

  constructor(
    dataDir: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly opts: SafeStorageVaultOptions = {},
  ) {
    this.path = join(dataDir, opts.fileName ?? 'database.key.enc');
    this.platform = opts.platform ?? process.platform;
  }

  databaseKey(): Uint8Array {
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new KeyVaultError('The system keychain is not available, so Arbor cannot protect its database key. Unlock or install a keyring (on Linux: gnome-keyring or kwallet) and start Arbor again.');
    }
    if (this.platform === 'linux' && this.safeStorage.getSelectedStorageBackend?.() === 'basic_text') {
      this.opts.onWarning?.('No keyring found: the database key is only obfuscated on disk (Electron safeStorage basic_text). Install gnome-keyring or kwallet for real protection.');
    }
    if (!existsSync(this.path)) {
      const key = randomBytes(DATABASE_KEY_BYTES);
      writeSecretFile(this.path, this.safeStorage.encryptString(key.toString('base64')));
      key.fill(0);
    }
    let text: string;
    try {
      text = this.safeStorage.decryptString(readFileSync(this.path));
    } catch (e) {
      throw new KeyVaultError(`${this.path}: the keychain could not decrypt the database key (${e instanceof Error ? e.message : String(e)}); was the keyring reset?`);
    }
    const key = new Uint8Array(Buffer.from(text, 'base64'));
    if (key.length !== DATABASE_KEY_BYTES || Buffer.from(key).toString('base64') !== text) {
      throw new KeyVaultError(`${this.path}: the decrypted database key is malformed (${key.length} bytes)`);
    }
    return key;
  }
}
