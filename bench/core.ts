// `npm run bench -- core`: the messenger core's costs, per the goals of its issue.
//   per conversation size (--sizes, default 2,100,1000; 10000 runs in a few minutes):
//     state bytes   group-state bytes written per application message received / sent
//                   (the rows of the secret tree that changed; goal < 4 KiB, flat in the size)
//     WAL bytes     what SQLite really wrote per message (1 KiB pages: each page a transaction changes is logged whole), one message per
//                   transaction (live) and in pages of 200 (catch-up)
//     CPU/msg       CPU time to process and store one received message, one per transaction
//                   (goal < 1 ms at 1,000 members)
//   catch-up        10,000 waiting messages in a group of 100, stored and processed as the
//                   core does after a login (goal > 2,000 messages/s)
//   latency         send → displayed between two cores over the loopback delivery service
//                   (worker threads, real server process; goal median < 20 ms)
//   queries         conversation list and "open a conversation" (newest 50) with 100
//                   conversations × 10,000 messages (goal < 20 ms each)
// Options: --sizes 2,100,1000,10000, --only bytes,catchup,latency,queries, --json

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ArborApi } from '../main/contract/index.js';
import { markAccepted } from '../main/core/delivery.js';
import { credentialIdentity } from '../main/core/identity.js';
import { ARBOR_CAPABILITIES } from '../main/core/key-packages.js';
import { Messenger } from '../main/core/messenger.js';
import { metadataExtension } from '../main/core/metadata.js';
import { encodePayload } from '../main/core/payload.js';
import { startCore } from '../main/core/start.js';
import { handleWelcome } from '../main/core/welcomes.js';
import * as mls from '../main/mls/index.js';
import type { DsMessage } from '../main/net/protocol-types.js';
import { printTable } from './measure.js';

export const title = 'messenger core: bytes and CPU per message, catch-up, latency, queries';

