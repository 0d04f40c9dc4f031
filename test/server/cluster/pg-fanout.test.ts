// The push fan-out of several DS processes, without PostgreSQL: a fake
// database (rows per group, members' windows) and hand-fed notifications, to
// pin down the ordering rules (multi-process.test.ts runs the real thing).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PgFanout, type PushReads } from '../../../server/cluster/pg-fanout.js';
import type { PushSink } from '../../../server/cluster/fanout.js';
import { NoticeError, parseNotice } from '../../../server/cluster/notice.js';
import type { ReaderWindow } from '../../../server/storage/pg.js';
import type { DeviceRef, StoredMessage, WelcomeRecord } from '../../../server/storage/types.js';

const G = new Uint8Array([0xab, 0xcd]);
const GH = 'abcd';
const alice = { userId: 'alice', deviceId: 'd1' };
const bob = { userId: 'bob', deviceId: 'd1' };
type Origin = { readonly name: string };

class FakeDb implements PushReads {
  readonly rows: StoredMessage[] = [];
  readonly windows: ReaderWindow[] = [];
  readonly welcomes = new Map<number, { welcome: WelcomeRecord; to: DeviceRef[] }>();
  reads = 0;
  /** While set, reads wait for it (to hold a read in flight). */
  gate: Promise<void> | undefined;

  add(seq: number): StoredMessage {
    const m: StoredMessage = { groupId: G, seq, epoch: 0n, kind: 'application', sender: alice, data: new Uint8Array([seq]), createdAt: 0 };
    this.rows.push(m);
    return m;
  }

  readableGroups(): Promise<{ groupId: Uint8Array; lastSeq: number }[]> {
    return Promise.resolve([{ groupId: G, lastSeq: this.rows.length }]);
  }

  async messagesToPush(_g: Uint8Array, after: number, upTo: number, readers: readonly DeviceRef[], limit: number) {
    this.reads++;
    await this.gate;
    const keys = new Set(readers.map((r) => `${r.userId}/${r.deviceId}`));
    return {
      messages: this.rows.filter((m) => m.seq > after && m.seq <= upTo).slice(0, limit),
      windows: this.windows.filter((w) => keys.has(`${w.userId}/${w.deviceId}`)),
    };
  }

  welcomeToPush(id: number) {
    return Promise.resolve(this.welcomes.get(id));
  }

  groupsBehind(groups: readonly { groupId: Uint8Array; pushed: number }[]) {
    return Promise.resolve(groups.filter((g) => this.rows.length > g.pushed).map((g) => ({ groupId: g.groupId, lastSeq: this.rows.length })));
  }
}

class Sink implements PushSink<Origin> {
  readonly pushes: string[] = [];
  pushMessage(msg: StoredMessage, to: readonly DeviceRef[], origin: Origin | null): void {
    this.pushes.push(`${msg.seq}>${to.map((d) => d.userId).join('+')}${origin === null ? '' : ` (not ${origin.name})`}`);
  }
  pushWelcome(device: DeviceRef, w: WelcomeRecord): void {
    this.pushes.push(`welcome ${w.id}>${device.userId}`);
  }
}

async function setup(drop?: (g: Uint8Array, seq: number) => boolean, originWaitMs = 0) {
  const db = new FakeDb();
  const sink = new Sink();
  const logs: string[] = [];
  let notify: (payload: string) => void = () => {};
  let reconnected: () => void = () => {};
  const f = new PgFanout<Origin>({
    reads: db,
    nodeId: 'me',
    catchUpMs: 3_600_000, // the tests call catchUp() themselves
    originWaitMs,
    log: (l) => logs.push(l),
    ...(drop === undefined ? {} : { drop }),
    listen: (n, c) => {
      notify = n;
      reconnected = c;
      return Promise.resolve({ close: () => Promise.resolve() });
    },
  });
  await f.start(sink);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  const message = (seq: number): void => notify(JSON.stringify({ k: 'm', g: GH, s: seq }));
  return { db, sink, logs, f, settle, message, notify: (p: string) => notify(p), reconnected: () => reconnected() };
}

