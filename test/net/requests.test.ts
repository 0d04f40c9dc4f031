// Every typed request of protocol v1 through DsClient against a real server,
// the refusals the core must tell apart, and pushes delivered in order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DsClient } from '../../main/net/client.js';
import { DsFrameTooLarge, DsRequestError } from '../../main/net/errors.js';
import type { DsBehind, DsMessage, DsWelcome } from '../../main/net/protocol-types.js';
import { CT, fillerOf, groupInfo, keyPackage, privateMessage, publicMessage, welcome } from '../server/client.js';
import { enc, onlineClient, QUIET, startServer, tempDir, uncaughtGuard, until, type ServerProc } from './helpers.js';

const tmp = tempDir();
const guard = uncaughtGuard();
let server: ServerProc;
let alice: DsClient;
let bob: DsClient;
const bobMessages: DsMessage[] = [];
const bobWelcomes: DsWelcome[] = [];
const G = enc('requests-group');
const bobDev = { userId: 'bob', deviceId: 'phone' };

before(async () => {
  server = await startServer(`${tmp.dir}/ds.db`, [...QUIET, '--rate', '100000', '--burst', '100000']);
  alice = (await onlineClient(server.url, 'alice', 'laptop')).client;
  bob = (await onlineClient(server.url, 'bob', 'phone')).client;
  bob.on('message', (m) => bobMessages.push(m));
  bob.on('welcome', (w) => bobWelcomes.push(w));
});

after(async () => {
  await alice?.stop();
  await bob?.stop();
  await server.kill('SIGKILL');
  tmp.cleanup();
  guard.check();
});

const refusal = async (p: Promise<unknown>, code: string): Promise<DsRequestError> => {
  const e = await p.then(
    () => assert.fail(`expected ${code}`),
    (x: unknown) => x,
  );
  assert.ok(e instanceof DsRequestError, String(e));
  assert.equal(e.code, code, e.message);
  return e;
};

