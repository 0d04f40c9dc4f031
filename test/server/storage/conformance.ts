// The storage conformance suite: every Storage method, the races the
// delivery service relies on, and retention, run against each backend
// (sqlite.test.ts, pg.test.ts). Each test gets a fresh store and two handles
// on it (two SQLite connections to one file; two PostgreSQL pools, as two DS
// processes would have), so "concurrent" means what it means in production.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defaultServiceConfig } from '../../../server/service.js';
import type { AppendInput, CommitInput, DeviceRef, Storage } from '../../../server/storage/types.js';
import { defaultServerOptions, DeliveryServer } from '../../../server/ws-server.js';
import { b64, CT, privateMessage, type Client, type Json } from '../client.js';
import { formGroup, mlsDevice } from '../mls-client.js';

export interface Backend {
  /** A new empty store with two handles on it; `close` closes both. */
  fresh(name: string): Promise<{ a: Storage; b: Storage; close: () => Promise<void> }>;
}

const alice = { userId: 'alice', deviceId: 'd1' };
const bob = { userId: 'bob', deviceId: 'd1' };
const carol = { userId: 'carol', deviceId: 'd1' };
const key = new Uint8Array(32);
const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const kp = (tag: string, notAfter = 4_000_000_000n) => ({ data: enc(`kp:${tag}`), notAfter });
const page = { limit: 100, maxBytes: 1 << 20, overhead: 24 };

async function devices(s: Storage, ...ds: DeviceRef[]): Promise<void> {
  for (const d of ds) await s.registerDevice({ ...d, publicKey: key, createdAt: 0 }, (await s.listDevices(d.userId)).length === 0, 8);
}

function commitInput(g: Uint8Array, epoch: bigint, rev: number, over: Partial<CommitInput> = {}): CommitInput {
  return {
    groupId: g,
    epoch,
    sender: alice,
    access: 'member',
    data: enc(`commit@${epoch}`),
    state: { expectedRev: rev, publicState: enc(`s${epoch + 1n}`) },
    groupInfo: null,
    invited: [],
    joined: [],
    removed: [],
    welcomes: [],
    now: 1,
    ...over,
  };
}

function app(g: Uint8Array, sender: DeviceRef, tag: string, over: Partial<AppendInput> = {}): AppendInput {
  return { groupId: g, epoch: 0n, kind: 'application', sender, access: 'member', data: enc(tag), state: null, pastEpochs: 2, now: 0, ...over };
}

/** A group of alice with bob invited by the first commit and accepted: returns the state revision after it. */
async function aliceAndBob(s: Storage, g: Uint8Array): Promise<number> {
  await devices(s, alice, bob, carol);
  assert.equal(await s.createGroup(g, alice, false, enc('gi0'), enc('s0'), 0), 'ok');
  const rev = (await s.getGroupState(g))!.stateRev;
  const r = await s.postCommit(commitInput(g, 0n, rev, { invited: [bob], welcomes: [{ data: enc('w-bob'), to: [bob] }] }));
  assert.equal(r.ok, true);
  const w = (await s.listWelcomes(bob, page)).welcomes;
  assert.deepEqual((await s.ackWelcomes(bob, w.map((x) => x.id))).accepted.map(text), [text(g)]);
  return (await s.getGroupState(g))!.stateRev;
}

