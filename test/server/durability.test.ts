// Kill the server (SIGKILL, then SIGTERM) while clients post: after a restart,
// every message acknowledged to its sender is there, once, at its seq, in order.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { b64, Client, CT, fillerOf, newDeviceKey, privateMessage, startServer, tempDir, unb64, type DeviceKey, type Json, type ServerProc } from './client.js';
import { formGroup, mlsDevice } from './mls-client.js';

const tmp = tempDir();
const servers: ServerProc[] = [];
const clients: Client[] = [];

after(async () => {
  for (const c of clients) c.ws.terminate();
  for (const s of servers) await s.kill('SIGKILL');
  tmp.cleanup();
});

const ARGS = ['--quiet', '--rate', '100000', '--burst', '100000', '--device-rate', '100000', '--device-burst', '100000'];

async function setup(db: string, name: string, n: number) {
  const server = await startServer(db, ARGS);
  servers.push(server);
  const devs = await Promise.all(Array.from({ length: n }, (_, i) => mlsDevice(server.url, `${name}${i}`)));
  for (const d of devs) clients.push(d.client);
  const g = new TextEncoder().encode(`${name}-group`);
  await formGroup(devs[0]!, devs.slice(1), g);
  return { server, devs, g };
}

/** Each client posts one message after another until its connection fails; returns what was acknowledged. */
async function postUntilDown(c: Client, g: Uint8Array, tag: string): Promise<{ seq: number; text: string }[]> {
  const acked: { seq: number; text: string }[] = [];
  for (let i = 0; ; i++) {
    const text = `${tag}#${i}`;
    let r: Json;
    try {
      r = await c.request('group.send', { message: b64(privateMessage(g, 1n, CT.application, text)) }, 3000);
    } catch {
      return acked;
    }
    if (r.ok !== true) return acked;
    acked.push({ seq: r.seq as number, text });
  }
}

async function readAll(url: string, userId: string, key: DeviceKey, g: Uint8Array): Promise<{ seq: number; text: string }[]> {
  const c = await Client.connect(url);
  clients.push(c);
  assert.equal((await c.login(userId, 'd1', key)).ok, true);
  const out: { seq: number; text: string }[] = [];
  let after = 0;
  for (;;) {
    const r = await c.ok('group.fetch', { groupId: b64(g), after, limit: 500 });
    for (const m of r.messages as Json[]) {
      out.push({ seq: m.seq as number, text: fillerOf(unb64(m.message as string)) });
      after = m.seq as number;
    }
    if (r.more !== true) return out;
  }
}

function check(acked: { seq: number; text: string }[][], stored: { seq: number; text: string }[]): void {
  const bySeq = new Map(stored.map((m) => [m.seq, m.text]));
  const texts = stored.map((m) => m.text);
  assert.equal(new Set(texts).size, texts.length, 'no message stored twice');
  for (let i = 1; i < stored.length; i++) assert.equal(stored[i]!.seq, stored[i - 1]!.seq + 1, 'no gap in the sequence');
  let total = 0;
  for (const list of acked) {
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      assert.equal(bySeq.get(a.seq), a.text, `acknowledged ${a.text} at seq ${a.seq} is stored there`);
      if (i > 0) assert.ok(a.seq > list[i - 1]!.seq, 'in the order it was acknowledged');
      total++;
    }
  }
  assert.ok(total > 20, `enough messages were acknowledged before the kill (${total})`);
  console.log(`# ${total} acknowledged, ${stored.length} stored`);
}

void it('SIGKILL while posting loses nothing that was acknowledged', async () => {
  const db = `${tmp.dir}/kill.db`;
  const { server, devs, g } = await setup(db, 'kill', 5);
  const posting = devs.map((d, i) => postUntilDown(d.client, g, `kill${i}`));
  await new Promise((r) => setTimeout(r, 600));
  await server.kill('SIGKILL');
  const acked = await Promise.all(posting);

  const again = await startServer(db, ARGS);
  servers.push(again);
  const stored = await readAll(again.url, 'kill1', devs[1]!.key, g);
  check(acked, stored);
});

void it('SIGTERM while posting finishes what was queued, exits 0, and loses nothing acknowledged', async () => {
  const db = `${tmp.dir}/term.db`;
  const { server, devs, g } = await setup(db, 'term', 5);
  const posting = devs.map((d, i) => postUntilDown(d.client, g, `term${i}`));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await server.kill('SIGTERM'), 0);
  const acked = await Promise.all(posting);
  for (const d of devs) {
    const closed = await d.client.closed;
    assert.equal(closed.code, 1001);
  }
  const again = await startServer(db, ARGS);
  servers.push(again);
  check(acked, await readAll(again.url, 'term2', devs[2]!.key, g));
  // The restarted server serves new devices too.
  const c = await Client.connect(again.url);
  clients.push(c);
  assert.equal((await c.register('after-restart', 'd1', newDeviceKey())).ok, true);
});