const ROOT = new URL('../', import.meta.url).pathname;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** An in-process core with an account and no network (the bench feeds its receive path directly). */
export function offlineCore(): { m: Messenger; dir: string; walBytes(): number; done(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'arbor-bench-core-'));
  const m = Messenger.open({ dataDir: dir, databaseKey: randomBytes(32), options: { quiet: true, receiptDelayMs: 3_600_000 }, log: () => {} });
  const kp = mls.generateSignatureKeyPair(1);
  const row = { userId: 'me', deviceId: 'bench', deviceName: 'bench', serverUrl: 'ws://127.0.0.1:1', signaturePublicKey: kp.publicKey, signaturePrivateKey: kp.privateKey, createdAt: Date.now() };
  m.ctx.store.account.create(row);
  m.ctx.accountCreated(row);
  m.ctx.store.db.pragma('wal_autocheckpoint = 0');
  const wal = join(dir, 'arbor.db-wal');
  return {
    m,
    dir,
    walBytes: () => {
      try {
        return statSync(wal).size;
      } catch {
        return 0;
      }
    },
    done: async () => {
      await m.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Group {
  conversationId: string;
  groupId: Uint8Array;
  /** Other members that send, as engine states. */
  senders: mls.GroupState[];
}

/** A conversation of `n` members in which `m` is one member and `senders` others. */
export function makeGroup(m: Messenger, n: number, nSenders: number): Group {
  const id = (u: string): mls.ClientIdentity => mls.createIdentity(1, credentialIdentity({ userId: u, deviceId: 'd' }));
  const creator = id('u0');
  let creatorState = mls.createGroup(creator, { extensions: [metadataExtension({ title: `bench ${n}` })], capabilities: ARBOR_CAPABILITIES });
  const others = Array.from({ length: n - 2 }, (_, i) => id(`u${i + 1}`));
  const othersKps = others.map((o) => mls.createKeyPackage(o, { capabilities: ARBOR_CAPABILITIES }));
  const mine = mls.createKeyPackage(m.ctx.identity(), { capabilities: ARBOR_CAPABILITIES });
  m.ctx.store.account.addKeyPackage({ ref: mine.ref, keyPackage: mine.keyPackage, initPrivateKey: mine.initPrivateKey, encryptionPrivateKey: mine.encryptionPrivateKey, lastResort: false }, Date.now());
  const c = mls.addMembers(creatorState, [mine.keyPackage, ...othersKps.slice(0, nSenders - 1).map((k) => k.keyPackage), ...othersKps.slice(nSenders - 1).map((k) => k.keyPackage)], { config: {} } as never);
  creatorState = mls.mergePendingCommit(creatorState, c.pending);
  const out = handleWelcome(m.ctx, { id: 1, groupId: mls.groupId(creatorState), epoch: mls.epoch(creatorState), welcome: c.welcome!, ts: Date.now() });
  if (out.kind !== 'joined') throw new Error(`bench: join failed: ${JSON.stringify(out)}`);
  m.ctx.store.conversations.setStatus(out.conversationId, 'active');
  m.ctx.store.outbox.removeAll(out.conversationId);
  const senders = [creatorState, ...others.slice(0, nSenders - 1).map((o, i) => mls.joinFromWelcome(c.welcome!, othersKps[i]!, o))];
  return { conversationId: out.conversationId, groupId: mls.groupId(creatorState), senders };
}

export let seq = 1;
export function textMessage(g: Group, k: number, text: string): DsMessage {
  const s = g.senders[k]!;
  const payload = encodePayload({ type: 'text', uid: randomBytes(16), sentAt: Date.now(), text });
  const e = mls.encrypt(s, payload);
  g.senders[k] = e.state;
  return { groupId: g.groupId, seq: seq++, epoch: mls.epoch(s), kind: 'application', sender: { userId: `u${k}`, deviceId: 'd' }, message: e.message, ts: Date.now() };
}

function receiveOne(m: Messenger, g: Group, msg: DsMessage): void {
  // As a push arrives: stored and processed in one transaction (main/core/sync.ts onMessage).
  m.receiver.processStored(g.conversationId, undefined, [msg]);
}

interface BytesRow {
  size: number;
  recvStateBytes: number;
  sentStateBytes: number;
  recvWalLive: number;
  recvWalBatched: number;
  sentWal: number;
  recvCpuMs: number;
}

function bytesFor(size: number): BytesRow {
  const c = offlineCore();
  try {
    const g = makeGroup(c.m, size, Math.min(size - 1, 4));
    // Align the cursor with the synthetic seqs.
    c.m.ctx.store.conversations.setProcessedSeq(g.conversationId, seq - 1);
    // Warm-up: every sender's path is expanded once (a first message from a sender costs log2(n) rows once).
    for (let k = 0; k < g.senders.length; k++) receiveOne(c.m, g, textMessage(g, k, 'warm-up'));
    const M = 200;
    const msgs = Array.from({ length: M }, (_, i) => textMessage(g, i % g.senders.length, `message ${i} ${'x'.repeat(40)}`));
    c.m.ctx.store.db.pragma('wal_checkpoint(TRUNCATE)');
    let s0 = c.m.ctx.stateBytesWritten;
    let w0 = c.walBytes();
    const t0 = cpuMs();
    for (const msg of msgs) receiveOne(c.m, g, msg);
    const recvCpuMs = (cpuMs() - t0) / M;
    const recvStateBytes = (c.m.ctx.stateBytesWritten - s0) / M;
    const recvWalLive = (c.walBytes() - w0) / M;
    // The same in pages of 200, as a catch-up stores them.
    const batch = Array.from({ length: M }, (_, i) => textMessage(g, i % g.senders.length, `batched ${i} ${'x'.repeat(40)}`));
    c.m.ctx.store.db.pragma('wal_checkpoint(TRUNCATE)');
    w0 = c.walBytes();
    c.m.receiver.processStored(g.conversationId, undefined, batch);
    const recvWalBatched = (c.walBytes() - w0) / M;
    // Sending: compose (message + outbox row), encrypt (state rows + the bytes sent), accepted (sent + recipients).
    const h = c.m.handlers();
    c.m.ctx.store.db.pragma('wal_checkpoint(TRUNCATE)');
    s0 = c.m.ctx.stateBytesWritten;
    w0 = c.walBytes();
    const N = 50;
    for (let i = 0; i < N; i++) {
      void h['messages.send']({ conversationId: g.conversationId, text: `mine ${i} ${'y'.repeat(40)}` });
      const job = c.m.ctx.store.outbox.head(g.conversationId)!;
      const msg = c.m.ctx.store.messages.get(job.messageId!)!;
      const before = c.m.ctx.state(g.conversationId)!;
      const enc = mls.encrypt(before, encodePayload({ type: 'text', uid: msg.uid!, sentAt: msg.sentAt, text: msg.body }));
      c.m.ctx.tx(() => {
        c.m.ctx.saveState(g.conversationId, before, enc.state);
        c.m.ctx.store.outbox.markSending(job.id, enc.message, Number(mls.epoch(before)));
      });
      const sending = c.m.ctx.store.outbox.get(job.id)!;
      c.m.ctx.tx((ch) => markAccepted(c.m.ctx, ch, sending, seq++, Number(mls.epoch(before))));
    }
    const sentStateBytes = (c.m.ctx.stateBytesWritten - s0) / N;
    const sentWal = (c.walBytes() - w0) / N;
    return { size, recvStateBytes, sentStateBytes, recvWalLive, recvWalBatched, sentWal, recvCpuMs };
  } finally {
    void c.done();
  }
}

function catchUp(): { messages: number; perSecond: number } {
  const c = offlineCore();
  try {
    const g = makeGroup(c.m, 100, 10);
    c.m.ctx.store.conversations.setProcessedSeq(g.conversationId, seq - 1);
    const N = 10_000;
    const msgs = Array.from({ length: N }, (_, i) => textMessage(g, i % g.senders.length, `waiting ${i}`));
    const t0 = performance.now();
    for (let i = 0; i < N; i += 500) {
      c.m.receiver.processStored(g.conversationId, undefined, msgs.slice(i, i + 500));
    }
    const s = (performance.now() - t0) / 1000;
    const stored = (c.m.ctx.store.db.prepare("SELECT count(*) AS n FROM messages WHERE kind = 'text'").get() as { n: number }).n;
    if (stored !== N) throw new Error(`catch-up stored ${stored} of ${N}`);
    return { messages: N, perSecond: N / s };
  } finally {
    void c.done();
  }
}

async function latency(samples: number): Promise<{ median: number; p90: number; max: number }> {
  const work = mkdtempSync(join(tmpdir(), 'arbor-bench-latency-'));
  const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--db', join(work, 'ds.db'), '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    server.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
  });
  const opts = { quiet: true, receiptDelayMs: 1000 };
  const a = await startCore({ dataDir: join(work, 'a'), ...opts });
  const b = await startCore({ dataDir: join(work, 'b'), ...opts });
  try {
    const until = async (pred: () => Promise<boolean>): Promise<void> => {
      while (!(await pred())) await new Promise((r) => setTimeout(r, 10));
    };
    const online = (api: ArborApi) => until(async () => (await api.invoke('connection.status')).state === 'online');
    await a.api.invoke('account.create', { userId: 'a', deviceName: 'a', serverUrl: url });
    await b.api.invoke('account.create', { userId: 'b', deviceName: 'b', serverUrl: url });
    await online(a.api);
    await online(b.api);
    const conv = await a.api.invoke('conversations.create', { title: 'latency', userIds: ['b'] });
    await until(async () => (await b.api.invoke('conversations.list')).length === 1);
    await b.api.invoke('conversations.accept', { conversationId: conv.id });
    await until(async () => (await b.api.invoke('conversations.get', { conversationId: conv.id })).status === 'active');
    const shown = new Map<string, number>();
    b.api.on('message.added', (m) => shown.set(m.text, performance.now()));
    const times: number[] = [];
    for (let i = 0; i < samples + 10; i++) {
      const text = `ping ${i}`;
      const t0 = performance.now();
      await a.api.invoke('messages.send', { conversationId: conv.id, text });
      await until(async () => shown.has(text));
      if (i >= 10) times.push(shown.get(text)! - t0);
    }
    return { median: median(times), p90: pct(times, 0.9), max: Math.max(...times) };
  } finally {
    await a.close();
    await b.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(work, { recursive: true, force: true });
  }
}