it('pushes a message accepted here at once when it is next, and one accepted elsewhere after reading it', async () => {
  const t = await setup();
  t.db.windows.push({ ...alice, joinSeq: 1, leaveSeq: null }, { ...bob, joinSeq: 3, leaveSeq: null });
  t.db.add(1);
  t.db.add(2);
  t.f.online(alice);
  t.f.online(bob);
  await t.settle(); // both follow the group from seq 2
  t.f.accepted(t.db.add(3), [alice, bob], { name: 'conn1' });
  assert.deepEqual(t.sink.pushes, ['3>alice+bob (not conn1)']);
  assert.equal(t.db.reads, 0, 'no read for the next message accepted here');
  t.message(3); // its own notification: already pushed
  t.db.add(4);
  t.message(4);
  await t.settle();
  assert.deepEqual(t.sink.pushes.slice(1), ['4>alice+bob']);
  await t.f.close();
});

it('a message accepted here waits behind earlier ones accepted elsewhere, and still skips its poster', async () => {
  const t = await setup();
  t.db.windows.push({ ...alice, joinSeq: 1, leaveSeq: null });
  t.f.online(alice);
  await t.settle();
  t.db.add(1); // accepted elsewhere, its notification not yet heard
  let open!: () => void;
  t.db.gate = new Promise((r) => (open = r));
  t.message(1); // read in flight
  t.f.accepted(t.db.add(2), [alice], { name: 'conn1' });
  assert.deepEqual(t.sink.pushes, [], 'seq 2 does not overtake seq 1');
  open();
  await t.settle();
  assert.deepEqual(t.sink.pushes, ['1>alice', '2>alice (not conn1)']);
  await t.f.close();
});

it('pushes only to devices whose window holds the seq, and stops following a group when its last reader goes', async () => {
  const t = await setup();
  t.db.windows.push({ ...alice, joinSeq: 1, leaveSeq: 2 }, { ...bob, joinSeq: 2, leaveSeq: null });
  t.f.online(alice);
  t.f.online(bob);
  await t.settle();
  for (const s of [1, 2, 3]) t.db.add(s);
  t.message(3);
  await t.settle();
  assert.deepEqual(t.sink.pushes, ['1>alice', '2>alice+bob', '3>bob']);
  t.f.offline(alice);
  t.f.offline(bob);
  t.db.add(4);
  t.message(4);
  await t.f.catchUp();
  await t.settle();
  assert.equal(t.sink.pushes.length, 3, 'nobody here reads it any more');
  await t.f.close();
});

it('a lost notification is pushed by the catch-up, and a reconnected listener catches up at once', async () => {
  const t = await setup((_g, seq) => seq === 2);
  t.db.windows.push({ ...alice, joinSeq: 1, leaveSeq: null });
  t.f.online(alice);
  await t.settle();
  t.db.add(1);
  t.message(1);
  t.db.add(2);
  t.message(2); // dropped by the hook
  await t.settle();
  assert.deepEqual(t.sink.pushes, ['1>alice']);
  assert.match(t.logs.join('\n'), /test hook: dropped the notification of abcd:2/);
  await t.f.catchUp();
  await t.settle();
  assert.deepEqual(t.sink.pushes, ['1>alice', '2>alice']);
  assert.match(t.logs.join('\n'), /catch-up: 1 groups past their notifications \(abcd 1->2\)/);
  t.db.add(3); // accepted while the listener was down
  t.reconnected();
  await t.settle();
  assert.deepEqual(t.sink.pushes.slice(2), ['3>alice']);
  await t.f.close();
});

