// The roster attacks of issue 12, reproduced as they were found, now refused:
// the roster is the group's MLS tree as the DS follows it, not what a
// committer declares. Also the invitation flow (accept, decline, the one
// Remove proposal of a decliner) and resync from the roster in a closed group.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basicCredential } from '../../main/mls/tree/credential.js';
import { createExternalCommit } from '../../main/mls/group/external-commit.js';
import * as mls from '../../main/mls/index.js';
import { b64, CT, privateMessage, publicMessage, startServer, tempDir, unb64, welcome, type Client, type Json, type ServerProc } from './client.js';
import { formGroup, mlsDevice, type MlsDevice } from './mls-client.js';

let server: ServerProc;
let tmp: ReturnType<typeof tempDir>;
const clients: Client[] = [];

before(async () => {
  tmp = tempDir();
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet', '--max-unacked', '20']);
});

after(async () => {
  for (const c of clients) c.ws.terminate();
  await server?.kill('SIGKILL');
  tmp?.cleanup();
});

async function dev(userId: string): Promise<MlsDevice> {
  const d = await mlsDevice(server.url, userId);
  clients.push(d.client);
  return d;
}

const gid = (s: string): Uint8Array => new TextEncoder().encode(s);
const leafOf = (s: mls.GroupState, name: string): number => mls.members(s).find((m) => new TextDecoder().decode(m.identity) === name)!.leafIndex;
const roster = async (c: Client, g: Uint8Array): Promise<string[]> =>
  ((await c.ok('group.roster', { groupId: b64(g) })).devices as Json[]).map((d) => `${d.userId as string}/${d.deviceId as string}:${d.status as string}`);

