// Crash safety, with a real process killed by SIGKILL: while receiving (what
// the server counts as acknowledged is stored, nothing twice), while sending
// (each composed message reaches the others exactly once), and with an own
// commit whose answer never came (after restart, everyone converges).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import DsDatabase from 'better-sqlite3';
import { ChildCore } from './child.js';
import { startProxy } from './proxy.js';
import { allMessages, conversationNamed, startDevice, startDs, texts, waitUntil, withAccount, type Ds } from './helpers.js';

/** bob's texts and cursor, read straight from his encrypted database (the process is dead). */
function bobOnDisk(dataDir: string): { texts: string[]; processed: number } {
  const db = new Database(join(dataDir, 'arbor.db'), { readonly: true });
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma(`key = "x'${readFileSync(join(dataDir, 'database.key')).toString('hex')}'"`);
  const texts = (db.prepare("SELECT body FROM messages WHERE kind = 'text' ORDER BY id").all() as { body: string }[]).map((r) => r.body);
  const processed = (db.prepare('SELECT max(processed_seq) AS p FROM conversations').get() as { p: number }).p;
  db.close();
  return { texts, processed };
}

function dsAcked(ds: Ds, userId: string): number {
  const db = new DsDatabase(join(ds.dir, 'ds.db'), { readonly: true });
  const r = db.prepare('SELECT max(acked) AS a FROM members WHERE user_id = ?').get(userId) as { a: number | null };
  db.close();
  return r.a ?? 0;
}

async function setup(ds: Ds, bobUrl: string): Promise<{ alice: Awaited<ReturnType<typeof startDevice>>; bob: ChildCore; id: string }> {
  const alice = await withAccount(await startDevice('alice'), ds);
  const bob = new ChildCore(mkdtempSync(join(tmpdir(), 'arbor-crash-bob-')));
  await bob.start();
  await bob.invoke('account.create', { userId: 'bob', deviceName: 'desk', serverUrl: bobUrl });
  await waitUntil(() => bob.online, 'bob online');
  const c = await alice.api.invoke('conversations.create', { title: 'Crash', userIds: ['bob'] });
  await waitUntil(async () => (await bob.invoke('conversations.list')).some((x) => x.id === c.id), 'bob invited');
  await bob.invoke('conversations.accept', { conversationId: c.id });
  await waitUntil(async () => (await bob.invoke('conversations.get', { conversationId: c.id })).status === 'active', 'bob active');
  return { alice, bob, id: c.id };
}

test('killed while receiving: acked means stored, nothing twice', { timeout: 300_000 }, async () => {
  const ds = await startDs();
  const { alice, bob, id } = await setup(ds, ds.url);
  // A new member's server cursor starts at the commit that added it.
  const joinedAt = dsAcked(ds, 'bob');
  try {
    await bob.kill();
    const want = Array.from({ length: 300 }, (_, i) => `m${i}`);
    for (const t of want) await alice.api.invoke('messages.send', { conversationId: id, text: t });
    await waitUntil(async () => (await allMessages(alice, id)).every((m) => m.status !== 'pending'), 'all accepted');
    for (const delay of [150, 300, 450, 600, 800]) {
      await bob.start();
      await new Promise((r) => setTimeout(r, delay));
      await bob.kill();
      const disk = bobOnDisk(bob.dataDir);
      const acked = dsAcked(ds, 'bob');
      assert.ok(Math.max(disk.processed, joinedAt) >= acked, `the server's ack (${acked}) never runs ahead of what is stored (${disk.processed})`);
      assert.equal(new Set(disk.texts).size, disk.texts.length, 'no message stored twice');
      assert.deepEqual(disk.texts, want.slice(0, disk.texts.length), 'stored in order, no hole');
    }
    await bob.start();
    await waitUntil(async () => (await bob.invoke('messages.list', { conversationId: id, limit: 500 })).messages.filter((m) => m.kind === 'text').length === 300, 'bob has all 300', 120_000);
    const got = (await bob.invoke('messages.list', { conversationId: id, limit: 500 })).messages.filter((m) => m.kind === 'text').map((m) => m.text);
    assert.deepEqual(got, want);
  } finally {
    await bob.kill();
    await alice.close();
    await ds.stop();
  }
});

