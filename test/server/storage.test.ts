// The SQLite storage directly, and the server in-process with an injected clock (retention).
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { defaultServiceConfig } from '../../server/service.js';
import { SqliteStorage } from '../../server/storage/sqlite.js';
import type { CommitInput } from '../../server/storage/types.js';
import { defaultServerOptions, DeliveryServer } from '../../server/ws-server.js';
import { b64, CT, privateMessage, tempDir, type Client, type Json } from './client.js';
import { formGroup, mlsDevice } from './mls-client.js';

const tmp = tempDir();
after(() => tmp.cleanup());

const alice = { userId: 'alice', deviceId: 'd1' };
const bob = { userId: 'bob', deviceId: 'd1' };
const key = new Uint8Array(32);
const kp = (tag: string, notAfter = 4_000_000_000n) => ({ data: new TextEncoder().encode(`kp:${tag}`), notAfter });
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

void it('hands each KeyPackage out once across two handles on the same file; quota per user; expired ones never', async () => {
  const file = `${tmp.dir}/kp.db`;
  const s1 = new SqliteStorage(file);
  const s2 = new SqliteStorage(file);
  assert.equal(await s1.registerDevice({ ...alice, publicKey: key, createdAt: 0 }, true, 2), 'ok');
  assert.equal(await s2.registerDevice({ ...alice, deviceId: 'd2', publicKey: key, createdAt: 0 }, true, 2), 'user_exists');
  assert.equal(await s2.registerDevice({ ...alice, deviceId: 'd2', publicKey: key, createdAt: 0 }, false, 2), 'ok');
  assert.equal(await s2.registerDevice({ ...alice, deviceId: 'd3', publicKey: key, createdAt: 0 }, false, 2), 'too_many_devices');
  assert.equal(await s2.registerDevice({ userId: 'nobody', deviceId: 'd2', publicKey: key, createdAt: 0 }, false, 2), 'unknown_user');
  const kps = Array.from({ length: 40 }, (_, i) => kp(`k${i}`));
  assert.deepEqual(await s1.uploadKeyPackages(alice, kps, kp('last'), 1000, 0), { ok: true, remaining: 40, userTotal: 40 });
  // The quota counts the user's packages on all devices.
  assert.deepEqual(await s1.uploadKeyPackages({ ...alice, deviceId: 'd2' }, kps.slice(0, 20), null, 50, 0), { ok: false, remaining: 0, userTotal: 40 });
  const got: string[] = [];
  for (let i = 0; i < 42; i++) {
    const r = await (i % 2 === 0 ? s1 : s2).claimKeyPackages('alice', 1000n, () => true);
    const c = r.claimed.find((x) => x.deviceId === 'd1')!;
    got.push(`${text(c.data)}${c.lastResort ? '*' : ''}`);
  }
  assert.equal(new Set(got.slice(0, 40)).size, 40);
  assert.deepEqual(got.slice(40), ['kp:last*', 'kp:last*']);
  assert.deepEqual((await s1.claimKeyPackages('alice', 1000n, () => false)).withheld, ['d1']);
  assert.deepEqual(await s2.countKeyPackages(alice, 1000n), { remaining: 0, lastResort: true });
  // An expired package is never handed out, and purged.
  await s1.uploadKeyPackages(alice, [kp('old', 500n), kp('new', 5000n)], null, 1000, 0);
  assert.equal(text((await s1.claimKeyPackages('alice', 1000n, () => true)).claimed[0]!.data), 'kp:new');
  await s1.uploadKeyPackages(alice, [kp('old2', 500n)], null, 1000, 0);
  assert.equal((await s1.purgeExpired(0, 1000n)).keyPackages, 1);
  await s1.close();
  await s2.close();
});

