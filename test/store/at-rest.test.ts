// Keys at rest: the client database is encrypted as a whole. Opened without
// its key it is not a database at all, and its bytes (WAL included) hold no
// private key, no group state and no message text.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import { Messenger } from '../../main/core/messenger.js';
import { serializeState } from '../../main/mls/index.js';
import { FileKeyVault, KeyVaultError } from '../../main/store/key-vault.js';
import { openDatabase, StoreError } from '../../main/store/database.js';
import { MigrationError, SCHEMA_VERSION } from '../../main/store/migrations.js';
import { FAST, startDevice, startDs, tempDir, texts, waitUntil, withAccount } from '../core/helpers.js';

const SECRET_TEXT = 'the-plaintext-marker-7f3a9c';

test('without the key: no private key, no group state, no message text on disk', { timeout: 120_000 }, async () => {
  const ds = await startDs();
  const alice = await withAccount(await startDevice('alice'), ds);
  const t = tempDir('arbor-at-rest-');
  const bob = Messenger.open({ dataDir: t.dir, databaseKey: new FileKeyVault(t.dir).databaseKey(), options: FAST, log: (l) => { if (process.env.ARBOR_TEST_LOG !== undefined) console.log('bob:', l); } });
  bob.start();
  const h = bob.handlers();
  let closed = false;
  try {
    await h['account.create']({ userId: 'bob', deviceName: 'desk', serverUrl: ds.url });
    const c = await alice.api.invoke('conversations.create', { title: 'Secret plans', userIds: ['bob'] });
    await waitUntil(async () => (await h['conversations.list'](undefined)).length === 1, 'invited');
    await h['conversations.accept']({ conversationId: c.id });
    await alice.api.invoke('messages.send', { conversationId: c.id, text: SECRET_TEXT });
    await h['messages.send']({ conversationId: c.id, text: `${SECRET_TEXT} reply` });
    await waitUntil(async () => (await h['messages.list']({ conversationId: c.id })).messages.some((m) => m.text === SECRET_TEXT), 'bob has it');
    await waitUntil(async () => (await texts(alice, c.id)).length === 2, 'alice has the reply');
    const secrets: Buffer[] = [
      Buffer.from(bob.ctx.self.signaturePrivateKey),
      Buffer.from(bob.ctx.state(c.id)!.keys.exporterSecret),
      Buffer.from(bob.ctx.state(c.id)!.keys.initSecret),
      Buffer.from(serializeState(bob.ctx.state(c.id)!).subarray(0, 64)),
      ...bob.ctx.store.account.notUploaded(false, 1).map((k) => Buffer.from(k.initPrivateKey)),
      Buffer.from(SECRET_TEXT),
      Buffer.from('Secret plans'),
    ];
    await bob.close();
    closed = true;
    const files = readdirSync(t.dir).filter((f) => f.startsWith('arbor.db'));
    assert.ok(files.includes('arbor.db'));
    for (const f of files) {
      const bytes = readFileSync(join(t.dir, f));
      for (const s of secrets) assert.equal(bytes.indexOf(s), -1, `${f} holds a secret in the clear (${s.length} bytes)`);
    }
    const plain = new Database(join(t.dir, 'arbor.db'));
    assert.throws(() => plain.prepare('SELECT * FROM messages').all(), /not a database/);
    plain.close();
    assert.throws(() => openDatabase(join(t.dir, 'arbor.db'), new Uint8Array(32)), StoreError);
    assert.equal(statSync(new FileKeyVault(t.dir).path).mode & 0o777, 0o600);
  } finally {
    if (!closed) await bob.close();
    await alice.close();
    await ds.stop();
    t.cleanup();
  }
});

test('a database from a newer Arbor is refused, not touched', () => {
  const t = tempDir('arbor-newer-');
  try {
    const key = new FileKeyVault(t.dir).databaseKey();
    const file = join(t.dir, 'arbor.db');
    const db = openDatabase(file, key);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(file);
    assert.throws(() => openDatabase(file, key), (e: unknown) => e instanceof MigrationError && /newer Arbor \(schema version 2; this build knows up to 1\)/.test(e.message));
    assert.deepEqual(readFileSync(file), before);
  } finally {
    t.cleanup();
  }
});

test('migrations run one transaction each: a failing one leaves the previous version', async () => {
  const t = tempDir('arbor-migrate-');
  try {
    const { migrate, MIGRATIONS } = await import('../../main/store/migrations.js');
    const db = new Database(join(t.dir, 'x.db'));
    const broken = [...MIGRATIONS, (d: typeof db) => {
      d.exec('CREATE TABLE half_done (x INTEGER)');
      throw new Error('power cut');
    }];
    assert.throws(() => migrate(db, 'x.db', broken), /power cut/);
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get() as { n: number }).n, 0);
    db.close();
  } finally {
    t.cleanup();
  }
});

test('the key file must be private and whole', () => {
  const t = tempDir('arbor-key-');
  try {
    const v = new FileKeyVault(t.dir);
    const k1 = v.databaseKey();
    assert.deepEqual(v.databaseKey(), k1, 'the same key every time');
    if (process.platform !== 'win32') {
      chmodSync(v.path, 0o644);
      assert.throws(() => v.databaseKey(), KeyVaultError);
      chmodSync(v.path, 0o600);
    }
    writeFileSync(v.path, 'short', { mode: 0o600 });
    assert.throws(() => v.databaseKey(), /holds 5 bytes/);
  } finally {
    t.cleanup();
  }
});