test('killed while sending: each message reaches the others exactly once', { timeout: 300_000 }, async () => {
  const ds = await startDs();
  const proxy = await startProxy(ds.url);
  const { alice, bob, id } = await setup(ds, proxy.url);
  try {
    const want: string[] = [];
    // Round 1: the server takes the message but its answer is lost, then the process dies.
    proxy.muteServer();
    want.push('lost answer');
    await bob.invoke('messages.send', { conversationId: id, text: 'lost answer' });
    await waitUntil(async () => (await texts(alice, id)).includes('lost answer'), 'the server accepted it');
    await bob.kill();
    proxy.restore();
    // Rounds 2-5: killed at random moments in the middle of a burst.
    for (let round = 0; round < 4; round++) {
      await bob.start();
      const burst = Array.from({ length: 15 }, (_, i) => `r${round} #${i}`);
      want.push(...burst);
      await Promise.all(burst.map((t) => bob.invoke('messages.send', { conversationId: id, text: t })));
      await new Promise((r) => setTimeout(r, 100 + round * 120));
      await bob.kill();
    }
    await bob.start();
    await waitUntil(async () => (await texts(alice, id)).length >= want.length, 'alice has every message', 120_000);
    await new Promise((r) => setTimeout(r, 500));
    const got = await texts(alice, id);
    assert.deepEqual([...got].sort(), [...want].sort(), 'each exactly once');
    assert.deepEqual(got, want, 'and in the order they were written');
    await waitUntil(async () => (await bob.invoke('messages.list', { conversationId: id, limit: 500 })).messages.filter((m) => m.isOwn).every((m) => m.status === 'delivered'), 'all delivered', 60_000);
  } finally {
    await bob.kill();
    await alice.close();
    await proxy.close();
    await ds.stop();
  }
});

test('killed with a commit outstanding: converges after restart', { timeout: 300_000 }, async () => {
  const ds = await startDs();
  const proxy = await startProxy(ds.url);
  const { alice, bob, id } = await setup(ds, proxy.url);
  const carol = await withAccount(await startDevice('carol'), ds);
  const dave = await withAccount(await startDevice('dave'), ds);
  try {
    // The commit adding carol reaches the server; its answer does not; bob dies.
    proxy.dropServerFrames((t) => /"ok":true,"groupId":"[^"]*","seq":\d+,"epoch"/.test(t));
    await bob.invoke('conversations.addMembers', { conversationId: id, userIds: ['carol'] });
    await waitUntil(async () => (await conversations(carol)).length === 1, 'carol was invited: the commit is on the server');
    await bob.kill();
    proxy.restore();
    // Meanwhile alice moves the group on; then bob comes back and adds dave.
    await alice.api.invoke('conversations.rename', { conversationId: id, title: 'Crash 2' });
    await bob.start();
    await bob.invoke('conversations.addMembers', { conversationId: id, userIds: ['dave'] });
    const cc = await conversationNamed(carol, 'Crash', 60_000).catch(() => conversationNamed(carol, 'Crash 2'));
    await carol.api.invoke('conversations.accept', { conversationId: cc.id });
    const dc = await conversationNamed(dave, 'Crash 2', 60_000);
    await dave.api.invoke('conversations.accept', { conversationId: dc.id });
    const safety = async (): Promise<Set<string>> =>
      new Set([
        JSON.stringify(await bob.invoke('conversations.safetyCode', { conversationId: id })),
        ...(await Promise.all([alice, carol, dave].map(async (d) => JSON.stringify(await d.api.invoke('conversations.safetyCode', { conversationId: id }))))),
      ]);
    await waitUntil(async () => (await safety()).size === 1, 'all four on one epoch', 60_000);
    const members = await bob.invoke('conversations.members', { conversationId: id });
    assert.deepEqual(members.map((m) => m.userId).sort(), ['alice', 'bob', 'carol', 'dave']);
    const lines = (await allMessages(alice, id)).filter((m) => m.kind === 'system').map((m) => m.text);
    assert.equal(lines.filter((t) => t.includes('added carol')).length, 1, lines.join(' / '));
    assert.equal(lines.filter((t) => t.includes('added dave')).length, 1, lines.join(' / '));
  } finally {
    await bob.kill();
    await Promise.all([alice, carol, dave].map((d) => d.close()));
    await proxy.close();
    await ds.stop();
  }
});

async function conversations(d: Awaited<ReturnType<typeof startDevice>>) {
  return d.api.invoke('conversations.list');
}
