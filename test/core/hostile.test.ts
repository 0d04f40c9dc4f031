// Bad input from the delivery service. In process, byte for byte: garbage,
// truncated, replayed, stale and foreign messages leave the group state exactly
// as it was and show as (at most) one gap line. End to end, through a server in
// the middle: a corrupted message is one gap line; a hidden commit leaves the
// device behind until it rejoins by external commit; with a correct server back
// everything flows again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from "node:fs";
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Messenger } from '../../main/core/messenger.js';
import { serializeState } from '../../main/mls/index.js';
import type { DsMessage } from '../../main/net/protocol-types.js';
import { FileKeyVault } from '../../main/store/key-vault.js';
import { startMitm, type StoredMsg } from './mitm.js';
import { allMessages, conversationNamed, FAST, startDevice, startDs, texts, waitUntil, withAccount } from './helpers.js';

function inProcess(name: string): { m: Messenger; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `arbor-hostile-${name}-`));
  const m = Messenger.open({ dataDir: dir, databaseKey: new FileKeyVault(dir).databaseKey(), options: FAST, log: () => {} });
  m.start();
  return { m, dir };
}

function dump(m: Messenger, id: string): string {
  const db = m.ctx.store.db;
  const core = db.prepare('SELECT epoch, hex(core) AS c FROM group_state WHERE conversation_id = ?').get(id);
  const rows = db.prepare('SELECT epoch, node, hex(data) AS d FROM secret_tree_rows WHERE conversation_id = ? ORDER BY epoch, node').all(id);
  return JSON.stringify({ core, rows });
}

test('hostile messages leave the group state byte for byte, with one gap line', { timeout: 120_000 }, async () => {
  const ds = await startDs();
  const alice = await withAccount(await startDevice('alice'), ds);
  const { m: bob } = inProcess('bob');
  const h = bob.handlers();
  const seen: DsMessage[] = [];
  // Every message the server hands the receive path (pushes and fetched pages).
  const processStored = bob.receiver.processStored.bind(bob.receiver);
  bob.receiver.processStored = (id, hole, incoming = []) => {
    seen.push(...incoming);
    return processStored(id, hole, incoming);
  };
  try {
    await h['account.create']({ userId: 'bob', deviceName: 'in process', serverUrl: ds.url });
    await waitUntil(async () => (await h['connection.status'](undefined)).state === 'online', 'bob online');
    const target = await alice.api.invoke('conversations.create', { title: 'Target', userIds: ['bob'] });
    const other = await alice.api.invoke('conversations.create', { title: 'Other', userIds: ['bob'] });
    for (const c of [target, other]) {
      await waitUntil(async () => (await h['conversations.list'](undefined)).some((x) => x.id === c.id), 'invited');
      await h['conversations.accept']({ conversationId: c.id });
      await waitUntil(async () => (await h['conversations.get']({ conversationId: c.id })).status === 'active', 'active');
    }
    await alice.api.invoke('messages.send', { conversationId: target.id, text: 'one' });
    await alice.api.invoke('messages.send', { conversationId: other.id, text: 'elsewhere' });
    await alice.api.invoke('conversations.rename', { conversationId: other.id, title: 'Other 2' });
    await waitUntil(async () => (await h['messages.list']({ conversationId: target.id })).messages.some((x) => x.text === 'one'), 'bob has one');
    await waitUntil(async () => (await h['conversations.get']({ conversationId: other.id })).title === 'Other 2', 'bob has the rename');
    await new Promise((r) => setTimeout(r, 300));

    const real = seen.find((x) => Buffer.from(x.groupId).toString('hex') === target.id && x.kind === 'application')!;
    const foreignApp = seen.find((x) => Buffer.from(x.groupId).toString('hex') === other.id && x.kind === 'application')!;
    const foreignCommit = seen.find((x) => Buffer.from(x.groupId).toString('hex') === other.id && x.kind === 'commit')!;
    assert.ok(real !== undefined && foreignApp !== undefined && foreignCommit !== undefined);
    const conv = bob.ctx.store.conversations.get(target.id)!;
    const stateBefore = serializeState(bob.ctx.state(target.id)!);
    const rowsBefore = dump(bob, target.id);
    const gapsBefore = (await h['messages.list']({ conversationId: target.id })).messages.filter((x) => x.system?.type === 'gap').length;

    const bad: Uint8Array[] = [
      randomBytes(200),
      real.message.subarray(0, real.message.length - 7),
      new Uint8Array([...real.message, 0]),
      real.message, // replayed: its key is consumed
      foreignApp.message, // another group's
      foreignCommit.message, // another group's commit
      (() => {
        const b = new Uint8Array(real.message);
        b[b.length - 20]! ^= 0x55; // a flipped bit in the ciphertext
        return b;
      })(),
    ];
    const kinds = ['application', 'application', 'application', 'application', 'application', 'commit', 'application'] as const;
    await bob.ctx.locks.run(target.id, () => {
      bob.receiver.processStored(
        target.id,
        undefined,
        bad.map((message, i) => ({ ...real, seq: conv.processedSeq + 1 + i, kind: kinds[i]!, message })),
      );
    });
    assert.deepEqual(serializeState(bob.ctx.state(target.id)!), stateBefore, 'live state unchanged');
    assert.equal(dump(bob, target.id), rowsBefore, 'stored state unchanged');
    const fresh = await import('../../main/store/group-store.js');
    assert.deepEqual(serializeState(new fresh.GroupStore(bob.ctx.store.db).load(target.id)!), stateBefore, 'reloads to the same state');
    const msgs = (await h['messages.list']({ conversationId: target.id })).messages;
    assert.equal(msgs.filter((x) => x.system?.type === 'gap').length, gapsBefore + 1, 'one gap line for the run');
    assert.equal(msgs.filter((x) => x.kind === 'text').length, 1, 'no message appeared from garbage');
    assert.equal(bob.ctx.store.conversations.get(target.id)!.processedSeq, conv.processedSeq + bad.length, 'the cursor moved on');
  } finally {
    await bob.close();
    await alice.close();
    await ds.stop();
  }
});

