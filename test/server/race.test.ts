// 20 member devices race real commits (self-updates) for the same epoch:
// exactly one wins per round, the others are refused with the current epoch,
// every member processes the winner and agrees on the epoch, and every member
// reads the same sequence.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import * as mls from '../../main/mls/index.js';
import { b64, CT, privateMessage, startServer, tempDir, unb64, type Client, type Json, type ServerProc } from './client.js';
import { formGroup, mlsDevice, type MlsDevice } from './mls-client.js';

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

void it('accepts exactly one of 20 concurrent commits per epoch; all members see one order', { timeout: 120_000 }, async () => {
  const N = 20;
  const devs: MlsDevice[] = await Promise.all(Array.from({ length: N }, (_, i) => mlsDevice(server.url, `racer${i}`)));
  for (const d of devs) clients.push(d.client);
  const g = new TextEncoder().encode('race-group');
  await formGroup(devs[0]!, devs.slice(1), g);

  let epoch = 1n;
  for (let round = 0; round < 3; round++) {
    // Each device sends a commit for the current epoch and two application messages, all at once.
    const commits = devs.map((d) => mls.update(d.state(g)));
    const results = await Promise.all(
      devs.map((d, i) =>
        Promise.all([
          d.client.request('group.commit', { commit: b64(commits[i]!.commit), groupInfo: b64(commits[i]!.groupInfo) }),
          d.client.request('group.send', { message: b64(privateMessage(g, epoch, CT.application, `app r${round} by ${i} #0`)) }),
          d.client.request('group.send', { message: b64(privateMessage(g, epoch, CT.application, `app r${round} by ${i} #1`)) }),
        ]),
      ),
    );
    const won = results.map((r, i) => ({ r: r[0], i })).filter((x) => x.r.ok === true);
    const lost = results.map((r) => r[0]).filter((r) => r.ok !== true);
    assert.equal(won.length, 1, `round ${round}: one commit accepted`);
    assert.equal(won[0]!.r.epoch, (epoch + 1n).toString());
    assert.equal(lost.length, N - 1);
    for (const r of lost) {
      assert.equal(r.error, 'stale_epoch', String(r.reason));
      assert.equal(r.epoch, (epoch + 1n).toString(), 'refusal carries the current epoch');
    }
    // The winner merges its own commit; everyone else processes it (without acks: the history stays for the check below).
    const w = devs[won[0]!.i]!;
    w.setState(g, mls.mergePendingCommit(w.state(g), commits[won[0]!.i]!.pending));
    w.seen.set(b64(g), won[0]!.r.seq as number);
    await Promise.all(devs.map((d) => (d === w ? Promise.resolve() : d.catchUp(g, { ack: false }))));
    epoch += 1n;
    for (const d of devs) assert.equal(mls.epoch(d.state(g)), epoch, `${d.name} is at epoch ${epoch}`);
    const auth = Buffer.from(mls.epochAuthenticator(devs[0]!.state(g))).toString('hex');
    for (const d of devs) assert.equal(Buffer.from(mls.epochAuthenticator(d.state(g))).toString('hex'), auth, `${d.name} agrees`);
  }

  // Everyone reads the whole history of its window: the same sequence, gap-free.
  const views: string[][] = [];
  for (const d of devs) {
    const msgs = await d.client.fetchAll(g, 0);
    const seen: string[] = [];
    for (let i = 1; i < msgs.length; i++) assert.equal(msgs[i]!.seq, (msgs[i - 1]!.seq as number) + 1, 'sequence numbers are consecutive');
    for (const m of msgs) seen.push(`${m.seq as number}:${m.kind as string}:${Buffer.from(unb64(m.message as string)).toString('latin1').slice(-20)}`);
    views.push(seen);
  }
  for (const v of views.slice(1)) assert.deepEqual(v, views[0]!.filter((x) => !x.startsWith('1:')));
  // 3 rounds × (1 commit + 40 application messages).
  assert.equal(views[1]!.length, 3 * (1 + 2 * N));
  // Pushes arrive in seq order on every connection.
  for (const d of devs) {
    const seqs = d.client.pushes.filter((p: Json) => p.push === 'message').map((p: Json) => p.seq as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  }
});
