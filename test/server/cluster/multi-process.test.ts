// Three delivery-service processes on one PostgreSQL database, clients spread
// over them: the commit race across processes, pushes of messages accepted
// elsewhere in seq order, a notification lost on purpose (the catch-up still
// delivers), and SIGKILL of one process during traffic (its clients move to
// another; every acknowledged message is stored once and delivered to every
// member exactly once). Waits are bounded generously: nothing here depends on
// how fast the machine is.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { b64, Client, CT, fillerOf, privateMessage, startServer, unb64, type Json, type ServerProc } from '../client.js';
import { formGroup, mlsDevice, type MlsDevice } from '../mls-client.js';
import { postgresSkipReason, startTempPostgres, type TempPostgres } from '../temp-postgres.js';

const skip = postgresSkipReason();
let pg: TempPostgres | undefined;
let url = '';
const servers: ServerProc[] = [];
const clients: Client[] = [];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
// The lost-notification test's group: its first message after forming (seq 2) is dropped by process C.
const LOST_GROUP = enc('lost-notice');
const LOST_SEQ = 2;

const ARGS = [
  ...['--rate', '--burst', '--device-rate', '--device-burst', '--login-rate', '--login-burst', '--claim-rate', '--claim-burst', '--claim-target-rate', '--claim-target-burst'].flatMap((f) => [f, '100000']),
  '--max-unacked',
  '100000',
  '--catch-up-ms',
  '300',
  '--db-pool',
  '4',
];

before(async () => {
  if (skip !== false) return;
  pg = await startTempPostgres();
  url = await pg.createDatabase('cluster');
  // A first, alone, so the schema migrations run once before the others start (they would wait their turn anyway).
  servers.push(await startServer(url, ['--quiet', ...ARGS]));
  servers.push(...(await Promise.all([
    startServer(url, ['--quiet', ...ARGS]),
    // C logs (the test reads its hook and catch-up lines) and drops one notification.
    startServer(url, ARGS, { ARBOR_TEST_DROP_NOTIFY: `${hex(LOST_GROUP)}:${LOST_SEQ}` }),
  ])));
});

after(async () => {
  for (const c of clients) c.ws.terminate();
  for (const s of servers) await s.kill('SIGKILL');
  await pg?.stop();
});

const at = (i: number): string => servers[i % servers.length]!.url;

async function devicesOn(prefix: string, n: number): Promise<MlsDevice[]> {
  const devs = await Promise.all(Array.from({ length: n }, (_, i) => mlsDevice(at(i), `${prefix}${i}`)));
  for (const d of devs) clients.push(d.client);
  return devs;
}

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const messagePushes = (c: Client, g: Uint8Array): Json[] => c.pushes.filter((p) => p.push === 'message' && p.groupId === b64(g));

