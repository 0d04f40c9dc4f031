// Hostile input: well over 1,000 malformed or hostile frames, each answered
// with an error code, while a well-behaved pair of devices keeps being served.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import * as mls from '../../main/mls/index.js';
import {
  b64,
  Client,
  CT,
  fillerOf,
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
import { formGroup, mlsDevice } from './mls-client.js';

let server: ServerProc;
let tmp: ReturnType<typeof tempDir>;
const clients: Client[] = [];

before(async () => {
  tmp = tempDir();
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet', '--rate', '100000', '--burst', '100000', '--device-rate', '100000', '--device-burst', '100000', '--login-rate', '100000', '--login-burst', '100000']);
});

after(async () => {
  for (const c of clients) c.ws.terminate();
  await server?.kill('SIGKILL');
  tmp?.cleanup();
});

async function connect(): Promise<Client> {
  const c = await Client.connect(server.url);
  clients.push(c);
  return c;
}

let nextId = 1_000_000;
const rnd = (n: number): number => randomBytes(4).readUInt32BE() % n;

/** A request frame that must be refused with one of `codes`. */
interface Hostile {
  readonly frame: Json;
  readonly codes: readonly string[];
}

function req(type: string, fields: Json, ...codes: string[]): Hostile {
  return { frame: { v: 1, id: nextId++, type, ...fields }, codes };
}

void it('answers 1,000+ hostile frames with error codes and keeps serving a well-behaved client', { timeout: 60_000 }, async () => {
  // The well-behaved pair.
  const goodDev = await mlsDevice(server.url, 'good');
  const peerDev = await mlsDevice(server.url, 'peer');
  const [good, peer] = [goodDev.client, peerDev.client];
  clients.push(good, peer);
  const g = new TextEncoder().encode('good-group');
  await formGroup(goodDev, [peerDev], g);

  // Attackers: one anonymous connection, one logged-in device with its own group.
  const anon = await connect();
  const evilDev = await mlsDevice(server.url, 'mallory');
  const { client: evil, key: evilKey } = evilDev;
  clients.push(evil);
  const own = new TextEncoder().encode('mallory-group');
  await evilDev.createGroup(own);
  // A real commit of mallory's own group, posted with lies beside it (refused each time, so it stays valid).
  const ownCommit = b64(mls.update(evilDev.state(own)).commit);

  const valid = privateMessage(g, 1n, CT.application, 'valid-looking');
  const anonFrames: Hostile[] = [];
  const evilFrames: Hostile[] = [];

  // Anonymous: everything but challenge/register/login is refused; forged and replayed logins fail.
  for (const type of ['ping', 'group.send', 'group.fetch', 'keypackages.claim', 'group.create', 'welcome.list']) {
    for (let i = 0; i < 10; i++) anonFrames.push(req(type, { groupId: b64(g), message: b64(valid) }, 'not_logged_in'));
  }
  for (let i = 0; i < 60; i++) {
    // A signature by the wrong key over a challenge this connection never got.
    const ch = randomBytes(32);
    anonFrames.push(
      req('login', { userId: 'good', deviceId: 'd1', challenge: b64(ch), signature: signAs(newDeviceKey(), 'login', [ch, 'good', 'd1']) }, 'challenge_invalid'),
    );
  }
  for (let i = 0; i < 40; i++) {
    anonFrames.push(req('login', { userId: 'good', deviceId: 'd1', challenge: 'not base64!', signature: b64(randomBytes(64)) }, 'bad_request'));
    anonFrames.push(req('register', { userId: 'x'.repeat(65), deviceId: 'd1', publicKey: b64(randomBytes(32)), challenge: b64(randomBytes(32)), signature: b64(randomBytes(64)) }, 'bad_request'));
    anonFrames.push(req('register', { userId: `u${i}`, deviceId: 'd1', publicKey: b64(randomBytes(31)), challenge: b64(randomBytes(32)), signature: b64(randomBytes(64)) }, 'bad_key'));
  }

  // Logged in: malformed MLS bytes, wrong wire formats, unknown groups, groups not joined, bad fields.
  for (let i = 0; i < 150; i++) evilFrames.push(req('group.send', { message: b64(randomBytes(1 + rnd(200))) }, 'bad_message'));
  for (let i = 0; i < 100; i++) {
    const cut = valid.subarray(0, rnd(valid.length));
    evilFrames.push(req('group.send', { message: b64(cut) }, 'bad_message', 'bad_request'));
  }
  for (let i = 0; i < 50; i++) {
    const extra = new Uint8Array([...valid, ...randomBytes(1 + rnd(8))]);
    evilFrames.push(req('group.send', { message: b64(extra) }, 'bad_message'));
  }
  for (let i = 0; i < 30; i++) {
    evilFrames.push(req('group.send', { message: b64(welcome()) }, 'bad_message'));
    evilFrames.push(req('group.send', { message: b64(keyPackage('k')) }, 'bad_message'));
    evilFrames.push(req('group.send', { message: b64(groupInfo(g, 1n)) }, 'bad_message'));
    evilFrames.push(req('group.send', { message: b64(publicMessage(g, 1n, CT.application)) }, 'bad_message'));
  }
  for (let i = 0; i < 100; i++) {
    const unknown = randomBytes(1 + rnd(32));
    evilFrames.push(req('group.send', { message: b64(privateMessage(unknown, 0n, CT.application)) }, 'no_group'));
    evilFrames.push(req('group.fetch', { groupId: b64(unknown) }, 'no_group'));
  }
  for (let i = 0; i < 50; i++) {
    evilFrames.push(req('group.send', { message: b64(privateMessage(g, 1n, CT.application, 'intruder')) }, 'not_member'));
    evilFrames.push(req('group.commit', { commit: b64(privateMessage(g, 1n, CT.commit, 'takeover')) }, 'private_handshake'));
    evilFrames.push(req('group.commit', { commit: b64(publicMessage(g, 1n, CT.commit, 1, 'takeover')) }, 'not_member'));
    evilFrames.push(req('group.fetch', { groupId: b64(g) }, 'not_member'));
    evilFrames.push(req('group.ack', { groupId: b64(g), seq: 1e6 }, 'not_member'));
    evilFrames.push(req('group.info', { groupId: b64(g) }, 'not_member'));
  }
  for (let i = 0; i < 40; i++) {
    evilFrames.push(req(`no.such.${i}`, {}, 'unknown_request'));
    evilFrames.push(req('group.fetch', { groupId: 42 }, 'bad_request'));
    evilFrames.push(req('group.fetch', { groupId: b64(own), limit: -1 }, 'bad_request'));
    evilFrames.push(req('group.ack', { groupId: b64(own), seq: 'all' }, 'bad_request'));
    evilFrames.push(req('group.commit', { commit: ownCommit, add: 'everyone' }, 'bad_request'));
    evilFrames.push(req('group.commit', { commit: ownCommit, add: [{ userId: 'good', deviceId: 'd1' }] }, 'bad_roster'));
    evilFrames.push(req('group.commit', { commit: b64(publicMessage(own, 0n, CT.commit)) }, 'bad_message'));
    evilFrames.push(req('keypackages.upload', { keyPackages: [b64(randomBytes(40))] }, 'bad_message'));
    evilFrames.push(req('keypackages.upload', { keyPackages: Array.from({ length: 101 }, () => 'AAAA') }, 'too_large'));
    evilFrames.push(req('welcome.ack', { ids: [0] }, 'bad_request'));
    evilFrames.push({ frame: { v: 2, id: nextId++, type: 'ping' }, codes: ['unsupported_version'] });
    evilFrames.push({ frame: { id: nextId++, type: 'ping' }, codes: ['unsupported_version'] });
    evilFrames.push({ frame: { v: 1, id: nextId++, type: 7 }, codes: ['bad_frame'] });
    evilFrames.push(req('login', { userId: 'good', deviceId: 'd1' }, 'already_logged_in'));
  }
  // Replayed challenge: a real login signature, replayed on a second connection and again on the first.
  const replayer = await connect();
  const real = await connect();
  const ch = unb64((await real.ok('challenge')).challenge as string);
  const loginFrame = { userId: 'mallory', deviceId: 'd1', challenge: b64(ch), signature: signAs(evilKey, 'login', [ch, 'mallory', 'd1']) };
  assert.equal((await real.request('login', loginFrame)).ok, true);
  for (let i = 0; i < 30; i++) anonFrames.push(req('login', loginFrame, 'challenge_invalid'));
  const replays: Promise<Json>[] = [];
  for (let i = 0; i < 20; i++) replays.push(replayer.request('login', loginFrame));

  // Forged signatures over real challenges: 8 challenges open at a time, each consumed by its failed attempt.
  const forger = await connect();
  const forged: Promise<Json>[] = [];
  for (let round = 0; round < 5; round++) {
    const chs = await Promise.all(Array.from({ length: 8 }, () => forger.ok('challenge').then((r) => unb64(r.challenge as string))));
    for (const c of chs) {
      const wrong = newDeviceKey();
      forged.push(forger.request('login', { userId: 'good', deviceId: 'd1', challenge: b64(c), signature: signAs(wrong, 'login', [c, 'good', 'd1']) }));
      forged.push(forger.request('login', { userId: 'good', deviceId: 'd1', challenge: b64(c), signature: signAs(wrong, 'login', [c, 'good', 'd1']) }));
    }
  }
  const forgedResults = await Promise.all(forged);
  // First attempt: bad signature; the same challenge again: already consumed.
  assert.deepEqual(new Set(forgedResults.filter((_, i) => i % 2 === 0).map((r) => r.error)), new Set(['bad_signature']));
  assert.deepEqual(new Set(forgedResults.filter((_, i) => i % 2 === 1).map((r) => r.error)), new Set(['challenge_invalid']));
  assert.equal((await forger.request('ping')).error, 'not_logged_in');

  // Frames with no usable id: random bytes (binary and text), truncated and non-object JSON.
  const junk: (string | Buffer)[] = [];
  for (let i = 0; i < 100; i++) junk.push(randomBytes(1 + rnd(300)));
  for (let i = 0; i < 100; i++) junk.push(randomBytes(1 + rnd(300)).toString('latin1'));
  for (let i = 0; i < 100; i++) {
    const full = JSON.stringify({ v: 1, id: nextId++, type: 'group.send', message: b64(valid) });
    junk.push(full.slice(0, rnd(full.length)));
  }
  for (const x of ['null', '[]', '42', '"str"', 'true', '{"v":1,"id":{},"type":"ping"}', '{"v":1,"id":1.5,"type":"ping"}', '[[[[[[[[[[]]]]]]]]]]', '{"id":null}', '['.repeat(100_000)]) {
    for (let i = 0; i < 5; i++) junk.push(x);
  }

  // Meanwhile the good device keeps posting and the peer keeps receiving.
  let goodDone = false;
  const goodLoop = (async () => {
    let n = 0;
    const started = Date.now();
    while (!goodDone || n < 50) {
      const text = `good #${n}`;
      const r = await good.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, text)) });
      const p = await peer.nextPush((x) => x.push === 'message' && x.seq === r.seq);
      assert.equal(fillerOf(unb64(p.message as string)), text);
      n++;
      if (Date.now() - started > 30_000) break;
    }
    return n;
  })();

  // In windows of 50 in flight: the server queues at most 64 requests per connection.
  const run = async (c: Client, list: Hostile[]): Promise<void> => {
    for (let i = 0; i < list.length; i += 50) {
      await Promise.all(
        list.slice(i, i + 50).map(async (h) => {
          const r = await c.requestRaw(h.frame);
          assert.equal(r.ok, false, `${JSON.stringify(h.frame).slice(0, 120)} was accepted`);
          assert.ok(h.codes.includes(r.error as string), `${JSON.stringify(h.frame).slice(0, 120)}: got ${String(r.error)} (${String(r.reason)}), expected ${h.codes.join('|')}`);
          assert.equal(typeof r.reason, 'string');
        }),
      );
    }
  };
  for (const j of junk) evil.sendRaw(j);
  await Promise.all([run(anon, anonFrames), run(evil, evilFrames)]);
  for (const r of await Promise.all(replays)) assert.equal(r.error, 'challenge_invalid');
  // Every id-less frame got an id-less error reply.
  const deadline = Date.now() + 5000;
  while (evil.unmatched.length < junk.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(evil.unmatched.length, junk.length);
  for (const u of evil.unmatched) {
    assert.equal(u.id, null);
    assert.equal(u.error, 'bad_frame');
  }

  // Oversized frames close only the offending connection (1009), never the server.
  for (let i = 0; i < 3; i++) {
    const big = await connect();
    big.sendRaw('x'.repeat(1024 * 1024 + 1));
    assert.equal((await big.closed).code, 1009);
  }
  // A payload that fits the frame is still bounded by the message limit the hello push announced.
  const hello = evil.pushes.find((p) => p.push === 'hello');
  assert.ok(hello !== undefined && (hello.maxMessageBytes as number) < 1024 * 1024);

  goodDone = true;
  const served = await goodLoop;
  const total = anonFrames.length + evilFrames.length + junk.length + replays.length + forged.length + 3;
  assert.ok(total >= 1000, `${total} hostile frames`);
  console.log(`# ${total} hostile frames refused; the good client posted and received ${served} messages meanwhile`);
  // Nothing hostile got into the group.
  const all = await peer.ok('group.fetch', { groupId: b64(g), after: 0, limit: 500 });
  for (const m of all.messages as Json[]) assert.match(fillerOf(unb64(m.message as string)), /^good #\d+$/);
  assert.equal(server.proc.exitCode, null);
});
