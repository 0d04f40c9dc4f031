// The delivery service end to end: a real server process on loopback, real ws clients.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as mls from '../../main/mls/index.js';
import {
  b64,
  Client,
  CT,
  device,
  newDeviceKey,
  privateMessage,
  publicMessage,
  signAs,
  startServer,
  tempDir,
  unb64,
  type Json,
  type ServerProc,
} from './client.js';
import { formGroup, mlsDevice, MlsDevice } from './mls-client.js';

let server: ServerProc;
let tmp: ReturnType<typeof tempDir>;
const clients: Client[] = [];

before(async () => {
  tmp = tempDir();
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet', '--rate', '10000', '--burst', '10000', '--device-rate', '10000', '--device-burst', '10000']);
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

async function mdev(userId: string, deviceId = 'd1'): Promise<MlsDevice> {
  const d = await mlsDevice(server.url, userId, deviceId);
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
    const carol1 = await mdev('carol', 'c1');
    const carol2 = await connect();
    assert.equal((await carol2.register('carol', 'c2', newDeviceKey(), { deviceId: 'c1', key: carol1.key })).ok, true);
    const kps = [carol1.keyPackage(), carol1.keyPackage()];
    const last = carol1.keyPackage({ lastResort: true });
    const up = await carol1.client.ok('keypackages.upload', { keyPackages: kps.map(b64), lastResort: b64(last) });
    assert.equal(up.remaining, 2);
    assert.deepEqual(await carol1.client.ok('keypackages.count').then((r) => [r.remaining, r.lastResort]), [2, true]);

    const { client: dave } = await dev('dave');
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await dave.ok('keypackages.claim', { userId: 'carol' });
      assert.deepEqual(r.missing, ['c2']);
      const got = r.keyPackages as Json[];
      assert.equal(got.length, 1);
      assert.equal(got[0]!.deviceId, 'c1');
      const bytes = unb64(got[0]!.keyPackage as string);
      const which = [...kps, last].findIndex((k) => Buffer.compare(k, bytes) === 0);
      seen.push(`${['a', 'b', 'last'][which]}:${String(got[0]!.lastResort)}`);
    }
    assert.deepEqual(seen, ['a:false', 'b:false', 'last:true', 'last:true']);
    assert.deepEqual(await carol1.client.ok('keypackages.count').then((r) => [r.remaining, r.lastResort]), [0, true]);
    assert.equal((await dave.request('keypackages.claim', { userId: 'nobody' })).error, 'unknown_user');
    const bad = await carol1.client.request('keypackages.upload', { keyPackages: [b64(privateMessage(gid('g'), 0n, CT.application))] });
    assert.equal(bad.error, 'bad_message');
  });
});