describe('requests', () => {
  it('ping', async () => {
    assert.equal(await alice.ping(), undefined);
  });

  it('keypackages: upload, count, claim', async () => {
    assert.deepEqual(await bob.countKeyPackages(), { remaining: 0, lastResort: false });
    assert.deepEqual(await bob.uploadKeyPackages({ keyPackages: [keyPackage('b1'), keyPackage('b2')], lastResort: keyPackage('blr') }), { remaining: 2 });
    assert.deepEqual(await bob.countKeyPackages(), { remaining: 2, lastResort: true });
    const claimed = await alice.claimKeyPackages('bob');
    assert.equal(claimed.keyPackages.length, 1);
    assert.equal(claimed.keyPackages[0]!.deviceId, 'phone');
    assert.equal(claimed.keyPackages[0]!.lastResort, false);
    assert.ok(claimed.keyPackages[0]!.keyPackage instanceof Uint8Array);
    assert.deepEqual(claimed.missing, []);
    assert.deepEqual(await bob.countKeyPackages(), { remaining: 1, lastResort: true });
    await refusal(alice.claimKeyPackages('nobody'), 'unknown_user');
    await refusal(alice.uploadKeyPackages({ keyPackages: [privateMessage(G, 0n, CT.application)] }), 'bad_message');
  });

  it('group.create, group.info, group.roster', async () => {
    const created = await alice.createGroup({ groupId: G, groupInfo: groupInfo(G, 0n) });
    assert.deepEqual(created, { groupId: G, epoch: 0n });
    await refusal(alice.createGroup({ groupId: G }), 'group_exists');
    const info = await alice.groupInfo(G);
    assert.equal(info.epoch, 0n);
    assert.deepEqual(info.groupInfo, groupInfo(G, 0n));
    const roster = await alice.roster(G);
    assert.deepEqual(roster, { groupId: G, epoch: 0n, devices: [{ userId: 'alice', deviceId: 'laptop' }] });
    await refusal(bob.roster(G), 'not_member');
    await refusal(bob.groupInfo(G), 'not_member');
    await refusal(alice.roster(enc('no-such-group')), 'no_group');
    // A group never given a GroupInfo answers nulls.
    const bare = enc('bare-group');
    await alice.createGroup({ groupId: bare, allowExternalJoin: true });
    assert.deepEqual(await bob.groupInfo(bare), { groupId: bare, epoch: null, groupInfo: null });
  });

  it('group.commit with a Welcome; the welcome push; welcome.list and welcome.ack', async () => {
    const r = await alice.commit({ commit: privateMessage(G, 0n, CT.commit), groupInfo: groupInfo(G, 1n), welcomes: [{ welcome: welcome('to-bob'), to: [bobDev] }], add: [bobDev], remove: [] });
    assert.deepEqual(r, { groupId: G, seq: 1, epoch: 1n });
    await until(() => bobWelcomes.length === 1, 'the welcome push');
    const pushed = bobWelcomes[0]!;
    assert.deepEqual(pushed.groupId, G);
    assert.equal(pushed.epoch, 1n);
    assert.deepEqual(pushed.welcome, welcome('to-bob'));
    const listed = await bob.listWelcomes({ limit: 10 });
    assert.deepEqual(listed.welcomes, [pushed]);
    assert.deepEqual(await bob.ackWelcomes([pushed.id]), { removed: 1 });
    assert.deepEqual((await bob.listWelcomes()).welcomes, []);
    assert.deepEqual((await bob.roster(G)).devices.map((d) => d.userId).sort(), ['alice', 'bob']);
    assert.equal((await alice.groupInfo(G)).epoch, 1n);
  });

  it('refusals carry their code and extra fields: stale_epoch with the epoch as bigint', async () => {
    const stale = await refusal(alice.commit({ commit: privateMessage(G, 0n, CT.commit) }), 'stale_epoch');
    assert.equal(stale.epoch, 1n);
    assert.equal(stale.requestType, 'group.commit');
    assert.match(stale.reason, /epoch 1/);
    const future = await refusal(alice.send(publicMessage(G, 5n, CT.proposal)), 'stale_epoch');
    assert.equal(future.epoch, 1n);
    await refusal(alice.send(privateMessage(G, 1n, CT.commit)), 'wrong_content_type');
    await refusal(alice.commit({ commit: privateMessage(G, 1n, CT.application) }), 'wrong_content_type');
    await refusal(alice.send(enc('not mls')), 'bad_message');
    await refusal(alice.send(privateMessage(enc('nope'), 0n, CT.application)), 'no_group');
    await refusal(alice.commit({ commit: privateMessage(G, 1n, CT.commit), add: [{ userId: 'ghost', deviceId: 'x' }] }), 'bad_roster');
  });

  it('group.send: pushes reach the other member in seq order, the sender gets seqs', async () => {
    const before = bobMessages.length;
    // Pipelined: the client sends them all at once, the server orders them.
    const sent = await Promise.all(Array.from({ length: 60 }, (_, i) => alice.send(privateMessage(G, 1n, CT.application, `m${i}`))));
    const seqs = sent.map((s) => s.seq);
    assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => 2 + i), 'responses in request order, seqs without gaps');
    await until(() => bobMessages.length === before + 60, '60 message pushes');
    const got = bobMessages.slice(before);
    assert.deepEqual(got.map((m) => m.seq), seqs);
    assert.deepEqual(got.map((m) => fillerOf(m.message)), Array.from({ length: 60 }, (_, i) => `m${i}`));
    for (const m of got) {
      assert.deepEqual(m.groupId, G);
      assert.equal(m.kind, 'application');
      assert.equal(m.epoch, 1n);
      assert.deepEqual(m.sender, { userId: 'alice', deviceId: 'laptop' });
    }
  });

  it('group.fetch pages and group.ack raises the cursor', async () => {
    const page1 = await bob.fetch({ groupId: G, limit: 25 });
    // A new member's cursor starts at the commit that added it.
    assert.equal(page1.acked, 1);
    assert.equal(page1.more, true);
    // Bob reads from the seq after the commit that added him.
    assert.deepEqual(page1.messages.map((m) => m.seq), Array.from({ length: 25 }, (_, i) => 2 + i));
    const page2 = await bob.fetch({ groupId: G, after: 26, limit: 500 });
    assert.equal(page2.more, false);
    assert.equal(page2.messages.at(-1)!.seq, 61);
    assert.deepEqual(await bob.ack(G, 30), { groupId: G, acked: 30 });
    assert.equal((await bob.fetch({ groupId: G, limit: 1 })).messages[0]!.seq, 31);
    // Clamped to the last seq.
    assert.deepEqual(await bob.ack(G, 10_000), { groupId: G, acked: 61 });
    await refusal(bob.ack(enc('no-such-group'), 1), 'no_group');
  });

  it('group.list', async () => {
    const { groups } = await bob.listGroups();
    const g = groups.find((x) => Buffer.from(x.groupId).equals(Buffer.from(G)));
    assert.deepEqual(g, { groupId: G, epoch: 1n, lastSeq: 61, acked: 61, member: true, leaveSeq: null });
  });

  it('a removed device sees member: false with leaveSeq', async () => {
    const r = await alice.commit({ commit: privateMessage(G, 1n, CT.commit), remove: [bobDev] });
    const { groups } = await bob.listGroups();
    const g = groups.find((x) => Buffer.from(x.groupId).equals(Buffer.from(G)));
    assert.deepEqual(g, { groupId: G, epoch: 2n, lastSeq: r.seq, acked: 61, member: false, leaveSeq: r.seq });
  });

  it('a frame above the server limit is refused locally and the connection stays', async () => {
    const huge = new Uint8Array(900_000);
    const err = await alice.send(huge).catch((e: unknown) => e);
    assert.ok(err instanceof DsFrameTooLarge, String(err));
    assert.equal(err.limit, alice.hello!.maxFrameBytes);
    assert.equal(alice.status, 'online');
    await alice.ping();
  });
});