void it('accepts one commit per epoch across two handles, only on the state revision it was computed from; a refused commit changes nothing', async () => {
  const file = `${tmp.dir}/commit.db`;
  const s1 = new SqliteStorage(file);
  const s2 = new SqliteStorage(file, 'normal');
  await s1.registerDevice({ ...alice, publicKey: key, createdAt: 0 }, true, 8);
  await s1.registerDevice({ ...bob, publicKey: key, createdAt: 0 }, true, 8);
  const g = new Uint8Array([1, 2, 3]);
  const state = (t: string): Uint8Array => new TextEncoder().encode(t);
  assert.equal(await s1.createGroup(g, alice, false, state('gi0'), state('s0'), 0), 'ok');
  assert.equal(await s2.createGroup(g, bob, false, state('gi0'), state('s0'), 0), 'group_exists');
  const rev0 = (await s1.getGroupState(g))!.stateRev;
  const base: CommitInput = {
    groupId: g, epoch: 0n, sender: alice, access: 'member', data: new Uint8Array([1]), state: { expectedRev: rev0, publicState: state('s1') },
    groupInfo: null, invited: [], joined: [], removed: [], welcomes: [], now: 1,
  };
  const r1 = await s1.postCommit(base);
  const r2 = await s2.postCommit({ ...base, data: new Uint8Array([2]) });
  assert.deepEqual(r1, { ok: true, seq: 1, epoch: 1n, welcomeIds: [], recipients: [alice] });
  assert.deepEqual(r2, { ok: false, code: 'stale_epoch', currentEpoch: 1n });
  const gs = (await s2.getGroupState(g))!;
  assert.equal(text(gs.publicState), 's1', 'the state is written with its commit');
  // A proposal moves the state on: a commit computed from the older revision must be computed again.
  const p = await s1.appendMessage({ groupId: g, epoch: 1n, kind: 'proposal', sender: alice, access: 'member', data: new Uint8Array([9]), state: { expectedRev: gs.stateRev, publicState: state('s1+p') }, pastEpochs: 2, now: 2 });
  assert.equal(p.ok, true);
  assert.deepEqual(await s2.postCommit({ ...base, epoch: 1n, state: { expectedRev: gs.stateRev, publicState: state('s2') } }), { ok: false, code: 'changed' });
  assert.deepEqual(await s1.getGroup(g).then((x) => [x?.epoch, x?.lastSeq]), [1n, 2]);
  assert.deepEqual(await s1.postCommit({ ...base, sender: bob, epoch: 1n }), { ok: false, code: 'not_member' });
  // An invited device reads nothing until it accepts; accepting is by the Welcome that invited it.
  const rev = (await s1.getGroupState(g))!.stateRev;
  const inv = await s1.postCommit({ ...base, epoch: 1n, state: { expectedRev: rev, publicState: state('s2') }, invited: [bob], welcomes: [{ data: state('w'), to: [bob] }] });
  assert.equal(inv.ok, true);
  assert.equal((await s1.getMembership(g, bob))?.status, 'invited');
  const w = await s1.listWelcomes(bob, { limit: 10, maxBytes: 1 << 20, overhead: 100 });
  assert.deepEqual(w.welcomes.map((x) => [text(x.data), x.sender.userId]), [['w', 'alice']]);
  assert.deepEqual((await s1.ackWelcomes(bob, [w.welcomes[0]!.id])).removed, 1);
  assert.equal((await s1.getMembership(g, bob))?.status, 'member');
  await s1.close();
  await s2.close();
});

void it('pages fetches by bytes as well as by count', async () => {
  const s = new SqliteStorage(`${tmp.dir}/page.db`);
  await s.registerDevice({ ...alice, publicKey: key, createdAt: 0 }, true, 8);
  const g = new Uint8Array([7]);
  await s.createGroup(g, alice, false, new Uint8Array(1), new Uint8Array(1), 0);
  for (let i = 0; i < 10; i++) {
    await s.appendMessage({ groupId: g, epoch: 0n, kind: 'application', sender: alice, access: 'member', data: new Uint8Array(1000), state: null, pastEpochs: 2, now: 0 });
  }
  const page = (maxBytes: number, limit = 100) => s.fetchMessages(g, alice, 0, { limit, maxBytes, overhead: 24 }).then((r) => [r.messages.length, r.more]);
  assert.deepEqual(await page(1_000_000), [10, false]);
  assert.deepEqual(await page(3072), [3, true]);
  assert.deepEqual(await page(10), [1, true], 'never an empty page while something is there');
  assert.deepEqual(await page(1_000_000, 4), [4, true]);
  await s.close();
});

void it('deletes messages and Welcomes past the retention period (injected clock)', async () => {
  let now = Date.now();
  const storage = new SqliteStorage(`${tmp.dir}/retention.db`);
  const server = new DeliveryServer({
    ...defaultServerOptions,
    port: 0,
    storage,
    ratePerSecond: 10_000,
    rateBurst: 10_000,
    service: defaultServiceConfig,
    now: () => now,
    log: () => {},
  });
  const port = await server.start();
  const url = `ws://127.0.0.1:${port}`;
  const clients: Client[] = [];
  try {
    const a = await mlsDevice(url, 'ret-a');
    const b = await mlsDevice(url, 'ret-b');
    const c = await mlsDevice(url, 'ret-c');
    clients.push(a.client, b.client, c.client);
    const g = new TextEncoder().encode('retention');
    await formGroup(a, [b], g);
    for (let i = 0; i < 3; i++) await a.client.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, `old${i}`)) });
    // Day 20: one more message and an invitation for c that nobody collects.
    now += 20 * 86_400_000;
    await c.upload(1);
    await a.claimAndAdd(g, ['ret-c']);
    await a.client.ok('group.send', { message: b64(privateMessage(g, 2n, CT.application, 'newer')) });
    await server.purge();
    assert.equal(((await b.client.ok('group.fetch', { groupId: b64(g) })).messages as Json[]).length, 5, 'nothing expired at day 20');
    // Day 31: the first batch (day 0) is gone although b never acknowledged it; the day-20 ones stay.
    now += 11 * 86_400_000;
    await server.purge();
    const left = (await b.client.ok('group.fetch', { groupId: b64(g) })).messages as Json[];
    assert.deepEqual(left.map((m) => m.seq), [5, 6]);
    assert.equal(((await c.client.ok('welcome.list')).welcomes as Json[]).length, 1);
    // Day 51: everything is past retention.
    now += 20 * 86_400_000;
    await server.purge();
    assert.deepEqual((await b.client.ok('group.fetch', { groupId: b64(g) })).messages, []);
    assert.deepEqual((await c.client.ok('welcome.list')).welcomes, []);
  } finally {
    for (const c of clients) c.ws.terminate();
    await server.shutdown();
  }
});
