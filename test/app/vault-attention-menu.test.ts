// The safeStorage-backed KeyVault, the notification and badge decisions, and
// the application menu, under Node.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { badgeCount, notificationFor } from '../../main/app/attention.js';
import { menuTemplate } from '../../main/app/menu.js';
import { SafeStorageKeyVault, type SafeStorageLike } from '../../main/app/safe-storage-vault.js';
import type { Conversation, Message, Settings } from '../../main/contract/index.js';
import { KeyVaultError } from '../../main/store/key-vault.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'arbor-vault-'));
  dirs.push(d);
  return d;
}

/** Stands in for the OS keychain: a reversible transform with a marker, so plaintext never equals ciphertext. */
function keychain(available = true, backend = 'gnome_libsecret'): SafeStorageLike & { calls: number } {
  const k = {
    calls: 0,
    isEncryptionAvailable: () => available,
    encryptString(s: string) {
      k.calls++;
      return Buffer.concat([Buffer.from('v10'), Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)]);
    },
    decryptString(b: Buffer) {
      if (b.subarray(0, 3).toString() !== 'v10') throw new Error('bad ciphertext');
      return Buffer.from(b.subarray(3).map((x) => x ^ 0x5a)).toString('utf8');
    },
    getSelectedStorageBackend: () => backend,
  };
  return k;
}

test('the database key is made once, kept encrypted by the keychain in a 0600 file, and read back', () => {
  const dir = tmp();
  const kc = keychain();
  const v = new SafeStorageKeyVault(dir, kc, { platform: 'linux' });
  const key = v.databaseKey();
  assert.equal(key.length, 32);
  const onDisk = readFileSync(v.path);
  assert.ok(!onDisk.includes(Buffer.from(key)), 'the raw key is not on disk');
  assert.ok(!onDisk.includes(Buffer.from(Buffer.from(key).toString('base64'))), 'nor its base64');
  if (process.platform !== 'win32') assert.equal(statSync(v.path).mode & 0o777, 0o600);
  assert.deepEqual(new SafeStorageKeyVault(dir, keychain(), { platform: 'linux' }).databaseKey(), key);
  assert.equal(kc.calls, 1);
});

test('no keychain, a key the keychain cannot open, or a malformed key: a KeyVaultError in words', () => {
  assert.throws(() => new SafeStorageKeyVault(tmp(), keychain(false)).databaseKey(), (e: unknown) => e instanceof KeyVaultError && /keychain is not available/.test(e.message));
  const dir = tmp();
  const v = new SafeStorageKeyVault(dir, keychain());
  v.databaseKey();
  writeFileSync(v.path, 'garbage');
  assert.throws(() => v.databaseKey(), /could not decrypt/);
  writeFileSync(v.path, keychain().encryptString(Buffer.alloc(16).toString('base64')));
  assert.throws(() => v.databaseKey(), /malformed \(16 bytes\)/);
});

test('a Linux machine without a keyring is warned about (basic_text only obfuscates)', () => {
  const warnings: string[] = [];
  new SafeStorageKeyVault(tmp(), keychain(true, 'basic_text'), { platform: 'linux', onWarning: (l) => warnings.push(l) }).databaseKey();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /only obfuscated/);
  new SafeStorageKeyVault(tmp(), keychain(true, 'basic_text'), { platform: 'darwin', onWarning: (l) => warnings.push(l) }).databaseKey();
  assert.equal(warnings.length, 1);
});

function conv(over: Partial<Conversation> = {}): Conversation {
  return {
    id: 'ab01',
    title: 'Team',
    status: 'active',
    invitedBy: null,
    muted: false,
    unreadCount: 0,
    lastMessage: null,
    lastActivityAt: 0,
    memberCount: 3,
    canSend: true,
    cannotSendReason: null,
    ...over,
  };
}
function msg(over: Partial<Message> = {}): Message {
  return {
    id: '7',
    conversationId: 'ab01',
    kind: 'text',
    sender: { userId: 'bob', deviceId: 'd1' },
    isOwn: false,
    text: 'hello there',
    system: null,
    sentAt: 1,
    receivedAt: 2,
    status: null,
    failReason: null,
    delivered: null,
    ...over,
  };
}
const on: Settings = { theme: 'system', notifications: true };

test('a notification for a new message only when the window is unfocused, not muted, allowed, and from someone else', () => {
  assert.deepEqual(notificationFor(msg(), conv(), on, false), { conversationId: 'ab01', title: 'Team', body: 'bob: hello there' });
  assert.equal(notificationFor(msg(), conv(), on, true), null, 'window focused');
  assert.equal(notificationFor(msg(), conv({ muted: true }), on, false), null, 'muted');
  assert.equal(notificationFor(msg(), conv(), { ...on, notifications: false }, false), null, 'notifications off');
  assert.equal(notificationFor(msg({ isOwn: true }), conv(), on, false), null, 'own message');
  assert.equal(notificationFor(msg({ kind: 'system', sender: null }), conv(), on, false), null, 'system line');
  assert.equal(notificationFor(msg(), undefined, on, false), null, 'unknown conversation');
  assert.equal(notificationFor(msg(), conv({ status: 'removed' }), on, false), null);
  const long = notificationFor(msg({ text: `${'x'.repeat(300)}\n\nend` }), conv({ title: '' }), on, false)!;
  assert.equal(long.title, 'Arbor');
  assert.ok(long.body.length <= 'bob: '.length + 140 && long.body.endsWith('…'));
});

test('the badge counts unread messages of conversations that are not muted', () => {
  assert.equal(badgeCount([]), 0);
  assert.equal(badgeCount([conv({ unreadCount: 3 }), conv({ id: 'ab02', unreadCount: 2 }), conv({ id: 'ab03', unreadCount: 9, muted: true })]), 5);
});

test('the menu has the usual items and shortcuts on every platform, developer tools only in development', () => {
  const roles = (t: ReturnType<typeof menuTemplate>): string[] =>
    t.flatMap((m) => [m.role ?? '', ...(Array.isArray(m.submenu) ? m.submenu.map((s) => s.role ?? '') : [])]).filter((r) => r !== '');
  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    const r = roles(menuTemplate(platform, { devTools: false, appName: 'Arbor' }));
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen', 'windowMenu']) assert.ok(r.includes(role), `${platform}: ${role}`);
    assert.ok(r.includes('quit'), `${platform}: quit`);
    assert.ok(!r.includes('toggleDevTools') && !r.includes('reload'), `${platform}: no dev items`);
  }
  assert.ok(roles(menuTemplate('darwin', { devTools: false, appName: 'Arbor' })).includes('about'));
  assert.ok(roles(menuTemplate('linux', { devTools: true, appName: 'Arbor' })).includes('toggleDevTools'));
});
