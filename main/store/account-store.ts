// The one account of this data directory, its KeyPackage secrets, contacts and settings.

import type { Settings, Theme } from '../contract/types.js';
import { sql, type Db } from './database.js';

export interface AccountRow {
  readonly userId: string;
  readonly deviceId: string;
  readonly deviceName: string;
  readonly serverUrl: string;
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
  readonly createdAt: number;
}

export interface KeyPackageRow {
  readonly ref: Uint8Array;
  readonly keyPackage: Uint8Array;
  readonly initPrivateKey: Uint8Array;
  readonly encryptionPrivateKey: Uint8Array;
  readonly lastResort: boolean;
  readonly uploaded: boolean;
}

const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Buffer);

export class AccountStore {
  constructor(private readonly db: Db) {}

  get(): AccountRow | undefined {
    const r = sql(this.db, 'SELECT * FROM account WHERE id = 1').get() as Record<string, unknown> | undefined;
    if (r === undefined) return undefined;
    return {
      userId: r.user_id as string,
      deviceId: r.device_id as string,
      deviceName: r.device_name as string,
      serverUrl: r.server_url as string,
      signaturePublicKey: bytes(r.signature_public_key),
      signaturePrivateKey: bytes(r.signature_private_key),
      createdAt: r.created_at as number,
    };
  }

  create(a: AccountRow): void {
    this.db
      .prepare(
        `INSERT INTO account (id, user_id, device_id, device_name, server_url, signature_public_key, signature_private_key, created_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.userId, a.deviceId, a.deviceName, a.serverUrl, a.signaturePublicKey, a.signaturePrivateKey, a.createdAt);
  }

  // ---- KeyPackages

  addKeyPackage(k: Omit<KeyPackageRow, 'uploaded'>, now: number): void {
    this.db
      .prepare('INSERT INTO key_packages (ref, key_package, init_private_key, encryption_private_key, last_resort, uploaded, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)')
      .run(k.ref, k.keyPackage, k.initPrivateKey, k.encryptionPrivateKey, k.lastResort ? 1 : 0, now);
  }

  notUploaded(lastResort: boolean, limit: number): KeyPackageRow[] {
    const rows = sql(this.db, 'SELECT * FROM key_packages WHERE uploaded = 0 AND last_resort = ? ORDER BY created_at, ref LIMIT ?').all(lastResort ? 1 : 0, limit);
    return rows.map((r) => keyPackageRow(r as Record<string, unknown>));
  }

  markUploaded(refs: readonly Uint8Array[]): void {
    const st = sql(this.db, 'UPDATE key_packages SET uploaded = 1 WHERE ref = ?');
    for (const r of refs) st.run(r);
  }

  keyPackage(ref: Uint8Array): KeyPackageRow | undefined {
    const r = sql(this.db, 'SELECT * FROM key_packages WHERE ref = ?').get(ref) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : keyPackageRow(r);
  }

  /** Its Welcome was processed: the secrets are no longer needed (a last-resort package stays). */
  consumeKeyPackage(ref: Uint8Array): void {
    sql(this.db, 'DELETE FROM key_packages WHERE ref = ? AND last_resort = 0').run(ref);
  }

  /** Drops older last-resort packages once a new one is uploaded. */
  keepOnlyLastResort(ref: Uint8Array): void {
    sql(this.db, 'DELETE FROM key_packages WHERE last_resort = 1 AND ref <> ?').run(ref);
  }

  countKeyPackages(): { ordinary: number; lastResort: number } {
    const r = sql(this.db, 'SELECT sum(last_resort = 0) AS o, sum(last_resort = 1) AS l FROM key_packages').get() as { o: number | null; l: number | null };
    return { ordinary: r.o ?? 0, lastResort: r.l ?? 0 };
  }

  // ---- contacts

  isContact(userId: string): boolean {
    return sql(this.db, 'SELECT 1 FROM contacts WHERE user_id = ?').get(userId) !== undefined;
  }

  addContacts(userIds: readonly string[], now: number): void {
    const st = sql(this.db, 'INSERT OR IGNORE INTO contacts (user_id, since) VALUES (?, ?)');
    for (const u of userIds) st.run(u, now);
  }

  // ---- settings

  settings(): Settings {
    const r = sql(this.db, 'SELECT theme, notifications FROM settings WHERE id = 1').get() as { theme: Theme; notifications: number };
    return { theme: r.theme, notifications: r.notifications === 1 };
  }

  setSettings(s: Settings): void {
    sql(this.db, 'UPDATE settings SET theme = ?, notifications = ? WHERE id = 1').run(s.theme, s.notifications ? 1 : 0);
  }
}

function keyPackageRow(r: Record<string, unknown>): KeyPackageRow {
  return {
    ref: bytes(r.ref),
    keyPackage: bytes(r.key_package),
    initPrivateKey: bytes(r.init_private_key),
    encryptionPrivateKey: bytes(r.encryption_private_key),
    lastResort: r.last_resort === 1,
    uploaded: r.uploaded === 1,
  };
}
