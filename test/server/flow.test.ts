// The delivery service end to end: a real server process on loopback, real ws clients.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  b64,
  Client,
  CT,
  device,
  groupInfo,
  keyPackage,
  newDeviceKey,
  privateMessage,
  publicMessage,
  signAs,
  startServer,
  tempDir,
  unb64,
  welcome,
  type Json,
  type ServerProc,
} from './client.js';

let server: ServerProc;
let tmp: ReturnType<typeof tempDir>;
const clients: Client[] = [];

before(async () => {
  tmp = tempDir();
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet', '--rate', '10000', '--burst', '10000']);
});

after(async () => {
  for (const c of clients) c.ws.terminate();
  await server?.kill('SIGKILL');
  tmp?.cleanup();
});

async function dev(userId: string, deviceId = 'd1') {
  const d = await device(server.url, userId, deviceId);
  clients.push(d.client);
  return d;
}

async function connect(): Promise<Client> {
  const c = await Client.connect(server.url);
  clients.push(c);
  return c;
}

const gid = (s: string): Uint8Array => new TextEncoder().encode(s);

void describe('accounts and login', () => {
  void it('greets with hello and refuses everything but challenge/register/login before login', async () => {
    const c = await connect();
    const hello = await c.nextPush((p) => p.push === 'hello');
    assert.equal(hello.v, 1);
    for (const type of ['ping', 'keypackages.count', 'group.list', 'group.fetch', 'welcome.list']) {
      const r = await c.request(type, {});
      assert.equal(r.ok, false);
      assert.equal(r.error, 'not_logged_in', type);
    }
  });

  void it('registers the first device, logs in with a fresh challenge, refuses a replayed one', async () => {
    const key = newDeviceKey();
    const a = await connect();
    assert.equal((await a.register('alice', 'laptop', key)).ok, true);
    assert.equal((await a.ok('ping')).ok, true);

    const b = await connect();
    const ch = unb64((await b.ok('challenge')).challenge as string);
    const sig = signAs(key, 'login', [ch, 'alice', 'laptop']);
    const first = await b.request('login', { userId: 'alice', deviceId: 'laptop', challenge: b64(ch), signature: sig });
    assert.equal(first.ok, true);

    // The same challenge and signature on another connection: not a challenge it issued.
    const c = await connect();
    const replay = await c.request('login', { userId: 'alice', deviceId: 'laptop', challenge: b64(ch), signature: sig });
    assert.equal(replay.error, 'challenge_invalid');
    // And on the same connection after a failure, a challenge is single use.
    const ch2 = unb64((await c.ok('challenge')).challenge as string);
    const bad = await c.request('login', { userId: 'alice', deviceId: 'laptop', challenge: b64(ch2), signature: signAs(newDeviceKey(), 'login', [ch2, 'alice', 'laptop']) });
    assert.equal(bad.error, 'bad_signature');
    const again = await c.request('login', { userId: 'alice', deviceId: 'laptop', challenge: b64(ch2), signature: signAs(key, 'login', [ch2, 'alice', 'laptop']) });
    assert.equal(again.error, 'challenge_invalid');
    assert.equal((await c.request('ping')).error, 'not_logged_in');
  });

  void it('claims a user id with the first device; a second needs an existing device signature', async () => {
    const k1 = newDeviceKey();
    const a = await connect();
    assert.equal((await a.register('bob', 'phone', k1)).ok, true);
    const thief = await connect();
    assert.equal((await thief.register('bob', 'evil', newDeviceKey())).error, 'user_exists');
    const forger = await connect();
    const fk = newDeviceKey();
    assert.equal((await forger.register('bob', 'evil', fk, { deviceId: 'phone', key: newDeviceKey() })).error, 'bad_signature');
    const k2 = newDeviceKey();
    const b = await connect();
    assert.equal((await b.register('bob', 'desk', k2, { deviceId: 'phone', key: k1 })).ok, true);
    const again = await connect();
    assert.equal((await again.register('bob', 'desk', newDeviceKey(), { deviceId: 'phone', key: k1 })).error, 'device_exists');
  });
});

