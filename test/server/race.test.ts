// 20 member devices race commits for the same epoch: exactly one wins per
// round, the others are refused with the current epoch, and every member
// reads the same sequence.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { b64, CT, device, privateMessage, startServer, tempDir, unb64, welcome, type Client, type Json, type ServerProc } from './client.js';

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

void it('accepts exactly one of 20 concurrent commits per epoch; all members see one order', async () => {
  const N = 20;
  const devs = await Promise.all(Array.from({ length: N }, (_, i) => device(server.url, `racer${i}`)));
  for (const d of devs) clients.push(d.client);
  const cs = devs.map((d) => d.client);
  const g = new TextEncoder().encode('race-group');
  const owner = cs[0]!;
  await owner.ok('group.create', { groupId: b64(g) });
  const others = cs.slice(1).map((c) => ({ userId: c.userId, deviceId: c.deviceId }));
  await owner.ok('group.commit', {
    commit: b64(privateMessage(g, 0n, CT.commit)),
    add: others,
    welcomes: [{ welcome: b64(welcome()), to: others }],
  });

  let epoch = 1n;
  for (let round = 0; round < 3; round++) {
    // Each device sends a commit for the current epoch and two application messages, all at once.
    const results = await Promise.all(
      cs.map((c, i) =>
        Promise.all([
          c.request('group.commit', { commit: b64(privateMessage(g, epoch, CT.commit, `commit r${round} by ${i}`)) }),
          c.request('group.send', { message: b64(privateMessage(g, epoch, CT.application, `app r${round} by ${i} #0`)) }),
          c.request('group.send', { message: b64(privateMessage(g, epoch, CT.application, `app r${round} by ${i} #1`)) }),
        ]),
      ),
    );
    const commits = results.map((r) => r[0]);
    const won = commits.filter((r) => r.ok === true);
    const lost = commits.filter((r) => r.ok !== true);
    assert.equal(won.length, 1, `round ${round}: one commit accepted`);
    assert.equal(won[0]!.epoch, (epoch + 1n).toString());
    assert.equal(lost.length, N - 1);
    for (const r of lost) {
      assert.equal(r.error, 'stale_epoch');
      assert.equal(r.epoch, (epoch + 1n).toString(), 'refusal carries the current epoch');
    }
    epoch += 1n;
  }

  // Everyone reads the whole history from its own cursor: the same sequence, gap-free.
  const views: string[][] = [];
  for (const c of cs) {
    const seen: string[] = [];
    let after = 0;
    for (;;) {
      const r = await c.ok('group.fetch', { groupId: b64(g), after, limit: 50 });
      const msgs = r.messages as Json[];
      for (const m of msgs) {
        if (seen.length > 0) assert.equal(m.seq, after + 1, 'sequence numbers are consecutive');
        after = m.seq as number;
        seen.push(`${m.seq}:${m.kind}:${Buffer.from(unb64(m.message as string)).toString('latin1').slice(-20)}`);
      }
      if (r.more !== true) break;
    }
    views.push(seen);
  }
  for (const v of views.slice(1)) assert.deepEqual(v, views[0]!.filter((x) => !x.startsWith('1:')));
  // 3 rounds × (1 commit + 40 application messages).
  assert.equal(views[1]!.length, 3 * (1 + 2 * N));
  // Pushes arrive in seq order on every connection.
  for (const c of cs) {
    const seqs = c.pushes.filter((p) => p.push === 'message').map((p) => p.seq as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  }
});