async function queries(): Promise<{ list: number; open: number; rows: number }> {
  const c = offlineCore();
  try {
    const { store } = c.m.ctx;
    const now = Date.now();
    const ids: string[] = [];
    for (let k = 0; k < 100; k++) {
      const gid = randomBytes(16);
      const id = gid.toString('hex');
      ids.push(id);
      store.tx(() => {
        store.conversations.insert({ id, groupId: gid, title: `conversation ${k}`, status: 'active', invitedBy: null, now, onServer: true, welcomeId: null });
        store.conversations.setMembers(id, [
          { leafIndex: 0, userId: 'me', deviceId: 'bench' },
          { leafIndex: 1, userId: `friend${k}`, deviceId: 'd' },
        ]);
        for (let i = 0; i < 10_000; i++) {
          const own = i % 3 === 0;
          const mid = store.messages.insert({
            conversationId: id,
            kind: 'text',
            uid: randomBytes(16),
            senderUserId: own ? 'me' : `friend${k}`,
            senderDeviceId: own ? 'bench' : 'd',
            isOwn: own,
            body: `message ${i} of conversation ${k}: some ordinary text of ordinary length`,
            sentAt: now + i,
            receivedAt: now + i,
            ...(own ? { status: 'delivered' as const } : {}),
          });
          store.conversations.messageAdded(id, mid, now + i, !own && i > 9_990);
        }
      });
    }
    const h = c.m.handlers();
    const listT: number[] = [];
    const openT: number[] = [];
    for (let r = 0; r < 21; r++) {
      let t0 = performance.now();
      const list = await h['conversations.list'](undefined);
      listT.push(performance.now() - t0);
      if (list.length !== 100) throw new Error('bench: list');
      t0 = performance.now();
      const page = await h['messages.list']({ conversationId: ids[(r * 37) % 100]!, limit: 50 });
      openT.push(performance.now() - t0);
      if (page.messages.length !== 50) throw new Error('bench: page');
    }
    return { list: median(listT), open: median(openT), rows: 100 * 10_000 };
  } finally {
    void c.done();
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { sizes: { type: 'string' }, only: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });
  const sizes = (values.sizes ?? '2,100,1000').split(',').map(Number);
  const only = new Set((values.only ?? 'bytes,catchup,latency,queries').split(','));
  const report: Record<string, unknown> = {};
  if (only.has('bytes')) {
    const rows: BytesRow[] = [];
    for (const s of sizes) {
      const t0 = performance.now();
      rows.push(bytesFor(s));
      if (values.json !== true) console.error(`  (size ${s}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    report.bytes = rows;
    if (values.json !== true) {
      console.log('per application message (state bytes: group-state rows written; WAL: bytes SQLite wrote, whole 1 KiB pages)');
      printTable(
        ['members', 'recv state B', 'sent state B', 'recv WAL B (1/tx)', 'recv WAL B (200/tx)', 'sent WAL B (3 tx)', 'recv CPU ms'],
        rows.map((r) => [String(r.size), r.recvStateBytes.toFixed(0), r.sentStateBytes.toFixed(0), r.recvWalLive.toFixed(0), r.recvWalBatched.toFixed(0), r.sentWal.toFixed(0), r.recvCpuMs.toFixed(3)]),
      );
    }
  }
  if (only.has('catchup')) {
    const r = catchUp();
    report.catchUp = r;
    if (values.json !== true) console.log(`\ncatch-up: ${r.messages} waiting messages in a group of 100, stored and processed at ${Math.round(r.perSecond)} messages/s`);
  }
  if (only.has('latency')) {
    const r = await latency(200);
    report.latency = r;
    if (values.json !== true) console.log(`\nsend → displayed, two cores over the loopback delivery service (200 messages): median ${r.median.toFixed(1)} ms, p90 ${r.p90.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`);
  }
  if (only.has('queries')) {
    const r = await queries();
    report.queries = r;
    if (values.json !== true) console.log(`\nqueries with 100 conversations × 10,000 messages: conversation list ${r.list.toFixed(2)} ms, open a conversation (newest 50) ${r.open.toFixed(2)} ms (medians of 21)`);
  }
  if (values.json === true) console.log(JSON.stringify(report, null, 2));
}
