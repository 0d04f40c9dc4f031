// Every typed request of protocol v1 (revision 2) through DsClient against a
// real server, with real MLS bytes built as every Arbor client must (§3.3:
// credential `<userId>/<deviceId>`, the DS key as signature key, handshake
// messages as PublicMessages, groups created from their epoch-0 GroupInfo);
// the refusals the core must tell apart; pushes delivered in order; the
// revision-2 additions: invitations (welcome push sender, accept, decline),
// pages (group.list, group.roster, welcome.list), `withheld` in a claim,
// `retryAfterMs`, and the new error codes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as mls from '../../main/mls/index.js';
import type { ClientIdentity, GroupState, KeyPackageBundle } from '../../main/mls/index.js';
import { DsClient } from '../../main/net/client.js';
import { DsFrameTooLarge, DsRequestError } from '../../main/net/errors.js';
import type { DsBehind, DsMessage, DsWelcome } from '../../main/net/protocol-types.js';
import { mlsDevice } from '../server/mls-client.js';
import { arborKey, dec, enc, joinWelcome, newGroup, onlineClient, QUIET, startServer, tempDir, uncaughtGuard, until, type ServerProc } from './helpers.js';

const tmp = tempDir();
const guard = uncaughtGuard();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let server: ServerProc;
let alice: DsClient;
let bob: DsClient;
let aliceId: ClientIdentity;
let bobId: ClientIdentity;
const bobMessages: DsMessage[] = [];
const bobWelcomes: DsWelcome[] = [];
const G = enc('requests-group');
const aliceDev = { userId: 'alice', deviceId: 'laptop' };
const bobDev = { userId: 'bob', deviceId: 'phone' };
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

// The MLS side of the story, carried from test to test (they run in order).
const bobBundles: KeyPackageBundle[] = [];
let bobKeyPackage: Uint8Array;
let aliceState: GroupState;
let aliceAtEpoch0: GroupState;
let bobState: GroupState;