void describe('KeyPackages', () => {
  void it('hands each package out once, then the last-resort one, and counts what is left', async () => {
    const { client: carol1, key } = await dev('carol', 'c1');
    const carol2 = await connect();
    assert.equal((await carol2.register('carol', 'c2', newDeviceKey(), { deviceId: 'c1', key })).ok, true);
    const up = await carol1.ok('keypackages.upload', { keyPackages: [b64(keyPackage('a')), b64(keyPackage('b'))], lastResort: b64(keyPackage('last')) });
    assert.equal(up.remaining, 2);
    assert.deepEqual(await carol1.ok('keypackages.count').then((r) => [r.remaining, r.lastResort]), [2, true]);

    const { client: dave } = await dev('dave');
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await dave.ok('keypackages.claim', { userId: 'carol' });
      assert.deepEqual(r.missing, ['c2']);
      const kps = r.keyPackages as Json[];
      assert.equal(kps.length, 1);
      assert.equal(kps[0]!.deviceId, 'c1');
      seen.push(`${Buffer.from(unb64(kps[0]!.keyPackage as string).subarray(41)).toString()}:${String(kps[0]!.lastResort)}`);
    }
    assert.deepEqual(seen, ['leaf:a:false', 'leaf:b:false', 'leaf:last:true', 'leaf:last:true']);
    assert.deepEqual(await carol1.ok('keypackages.count').then((r) => [r.remaining, r.lastResort]), [0, true]);
    assert.equal((await dave.request('keypackages.claim', { userId: 'nobody' })).error, 'unknown_user');
    const bad = await carol1.request('keypackages.upload', { keyPackages: [b64(privateMessage(gid('g'), 0n, CT.application))] });
    assert.equal(bad.error, 'bad_message');
  });
});