export function storageConformance(name: string, backend: Backend, skip: string | false = false): void {
  const test = (title: string, fn: () => Promise<void>, timeout = 60_000): void => {
    it(`${name}: ${title}`, { skip, timeout }, fn);
  };
  let n = 0;
  const fresh = () => backend.fresh(`c${n++}`);

  test('registers devices: the first claims the user, later ones need it, at most maxDevices, ids unique', async () => {
    const { a, b, close } = await fresh();
    try {
      assert.equal(await a.registerDevice({ ...alice, publicKey: key, createdAt: 5 }, true, 2), 'ok');
      assert.equal(await b.registerDevice({ ...alice, deviceId: 'd2', publicKey: key, createdAt: 0 }, true, 2), 'user_exists');
      assert.equal(await b.registerDevice({ ...alice, publicKey: key, createdAt: 0 }, false, 2), 'device_exists');
      assert.equal(await b.registerDevice({ ...alice, deviceId: 'd0', publicKey: key, createdAt: 0 }, false, 2), 'ok');
      assert.equal(await b.registerDevice({ ...alice, deviceId: 'd3', publicKey: key, createdAt: 0 }, false, 2), 'too_many_devices');
      assert.equal(await b.registerDevice({ userId: 'nobody', deviceId: 'd2', publicKey: key, createdAt: 0 }, false, 2), 'unknown_user');
      assert.deepEqual((await a.listDevices('alice')).map((d) => d.deviceId), ['d0', 'd1'], 'device id order');
      const d = await b.getDevice('alice', 'd1');
      assert.deepEqual([d?.createdAt, d?.publicKey.length], [5, 32]);
      assert.equal(await a.getDevice('alice', 'd9'), undefined);
    } finally {
      await close();
    }
  });

  test('race: concurrent registrations of one new user from two handles make exactly one first device, and never more than the cap', async () => {
    const { a, b, close } = await fresh();
    try {
      const first = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).registerDevice({ userId: 'u', deviceId: `d${i}`, publicKey: key, createdAt: 0 }, true, 4)));
      assert.equal(first.filter((r) => r === 'ok').length, 1);
      assert.equal(first.filter((r) => r === 'user_exists').length, 11);
      const more = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).registerDevice({ userId: 'u', deviceId: `e${i}`, publicKey: key, createdAt: 0 }, false, 4)));
      assert.equal(more.filter((r) => r === 'ok').length, 3);
      assert.equal((await a.listDevices('u')).length, 4);
    } finally {
      await close();
    }
  });

  test('KeyPackages: each handed out once across two handles; quota per user; last resort when empty, withheld on request; expired never', async () => {
    const { a: s1, b: s2, close } = await fresh();
    try {
      await devices(s1, alice, { ...alice, deviceId: 'd2' });
      const kps = Array.from({ length: 40 }, (_, i) => kp(`k${i}`));
      assert.deepEqual(await s1.uploadKeyPackages(alice, kps, kp('last'), 1000, 0), { ok: true, remaining: 40, userTotal: 40 });
      // The quota counts the user's packages on all devices.
      assert.deepEqual(await s1.uploadKeyPackages({ ...alice, deviceId: 'd2' }, kps.slice(0, 20), null, 50, 0), { ok: false, remaining: 0, userTotal: 40 });
      const got: string[] = [];
      for (let i = 0; i < 42; i++) {
        const r = await (i % 2 === 0 ? s1 : s2).claimKeyPackages('alice', 1000n, () => true);
        assert.deepEqual(r.missing, ['d2']);
        const c = r.claimed.find((x) => x.deviceId === 'd1')!;
        got.push(`${text(c.data)}${c.lastResort ? '*' : ''}`);
      }
      assert.deepEqual(got.slice(0, 40), kps.map((k) => text(k.data)), 'oldest first, each once');
      assert.deepEqual(got.slice(40), ['kp:last*', 'kp:last*']);
      assert.deepEqual((await s1.claimKeyPackages('alice', 1000n, () => false)).withheld, ['d1']);
      assert.deepEqual(await s2.countKeyPackages(alice, 1000n), { remaining: 0, lastResort: true });
      // A new last-resort package replaces the old one.
      await s2.uploadKeyPackages(alice, [], kp('last2'), 1000, 0);
      assert.equal(text((await s1.claimKeyPackages('alice', 1000n, () => true)).claimed[0]!.data), 'kp:last2');
      // An expired package is never handed out, and purged.
      await s1.uploadKeyPackages(alice, [kp('old', 500n), kp('new', 5000n)], null, 1000, 0);
      assert.deepEqual(await s1.countKeyPackages(alice, 1000n), { remaining: 1, lastResort: true });
      assert.equal(text((await s1.claimKeyPackages('alice', 1000n, () => true)).claimed[0]!.data), 'kp:new');
      await s1.uploadKeyPackages(alice, [kp('old2', 500n)], null, 1000, 0);
      assert.equal((await s1.purgeExpired(0, 1000n)).keyPackages, 1);
      assert.deepEqual(await s1.claimKeyPackages('nobody', 1000n, () => true), { claimed: [], missing: [], withheld: [] });
    } finally {
      await close();
    }
  });

  test('race: 60 concurrent claims on two handles hand out 40 packages exactly once each, then the last resort', async () => {
    const { a, b, close } = await fresh();
    try {
      await devices(a, alice);
      await a.uploadKeyPackages(alice, Array.from({ length: 40 }, (_, i) => kp(`k${i}`)), kp('last'), 1000, 0);
      const claims = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).claimKeyPackages('alice', 1000n, () => true)));
      const got = claims.map((r) => r.claimed[0]!).filter((c) => !c.lastResort).map((c) => text(c.data));
      assert.equal(got.length, 40, 'every ordinary package handed out');
      assert.equal(new Set(got).size, 40, 'none twice');
      assert.equal(claims.filter((r) => r.claimed[0]!.lastResort).length, 20);
      assert.deepEqual(await a.countKeyPackages(alice, 1000n), { remaining: 0, lastResort: true });
    } finally {
      await close();
    }
  });

  test('races: concurrent uploads never exceed the per-user quota', async () => {
    const { a, b, close } = await fresh();
    try {
      await devices(a, alice, { ...alice, deviceId: 'd2' });
      const r = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).uploadKeyPackages(i % 2 ? alice : { ...alice, deviceId: 'd2' }, [kp(`a${i}`), kp(`b${i}`), kp(`c${i}`)], null, 10, 0)));
      assert.equal(r.filter((x) => x.ok).length, 3);
      const c1 = await a.countKeyPackages(alice, 1n);
      const c2 = await a.countKeyPackages({ ...alice, deviceId: 'd2' }, 1n);
      assert.equal(c1.remaining + c2.remaining, 9);
    } finally {
      await close();
    }
  });

  test('groups: created once, read back with state, info, roster and membership', async () => {
    const { a, b, close } = await fresh();
    try {
      await devices(a, alice, bob);
      const g = new Uint8Array([1, 2, 3]);
      assert.equal(await a.createGroup(g, alice, true, enc('gi0'), enc('s0'), 77), 'ok');
      assert.equal(await b.createGroup(g, bob, false, enc('gi0'), enc('s0'), 0), 'group_exists');
      assert.deepEqual(await b.getGroup(g), { groupId: g, epoch: 0n, lastSeq: 0, allowExternalJoin: true, createdAt: 77 });
      const st = (await b.getGroupState(g))!;
      assert.deepEqual([text(st.publicState), st.epoch, st.lastSeq], ['s0', 0n, 0]);
      assert.deepEqual(await b.getGroupInfo(g).then((x) => [x?.epoch, text(x!.data)]), [0n, 'gi0']);
      assert.deepEqual(await b.getMembership(g, alice), { status: 'member', joinSeq: 1, leaveSeq: null, acked: 0, proposalUsed: false });
      assert.equal(await b.getMembership(g, bob), undefined);
      assert.deepEqual(await b.listRoster(g, null, 10), [{ ...alice, status: 'member' }]);
      assert.equal(await b.getGroup(new Uint8Array([9])), undefined);
      assert.equal(await b.getGroupState(new Uint8Array([9])), undefined);
      assert.equal(await b.getGroupInfo(new Uint8Array([9])), undefined);
    } finally {
      await close();
    }
  });

  test('commits: one per epoch across two handles, only on the state revision computed from; a refused commit changes nothing', async () => {
    const { a: s1, b: s2, close } = await fresh();
    try {
      await devices(s1, alice, bob);
      const g = new Uint8Array([1, 2, 3]);
      await s1.createGroup(g, alice, false, enc('gi0'), enc('s0'), 0);
      const rev0 = (await s1.getGroupState(g))!.stateRev;
      const base = commitInput(g, 0n, rev0, { groupInfo: enc('gi1') });
      const r1 = await s1.postCommit(base);
      const r2 = await s2.postCommit({ ...base, data: new Uint8Array([2]) });
      assert.deepEqual(r1, { ok: true, seq: 1, epoch: 1n, welcomeIds: [], recipients: [alice] });
      assert.deepEqual(r2, { ok: false, code: 'stale_epoch', currentEpoch: 1n });
      const gs = (await s2.getGroupState(g))!;
      assert.equal(text(gs.publicState), 's1', 'the state is written with its commit');
      assert.equal(gs.stateRev, rev0 + 1);
      assert.deepEqual(await s2.getGroupInfo(g).then((x) => [x?.epoch, text(x!.data)]), [1n, 'gi1']);
      // A proposal moves the state on: a commit computed from the older revision must be computed again.
      const p = await s1.appendMessage(app(g, alice, 'prop', { epoch: 1n, kind: 'proposal', state: { expectedRev: gs.stateRev, publicState: enc('s1+p') } }));
      assert.deepEqual(p, { ok: true, seq: 2, recipients: [alice] });
      assert.deepEqual(await s2.postCommit({ ...base, epoch: 1n, state: { expectedRev: gs.stateRev, publicState: enc('s2') } }), { ok: false, code: 'changed' });
      assert.deepEqual(await s1.appendMessage(app(g, alice, 'p2', { epoch: 1n, kind: 'proposal', state: { expectedRev: gs.stateRev, publicState: enc('x') } })), { ok: false, code: 'changed' });
      assert.deepEqual(await s1.getGroup(g).then((x) => [x?.epoch, x?.lastSeq]), [1n, 2]);
      assert.equal(text((await s1.getGroupState(g))!.publicState), 's1+p');
      assert.deepEqual(await s1.postCommit({ ...base, sender: bob, epoch: 1n }), { ok: false, code: 'not_member' });
      assert.deepEqual(await s1.postCommit({ ...base, epoch: 1n, access: 'external' }), { ok: false, code: 'not_authorized' });
      assert.deepEqual(await s1.postCommit({ ...base, sender: bob, epoch: 1n, access: 'resync' }), { ok: false, code: 'not_authorized' });
      assert.deepEqual(await s1.postCommit({ ...base, groupId: new Uint8Array([9]) }), { ok: false, code: 'no_group' });
      assert.deepEqual(await s1.getGroup(g).then((x) => [x?.epoch, x?.lastSeq]), [1n, 2], 'refusals changed nothing');
    } finally {
      await close();
    }
  });

  test('race: 20 concurrent commits for one epoch on two handles, with application messages: one wins, seq stays gap-free', async () => {
    const { a, b, close } = await fresh();
    try {
      const g = enc('race');
      let rev = await aliceAndBob(a, g);
      for (let epoch = 1n; epoch <= 3n; epoch++) {
        const all = await Promise.all(
          Array.from({ length: 20 }, (_, i) => [
            (i % 2 ? a : b).postCommit(commitInput(g, epoch, rev, { sender: i % 3 ? alice : bob, data: enc(`c${epoch}.${i}`) })),
            (i % 2 ? b : a).appendMessage(app(g, i % 3 ? alice : bob, `m${epoch}.${i}`, { epoch })),
          ]).flat(),
        );
        const commits = all.filter((_, i) => i % 2 === 0);
        assert.equal(commits.filter((r) => r.ok).length, 1, `epoch ${epoch}: exactly one commit accepted`);
        for (const r of commits.filter((x) => !x.ok)) assert.deepEqual(r, { ok: false, code: 'stale_epoch', currentEpoch: epoch + 1n });
        // Application messages of this epoch are accepted whether or not the commit came first (past epochs).
        assert.equal(all.filter((_, i) => i % 2 === 1).filter((r) => r.ok).length, 20);
        rev = (await a.getGroupState(g))!.stateRev;
      }
      const msgs = (await b.fetchMessages(g, bob, 0, page)).messages;
      assert.deepEqual(msgs.map((m) => m.seq), Array.from({ length: 63 }, (_, i) => i + 2), 'bob reads seq 2.. with no gap');
      assert.equal(msgs.filter((m) => m.kind === 'commit').length, 3);
      assert.deepEqual((await a.getGroup(g))!.lastSeq, 64);
    } finally {
      await close();
    }
  });

  test('messages: refusals (member, epoch window, declined proposal once, external), recipients, fetch window and paging by bytes', async () => {
    const { a, b, close } = await fresh();
    try {
      const g = enc('msgs');
      await aliceAndBob(a, g);
      assert.deepEqual(await a.appendMessage(app(g, carol, 'x', { epoch: 1n })), { ok: false, code: 'not_member' });
      assert.deepEqual(await a.appendMessage(app(g, alice, 'x', { epoch: 2n })), { ok: false, code: 'stale_epoch', currentEpoch: 1n });
      assert.deepEqual(await a.appendMessage(app(g, alice, 'x', { epoch: 0n, pastEpochs: 0 })), { ok: false, code: 'stale_epoch', currentEpoch: 1n });
      assert.deepEqual(await a.appendMessage(app(g, alice, 'x', { epoch: 0n, kind: 'proposal', state: null })), { ok: false, code: 'stale_epoch', currentEpoch: 1n });
      assert.deepEqual(await a.appendMessage(app(g, carol, 'x', { epoch: 1n, access: 'external', kind: 'proposal' })), { ok: false, code: 'not_authorized' });
      assert.deepEqual(await a.appendMessage(app(g, alice, 'old', { epoch: 0n })), { ok: true, seq: 2, recipients: [alice, bob] });
      for (let i = 0; i < 10; i++) await b.appendMessage(app(g, bob, `m${i}`.padEnd(1000, '.'), { epoch: 1n }));
      const cut = (maxBytes: number, limit = 100, after = 2) => a.fetchMessages(g, alice, after, { limit, maxBytes, overhead: 24 }).then((r) => [r.messages.length, r.more]);
      assert.deepEqual(await cut(1_000_000), [10, false]);
      assert.deepEqual(await cut(3072), [3, true]);
      assert.deepEqual(await cut(10), [1, true], 'never an empty page while something is there');
      assert.deepEqual(await cut(1_000_000, 4), [4, true]);
      assert.deepEqual(await cut(1_000_000, 4, 12), [0, false]);
      const first = (await a.fetchMessages(g, alice, 0, page)).messages[0]!;
      assert.deepEqual([first.seq, first.epoch, first.kind, first.sender, text(first.data), first.createdAt], [1, 0n, 'commit', alice, 'commit@0', 1]);
      // Bob's window starts after the commit that added him.
      assert.equal((await b.fetchMessages(g, bob, 0, page)).messages[0]!.seq, 2);
      assert.deepEqual(await a.fetchMessages(g, carol, 0, page), { messages: [], more: false });
    } finally {
      await close();
    }
  });

  test('acks: never lowered, clamped to the last seq; a message goes when every reader acked it', async () => {
    const { a, b, close } = await fresh();
    try {
      const g = enc('acks');
      await aliceAndBob(a, g);
      for (let i = 0; i < 4; i++) await a.appendMessage(app(g, alice, `m${i}`, { epoch: 1n }));
      assert.deepEqual(await a.ack(g, alice, 99), { acked: 5 });
      assert.deepEqual(await a.ack(g, alice, 2), { acked: 5 }, 'never lowered');
      assert.equal((await b.fetchMessages(g, bob, 0, page)).messages.length, 4, 'bob has acked nothing: all kept');
      assert.deepEqual(await b.ack(g, bob, 3), { acked: 3 });
      assert.deepEqual((await a.fetchMessages(g, alice, 0, page)).messages.map((m) => m.seq), [4, 5], 'seq <= 3 acked by all: deleted');
      assert.equal(await a.ack(g, carol, 1), undefined);
      assert.equal(await a.ack(enc('none'), alice, 1), undefined);
      // Two handles acking the same device at once: the cursor ends at the higher one.
      await Promise.all([a.ack(g, bob, 4), b.ack(g, bob, 5), a.ack(g, bob, 4)]);
      assert.equal((await a.getMembership(g, bob))!.acked, 5);
    } finally {
      await close();
    }
  });

  test('roster and group list page with after; a removed member reads up to its removal, then is forgotten once it acked', async () => {
    const { a, b, close } = await fresh();
    try {
      const g = enc('roster');
      let rev = await aliceAndBob(a, g);
      await devices(a, { userId: 'bob', deviceId: 'd0' }, { userId: 'bob', deviceId: 'd2' });
      const r = await a.postCommit(commitInput(g, 1n, rev, { joined: [{ userId: 'bob', deviceId: 'd0' }, { userId: 'bob', deviceId: 'd2' }] }));
      assert.equal(r.ok, true);
      assert.deepEqual((await b.listRoster(g, null, 10)).map((d) => `${d.userId}/${d.deviceId}`), ['alice/d1', 'bob/d0', 'bob/d1', 'bob/d2']);
      assert.deepEqual((await b.listRoster(g, { userId: 'bob', deviceId: 'd0' }, 2)).map((d) => `${d.userId}/${d.deviceId}`), ['bob/d1', 'bob/d2']);
      const groups = [enc('g-a'), enc('g-b'), enc('g-c')];
      for (const x of groups) await a.createGroup(x, bob, false, enc('gi'), enc('s'), 0);
      const list = await b.listGroups(bob, null, 2);
      assert.deepEqual(list.map((x) => text(x.groupId)), ['g-a', 'g-b']);
      assert.deepEqual((await b.listGroups(bob, list[1]!.groupId, 10)).map((x) => text(x.groupId)), ['g-c', 'roster']);
      // Remove bob/d1 (a member) at seq 3: he reads up to it, nothing after.
      rev = (await a.getGroupState(g))!.stateRev;
      const rm = await a.postCommit(commitInput(g, 2n, rev, { removed: [bob] }));
      assert.ok(rm.ok);
      assert.deepEqual(rm.recipients.map((d) => `${d.userId}/${d.deviceId}`), ['alice/d1', 'bob/d0', 'bob/d1', 'bob/d2'], 'the removed device gets its removal');
      const after = await a.appendMessage(app(g, alice, 'after', { epoch: 3n }));
      assert.ok(after.ok);
      assert.ok(!after.recipients.some((d) => d.userId === 'bob' && d.deviceId === 'd1'));
      assert.deepEqual((await b.getMembership(g, bob))?.leaveSeq, 3);
      assert.deepEqual((await b.fetchMessages(g, bob, 0, page)).messages.map((m) => m.seq), [2, 3]);
      assert.ok(!(await b.listRoster(g, null, 10)).some((d) => d.userId === 'bob' && d.deviceId === 'd1'));
      assert.deepEqual(await b.ack(g, bob, 99), { acked: 3 }, 'clamped to the removal');
      assert.equal(await b.getMembership(g, bob), undefined, 'forgotten once it read everything');
    } finally {
      await close();
    }
  });

  test('invitations: invited reads nothing; accept by the current Welcome; decline allows one Remove proposal; a removed invitee is forgotten with its Welcome', async () => {
    const { a, b, close } = await fresh();
    try {
      const g = enc('invites');
      let rev = await aliceAndBob(a, g);
      await devices(a, { userId: 'dave', deviceId: 'd1' });
      const dave = { userId: 'dave', deviceId: 'd1' };
      const inv = await a.postCommit(commitInput(g, 1n, rev, { invited: [carol, dave], welcomes: [{ data: enc('w-c'), to: [carol] }, { data: enc('w-d'), to: [dave] }] }));
      assert.ok(inv.ok);
      assert.deepEqual(inv.welcomeIds.map((w) => [w.device.userId, w.index]), [['carol', 0], ['dave', 1]]);
      assert.equal((await b.getMembership(g, carol))?.status, 'invited');
      assert.deepEqual(await b.fetchMessages(g, carol, 0, page).then((r) => r.messages.length), 0);
      assert.deepEqual(await a.appendMessage(app(g, carol, 'x', { epoch: 2n })), { ok: false, code: 'not_member' });
      const wc = (await b.listWelcomes(carol, page)).welcomes;
      assert.deepEqual(wc.map((w) => [text(w.data), w.sender.userId, w.epoch]), [['w-c', 'alice', 2n]]);
      // Paging past pending invitations: nothing after the last id seen.
      assert.deepEqual((await b.listWelcomes(carol, page, wc[0]!.id)).welcomes, []);
      assert.deepEqual((await b.listWelcomes(carol, page, wc[0]!.id - 1)).welcomes.map((w) => w.id), [wc[0]!.id]);
      // Carol declines: she may post one Remove proposal of her own leaf, and reads nothing.
      assert.deepEqual(await b.declineWelcomes(carol, [wc[0]!.id, 999_999]), { removed: 1, declined: [g] });
      assert.equal((await a.getMembership(g, carol))?.status, 'declined');
      rev = (await a.getGroupState(g))!.stateRev;
      assert.deepEqual(await a.appendMessage(app(g, carol, 'app', { epoch: 2n, access: 'declined' })), { ok: false, code: 'not_member' });
      const prop = await a.appendMessage(app(g, carol, 'rm-me', { epoch: 2n, kind: 'proposal', access: 'declined', state: { expectedRev: rev, publicState: enc('s2+p') } }));
      assert.ok(prop.ok);
      assert.ok(!prop.recipients.some((d) => d.userId === 'carol'), 'a declined device is no recipient');
      rev = (await a.getGroupState(g))!.stateRev;
      assert.deepEqual(await a.appendMessage(app(g, carol, 'again', { epoch: 2n, kind: 'proposal', access: 'declined', state: { expectedRev: rev, publicState: enc('x') } })), { ok: false, code: 'not_member' });
      assert.equal((await a.getMembership(g, carol))?.proposalUsed, true);
      // Dave is removed while invited: forgotten, and so is his Welcome.
      const rm = await a.postCommit(commitInput(g, 2n, rev, { removed: [carol, dave] }));
      assert.ok(rm.ok);
      assert.equal(await b.getMembership(g, dave), undefined);
      assert.equal(await b.getMembership(g, carol), undefined);
      assert.deepEqual((await b.listWelcomes(dave, page)).welcomes, []);
      assert.deepEqual(await b.ackWelcomes(dave, [inv.welcomeIds[1]!.id]), { removed: 0, accepted: [] });
      // Welcomes page by bytes.
      for (let i = 0; i < 3; i++) {
        rev = (await a.getGroupState(g))!.stateRev;
        const e = (await a.getGroup(g))!.epoch;
        assert.ok((await a.postCommit(commitInput(g, e, rev, { invited: [dave], welcomes: [{ data: enc(`w${i}`.padEnd(1000, '.')), to: [dave] }] }))).ok);
        assert.ok((await a.postCommit(commitInput(g, e + 1n, rev + 1, { removed: [dave] }))).ok);
      }
      assert.deepEqual((await b.listWelcomes(dave, page)).welcomes, [], 'each removal dropped its invitation');
      rev = (await a.getGroupState(g))!.stateRev;
      const e = (await a.getGroup(g))!.epoch;
      assert.ok((await a.postCommit(commitInput(g, e, rev, { invited: [dave], welcomes: [{ data: enc('big1'.padEnd(1000, '.')), to: [dave] }] }))).ok);
      const wd = await b.listWelcomes(dave, { limit: 10, maxBytes: 10, overhead: 24 });
      assert.deepEqual([wd.welcomes.length, wd.more], [1, false]);
      assert.deepEqual(await b.ackWelcomes(dave, [wd.welcomes[0]!.id]), { removed: 1, accepted: [g] });
      assert.equal((await a.getMembership(g, dave))?.status, 'member');
    } finally {
      await close();
    }
  });

  test('retention: messages and Welcomes before the cutoff, expired KeyPackages and drained removed members go; concurrent sweeps delete each row once', async () => {
    const { a, b, close } = await fresh();
    try {
      const g = enc('retention');
      const rev = await aliceAndBob(a, g);
      await a.uploadKeyPackages(carol, [kp('old', 10n), kp('new', 5000n)], null, 100, 0);
      for (let i = 0; i < 5; i++) await a.appendMessage(app(g, alice, `old${i}`, { epoch: 1n, now: 100 }));
      // Bob is removed at seq 7 and has not read: he stays until retention takes what he had left.
      assert.ok((await a.postCommit(commitInput(g, 1n, rev, { removed: [bob], invited: [carol], welcomes: [{ data: enc('w'), to: [carol] }], now: 100 }))).ok);
      for (let i = 0; i < 3; i++) await a.appendMessage(app(g, alice, `new${i}`, { epoch: 2n, now: 1000 }));
      const [r1, r2] = await Promise.all([a.purgeExpired(500, 1000n), b.purgeExpired(500, 1000n)]);
      // Seq 1 (the first commit, now 1) and the 5 old messages and the removing commit (now 100).
      assert.equal(r1.messages + r2.messages, 7);
      assert.equal(r1.welcomes + r2.welcomes, 1, "carol's invitation expired");
      assert.equal(r1.keyPackages + r2.keyPackages, 1);
      assert.deepEqual((await a.fetchMessages(g, alice, 0, page)).messages.map((m) => text(m.data)), ['new0', 'new1', 'new2']);
      assert.equal(await a.getMembership(g, bob), undefined, 'removed, nothing left to read: forgotten');
      assert.deepEqual((await a.listWelcomes(carol, page)).welcomes, []);
      assert.deepEqual(await a.purgeExpired(500, 1000n), { messages: 0, welcomes: 0, keyPackages: 0 });
    } finally {
      await close();
    }
  });

  test('retention through the server: messages and Welcomes past --retention-days go (injected clock)', async () => {
    const { a: storage, close } = await fresh();
    let now = Date.now();
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
      const g = enc('retention');
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
      await server.shutdown(); // closes `storage`
      await close();
    }
  }, 120_000);
}
