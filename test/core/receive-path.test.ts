// The receive path's bookkeeping of inbound rows (main/core/receive.ts), fed
// directly with what a server would hand it (no network): a push processed at
// once is never written to inbound; one past a hole, or of an epoch not reached
// yet, waits there; receipts still waiting when the core closes are queued in
// the outbox before the database closes, not on a timer that fires after.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { credentialIdentity } from '../../main/core/identity.js';
import { ARBOR_CAPABILITIES } from '../../main/core/key-packages.js';
import { Messenger } from '../../main/core/messenger.js';
import { metadataExtension } from '../../main/core/metadata.js';
import { encodePayload } from '../../main/core/payload.js';
import { handleWelcome } from '../../main/core/welcomes.js';
import * as mls from '../../main/mls/index.js';
import type { DsMessage } from '../../main/net/protocol-types.js';

const OPTIONS = { quiet: true, receiptDelayMs: 3_600_000 } as const;

/** A core with an account and no connection, in its own directory. */
function offline(dir = mkdtempSync(join(tmpdir(), 'arbor-receive-')), key: Uint8Array = randomBytes(32)): { m: Messenger; dir: string; key: Uint8Array } {
  const m = Messenger.open({ dataDir: dir, databaseKey: key, options: OPTIONS, log: () => {} });
  if (!m.ctx.hasAccount()) {
    const kp = mls.generateSignatureKeyPair(1);
    const row = { userId: 'me', deviceId: 'd1', deviceName: 'test', serverUrl: 'ws://127.0.0.1:1', signaturePublicKey: kp.publicKey, signaturePrivateKey: kp.privateKey, createdAt: Date.now() };
    m.ctx.store.account.create(row);
    m.ctx.accountCreated(row);
  }
  return { m, dir, key };
}

/** A group of three made by `alice` (an engine state here) with the core's device and `bob`. */
function group(m: Messenger): { id: string; groupId: Uint8Array; alice: mls.GroupState; bob: mls.GroupState; seq: { next: number } } {
  const ident = (u: string): mls.ClientIdentity => mls.createIdentity(1, credentialIdentity({ userId: u, deviceId: 'd' }));
  const aliceId = ident('alice');
  const bobId = ident('bob');
  let alice = mls.createGroup(aliceId, { extensions: [metadataExtension({ title: 'receive' })], capabilities: ARBOR_CAPABILITIES });
  const mine = mls.createKeyPackage(m.ctx.identity(), { capabilities: ARBOR_CAPABILITIES });
  const bobKp = mls.createKeyPackage(bobId, { capabilities: ARBOR_CAPABILITIES });
  m.ctx.store.account.addKeyPackage({ ref: mine.ref, keyPackage: mine.keyPackage, initPrivateKey: mine.initPrivateKey, encryptionPrivateKey: mine.encryptionPrivateKey, lastResort: false }, Date.now());
  const c = mls.addMembers(alice, [mine.keyPackage, bobKp.keyPackage]);
  alice = mls.mergePendingCommit(alice, c.pending);
  const out = handleWelcome(m.ctx, { id: 1, groupId: mls.groupId(alice), epoch: mls.epoch(alice), welcome: c.welcome!, ts: Date.now() });
  if (out.kind !== 'joined') throw new Error(`join failed: ${JSON.stringify(out)}`);
  m.ctx.store.conversations.setStatus(out.conversationId, 'active');
  m.ctx.store.outbox.removeAll(out.conversationId);
  const bob = mls.joinFromWelcome(c.welcome!, bobKp, bobId);
  return { id: out.conversationId, groupId: mls.groupId(alice), alice, bob, seq: { next: m.ctx.store.conversations.get(out.conversationId)!.processedSeq + 1 } };
}

function text(g: ReturnType<typeof group>, who: 'alice' | 'bob', body: string): DsMessage {
  const s = g[who];
  const e = mls.encrypt(s, encodePayload({ type: 'text', uid: randomBytes(16), sentAt: Date.now(), text: body }));
  g[who] = e.state;
  return { groupId: g.groupId, seq: g.seq.next++, epoch: mls.epoch(s), kind: 'application', sender: { userId: who, deviceId: 'd' }, message: e.message, ts: Date.now() };
}

function inboundCount(m: Messenger, id: string): number {
  return (m.ctx.store.db.prepare('SELECT count(*) AS n FROM inbound WHERE conversation_id = ?').get(id) as { n: number }).n;
}