test('through a lying server: a gap line, then a hidden commit, a rejoin, and recovery', { timeout: 180_000 }, async () => {
  const ds = await startDs();
  const mitm = await startMitm(ds.url);
  const alice = await withAccount(await startDevice('alice'), ds);
  const carol = await withAccount(await startDevice('carol'), ds);
  const bob = await startDevice('bob', { quiet: true });
  await bob.api.invoke('account.create', { userId: 'bob', deviceName: 'desk', serverUrl: mitm.url });
  try {
    await waitUntil(async () => (await bob.api.invoke('connection.status')).state === 'online', 'bob online');
    const c = await alice.api.invoke('conversations.create', { title: 'Lies', userIds: ['bob', 'carol'] });
    for (const d of [bob, carol]) {
      const x = await conversationNamed(d, 'Lies');
      await d.api.invoke('conversations.accept', { conversationId: x.id });
    }
    await alice.api.invoke('messages.send', { conversationId: c.id, text: 'before' });
    await waitUntil(async () => (await texts(bob, c.id)).includes('before'), 'bob has before');

    // 1. The server corrupts one application message.
    let corrupted = 0;
    mitm.rewrite = (m) => {
      if (m.kind === 'application' && corrupted === 0 && m.sender.userId === 'alice') {
        corrupted++;
        const b = Buffer.from(m.message, 'base64');
        b[b.length - 3]! ^= 1;
        return [{ ...m, message: b.toString('base64') }];
      }
      return [m];
    };
    await alice.api.invoke('messages.send', { conversationId: c.id, text: 'corrupted in transit' });
    await alice.api.invoke('messages.send', { conversationId: c.id, text: 'after corruption' });
    await waitUntil(async () => (await texts(bob, c.id)).includes('after corruption'), 'bob goes on');
    let bobMsgs = await allMessages(bob, c.id);
    assert.ok(!bobMsgs.some((x) => x.text === 'corrupted in transit'));
    assert.equal(bobMsgs.filter((x) => x.system?.type === 'gap').length, 1);

    // 2. The server swaps a commit with the message after it (epoch E+1 arrives before the commit
    //    that starts E+1): the message waits for its commit, no gap.
    let held: StoredMsg | undefined;
    mitm.rewrite = (m) => {
      if (m.kind === 'commit' && held === undefined && m.sender.userId === 'carol') {
        held = m;
        return [];
      }
      if (held !== undefined && held.seq !== -1 && m.seq === held.seq + 1) {
        const h = held;
        held = { ...h, seq: -1 };
        return [
          { ...m, seq: h.seq },
          { ...h, seq: m.seq },
        ];
      }
      return [m];
    };
    await carol.api.invoke('conversations.rename', { conversationId: c.id, title: 'Lies 1' });
    await waitUntil(async () => (await alice.api.invoke('conversations.get', { conversationId: c.id })).title === 'Lies 1', 'alice has the first rename');
    await alice.api.invoke('messages.send', { conversationId: c.id, text: 'right after the rename' });
    await waitUntil(async () => (await texts(bob, c.id)).includes('right after the rename'), 'bob reads the reordered message');
    assert.equal(held?.seq, -1, 'the server really swapped them');
    assert.equal((await bob.api.invoke('conversations.get', { conversationId: c.id })).title, 'Lies 1');
    assert.equal((await allMessages(bob, c.id)).filter((x) => x.system?.type === 'gap').length, 1, 'no new gap');
    mitm.rewrite = undefined;

    // 3. The server hides a commit from bob: he cannot follow, and rejoins.
    mitm.rewrite = (m) => (m.kind === 'commit' && m.sender.userId === 'carol' ? [] : [m]);
    await carol.api.invoke('conversations.rename', { conversationId: c.id, title: 'Lies 2' });
    await waitUntil(async () => (await alice.api.invoke('conversations.get', { conversationId: c.id })).title === 'Lies 2', 'alice has the rename');
    await alice.api.invoke('messages.send', { conversationId: c.id, text: 'in the new epoch' });
    await waitUntil(async () => (await allMessages(bob, c.id)).filter((x) => x.system?.type === 'gap').length === 2, 'bob passed the hidden commit (a gap)');
    // 4. A correct server again: bob rejoins by external commit and follows.
    mitm.rewrite = undefined;
    await waitUntil(async () => (await bob.api.invoke('conversations.get', { conversationId: c.id })).title === 'Lies 2', 'bob follows again', 120_000);
    await alice.api.invoke('messages.send', { conversationId: c.id, text: 'welcome back' });
    await waitUntil(async () => (await texts(bob, c.id)).includes('welcome back'), 'bob reads the group again', 60_000);
    await bob.api.invoke('messages.send', { conversationId: c.id, text: 'bob is back' });
    await waitUntil(async () => (await texts(alice, c.id)).includes('bob is back'), 'alice reads bob again');
    bobMsgs = await allMessages(bob, c.id);
    assert.ok(bobMsgs.some((x) => x.system?.type === 'rejoined'), 'one line says messages may be missing');
    const codes = new Set(await Promise.all([alice, bob, carol].map(async (d) => JSON.stringify(await d.api.invoke('conversations.safetyCode', { conversationId: c.id })))));
    assert.equal(codes.size, 1);
  } finally {
    await Promise.all([alice, bob, carol].map((d) => d.close()));
    await mitm.close();
    await ds.stop();
  }
});