void it('20 clients on three processes race commits: exactly one accepted per round, one order seen by all, pushes in seq order', { skip, timeout: 240_000 }, async () => {
  const N = 20;
  const devs = await devicesOn('racer', N);
  const g = enc('race-group');
  await formGroup(devs[0]!, devs.slice(1), g);
  let epoch = 1n;
  for (let round = 0; round < 3; round++) {
    const commits = devs.map((d) => mls.update(d.state(g)));
    const results = await Promise.all(
      devs.map((d, i) =>
        Promise.all([
          d.client.request('group.commit', { commit: b64(commits[i]!.commit), groupInfo: b64(commits[i]!.groupInfo) }, 60_000),
          d.client.request('group.send', { message: b64(privateMessage(g, epoch, CT.application, `app r${round} by ${i}`)) }, 60_000),
        ]),
      ),
    );
    const won = results.map((r, i) => ({ r: r[0], i })).filter((x) => x.r.ok === true);
    assert.equal(won.length, 1, `round ${round}: one commit accepted`);
    for (const r of results.map((x) => x[0]).filter((r) => r.ok !== true)) {
      assert.equal(r.error, 'stale_epoch', String(r.reason));
      assert.equal(r.epoch, (epoch + 1n).toString());
    }
    const w = devs[won[0]!.i]!;
    w.setState(g, mls.mergePendingCommit(w.state(g), commits[won[0]!.i]!.pending));
    w.seen.set(b64(g), won[0]!.r.seq as number);
    await Promise.all(devs.map((d) => (d === w ? Promise.resolve() : d.catchUp(g, { ack: false }))));
    epoch += 1n;
    const auth = hex(mls.epochAuthenticator(devs[0]!.state(g)));
    for (const d of devs) assert.equal(hex(mls.epochAuthenticator(d.state(g))), auth, `${d.name} agrees on epoch ${epoch}`);
  }
  // One history, read through every process.
  const history = await devs[0]!.client.fetchAll(g, 1);
  assert.equal(history.length, 3 * (1 + N));
  const views = await Promise.all(devs.map(async (d) => (await d.client.fetchAll(g, 1)).map((m) => `${m.seq as number}:${m.kind as string}:${m.message as string}`)));
  for (const v of views) assert.deepEqual(v, views[0]);
  // Every device gets a push of every message it did not post, wherever it was accepted, in seq order.
  for (const d of devs) {
    const others = history.filter((m) => (m.sender as Json).userId !== d.client.userId).length;
    await until(`${d.name}'s pushes`, () => messagePushes(d.client, g).length >= others);
    const seqs = messagePushes(d.client, g).map((p) => p.seq as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${d.name}: pushes in seq order`);
    assert.equal(seqs.length, others, `${d.name}: each message pushed once`);
  }
});

void it('a message accepted on one process is pushed to members on the other two, in seq order, while two processes post at once', { skip, timeout: 120_000 }, async () => {
  const devs = await devicesOn('order', 6); // two on each process
  const g = enc('order-group');
  await formGroup(devs[0]!, devs.slice(1), g);
  const onA = devs[0]!;
  const onB = devs[1]!;
  const M = 40;
  // Pipelined: each sender has many requests in flight on its connection.
  const sent = await Promise.all([
    Promise.all(Array.from({ length: M }, (_, i) => onA.client.request('group.send', { message: b64(privateMessage(g, 1n, CT.application, `A${i}`)) }, 60_000))),
    Promise.all(Array.from({ length: M }, (_, i) => onB.client.request('group.send', { message: b64(privateMessage(g, 1n, CT.application, `B${i}`)) }, 60_000))),
  ]);
  for (const r of sent.flat()) assert.equal(r.ok, true);
  const seqOf = new Map(sent.flat().map((r, i) => [r.seq as number, i < M ? `A${i}` : `B${i - M}`]));
  assert.deepEqual([...seqOf.keys()].sort((a, b) => a - b), Array.from({ length: 2 * M }, (_, i) => i + 2), 'gap-free across both processes');
  for (const d of devs) {
    const own = d === onA || d === onB ? M : 0;
    await until(`${d.name}'s pushes`, () => messagePushes(d.client, g).length >= 2 * M - own);
    const pushes = messagePushes(d.client, g);
    const seqs = pushes.map((p) => p.seq as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${d.name}: in seq order`);
    assert.equal(seqs.length, 2 * M - own, `${d.name}: each once`);
    for (const p of pushes) assert.equal(fillerOf(unb64(p.message as string)), seqOf.get(p.seq as number));
  }
});

void it('a lost notification is delivered by the periodic catch-up', { skip, timeout: 120_000 }, async () => {
  const a = await mlsDevice(at(0), 'lost-a');
  const c = await mlsDevice(at(2), 'lost-c');
  clients.push(a.client, c.client);
  await formGroup(a, [c], LOST_GROUP);
  const r = await a.client.ok('group.send', { message: b64(privateMessage(LOST_GROUP, 1n, CT.application, 'only once')) });
  assert.equal(r.seq, LOST_SEQ);
  const push = await c.client.nextPush((p) => p.push === 'message' && p.groupId === b64(LOST_GROUP), 30_000);
  assert.deepEqual([push.seq, fillerOf(unb64(push.message as string))], [LOST_SEQ, 'only once']);
  const log = servers[2]!.output();
  assert.match(log, new RegExp(`test hook: dropped the notification of ${hex(LOST_GROUP)}:${LOST_SEQ}`));
  assert.match(log, new RegExp(`catch-up: 1 groups past their notifications \\(${hex(LOST_GROUP).slice(0, 16)} 1->2\\)`));
});

void it('SIGKILL of one process during traffic: its clients move to another; every acknowledged message is stored once and reaches every member once', { skip, timeout: 180_000 }, async () => {
  const devs = await devicesOn('kill', 6); // kill0, kill3 on A; kill1, kill4 on B; kill2, kill5 on C
  const g = enc('kill-group');
  await formGroup(devs[0]!, devs.slice(1), g);
  const victims = new Set([1, 4]);
  let stop = false;
  const acked: { seq: number; text: string }[] = [];
  /** Per device: seq -> text it got (pushes on every connection, and fetches after moving). */
  const got = devs.map(() => new Map<number, string>());
  const pushedTwice: string[] = [];
  const watch = (i: number, c: Client): void => {
    c.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Json;
      if (m.push !== 'message' || m.groupId !== b64(g)) return;
      const seq = m.seq as number;
      if (got[i]!.has(seq) && !victims.has(i)) pushedTwice.push(`${devs[i]!.name} seq ${seq}`);
      got[i]!.set(seq, fillerOf(unb64(m.message as string)));
    });
  };
  devs.forEach((d, i) => watch(i, d.client));

  const post = async (i: number): Promise<void> => {
    let c = devs[i]!.client;
    for (let k = 0; !stop; k++) {
      const text = `kill${i}#${k}`;
      let r: Json;
      try {
        r = await c.request('group.send', { message: b64(privateMessage(g, 1n, CT.application, text)) }, 10_000);
      } catch {
        // The process died under this client: log in on another one, read what it missed, go on.
        const moved = await Client.connect(at(i + 1));
        clients.push(moved);
        assert.equal((await moved.login(devs[i]!.client.userId, 'd1', devs[i]!.key)).ok, true);
        watch(i, moved);
        for (const m of await moved.fetchAll(g, 1)) got[i]!.set(m.seq as number, fillerOf(unb64(m.message as string)));
        c = moved;
        continue;
      }
      assert.equal(r.ok, true, String(r.reason));
      acked.push({ seq: r.seq as number, text });
      got[i]!.set(r.seq as number, text);
      await new Promise((res) => setTimeout(res, 5));
    }
  };
  const posting = devs.map((_, i) => post(i));
  await until('traffic before the kill', () => acked.length >= 60);
  await servers[1]!.kill('SIGKILL');
  const before = acked.length;
  await until('traffic after the kill', () => acked.length >= before + 60);
  stop = true;
  await Promise.all(posting);

  // Stored once: the whole history through a surviving process.
  const stored = await devs[0]!.client.fetchAll(g, 1);
  const bySeq = new Map(stored.map((m) => [m.seq as number, fillerOf(unb64(m.message as string))]));
  const texts = [...bySeq.values()];
  assert.equal(new Set(texts).size, texts.length, 'no message stored twice');
  for (let i = 1; i < stored.length; i++) assert.equal(stored[i]!.seq, (stored[i - 1]!.seq as number) + 1, 'no gap');
  for (const a of acked) assert.equal(bySeq.get(a.seq), a.text, `acknowledged ${a.text} is stored at its seq ${a.seq}`);
  // Delivered once: every member ends with every stored message, at its seq (the moved ones by push or by fetch).
  const lastSeq = stored[stored.length - 1]!.seq as number;
  await until('every member has everything', () => got.every((m) => [...bySeq.keys()].every((s) => m.has(s))), 60_000);
  for (const [i, m] of got.entries()) {
    for (const [s, t] of bySeq) assert.equal(m.get(s), t, `${devs[i]!.name} has seq ${s}`);
    assert.ok([...m.keys()].every((s) => s <= lastSeq));
  }
  assert.deepEqual(pushedTwice, [], 'no connection of a surviving process got a message twice');
  console.log(`# ${acked.length} acknowledged (${before} before the kill), ${stored.length} stored`);
});