before(async () => {
  server = await startServer(`${tmp.dir}/ds.db`, [
    ...QUIET,
    '--rate', '100000', '--burst', '100000',
    // Small limits the revision-2 tests reach quickly: two devices per user, the
    // last-resort package once per claimer, four claims of a user at once then one a second.
    '--max-devices', '2', '--last-resort-per-claimer', '1', '--claim-target-burst', '4', '--claim-target-rate', '1',
  ]);
  ({ client: alice, identity: aliceId } = await onlineClient(server.url, 'alice', 'laptop'));
  ({ client: bob, identity: bobId } = await onlineClient(server.url, 'bob', 'phone'));
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

  it('keypackages: upload, count, claim; only the uploader\'s own are admitted', async () => {
    assert.deepEqual(await bob.countKeyPackages(), { remaining: 0, lastResort: false });
    const kps = [mls.createKeyPackage(bobId), mls.createKeyPackage(bobId)];
    const lastResort = mls.createKeyPackage(bobId, { lastResort: true });
    bobBundles.push(...kps, lastResort);
    assert.deepEqual(await bob.uploadKeyPackages({ keyPackages: kps.map((k) => k.keyPackage), lastResort: lastResort.keyPackage }), { remaining: 2 });
    assert.deepEqual(await bob.countKeyPackages(), { remaining: 2, lastResort: true });
    const claimed = await alice.claimKeyPackages('bob');
    assert.equal(claimed.keyPackages.length, 1);
    assert.equal(claimed.keyPackages[0]!.deviceId, 'phone');
    assert.equal(claimed.keyPackages[0]!.lastResort, false);
    bobKeyPackage = claimed.keyPackages[0]!.keyPackage;
    assert.ok(kps.some((k) => same(k.keyPackage, bobKeyPackage)), 'one of the uploaded packages, byte for byte');
    assert.deepEqual([claimed.missing, claimed.withheld], [[], []]);
    assert.deepEqual(await bob.countKeyPackages(), { remaining: 1, lastResort: true });
    await refusal(alice.claimKeyPackages('nobody'), 'unknown_user');
    await refusal(bob.uploadKeyPackages({ keyPackages: [kps[0]!.keyPackage.subarray(0, 40)] }), 'bad_message');
    // Revision 2: a KeyPackage in someone else's name is refused with the new code.
    const foreign = await refusal(bob.uploadKeyPackages({ keyPackages: [mls.createKeyPackage(aliceId).keyPackage] }), 'bad_credential');
    assert.equal(foreign.requestType, 'keypackages.upload');
    assert.deepEqual(await bob.countKeyPackages(), { remaining: 1, lastResort: true });
  });

  it('group.create (from its epoch-0 GroupInfo), group.info, group.roster', async () => {
    aliceState = mls.createGroup(aliceId, { groupId: G });
    aliceAtEpoch0 = aliceState;
    const gi = mls.groupInfo(aliceState);
    assert.deepEqual(await alice.createGroup({ groupId: G, groupInfo: gi }), { groupId: G, epoch: 0n });
    await refusal(alice.createGroup({ groupId: G, groupInfo: gi }), 'group_exists');
    // Revision 2: the DS follows the group from its GroupInfo, whose one leaf is the creator's.
    await refusal(alice.createGroup({ groupId: enc('no-group-info') }), 'bad_request');
    const bobs = enc('bobs-group');
    await refusal(alice.createGroup({ groupId: bobs, groupInfo: mls.groupInfo(mls.createGroup(bobId, { groupId: bobs })) }), 'bad_credential');
    assert.deepEqual(await alice.groupInfo(G), { groupId: G, epoch: 0n, groupInfo: gi });
    assert.deepEqual(await alice.roster(G), { groupId: G, epoch: 0n, devices: [{ ...aliceDev, status: 'member' }], more: false });
    await refusal(bob.roster(G), 'not_member');
    await refusal(bob.groupInfo(G), 'not_member');
    await refusal(alice.roster(enc('no-such-group')), 'no_group');
    // An open group hands its GroupInfo to anyone (to join by external commit).
    const open = enc('open-group');
    const openState = await newGroup(alice, aliceId, open, { allowExternalJoin: true });
    assert.deepEqual(await bob.groupInfo(open), { groupId: open, epoch: 0n, groupInfo: mls.groupInfo(openState) });
  });

  it('group.commit with a Welcome; the welcome push names the inviter; invited until welcome.ack', async () => {
    const c = mls.addMembers(aliceState, [bobKeyPackage]);
    const r = await alice.commit({ commit: c.commit, groupInfo: c.groupInfo, welcomes: [{ welcome: c.welcome!, to: [bobDev] }], add: [bobDev], remove: [] });
    assert.deepEqual(r, { groupId: G, seq: 1, epoch: 1n });
    aliceState = mls.mergePendingCommit(aliceState, c.pending);
    await until(() => bobWelcomes.length === 1, 'the welcome push');
    const pushed = bobWelcomes[0]!;
    assert.deepEqual(pushed.groupId, G);
    assert.equal(pushed.epoch, 1n);
    assert.deepEqual(pushed.welcome, c.welcome);
    // Revision 2: who invited.
    assert.deepEqual(pushed.sender, aliceDev);
    assert.deepEqual(await bob.listWelcomes({ limit: 10 }), { welcomes: [pushed], more: false });
    // Invited: nothing of the group but the Welcome until bob accepts.
    await refusal(bob.fetch({ groupId: G }), 'not_member');
    assert.equal((await bob.listGroups()).groups.some((g) => same(g.groupId, G)), false);
    assert.deepEqual((await alice.roster(G)).devices, [
      { ...aliceDev, status: 'member' },
      { ...bobDev, status: 'invited' },
    ]);
    bobState = joinWelcome(pushed.welcome, bobBundles, bobId);
    assert.equal(mls.epoch(bobState), 1n);
    assert.deepEqual(await bob.ackWelcomes([pushed.id]), { removed: 1 });
    assert.deepEqual(await bob.listWelcomes(), { welcomes: [], more: false });
    assert.deepEqual((await bob.roster(G)).devices, [
      { ...aliceDev, status: 'member' },
      { ...bobDev, status: 'member' },
    ]);
    assert.deepEqual(await alice.groupInfo(G), { groupId: G, epoch: 1n, groupInfo: c.groupInfo });
  });

  it('refusals carry their code and extra fields: stale_epoch with the epoch as bigint, and the revision-2 codes', async () => {
    // A commit made in the epoch the group has left.
    const stale = await refusal(alice.commit({ commit: mls.update(aliceAtEpoch0).commit }), 'stale_epoch');
    assert.equal(stale.epoch, 1n);
    assert.equal(stale.requestType, 'group.commit');
    assert.match(stale.reason, /epoch 1/);
    // A proposal of an epoch the group has not reached.
    const ahead = mls.mergePendingCommit(aliceState, mls.update(aliceState).pending);
    const future = await refusal(alice.send(mls.proposeUpdate(ahead).message), 'stale_epoch');
    assert.equal(future.epoch, 1n);
    const update = mls.update(aliceState);
    await refusal(alice.send(update.commit), 'wrong_content_type');
    const app = mls.encrypt(aliceState, enc('not a commit'));
    aliceState = app.state;
    await refusal(alice.commit({ commit: app.message }), 'wrong_content_type');
    await refusal(alice.send(enc('not mls')), 'bad_message');
    await refusal(alice.send(mls.encrypt(mls.createGroup(aliceId, { groupId: enc('nope') }), enc('x')).message), 'no_group');
    await refusal(alice.commit({ commit: update.commit, groupInfo: update.groupInfo, add: [{ userId: 'ghost', deviceId: 'x' }] }), 'bad_roster');
    // Revision 2: a commit is the poster's own (alice's commit posted by bob)...
    const notBobs = await refusal(bob.commit({ commit: update.commit, groupInfo: update.groupInfo }), 'bad_credential');
    assert.equal(notBobs.requestType, 'group.commit');
    // ...and a PublicMessage the DS can verify, not a PrivateMessage.
    const hidden = enc('private-handshakes');
    const hiddenState = mls.createGroup(aliceId, { groupId: hidden, config: { handshakeWireFormat: 2 } });
    await alice.createGroup({ groupId: hidden, groupInfo: mls.groupInfo(hiddenState) });
    const priv = await refusal(alice.commit({ commit: mls.update(hiddenState).commit }), 'private_handshake');
    assert.equal(priv.requestType, 'group.commit');
    // None of it changed the group.
    assert.equal((await alice.groupInfo(G)).epoch, 1n);
  });

  it('group.send: pushes reach the other member in seq order, the sender gets seqs', async () => {
    const before = bobMessages.length;
    const texts = Array.from({ length: 60 }, (_, i) => `m${i}`);
    const sealed = texts.map((t) => {
      const m = mls.encrypt(aliceState, enc(t));
      aliceState = m.state;
      return m.message;
    });
    // Pipelined: the client sends them all at once, the server orders them.
    const sent = await Promise.all(sealed.map((m) => alice.send(m)));
    const seqs = sent.map((s) => s.seq);
    assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => 2 + i), 'responses in request order, seqs without gaps');
    await until(() => bobMessages.length === before + 60, '60 message pushes');
    const got = bobMessages.slice(before);
    assert.deepEqual(got.map((m) => m.seq), seqs);
    assert.deepEqual(got.map((m) => m.message), sealed, 'the bytes as posted');
    const read: string[] = [];
    for (const m of got) {
      assert.deepEqual(m.groupId, G);
      assert.equal(m.kind, 'application');
      assert.equal(m.epoch, 1n);
      assert.deepEqual(m.sender, aliceDev);
      const r = mls.processMessage(bobState, m.message);
      bobState = r.state;
      assert.equal(r.result.kind, 'application');
      if (r.result.kind === 'application') read.push(dec(r.result.data));
    }
    assert.deepEqual(read, texts);
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
    const { groups, more } = await bob.listGroups();
    assert.equal(more, false);
    const g = groups.find((x) => same(x.groupId, G));
    assert.deepEqual(g, { groupId: G, epoch: 1n, lastSeq: 61, acked: 61, member: true, leaveSeq: null });
  });

  it('group.list pages: many groups, a small limit, following `after`', async () => {
    for (let i = 0; i < 7; i++) await newGroup(alice, aliceId, enc(`page-${i}`));
    const all = await alice.listGroups();
    assert.equal(all.more, false);
    // requests-group, open-group, private-handshakes and the seven.
    assert.equal(all.groups.length, 10);
    const pages: { n: number; more: boolean }[] = [];
    const seen: Uint8Array[] = [];
    let afterId: Uint8Array | undefined;
    for (;;) {
      const page = await alice.listGroups({ limit: 3, ...(afterId === undefined ? {} : { after: afterId }) });
      pages.push({ n: page.groups.length, more: page.more });
      seen.push(...page.groups.map((g) => g.groupId));
      if (!page.more) break;
      afterId = page.groups.at(-1)!.groupId;
    }
    assert.deepEqual(pages, [
      { n: 3, more: true },
      { n: 3, more: true },
      { n: 3, more: true },
      { n: 1, more: false },
    ]);
    // The pages, in order, are the whole list in one.
    assert.deepEqual(seen, all.groups.map((g) => g.groupId));
  });

  it('group.roster pages with `after`', async () => {
    const first = await alice.roster(G, { limit: 1 });
    assert.deepEqual([first.devices, first.more], [[{ ...aliceDev, status: 'member' }], true]);
    const second = await alice.roster(G, { limit: 1, after: first.devices[0]! });
    assert.deepEqual([second.devices, second.more], [[{ ...bobDev, status: 'member' }], false]);
  });

  it('a removed device sees member: false with leaveSeq, and the commit that removed it', async () => {
    const leaf = mls.members(aliceState).find((m) => dec(m.identity) === 'bob/phone')!.leafIndex;
    const c = mls.removeMembers(aliceState, [leaf]);
    const r = await alice.commit({ commit: c.commit, groupInfo: c.groupInfo, remove: [bobDev] });
    aliceState = mls.mergePendingCommit(aliceState, c.pending);
    const { groups } = await bob.listGroups();
    const g = groups.find((x) => same(x.groupId, G));
    assert.deepEqual(g, { groupId: G, epoch: 2n, lastSeq: r.seq, acked: 61, member: false, leaveSeq: r.seq });
    await until(() => bobMessages.some((m) => m.seq === r.seq), 'the removing commit pushed to bob');
    const pushed = bobMessages.find((m) => m.seq === r.seq)!;
    assert.deepEqual([pushed.kind, pushed.sender], ['commit', aliceDev]);
    assert.equal(mls.processMessage(bobState, pushed.message).result.kind, 'removed');
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

describe('invitations (revision 2)', () => {
  it('welcome.decline drops the invitation; the decliner proposes its own removal once; the next page of Welcomes follows', async () => {
    const { client: carol, identity: carolId } = await onlineClient(server.url, 'carol', 'tablet');
    const carolDev = { userId: 'carol', deviceId: 'tablet' };
    const welcomes: DsWelcome[] = [];
    carol.on('welcome', (w) => welcomes.push(w));
    try {
      const bundles = [mls.createKeyPackage(carolId), mls.createKeyPackage(carolId)];
      await carol.uploadKeyPackages({ keyPackages: bundles.map((b) => b.keyPackage) });
      // Two invitations from alice, to two groups; `add` left out (optional in revision 2).
      const groups = [enc('decline-1'), enc('decline-2')];
      const states: GroupState[] = [];
      for (const g of groups) {
        const s = await newGroup(alice, aliceId, g);
        const kp = (await alice.claimKeyPackages('carol')).keyPackages[0]!.keyPackage;
        const c = mls.addMembers(s, [kp]);
        await alice.commit({ commit: c.commit, groupInfo: c.groupInfo, welcomes: [{ welcome: c.welcome!, to: [carolDev] }] });
        states.push(mls.mergePendingCommit(s, c.pending));
      }
      await until(() => welcomes.length === 2, 'two welcome pushes');
      assert.deepEqual(welcomes.map((w) => [w.groupId, w.sender]), groups.map((g) => [g, aliceDev]));
      // One a page: `more` says another waits.
      const page = await carol.listWelcomes({ limit: 1 });
      assert.deepEqual([page.welcomes, page.more], [[welcomes[0]], true]);

      // Carol joins from the first only to propose her removal, and declines it.
      const joined = joinWelcome(welcomes[0]!.welcome, bundles, carolId);
      assert.deepEqual(await carol.declineWelcomes([welcomes[0]!.id]), { removed: 1 });
      // Declining again drops nothing (so a resend after a drop is harmless).
      assert.deepEqual(await carol.declineWelcomes([welcomes[0]!.id]), { removed: 0 });
      await refusal(carol.fetch({ groupId: groups[0]! }), 'not_member');
      assert.equal((await carol.listGroups()).groups.length, 0);
      assert.deepEqual((await alice.roster(groups[0]!)).devices, [
        { ...aliceDev, status: 'member' },
        { ...carolDev, status: 'declined' },
      ]);
      const rm = mls.proposeRemove(joined, mls.ownLeafIndex(joined));
      const posted = await carol.send(rm.message);
      await refusal(carol.send(mls.proposeRemove(joined, mls.ownLeafIndex(joined), { authenticatedData: enc('again') }).message), 'not_member');
      // Alice reads the proposal and commits it.
      const fetched = await alice.fetch({ groupId: groups[0]!, after: 1 });
      assert.deepEqual(
        fetched.messages.map((m) => [m.seq, m.kind, m.sender, m.message]),
        [[posted.seq, 'proposal', carolDev, rm.message]],
      );
      const withProposal = mls.processMessage(states[0]!, rm.message).state;
      const c = mls.update(withProposal);
      assert.deepEqual(await alice.commit({ commit: c.commit, groupInfo: c.groupInfo, remove: [carolDev] }), { groupId: groups[0]!, seq: posted.seq + 1, epoch: 2n });
      assert.deepEqual((await alice.roster(groups[0]!)).devices, [{ ...aliceDev, status: 'member' }]);

      // The second invitation is the whole list now; carol accepts it.
      const rest = await carol.listWelcomes({ limit: 1 });
      assert.deepEqual([rest.welcomes, rest.more], [[welcomes[1]], false]);
      joinWelcome(welcomes[1]!.welcome, bundles, carolId);
      assert.deepEqual(await carol.ackWelcomes([welcomes[1]!.id]), { removed: 1 });
      assert.deepEqual((await carol.listGroups()).groups.map((g) => g.groupId), [groups[1]]);
      assert.deepEqual((await carol.roster(groups[1]!)).devices.map((d) => d.status), ['member', 'member']);
    } finally {
      await carol.stop();
    }
  });
});

describe('limits (revision 2)', () => {
  it('a claim lists a device whose last-resort package is withheld from this claimer in missing and withheld', async () => {
    // dave, a reference-client device, has only a last-resort package.
    const dave = await mlsDevice(server.url, 'dave');
    try {
      await dave.upload(0, true);
      const first = await alice.claimKeyPackages('dave');
      assert.deepEqual(first.keyPackages.map((k) => [k.deviceId, k.lastResort]), [['d1', true]]);
      assert.deepEqual([first.missing, first.withheld], [[], []]);
      // --last-resort-per-claimer 1: not again to alice...
      assert.deepEqual(await alice.claimKeyPackages('dave'), { keyPackages: [], missing: ['d1'], withheld: ['d1'] });
      // ...but to bob.
      assert.deepEqual((await bob.claimKeyPackages('dave')).keyPackages.map((k) => [k.deviceId, k.lastResort]), [['d1', true]]);
    } finally {
      dave.client.ws.terminate();
    }
  });

  it('rate_limited carries retryAfterMs, and waiting that long is enough', async () => {
    const { client: erin } = await onlineClient(server.url, 'erin');
    try {
      // --claim-target-burst 4, then one a second: claims of erin are refused soon.
      let refused: unknown;
      for (let i = 0; i < 30 && refused === undefined; i++) await bob.claimKeyPackages('erin').catch((e: unknown) => (refused = e));
      assert.ok(refused instanceof DsRequestError && refused.code === 'rate_limited', String(refused));
      assert.ok(refused.retryAfterMs !== undefined && Number.isInteger(refused.retryAfterMs), `retryAfterMs ${refused.retryAfterMs}`);
      assert.ok(refused.retryAfterMs >= 1 && refused.retryAfterMs <= 1000, `retryAfterMs ${refused.retryAfterMs}`);
      await sleep(refused.retryAfterMs + 100);
      assert.deepEqual(await bob.claimKeyPackages('erin'), { keyPackages: [], missing: ['d1'], withheld: [] });
    } finally {
      await erin.stop();
    }
  });

  it('limit_exceeded without `remaining` (the device limit) is a refusal, not a protocol error', async () => {
    const d1 = arborKey('gus', 'd1');
    const d2 = arborKey('gus', 'd2');
    const d3 = arborKey('gus', 'd3');
    await DsClient.register(server.url, 'gus', 'd1', d1.key);
    await DsClient.register(server.url, 'gus', 'd2', d2.key, { authorization: { deviceId: 'd1', signature: d1.key.signAddDevice('gus', 'd2', d2.key.publicKey) } });
    const e = await refusal(
      DsClient.register(server.url, 'gus', 'd3', d3.key, { authorization: { deviceId: 'd1', signature: d1.key.signAddDevice('gus', 'd3', d3.key.publicKey) } }),
      'limit_exceeded',
    );
    assert.equal(e.requestType, 'register');
    assert.equal(e.remaining, undefined);
  });
});

describe('behind', () => {
  it('is pushed when the unacked limit is reached, and pushes resume after an ack', async () => {
    const s = await startServer(`${tmp.dir}/behind.db`, [...QUIET, '--max-unacked', '3']);
    const a = await onlineClient(s.url, 'a');
    const b = await onlineClient(s.url, 'b');
    try {
      const g = enc('behind-group');
      const bDev = { userId: 'b', deviceId: 'd1' };
      let as = await newGroup(a.client, a.identity, g);
      await b.client.uploadKeyPackages({ keyPackages: [mls.createKeyPackage(b.identity).keyPackage] });
      const kp = (await a.client.claimKeyPackages('b')).keyPackages[0]!.keyPackage;
      const c = mls.addMembers(as, [kp]);
      await a.client.commit({ commit: c.commit, groupInfo: c.groupInfo, add: [bDev], welcomes: [{ welcome: c.welcome!, to: [bDev] }] });
      as = mls.mergePendingCommit(as, c.pending);
      // b accepts: the group's pushes reach it from then on.
      const invitation = (await b.client.listWelcomes()).welcomes[0]!;
      await b.client.ackWelcomes([invitation.id]);
      const msgs: DsMessage[] = [];
      const behind: DsBehind[] = [];
      b.client.on('message', (m) => msgs.push(m));
      b.client.on('behind', (x) => behind.push(x));
      const say = async (text: string): Promise<void> => {
        const m = mls.encrypt(as, enc(text));
        as = m.state;
        await a.client.send(m.message);
      };
      for (let i = 0; i < 6; i++) await say(`x${i}`);
      await until(() => msgs.length === 3 && behind.length === 1, 'three pushes and one behind');
      assert.deepEqual(msgs.map((m) => m.seq), [2, 3, 4]);
      assert.deepEqual(behind[0], { groupId: g, seq: 5 });
      const page = await b.client.fetch({ groupId: g, after: 4 });
      assert.deepEqual(page.messages.map((m) => m.seq), [5, 6, 7]);
      await b.client.ack(g, 7);
      await say('after');
      await until(() => msgs.length === 4, 'pushes resume');
      assert.equal(msgs[3]!.seq, 8);
    } finally {
      await a.client.stop();
      await b.client.stop();
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