it('follows a group a connected device starts reading, from the seq it started at; Welcomes of other processes only', async () => {
  const t = await setup();
  t.f.online(bob);
  await t.settle();
  for (const s of [1, 2, 3]) t.db.add(s);
  t.message(3); // not followed yet: nobody here reads it
  await t.settle();
  t.db.windows.push({ ...bob, joinSeq: 2, leaveSeq: null });
  t.notify(JSON.stringify({ k: 'j', g: GH, u: 'bob', d: 'd1', s: 3 }));
  t.db.add(4);
  t.message(4);
  await t.settle();
  assert.deepEqual(t.sink.pushes, ['4>bob'], 'what came before he accepted, he fetches');
  const w: WelcomeRecord = { id: 7, groupId: G, epoch: 1n, data: new Uint8Array(1), sender: alice, createdAt: 0 };
  t.db.welcomes.set(7, { welcome: w, to: [bob, alice] });
  t.notify(JSON.stringify({ k: 'w', id: 7, n: 'me' }));
  t.notify(JSON.stringify({ k: 'w', id: 7, n: 'other' }));
  t.notify('{"k":"x"}');
  await t.settle();
  assert.deepEqual(t.sink.pushes.slice(1), ['welcome 7>bob'], 'its own Welcomes were pushed when it accepted them; alice is not connected here');
  assert.match(t.logs.join('\n'), /ignored a notification \(k: unknown kind "x"\)/);
  await t.f.close();
});

it('a message pushed before its group was followed is not pushed again when the follow starts below it', async () => {
  const t = await setup();
  t.db.windows.push({ ...alice, joinSeq: 1, leaveSeq: null });
  t.f.accepted(t.db.add(1), [alice], { name: 'conn1' }); // not followed yet: pushed at once
  t.notify(JSON.stringify({ k: 'j', g: GH, u: 'alice', d: 'd1', s: 0 })); // too late for alice's online query...
  t.f.online(alice);
  t.notify(JSON.stringify({ k: 'j', g: GH, u: 'alice', d: 'd1', s: 0 })); // ...and a reader notice from before the message
  t.message(1);
  await t.settle();
  assert.deepEqual(t.sink.pushes, ['1>alice (not conn1)']);
  await t.f.close();
});

it('parses notifications strictly', () => {
  assert.deepEqual(parseNotice('{"k":"m","g":"0aff","s":12}'), { kind: 'message', groupId: new Uint8Array([10, 255]), seq: 12 });
  assert.deepEqual(parseNotice('{"k":"j","g":"00","u":"a","d":"b","s":0}'), { kind: 'reader', groupId: new Uint8Array([0]), device: { userId: 'a', deviceId: 'b' }, lastSeq: 0 });
  assert.deepEqual(parseNotice('{"k":"w","id":3,"n":"x"}'), { kind: 'welcome', id: 3, node: 'x' });
  for (const bad of ['', 'null', '[]', '{"k":"m","g":"0AFF","s":1}', '{"k":"m","g":"abc","s":1}', '{"k":"m","g":"","s":1}', '{"k":"m","g":"00","s":-1}', '{"k":"m","g":"00","s":1.5}', '{"k":"j","g":"00","u":1,"d":"b","s":0}', '{"k":"w","id":"3","n":"x"}']) {
    assert.throws(() => parseNotice(bad), NoticeError, bad);
  }
});

it("a notification that outruns its own request's completion does not push the poster its own message", async () => {
  const t = await setup(undefined, 200);
  t.db.windows.push({ ...alice, joinSeq: 1, leaveSeq: null }, { ...bob, joinSeq: 1, leaveSeq: null });
  t.f.online(alice);
  t.f.online(bob);
  await t.settle();
  // alice posts through this process; the database's notification arrives before accepted() runs.
  const m1 = t.db.add(1);
  t.message(1);
  await t.settle();
  assert.deepEqual(t.sink.pushes, [], 'held until accepted() names the connection');
  t.f.accepted(m1, [alice, bob], { name: 'conn1' });
  await t.settle();
  assert.deepEqual(t.sink.pushes, ['1>alice+bob (not conn1)']);
  // A message by alice accepted through another process (alice connected there too): pushed after the wait, to every connection here.
  t.db.add(2);
  t.message(2);
  await new Promise((r) => setTimeout(r, 300));
  await t.settle();
  assert.deepEqual(t.sink.pushes.slice(1), ['2>alice+bob']);
  await t.f.close();
});
