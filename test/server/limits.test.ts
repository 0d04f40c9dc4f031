// Per-connection limits: the token bucket and the bound on unacknowledged pushes.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { b64, CT, device, privateMessage, startServer, tempDir, type Client, type Json, type ServerProc } from './client.js';
import { formGroup, mlsDevice } from './mls-client.js';

let server: ServerProc;
let tmp: ReturnType<typeof tempDir>;
const clients: Client[] = [];

before(async () => {
  tmp = tempDir();
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet', '--rate', '20', '--burst', '20', '--max-unacked', '5']);
});

after(async () => {
  for (const c of clients) c.ws.terminate();
  await server?.kill('SIGKILL');
  tmp?.cleanup();
});

void it('refuses requests beyond the token bucket with rate_limited, then serves again', async () => {
  const { client } = await device(server.url, 'busy');
  clients.push(client);
  const rs = await Promise.all(Array.from({ length: 40 }, () => client.request('ping')));
  const ok = rs.filter((r) => r.ok === true).length;
  const limited = rs.filter((r) => r.error === 'rate_limited').length;
  assert.equal(ok + limited, 40);
  assert.ok(ok >= 15 && ok <= 30, `${ok} served`);
  assert.ok(limited >= 10, `${limited} refused`);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal((await client.request('ping')).ok, true);
});

void it('stops pushing past the unacknowledged bound, says so once, and resumes after an ack', async () => {
  const ma = await mlsDevice(server.url, 'pusher');
  const mb = await mlsDevice(server.url, 'slow');
  const [a, b] = [ma.client, mb.client];
  clients.push(a, b);
  const g = new TextEncoder().encode('push-bound');
  await formGroup(ma, [mb], g);
  for (let i = 0; i < 8; i++) await a.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, `m${i}`)) });
  const behind = await b.nextPush((p) => p.push === 'behind');
  assert.equal(behind.groupId, b64(g));
  assert.equal(behind.seq, 7);
  const pushed = b.pushes.filter((p) => p.push === 'message').map((p) => p.seq);
  assert.deepEqual(pushed, [2, 3, 4, 5, 6]);
  assert.equal(b.pushes.filter((p) => p.push === 'behind').length, 0, 'one behind push only');
  // Everything is still there to fetch; after an ack, pushes resume.
  const f = await b.ok('group.fetch', { groupId: b64(g) });
  assert.deepEqual((f.messages as Json[]).map((m) => m.seq), [2, 3, 4, 5, 6, 7, 8, 9]);
  await b.ok('group.ack', { groupId: b64(g), seq: 9 });
  await a.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, 'after')) });
  const p = await b.nextPush((x) => x.push === 'message' && x.seq === 10);
  assert.equal(p.kind, 'application');
});