void describe('groups and delivery', () => {
  void it('creates a group, invites a member, who accepts, reads from the adding commit on, catches up offline, acks and deletes', async () => {
    const erin = await mdev('erin');
    const fred = await mdev('fred');
    const g = gid('group-erin-1');

    assert.equal((await erin.createGroup(g)).epoch, '0');
    assert.equal((await fred.client.request('group.create', { groupId: b64(g), groupInfo: b64(mls.groupInfo(mls.createGroup(fred.identity, { groupId: g }))) })).error, 'group_exists');
    // Not a member yet: fred can neither read nor post.
    assert.equal((await fred.client.request('group.fetch', { groupId: b64(g) })).error, 'not_member');
    assert.equal((await fred.client.request('group.send', { message: b64(privateMessage(g, 0n, CT.application)) })).error, 'not_member');

    // Commit epoch 0 -> 1 adding fred, with his Welcome and the new GroupInfo.
    await fred.upload(1);
    const kp = unb64(((await erin.client.ok('keypackages.claim', { userId: 'fred' })).keyPackages as Json[])[0]!.keyPackage as string);
    const c1 = await erin.add(g, [{ ref: fred.ref, keyPackage: kp }]);
    assert.deepEqual([c1.seq, c1.epoch], [1, '1']);
    const wp = await fred.client.nextPush((p) => p.push === 'welcome');
    assert.equal(wp.groupId, b64(g));
    assert.equal(wp.epoch, '1');
    assert.deepEqual(wp.sender, { userId: 'erin', deviceId: 'd1' }, 'the invitation names who invited');

    // Invited, not yet accepted: no pushes, no reading, not listed.
    await erin.client.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, 'before fred accepts')) });
    const invited = await fred.client.request('group.fetch', { groupId: b64(g) });
    assert.equal(invited.error, 'not_member');
    assert.equal(invited.status, 'invited');
    assert.deepEqual((await fred.client.ok('group.list')).groups, []);
    const roster0 = await erin.client.ok('group.roster', { groupId: b64(g) });
    assert.deepEqual(roster0.devices, [
      { userId: 'erin', deviceId: 'd1', status: 'member' },
      { userId: 'fred', deviceId: 'd1', status: 'invited' },
    ]);

    const accepted = await fred.acceptAll();
    assert.equal(accepted.length, 1);
    assert.equal(((await fred.client.ok('welcome.list')).welcomes as Json[]).length, 0);
    assert.equal(fred.client.pushes.filter((p) => p.push === 'message').length, 0, 'nothing was pushed before accepting');

    const roster = await fred.client.ok('group.roster', { groupId: b64(g) });
    assert.deepEqual(roster.devices, [
      { userId: 'erin', deviceId: 'd1', status: 'member' },
      { userId: 'fred', deviceId: 'd1', status: 'member' },
    ]);
    const gi = await fred.client.ok('group.info', { groupId: b64(g) });
    assert.equal(gi.epoch, '1');

    // Post and receive by push; the sender's own connection gets the seq in the response, not a push.
    const m3 = await erin.client.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, 'hello fred')) });
    assert.equal(m3.seq, 3);
    const push = await fred.client.nextPush((p) => p.push === 'message' && p.seq === 3);
    assert.equal(push.kind, 'application');
    assert.deepEqual(push.sender, { userId: 'erin', deviceId: 'd1' });

    // Fred reads from his join point: what was sent while he was invited too.
    const f1 = await fred.client.ok('group.fetch', { groupId: b64(g) });
    assert.deepEqual((f1.messages as Json[]).map((m) => m.seq), [2, 3]);
    await fred.client.ok('group.ack', { groupId: b64(g), seq: 3 });

    // Fred goes offline; erin posts 5 messages; fred reconnects and catches up from his cursor, paged.
    fred.client.ws.terminate();
    for (let i = 0; i < 5; i++) await erin.client.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, `m${i}`)) });
    const fred2 = await connect();
    assert.equal((await fred2.login('fred', 'd1', fred.key)).ok, true);
    const list = await fred2.ok('group.list');
    assert.deepEqual(list.groups, [{ groupId: b64(g), epoch: '1', lastSeq: 8, acked: 3, member: true }]);
    const p1 = await fred2.ok('group.fetch', { groupId: b64(g), limit: 3 });
    assert.deepEqual((p1.messages as Json[]).map((m) => m.seq), [4, 5, 6]);
    assert.equal(p1.more, true);
    const p2 = await fred2.ok('group.fetch', { groupId: b64(g), after: 6, limit: 3 });
    assert.deepEqual((p2.messages as Json[]).map((m) => m.seq), [7, 8]);
    assert.equal(p2.more, false);

    // Deletion: nothing goes until every member device has acknowledged.
    await fred2.ok('group.ack', { groupId: b64(g), seq: 8 });
    const stillThere = await fred2.ok('group.fetch', { groupId: b64(g), after: 0 });
    assert.deepEqual((stillThere.messages as Json[]).map((m) => m.seq), [2, 3, 4, 5, 6, 7, 8]);
    assert.equal((await erin.client.ok('group.ack', { groupId: b64(g), seq: 6 })).acked, 6);
    const partly = await fred2.ok('group.fetch', { groupId: b64(g), after: 0 });
    assert.deepEqual((partly.messages as Json[]).map((m) => m.seq), [7, 8]);
    // An ack past the end is clamped to the last message.
    assert.equal((await erin.client.ok('group.ack', { groupId: b64(g), seq: 1000 })).acked, 8);
    assert.deepEqual((await fred2.ok('group.fetch', { groupId: b64(g), after: 0 })).messages, []);
  });

  void it('orders epochs: stale commits are refused with the current epoch; proposals current only; application within the past window', async () => {
    const gina = await mdev('gina');
    const g = gid('group-gina');
    await gina.createGroup(g);
    const commits: Uint8Array[] = [];
    for (let e = 0; e < 4; e++) {
      const c = mls.update(gina.state(g));
      commits.push(c.commit);
      await gina.postCommit(g, c);
    }
    const stale = await gina.client.request('group.commit', { commit: b64(commits[2]!) });
    assert.equal(stale.error, 'stale_epoch');
    assert.equal(stale.epoch, '4');
    const future = await gina.client.request('group.commit', { commit: b64(publicMessage(g, 9n, CT.commit)) });
    assert.equal(future.epoch, '4');
    assert.equal((await gina.client.request('group.send', { message: b64(publicMessage(g, 3n, CT.proposal)) })).error, 'stale_epoch');
    const prop = mls.proposeUpdate(gina.state(g));
    assert.equal((await gina.client.ok('group.send', { message: b64(prop.message) })).seq, 5);
    gina.setState(g, prop.state);
    // Default window: current and 2 past epochs.
    assert.equal((await gina.client.ok('group.send', { message: b64(privateMessage(g, 2n, CT.application)) })).seq, 6);
    assert.equal((await gina.client.request('group.send', { message: b64(privateMessage(g, 1n, CT.application)) })).error, 'stale_epoch');
    assert.equal((await gina.client.request('group.send', { message: b64(privateMessage(g, 5n, CT.application)) })).error, 'stale_epoch');
    // Commits go through group.commit; the server reads the type from the bytes.
    assert.equal((await gina.client.request('group.send', { message: b64(publicMessage(g, 4n, CT.commit)) })).error, 'wrong_content_type');
    assert.equal((await gina.client.request('group.commit', { commit: b64(privateMessage(g, 4n, CT.application)) })).error, 'wrong_content_type');
    // Handshake messages must be PublicMessages: the DS follows the tree.
    assert.equal((await gina.client.request('group.commit', { commit: b64(privateMessage(g, 4n, CT.commit)) })).error, 'private_handshake');
    assert.equal((await gina.client.request('group.send', { message: b64(privateMessage(g, 4n, CT.proposal)) })).error, 'private_handshake');
    // A GroupInfo that does not match the commit's group or next epoch is refused, and nothing is stored.
    const c = mls.update(gina.state(g));
    const badGi = await gina.client.request('group.commit', { commit: b64(c.commit), groupInfo: b64(mls.groupInfo(gina.state(g))) });
    assert.equal(badGi.error, 'bad_message');
    const list = await gina.client.ok('group.list');
    assert.equal((list.groups as Json[])[0]!.lastSeq, 6);
    assert.equal((list.groups as Json[])[0]!.epoch, '4');
  });

  void it('removes a device: it receives the removing commit, then can no longer post or read', async () => {
    const hank = await mdev('hank');
    const ivy = await mdev('ivy');
    const g = gid('group-hank');
    await formGroup(hank, [ivy], g);
    // An add without a Welcome for the added device is refused.
    const other = await mdev('ivan');
    const noWelcome = await hank.postCommit(g, mls.addMembers(hank.state(g), [other.keyPackage()]), []);
    assert.equal(noWelcome.error, 'bad_roster');
    const ivyLeaf = mls.members(hank.state(g)).find((m) => new TextDecoder().decode(m.identity) === 'ivy/d1')!.leafIndex;
    const rm = await hank.postCommit(g, mls.removeMembers(hank.state(g), [ivyLeaf]));
    assert.equal(rm.ok, true);
    const push = await ivy.client.nextPush((p) => p.push === 'message' && p.seq === rm.seq);
    assert.equal(push.kind, 'commit');
    assert.equal((await ivy.client.request('group.send', { message: b64(privateMessage(g, 2n, CT.application)) })).error, 'not_member');
    const last = await ivy.client.ok('group.fetch', { groupId: b64(g) });
    assert.deepEqual((last.messages as Json[]).map((m) => m.seq), [2]);
    await ivy.client.ok('group.ack', { groupId: b64(g), seq: 2 });
    assert.equal((await ivy.client.request('group.fetch', { groupId: b64(g) })).error, 'not_member');
    assert.deepEqual((await ivy.client.ok('group.list')).groups, []);
  });

  void it('pushes to every connection of every member device except the sending connection', async () => {
    const lena1 = await mdev('lena', 'd1');
    const lena2c = await connect();
    const k2 = newDeviceKey();
    assert.equal((await lena2c.register('lena', 'd2', k2, { deviceId: 'd1', key: lena1.key })).ok, true);
    const lena2 = new MlsDevice(lena2c, k2);
    const lena1b = await connect();
    assert.equal((await lena1b.login('lena', 'd1', lena1.key)).ok, true);
    const g = gid('group-lena');
    await formGroup(lena1, [lena2], g);
    const sent = await lena1.client.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, 'to myself')) });
    const onOther = await lena1b.nextPush((p) => p.push === 'message' && p.seq === sent.seq);
    const onD2 = await lena2.client.nextPush((p) => p.push === 'message' && p.seq === sent.seq);
    assert.deepEqual(onOther, onD2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lena1.client.pushes.filter((p) => p.push === 'message').length, 0);
  });

  void it('serves GroupInfo to non-members only when external joins are allowed; an external commit adds its sender', async () => {
    const jack = await mdev('jack');
    const kim = await mdev('kim');
    const closed = gid('closed-group');
    const open = gid('open-group');
    await jack.createGroup(closed);
    await jack.createGroup(open, { allowExternalJoin: true });
    assert.equal((await kim.client.request('group.info', { groupId: b64(closed) })).error, 'not_member');
    const info = await kim.client.ok('group.info', { groupId: b64(open) });
    assert.equal(info.epoch, '0');
    const join = mls.joinExternal(unb64(info.groupInfo as string), kim.identity);
    const ext = await kim.client.ok('group.commit', { commit: b64(join.commit), groupInfo: b64(join.groupInfo), add: [kim.ref] });
    assert.equal(ext.epoch, '1');
    kim.setState(open, join.state);
    const pushed = await jack.client.nextPush((p) => p.push === 'message' && p.groupId === b64(open));
    assert.equal(pushed.kind, 'commit');
    jack.setState(open, mls.processMessage(jack.state(open), unb64(pushed.message as string)).state);
    assert.equal(mls.epoch(jack.state(open)), 1n);
    // The joiner is a member at once: it reads and posts.
    assert.equal((await kim.say(open, 'hi')).ok, true);
    const closedInfo = mls.groupInfo(jack.state(closed));
    const refused = await kim.client.request('group.commit', { commit: b64(mls.joinExternal(closedInfo, kim.identity).commit) });
    assert.equal(refused.error, 'not_authorized');
  });
});