void describe('groups and delivery', () => {
  void it('creates a group, adds a member with a Welcome, posts, pushes, catches up offline, acks and deletes', async () => {
    const { client: erin } = await dev('erin');
    const { client: fred, key: fredKey } = await dev('fred');
    const g = gid('group-erin-1');

    assert.equal((await erin.ok('group.create', { groupId: b64(g) })).epoch, '0');
    assert.equal((await fred.request('group.create', { groupId: b64(g) })).error, 'group_exists');
    // Not a member yet: fred can neither read nor post.
    assert.equal((await fred.request('group.fetch', { groupId: b64(g) })).error, 'not_member');
    assert.equal((await fred.request('group.send', { message: b64(privateMessage(g, 0n, CT.application)) })).error, 'not_member');

    // Commit epoch 0 -> 1 adding fred, with his Welcome and the new GroupInfo.
    const c1 = await erin.ok('group.commit', {
      commit: b64(privateMessage(g, 0n, CT.commit, 'add fred')),
      groupInfo: b64(groupInfo(g, 1n)),
      welcomes: [{ welcome: b64(welcome('fred')), to: [{ userId: 'fred', deviceId: 'd1' }] }],
      add: [{ userId: 'fred', deviceId: 'd1' }],
    });
    assert.deepEqual([c1.seq, c1.epoch], [1, '1']);
    const wp = await fred.nextPush((p) => p.push === 'welcome');
    assert.equal(wp.groupId, b64(g));
    assert.equal(wp.epoch, '1');
    const wl = await fred.ok('welcome.list');
    assert.equal((wl.welcomes as Json[]).length, 1);
    assert.equal((await fred.ok('welcome.ack', { ids: [(wl.welcomes as Json[])[0]!.id] })).removed, 1);
    assert.equal(((await fred.ok('welcome.list')).welcomes as Json[]).length, 0);

    // Roster and GroupInfo.
    const roster = await fred.ok('group.roster', { groupId: b64(g) });
    assert.deepEqual(roster.devices, [
      { userId: 'erin', deviceId: 'd1' },
      { userId: 'fred', deviceId: 'd1' },
    ]);
    const gi = await fred.ok('group.info', { groupId: b64(g) });
    assert.equal(gi.epoch, '1');
    assert.deepEqual(unb64(gi.groupInfo as string), groupInfo(g, 1n));

    // Post and receive by push; the sender's own connection gets the seq in the response, not a push.
    const m2 = await erin.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, 'hello fred')) });
    assert.equal(m2.seq, 2);
    const push = await fred.nextPush((p) => p.push === 'message' && p.seq === 2);
    assert.equal(push.kind, 'application');
    assert.equal(push.epoch, '1');
    assert.deepEqual(push.sender, { userId: 'erin', deviceId: 'd1' });
    assert.deepEqual(unb64(push.message as string), privateMessage(g, 1n, CT.application, 'hello fred'));

    // Fred sees from his join point only (not the commit that added him).
    const f1 = await fred.ok('group.fetch', { groupId: b64(g) });
    assert.deepEqual((f1.messages as Json[]).map((m) => m.seq), [2]);
    await fred.ok('group.ack', { groupId: b64(g), seq: 2 });

    // Fred goes offline; erin posts 5 messages; fred reconnects and catches up from his cursor, paged.
    fred.ws.terminate();
    for (let i = 0; i < 5; i++) await erin.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, `m${i}`)) });
    const fred2 = await connect();
    assert.equal((await fred2.login('fred', 'd1', fredKey)).ok, true);
    const list = await fred2.ok('group.list');
    assert.deepEqual(list.groups, [{ groupId: b64(g), epoch: '1', lastSeq: 7, acked: 2, member: true }]);
    const p1 = await fred2.ok('group.fetch', { groupId: b64(g), limit: 3 });
    assert.deepEqual((p1.messages as Json[]).map((m) => m.seq), [3, 4, 5]);
    assert.equal(p1.more, true);
    const p2 = await fred2.ok('group.fetch', { groupId: b64(g), after: 5, limit: 3 });
    assert.deepEqual((p2.messages as Json[]).map((m) => m.seq), [6, 7]);
    assert.equal(p2.more, false);
    assert.deepEqual(
      (p2.messages as Json[]).map((m) => Buffer.from(unb64(m.message as string)).toString().slice(-2)),
      ['m3', 'm4'],
    );

    // Deletion: nothing goes until every member device has acknowledged.
    await fred2.ok('group.ack', { groupId: b64(g), seq: 7 });
    const stillThere = await fred2.ok('group.fetch', { groupId: b64(g), after: 0 });
    assert.deepEqual((stillThere.messages as Json[]).map((m) => m.seq), [2, 3, 4, 5, 6, 7]);
    const ack = await erin.ok('group.ack', { groupId: b64(g), seq: 5 });
    assert.equal(ack.acked, 5);
    const partly = await fred2.ok('group.fetch', { groupId: b64(g), after: 0 });
    assert.deepEqual((partly.messages as Json[]).map((m) => m.seq), [6, 7]);
    // An ack past the end is clamped to the last message.
    assert.equal((await erin.ok('group.ack', { groupId: b64(g), seq: 1000 })).acked, 7);
    const gone = await fred2.ok('group.fetch', { groupId: b64(g), after: 0 });
    assert.deepEqual(gone.messages, []);
  });

  void it('orders epochs: stale commits are refused with the current epoch; proposals current only; application within the past window', async () => {
    const { client: gina } = await dev('gina');
    const g = gid('group-gina');
    await gina.ok('group.create', { groupId: b64(g) });
    for (let e = 0n; e < 4n; e++) await gina.ok('group.commit', { commit: b64(privateMessage(g, e, CT.commit)) });
    const stale = await gina.request('group.commit', { commit: b64(privateMessage(g, 2n, CT.commit)) });
    assert.equal(stale.error, 'stale_epoch');
    assert.equal(stale.epoch, '4');
    const future = await gina.request('group.commit', { commit: b64(privateMessage(g, 9n, CT.commit)) });
    assert.equal(future.epoch, '4');
    assert.equal((await gina.request('group.send', { message: b64(publicMessage(g, 3n, CT.proposal)) })).error, 'stale_epoch');
    assert.equal((await gina.ok('group.send', { message: b64(publicMessage(g, 4n, CT.proposal)) })).seq, 5);
    // Default window: current and 2 past epochs.
    assert.equal((await gina.ok('group.send', { message: b64(privateMessage(g, 2n, CT.application)) })).seq, 6);
    assert.equal((await gina.request('group.send', { message: b64(privateMessage(g, 1n, CT.application)) })).error, 'stale_epoch');
    assert.equal((await gina.request('group.send', { message: b64(privateMessage(g, 5n, CT.application)) })).error, 'stale_epoch');
    // Commits go through group.commit; the server reads the type from the bytes.
    assert.equal((await gina.request('group.send', { message: b64(privateMessage(g, 4n, CT.commit)) })).error, 'wrong_content_type');
    assert.equal((await gina.request('group.commit', { commit: b64(privateMessage(g, 4n, CT.application)) })).error, 'wrong_content_type');
    // A GroupInfo that does not match the commit's group or next epoch is refused, and nothing is stored.
    const badGi = await gina.request('group.commit', { commit: b64(privateMessage(g, 4n, CT.commit)), groupInfo: b64(groupInfo(g, 4n)) });
    assert.equal(badGi.error, 'bad_message');
    const list = await gina.ok('group.list');
    assert.equal((list.groups as Json[])[0]!.lastSeq, 6);
    assert.equal((list.groups as Json[])[0]!.epoch, '4');
  });

  void it('removes a device: it receives the removing commit, then can no longer post or read', async () => {
    const { client: hank } = await dev('hank');
    const { client: ivy } = await dev('ivy');
    const g = gid('group-hank');
    await hank.ok('group.create', { groupId: b64(g) });
    await hank.ok('group.commit', {
      commit: b64(privateMessage(g, 0n, CT.commit)),
      welcomes: [{ welcome: b64(welcome()), to: [{ userId: 'ivy', deviceId: 'd1' }] }],
      add: [{ userId: 'ivy', deviceId: 'd1' }],
    });
    // An add without a Welcome for the added device is refused.
    const noWelcome = await hank.request('group.commit', { commit: b64(privateMessage(g, 1n, CT.commit)), add: [{ userId: 'gina', deviceId: 'd1' }] });
    assert.equal(noWelcome.error, 'bad_roster');
    const rm = await hank.ok('group.commit', { commit: b64(privateMessage(g, 1n, CT.commit)), remove: [{ userId: 'ivy', deviceId: 'd1' }] });
    const push = await ivy.nextPush((p) => p.push === 'message' && p.seq === rm.seq);
    assert.equal(push.kind, 'commit');
    assert.equal((await ivy.request('group.send', { message: b64(privateMessage(g, 2n, CT.application)) })).error, 'not_member');
    const last = await ivy.ok('group.fetch', { groupId: b64(g) });
    assert.deepEqual((last.messages as Json[]).map((m) => m.seq), [2]);
    await ivy.ok('group.ack', { groupId: b64(g), seq: 2 });
    assert.equal((await ivy.request('group.fetch', { groupId: b64(g) })).error, 'not_member');
    assert.deepEqual((await ivy.ok('group.list')).groups, []);
  });

  void it('pushes to every connection of every member device except the sending connection', async () => {
    const { client: lena1, key } = await dev('lena', 'd1');
    const lena2 = await connect();
    const k2 = newDeviceKey();
    assert.equal((await lena2.register('lena', 'd2', k2, { deviceId: 'd1', key })).ok, true);
    const lena1b = await connect();
    assert.equal((await lena1b.login('lena', 'd1', key)).ok, true);
    const g = gid('group-lena');
    await lena1.ok('group.create', { groupId: b64(g) });
    const to = [{ userId: 'lena', deviceId: 'd2' }];
    await lena1.ok('group.commit', { commit: b64(privateMessage(g, 0n, CT.commit)), add: to, welcomes: [{ welcome: b64(welcome()), to }] });
    const sent = await lena1.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, 'to myself')) });
    const onOther = await lena1b.nextPush((p) => p.push === 'message' && p.seq === sent.seq);
    const onD2 = await lena2.nextPush((p) => p.push === 'message' && p.seq === sent.seq);
    assert.deepEqual(onOther, onD2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lena1.pushes.filter((p) => p.push === 'message').length, 0);
  });

  void it('serves GroupInfo to non-members only when external joins are allowed; an external commit adds its sender', async () => {
    const { client: jack } = await dev('jack');
    const { client: kim } = await dev('kim');
    const closed = gid('closed-group');
    const open = gid('open-group');
    await jack.ok('group.create', { groupId: b64(closed), groupInfo: b64(groupInfo(closed, 0n)) });
    await jack.ok('group.create', { groupId: b64(open), allowExternalJoin: true, groupInfo: b64(groupInfo(open, 0n)) });
    assert.equal((await kim.request('group.info', { groupId: b64(closed) })).error, 'not_member');
    assert.equal((await kim.ok('group.info', { groupId: b64(open) })).epoch, '0');
    const ext = await kim.ok('group.commit', {
      commit: b64(publicMessage(open, 0n, CT.commit, 4)),
      groupInfo: b64(groupInfo(open, 1n)),
      add: [{ userId: 'kim', deviceId: 'd1' }],
    });
    assert.equal(ext.epoch, '1');
    const pushed = await jack.nextPush((p) => p.push === 'message' && p.groupId === b64(open));
    assert.equal(pushed.kind, 'commit');
    const refused = await kim.request('group.commit', { commit: b64(publicMessage(closed, 0n, CT.commit, 4)), add: [{ userId: 'kim', deviceId: 'd1' }] });
    assert.equal(refused.error, 'not_authorized');
  });
});
