// The KeyPackage directory attacks of issue 12, as found, now refused or
// bounded: a stranger draining a user's 100 packages in well under a second
// and then getting the same last-resort package again and again; packages of
// 765 KiB, with someone else's credential, with junk after the header, or
// expired in 1970, all accepted; no quota; no expiry.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import * as mls from '../../main/mls/index.js';
import { b64, keyPackage, startServer, tempDir, type Client, type Json, type ServerProc } from './client.js';
import { mlsDevice, type MlsDevice } from './mls-client.js';

let server: ServerProc;
let tmp: ReturnType<typeof tempDir>;
const clients: Client[] = [];

before(async () => {
  tmp = tempDir();
  // Default claim limits; a small quota so the test reaches it.
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet', '--kp-quota', '150']);
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

void it('as found: a stranger cannot drain a user\'s 100 packages at once, nor take the last-resort one over and over', { timeout: 60_000 }, async () => {
  const victim = await dev('kd-victim');
  const stranger = await dev('kd-stranger');
  await victim.upload(100, true);
  const t0 = Date.now();
  const rs = await Promise.all(Array.from({ length: 200 }, () => stranger.client.request('keypackages.claim', { userId: 'kd-victim' })));
  const got = rs.filter((r) => r.ok === true).flatMap((r) => r.keyPackages as Json[]);
  const limited = rs.filter((r) => r.error === 'rate_limited');
  const elapsed = Date.now() - t0;
  console.log(`# 200 claims in ${elapsed} ms: ${got.length} packages handed out, ${limited.length} rate_limited`);
  // The claimed user's bucket: burst 30, then one every 2 s.
  assert.ok(got.length <= 30 + Math.ceil(elapsed / 2000), `${got.length} packages drained`);
  assert.ok(limited.every((r) => (r.retryAfterMs as number) > 0));
  const left = await victim.client.ok('keypackages.count');
  assert.equal(left.remaining, 100 - got.length);

  // The last-resort package: a user with no ordinary package left (another stranger: this one used up its claims).
  const lone = await dev('kd-lone');
  const stranger2 = await dev('kd-stranger2');
  await lone.client.ok('keypackages.upload', { lastResort: b64(lone.keyPackage({ lastResort: true })) });
  const attempts = await Promise.all(Array.from({ length: 50 }, () => stranger2.client.request('keypackages.claim', { userId: 'kd-lone' })));
  const served = attempts.filter((r) => r.ok === true);
  const lastResorts = served.flatMap((r) => r.keyPackages as Json[]).filter((k) => k.lastResort === true);
  console.log(`# 50 claims of a last-resort package: ${served.length} served, ${lastResorts.length} handed it out`);
  assert.equal(lastResorts.length, 3, 'three times per claimer per day');
  assert.ok(served.slice(3).every((r) => (r.withheld as string[]).includes('d1') && (r.missing as string[]).includes('d1')));
  // Another claimer has its own allowance: adding the user still works, once it waits out the user's claim rate.
  const friend = await dev('kd-friend');
  const f = await friend.client.okPatient('keypackages.claim', { userId: 'kd-lone' });
  assert.equal((f.keyPackages as Json[])[0]!.lastResort, true);
});

void it('as found: stuffing is refused: oversized, someone else\'s, junk after the header, expired, another suite; a quota per user', { timeout: 60_000 }, async () => {
  const mallory = await dev('ks-mallory');
  const victim = await dev('ks-victim');
  const refuse = async (fields: Json, code: string, pattern: RegExp): Promise<void> => {
    const r = await mallory.client.request('keypackages.upload', fields);
    assert.equal(r.error, code, String(r.reason));
    assert.match(String(r.reason), pattern);
  };
  // 765 KiB.
  const huge = new Uint8Array(765 * 1024);
  huge.set(mallory.keyPackage());
  await refuse({ keyPackages: [b64(huge)] }, 'too_large', /keyPackages\[0\]: more than 4096 bytes/);
  // Someone else's credential (with mallory's own key: she has no other).
  const asVictim = mls.createKeyPackage(mls.createIdentity(1, 'ks-victim/d1', { publicKey: mallory.key.publicKey, privateKey: mallory.key.seed }));
  await refuse({ keyPackages: [b64(asVictim.keyPackage)] }, 'bad_credential', /names ks-victim\/d1; a device uploads only its own/);
  // Her own name with a key that is not her registered one.
  const otherKey = mls.createKeyPackage(mls.createIdentity(1, 'ks-mallory/d1'));
  await refuse({ keyPackages: [b64(otherKey.keyPackage)] }, 'bad_credential', /not the registered key of ks-mallory\/d1/);
  // Junk after a valid header, and junk after a whole valid package.
  await refuse({ keyPackages: [b64(keyPackage('junk'))] }, 'bad_message', /keyPackages\[0\]: MLSMessage/);
  await refuse({ keyPackages: [b64(new Uint8Array([...mallory.keyPackage(), 0]))] }, 'bad_message', /trailing/);
  // Expired in 1970.
  const expired = mls.createKeyPackage(mallory.identity, { now: 3600n, lifetimeSeconds: 3600 });
  await refuse({ lastResort: b64(expired.keyPackage) }, 'bad_message', /lifetime .* does not cover/);
  // Another cipher suite (0x0003 also signs with Ed25519).
  const suite3 = mls.createKeyPackage(mls.createIdentity(3, 'ks-mallory/d1', { publicKey: mallory.key.publicKey, privateKey: mallory.key.seed }));
  await refuse({ keyPackages: [b64(suite3.keyPackage)] }, 'bad_message', /cipher suite 3 is not one this server accepts/);
  // Nothing of that was stored.
  assert.deepEqual(await mallory.client.ok('keypackages.count').then((r) => [r.remaining, r.lastResort]), [0, false]);
  assert.deepEqual((await victim.client.ok('keypackages.count')).remaining, 0);
  // The quota (150 here) counts a user's packages on all devices.
  await mallory.upload(100);
  const over = await mallory.client.request('keypackages.upload', { keyPackages: Array.from({ length: 51 }, () => b64(mallory.keyPackage())) });
  assert.deepEqual([over.error, over.userTotal, over.quota], ['limit_exceeded', 100, 150]);
  assert.equal((await mallory.upload(50)).remaining, 150);
});

void it('as found: expired packages are never handed out', async () => {
  const short = await dev('ke-short');
  const claimer = await dev('ke-claimer');
  const now = BigInt(Math.floor(Date.now() / 1000));
  await short.client.ok('keypackages.upload', { keyPackages: [b64(short.keyPackage({ now, lifetimeSeconds: 4 }))] });
  assert.equal((await short.client.ok('keypackages.count')).remaining, 1);
  await new Promise((r) => setTimeout(r, 5200));
  assert.equal((await short.client.ok('keypackages.count')).remaining, 0);
  const r = await claimer.client.ok('keypackages.claim', { userId: 'ke-short' });
  assert.deepEqual([r.keyPackages, r.missing], [[], ['d1']]);
});