function texts(m: Messenger, id: string): string[] {
  return (m.ctx.store.db.prepare("SELECT body FROM messages WHERE conversation_id = ? AND kind = 'text' ORDER BY id").all(id) as { body: string }[]).map((r) => r.body);
}

test('a push that follows the cursor is processed in the transaction that receives it, and never written to inbound', async () => {
  const { m, dir } = offline();
  try {
    const g = group(m);
    const written: number[] = [];
    const add = m.ctx.store.inbound.add.bind(m.ctx.store.inbound);
    m.ctx.store.inbound.add = (rows) => {
      written.push(...rows.map((r) => r.seq));
      return add(rows);
    };
    const msg = text(g, 'alice', 'hello');
    assert.equal(m.receiver.processStored(g.id, undefined, [msg]), msg.seq);
    assert.deepEqual(texts(m, g.id), ['hello']);
    assert.deepEqual(written, [], 'no inbound row was written');
    assert.equal(inboundCount(m, g.id), 0);
    // The same push again (the server resends what was not acked yet): skipped, nothing stored.
    assert.equal(m.receiver.processStored(g.id, undefined, [msg]), msg.seq);
    assert.deepEqual(texts(m, g.id), ['hello']);
    assert.deepEqual(written, []);
  } finally {
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a push past a hole waits in inbound, and both are processed in order when the hole is filled', async () => {
  const { m, dir } = offline();
  try {
    const g = group(m);
    const first = text(g, 'alice', 'first');
    const second = text(g, 'bob', 'second');
    const cursor = m.ctx.store.conversations.get(g.id)!.processedSeq;
    assert.equal(m.receiver.processStored(g.id, undefined, [second]), cursor, 'the cursor waits at the hole');
    assert.equal(inboundCount(m, g.id), 1, 'the later push is stored');
    assert.deepEqual(texts(m, g.id), []);
    assert.equal(m.receiver.processStored(g.id, undefined, [first]), second.seq);
    assert.deepEqual(texts(m, g.id), ['first', 'second']);
    assert.equal(inboundCount(m, g.id), 0);
  } finally {
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a handed message of an epoch not reached yet waits in inbound for its commit, then is read', async () => {
  const { m, dir } = offline();
  try {
    const g = group(m);
    const c = mls.update(g.alice);
    const epoch = mls.epoch(g.alice);
    const commitSeq = g.seq.next++;
    g.alice = mls.mergePendingCommit(g.alice, c.pending);
    g.bob = mls.processMessage(g.bob, c.commit).state;
    const early = text(g, 'bob', 'from the next epoch');
    const commit: DsMessage = { groupId: g.groupId, seq: commitSeq, epoch, kind: 'commit', sender: { userId: 'alice', deviceId: 'd' }, message: c.commit, ts: Date.now() };
    // A server that swaps them: the message comes first, under the commit's seq.
    assert.equal(m.receiver.processStored(g.id, undefined, [{ ...early, seq: commitSeq }]), commitSeq);
    assert.equal((m.ctx.store.db.prepare("SELECT count(*) AS n FROM inbound WHERE conversation_id = ? AND state = 'future'").get(g.id) as { n: number }).n, 1, 'kept as future');
    assert.deepEqual(texts(m, g.id), []);
    m.receiver.processStored(g.id, undefined, [{ ...commit, seq: early.seq }]);
    assert.deepEqual(texts(m, g.id), ['from the next epoch'], 'read once its commit came');
    assert.equal(inboundCount(m, g.id), 0);
    assert.equal(mls.epoch(m.ctx.state(g.id)!), epoch + 1n);
  } finally {
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('receipts still waiting when the core closes are queued in the outbox first; nothing runs after the close', async () => {
  const first = offline();
  let m = first.m;
  try {
    const g = group(m);
    m.receiver.processStored(g.id, undefined, [text(g, 'alice', 'confirm me')]);
    assert.equal(m.ctx.store.outbox.queuedOfKind(g.id, 'receipt'), undefined, 'the receipt waits for its delay');
    await m.close();
    m = offline(first.dir, first.key).m;
    const job = m.ctx.store.outbox.queuedOfKind(g.id, 'receipt');
    assert.ok(job !== undefined, 'the receipt was queued before the database closed');
  } finally {
    await m.close();
    rmSync(first.dir, { recursive: true, force: true });
  }
});
