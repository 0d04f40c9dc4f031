// The SQLite storage directly, and the server in-process with an injected clock (retention).
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { defaultServiceConfig } from '../../server/service.js';
import { SqliteStorage } from '../../server/storage/sqlite.js';
import { defaultServerOptions, DeliveryServer } from '../../server/ws-server.js';
import { b64, Client, CT, device, keyPackage, privateMessage, tempDir, welcome, type Json } from './client.js';

const tmp = tempDir();
after(() => tmp.cleanup());

const alice = { userId: 'alice', deviceId: 'd1' };
const bob = { userId: 'bob', deviceId: 'd1' };
const key = new Uint8Array(32);

void it('hands each KeyPackage out once across two handles on the same file', async () => {
  const file = `${tmp.dir}/kp.db`;
  const s1 = new SqliteStorage(file);
  const s2 = new SqliteStorage(file);
  assert.equal(await s1.registerDevice({ ...alice, publicKey: key, createdAt: 0 }, true), 'ok');
  assert.equal(await s2.registerDevice({ ...alice, deviceId: 'd2', publicKey: key, createdAt: 0 }, true), 'user_exists');
  assert.equal(await s2.registerDevice({ userId: 'nobody', deviceId: 'd2', publicKey: key, createdAt: 0 }, false), 'unknown_user');
  const kps = Array.from({ length: 40 }, (_, i) => keyPackage(`k${i}`));
  assert.deepEqual(await s1.uploadKeyPackages(alice, kps, keyPackage('last'), 1000, 0), { ok: true, remaining: 40 });
  assert.deepEqual(await s1.uploadKeyPackages(alice, kps, null, 50, 0), { ok: false, remaining: 40 });
  const got: string[] = [];
  for (let i = 0; i < 42; i++) {
    const r = await (i % 2 === 0 ? s1 : s2).claimKeyPackages('alice');
    got.push(`${Buffer.from(r.claimed[0]!.data).toString('latin1').slice(41)}${r.claimed[0]!.lastResort ? '*' : ''}`);
  }
  assert.equal(new Set(got.slice(0, 40)).size, 40);
  assert.deepEqual(got.slice(40), ['leaf:last*', 'leaf:last*']);
  assert.deepEqual(await s2.countKeyPackages(alice), { remaining: 0, lastResort: true });
  await s1.close();
  await s2.close();
});

void it('accepts one commit per epoch across two handles, and a refused commit changes nothing', async () => {
  const file = `${tmp.dir}/commit.db`;
  const s1 = new SqliteStorage(file);
  const s2 = new SqliteStorage(file, 'normal');
  await s1.registerDevice({ ...alice, publicKey: key, createdAt: 0 }, true);
  await s1.registerDevice({ ...bob, publicKey: key, createdAt: 0 }, true);
  const g = new Uint8Array([1, 2, 3]);
  assert.equal(await s1.createGroup(g, alice, false, null, 0), 'ok');
  assert.equal(await s2.createGroup(g, bob, false, null, 0), 'group_exists');
  const base = { groupId: g, epoch: 0n, sender: alice, external: false, groupInfo: null, welcomes: [], add: [], remove: [], now: 1 };
  const r1 = await s1.postCommit({ ...base, data: new Uint8Array([1]) });
  const r2 = await s2.postCommit({ ...base, data: new Uint8Array([2]) });
  assert.deepEqual(r1, { ok: true, seq: 1, epoch: 1n, welcomeIds: [], recipients: [alice] });
  assert.deepEqual(r2, { ok: false, code: 'stale_epoch', currentEpoch: 1n });
  // A roster error rolls everything back: no message, no epoch change.
  const bad = await s2.postCommit({ ...base, epoch: 1n, data: new Uint8Array([3]), add: [bob], welcomes: [] });
  assert.equal(bad.ok, false);
  assert.deepEqual(await s1.getGroup(g).then((x) => [x?.epoch, x?.lastSeq]), [1n, 1]);
  assert.equal((await s1.fetchMessages(g, alice, 0, 10)).length, 1);
  assert.deepEqual(await s1.postCommit({ ...base, sender: bob, epoch: 1n, data: new Uint8Array([4]) }), { ok: false, code: 'not_member' });
  await s1.close();
  await s2.close();
});

void it('deletes messages and Welcomes past the retention period (injected clock)', async () => {
  let now = Date.UTC(2026, 0, 1);
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
    const { client: a } = await device(url, 'ret-a');
    const { client: b } = await device(url, 'ret-b');
    const { client: c } = await device(url, 'ret-c');
    clients.push(a, b, c);
    const g = new TextEncoder().encode('retention');
    await a.ok('group.create', { groupId: b64(g) });
    const to = [{ userId: 'ret-b', deviceId: 'd1' }];
    await a.ok('group.commit', { commit: b64(privateMessage(g, 0n, CT.commit)), add: to, welcomes: [{ welcome: b64(welcome()), to }] });
    for (let i = 0; i < 3; i++) await a.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, `old${i}`)) });
    // Day 20: one more message and a Welcome for c that nobody collects.
    now += 20 * 86_400_000;
    const to2 = [{ userId: 'ret-c', deviceId: 'd1' }];
    await a.ok('group.commit', { commit: b64(privateMessage(g, 1n, CT.commit)), add: to2, welcomes: [{ welcome: b64(welcome()), to: to2 }] });
    await a.ok('group.send', { message: b64(privateMessage(g, 2n, CT.application, 'newer')) });
    await server.purge();
    assert.equal(((await b.ok('group.fetch', { groupId: b64(g) })).messages as Json[]).length, 5, 'nothing expired at day 20');
    // Day 31: the first batch (day 0) is gone although b never acknowledged it; the day-20 ones stay.
    now += 11 * 86_400_000;
    await server.purge();
    const left = (await b.ok('group.fetch', { groupId: b64(g) })).messages as Json[];
    assert.deepEqual(left.map((m) => m.seq), [5, 6]);
    assert.equal(((await c.ok('welcome.list')).welcomes as Json[]).length, 1);
    // Day 51: everything is past retention.
    now += 20 * 86_400_000;
    await server.purge();
    assert.deepEqual((await b.ok('group.fetch', { groupId: b64(g) })).messages, []);
    assert.deepEqual((await c.ok('welcome.list')).welcomes, []);
  } finally {
    for (const c of clients) c.ws.terminate();
    await server.shutdown();
  }
});