void describe('forced add', () => {
  void it('as found: a junk Welcome and a declared add no longer put a device in a group', async () => {
    const mallory = await dev('fa-mallory');
    const victim = await dev('fa-victim');
    const g = gid('fa-junk');
    await mallory.createGroup(g);
    // The attack as it was: a commit that is not one, "adding" the victim, with a junk Welcome.
    const r1 = await mallory.client.request('group.commit', {
      commit: b64(privateMessage(g, 0n, CT.commit)),
      add: [victim.ref],
      welcomes: [{ welcome: b64(welcome()), to: [victim.ref] }],
    });
    assert.equal(r1.error, 'private_handshake');
    // A real commit (it adds nobody) with the same lies beside it.
    const r2 = await mallory.postCommit(g, mls.update(mallory.state(g)), [], { add: [victim.ref], welcomes: [{ welcome: b64(welcome()), to: [victim.ref] }] });
    assert.equal(r2.error, 'bad_roster');
    assert.match(String(r2.reason), /add: \[fa-victim\/d1\] is not what the commit does/);
    assert.deepEqual(await roster(mallory.client, g), ['fa-mallory/d1:member']);
    assert.equal(victim.client.pushes.filter((p) => p.push === 'welcome').length, 0);
  });

  void it('with a real KeyPackage the victim is only invited: a Welcome push and nothing else, its own groups keep flowing', async () => {
    const mallory = await dev('fb-mallory');
    const victim = await dev('fb-victim');
    const friend = await dev('fb-friend');
    const real = gid('fb-real');
    await formGroup(friend, [victim], real);
    await victim.upload(1);
    const g = gid('fb-spam');
    await mallory.createGroup(g);
    // Mallory even tries to say the victim accepted (a Welcome of junk): refused, the Welcome must carry the victim's KeyPackage.
    const kp = unb64(((await mallory.client.ok('keypackages.claim', { userId: 'fb-victim' })).keyPackages as Json[])[0]!.keyPackage as string);
    const c = mls.addMembers(mallory.state(g), [kp]);
    const junk = await mallory.client.request('group.commit', { commit: b64(c.commit), groupInfo: b64(c.groupInfo), welcomes: [{ welcome: b64(welcome()), to: [victim.ref] }] });
    assert.equal(junk.error, 'bad_roster');
    assert.match(String(junk.reason), /no entry for the KeyPackage/);
    const ok = await mallory.postCommit(g, c, [victim.ref]);
    assert.equal(ok.ok, true);
    const inv = await victim.client.nextPush((p) => p.push === 'welcome' && p.groupId === b64(g));
    assert.deepEqual(inv.sender, mallory.ref, 'the invitation says who invited');
    // The flood: 60 messages into the spam group. The victim (max 20 unacked pushes) gets none of them...
    for (let i = 0; i < 60; i++) await mallory.client.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, `spam ${i}`)) });
    // ...and its real group is still pushed, without `behind`.
    const sent = await friend.client.ok('group.send', { message: b64(privateMessage(real, 1n, CT.application, 'still here')) });
    await victim.client.nextPush((p) => p.push === 'message' && p.seq === sent.seq && p.groupId === b64(real));
    assert.equal(victim.client.pushes.filter((p) => p.push === 'message' && p.groupId === b64(g)).length, 0, 'no push from a group not accepted');
    assert.equal(victim.client.pushes.filter((p) => p.push === 'behind').length, 0);
    assert.deepEqual(await roster(mallory.client, g), ['fb-mallory/d1:member', 'fb-victim/d1:invited']);
  });

  void it('declining drops the invitation; the decliner may post exactly one Remove of its own leaf; a member commits it', async () => {
    const alice = await dev('fc-alice');
    const bob = await dev('fc-bob');
    const g = gid('fc-group');
    await alice.createGroup(g);
    await bob.upload(1);
    await alice.claimAndAdd(g, ['fc-bob']);
    const w = ((await bob.client.ok('welcome.list')).welcomes as Json[])[0]!;
    assert.deepEqual(w.sender, alice.ref);
    // The core joins only to propose its own removal, then declines.
    const s = bob.join(unb64(w.welcome as string), b64(g));
    const declined = await bob.client.ok('welcome.decline', { ids: [w.id] });
    assert.deepEqual([declined.removed, declined.declined], [1, [b64(g)]]);
    assert.deepEqual((await bob.client.ok('welcome.list')).welcomes, []);
    const fetch = await bob.client.request('group.fetch', { groupId: b64(g) });
    assert.deepEqual([fetch.error, fetch.status], ['not_member', 'declined']);
    assert.deepEqual(await roster(alice.client, g), ['fc-alice/d1:member', 'fc-bob/d1:declined']);
    // Only its own removal, and only once.
    const other = mls.proposeUpdate(s);
    assert.equal((await bob.client.request('group.send', { message: b64(other.message) })).error, 'not_member');
    assert.equal((await bob.client.request('group.send', { message: b64(privateMessage(g, 1n, CT.application, 'hi')) })).error, 'not_member');
    const rm = mls.proposeRemove(s, mls.ownLeafIndex(s));
    const posted = await bob.client.ok('group.send', { message: b64(rm.message) });
    assert.equal((await bob.client.request('group.send', { message: b64(mls.proposeRemove(s, mls.ownLeafIndex(s), { authenticatedData: new Uint8Array([1]) }).message) })).error, 'not_member');
    // Alice gets the proposal and commits it.
    await alice.client.nextPush((p) => p.push === 'message' && p.seq === posted.seq);
    await alice.catchUp(g);
    const done = await alice.postCommit(g, mls.update(alice.state(g)));
    assert.equal(done.ok, true);
    assert.deepEqual(await roster(alice.client, g), ['fc-alice/d1:member']);
    assert.deepEqual(mls.members(alice.state(g)).map((m) => new TextDecoder().decode(m.identity)), ['fc-alice/d1']);
  });
});