describe('behind', () => {
  it('is pushed when the unacked limit is reached, and pushes resume after an ack', async () => {
    const s = await startServer(`${tmp.dir}/behind.db`, [...QUIET, '--max-unacked', '3']);
    const a = (await onlineClient(s.url, 'a')).client;
    const b = (await onlineClient(s.url, 'b')).client;
    try {
      const g = enc('behind-group');
      await a.createGroup({ groupId: g });
      await a.commit({ commit: privateMessage(g, 0n, CT.commit), add: [{ userId: 'b', deviceId: 'd1' }], welcomes: [{ welcome: welcome(), to: [{ userId: 'b', deviceId: 'd1' }] }] });
      const msgs: DsMessage[] = [];
      const behind: DsBehind[] = [];
      b.on('message', (m) => msgs.push(m));
      b.on('behind', (x) => behind.push(x));
      for (let i = 0; i < 6; i++) await a.send(privateMessage(g, 1n, CT.application, `x${i}`));
      await until(() => msgs.length === 3 && behind.length === 1, 'three pushes and one behind');
      assert.deepEqual(msgs.map((m) => m.seq), [2, 3, 4]);
      assert.deepEqual(behind[0], { groupId: g, seq: 5 });
      const page = await b.fetch({ groupId: g, after: 4 });
      assert.deepEqual(page.messages.map((m) => m.seq), [5, 6, 7]);
      await b.ack(g, 7);
      await a.send(privateMessage(g, 1n, CT.application, 'after'));
      await until(() => msgs.length === 4, 'pushes resume');
      assert.equal(msgs[3]!.seq, 8);
    } finally {
      await a.stop();
      await b.stop();
      await s.kill('SIGKILL');
    }
  });
});

describe('pacing', () => {
  it('a burst beyond the server rate limit is paced by the client, not refused', async () => {
    const s = await startServer(`${tmp.dir}/pace.db`, [...QUIET, '--rate', '50', '--burst', '20']);
    const a = (await onlineClient(s.url, 'pacer')).client;
    try {
      const t0 = Date.now();
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => a.ping()));
      const refused = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      assert.deepEqual(refused, [], 'no rate_limited refusals');
      // 10 at once (half the burst), then 50 per second.
      assert.ok(Date.now() - t0 >= 1000, 'the client waited for tokens');
    } finally {
      await a.stop();
      await s.kill('SIGKILL');
    }
  });
});