void describe('external commits', () => {
  void it('as found: an outsider\'s valid external commit to an open group declaring "remove everyone" is refused', async () => {
    const alice = await dev('oa-alice');
    const bob = await dev('oa-bob');
    const mallory = await dev('oa-mallory');
    const g = gid('oa-open');
    await formGroup(alice, [bob], g, { allowExternalJoin: true });
    const info = unb64((await mallory.client.ok('group.info', { groupId: b64(g) })).groupInfo as string);
    const j = mls.joinExternal(info, mallory.identity);
    const lie = await mallory.client.request('group.commit', { commit: b64(j.commit), groupInfo: b64(j.groupInfo), add: [mallory.ref], remove: [alice.ref, bob.ref] });
    assert.equal(lie.error, 'bad_roster');
    assert.match(String(lie.reason), /remove: \[.*\] is not what the commit does; its tree change removes \[\]/);
    assert.deepEqual(await roster(alice.client, g), ['oa-alice/d1:member', 'oa-bob/d1:member']);
  });

  void it('an external commit in another device\'s name, or replacing another device\'s leaf, is refused', async () => {
    const alice = await dev('ob-alice');
    const bob = await dev('ob-bob');
    const mallory = await dev('ob-mallory');
    const g = gid('ob-open');
    await formGroup(alice, [bob], g, { allowExternalJoin: true });
    const info = unb64((await mallory.client.ok('group.info', { groupId: b64(g) })).groupInfo as string);
    // Mallory's own key under alice's name: valid MLS (a "resync" of alice's leaf: the credentials are equal).
    const fake = mls.createIdentity(1, 'ob-alice/d1', { publicKey: mallory.key.publicKey, privateKey: mallory.key.seed });
    const asAlice = mls.joinExternal(info, fake);
    const r1 = await mallory.client.request('group.commit', { commit: b64(asAlice.commit) });
    assert.equal(r1.error, 'bad_credential');
    assert.match(String(r1.reason), /signature_key is not the registered key of ob-alice\/d1/);
    const replace = createExternalCommit({ groupInfo: info, credential: basicCredential(new TextEncoder().encode('ob-alice/d1')), signaturePrivateKey: mallory.key.seed, removeLeaf: leafOf(alice.state(g), 'ob-alice/d1') as never });
    const r2 = await mallory.client.request('group.commit', { commit: b64(replace.commit) });
    assert.equal(r2.error, 'bad_credential');
    // Alice's leaf stays; the group goes on.
    assert.equal((await alice.postCommit(g, mls.update(alice.state(g)))).ok, true);
  });

  void it('as found: a junk external commit is refused and the members can still commit', async () => {
    const alice = await dev('oc-alice');
    const mallory = await dev('oc-mallory');
    const g = gid('oc-open');
    await alice.createGroup(g, { allowExternalJoin: true });
    const junk = await mallory.client.request('group.commit', { commit: b64(publicMessage(g, 0n, CT.commit, 4, 'junk')), add: [mallory.ref] });
    assert.equal(junk.error, 'bad_message');
    assert.equal((await alice.client.ok('group.list')).groups instanceof Array, true);
    const r = await alice.postCommit(g, mls.update(alice.state(g)));
    assert.deepEqual([r.ok, r.epoch], [true, '1'], 'the epoch did not move: no stale_epoch for the members');
  });

  void it('a member that fell out of step resyncs in a closed group (only itself); an outsider may not', async () => {
    const alice = await dev('od-alice');
    const bob = await dev('od-bob');
    const carol = await dev('od-carol');
    const g = gid('od-closed');
    await formGroup(alice, [bob, carol], g);
    const stale = bob.state(g);
    await alice.postCommit(g, mls.update(alice.state(g)));
    // Bob lost the commit: he rejoins from the current GroupInfo, removing his old leaf.
    const info = unb64((await bob.client.ok('group.info', { groupId: b64(g) })).groupInfo as string);
    const rs = mls.resync(stale, info);
    const ok = await bob.client.ok('group.commit', { commit: b64(rs.commit), groupInfo: b64(rs.groupInfo), add: [bob.ref], remove: [bob.ref] });
    bob.setState(g, rs.state);
    bob.seen.set(b64(g), ok.seq as number);
    assert.deepEqual(await roster(alice.client, g), ['od-alice/d1:member', 'od-bob/d1:member', 'od-carol/d1:member']);
    await alice.catchUp(g);
    await carol.catchUp(g);
    assert.equal(Buffer.from(mls.epochAuthenticator(alice.state(g))).toString('hex'), Buffer.from(mls.epochAuthenticator(bob.state(g))).toString('hex'));
    // An outsider cannot join the closed group by external commit.
    const mallory = await dev('od-mallory');
    const j = mls.joinExternal(mls.groupInfo(alice.state(g)), mallory.identity);
    assert.equal((await mallory.client.request('group.commit', { commit: b64(j.commit) })).error, 'not_authorized');
  });
});

void describe('a member\'s roster lie', () => {
  void it('as found: a self-update declared as "remove alice, add mallory" is refused; the same commit without the lie is accepted', async () => {
    const alice = await dev('rl-alice');
    const mallory = await dev('rl-mallory');
    const bob = await dev('rl-bob');
    const g = gid('rl-group');
    await formGroup(alice, [bob], g);
    const c = mls.update(bob.state(g));
    const lie = await bob.client.request('group.commit', { commit: b64(c.commit), groupInfo: b64(c.groupInfo), remove: [alice.ref], add: [mallory.ref] });
    assert.equal(lie.error, 'bad_roster');
    assert.deepEqual(await roster(alice.client, g), ['rl-alice/d1:member', 'rl-bob/d1:member']);
    // A commit signed by one member, posted by another.
    assert.equal((await alice.client.request('group.commit', { commit: b64(c.commit) })).error, 'bad_credential');
    const ok = await bob.postCommit(g, c);
    assert.equal(ok.ok, true);
  });
});
