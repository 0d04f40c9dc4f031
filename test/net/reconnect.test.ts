// Reconnecting: the server is killed (SIGKILL), stopped (SIGSTOP), shut down
// (SIGTERM) and restarted on the same port and database. Requests made while
// offline complete after the reconnect; the onOnline hook runs before
// 'online'; reconnectNow skips the wait; timeouts are typed and say whether
// the request was sent.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { DsClient, DsStatus } from '../../main/net/client.js';
import { DsDisconnected, DsStopped, DsTimeout } from '../../main/net/errors.js';
import * as mls from '../../main/mls/index.js';
import { enc, newGroup, onlineClient, QUIET, startServer, tempDir, uncaughtGuard, waitStatus, type ServerProc } from './helpers.js';

const tmp = tempDir();
const guard = uncaughtGuard();
const servers: ServerProc[] = [];
const clients: DsClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

after(async () => {
  for (const c of clients) await c.stop();
  for (const s of servers) {
    s.proc.kill('SIGCONT');
    await s.kill('SIGKILL');
  }
  tmp.cleanup();
  guard.check();
});

async function server(db: string, port?: number): Promise<ServerProc> {
  const s = await startServer(`${tmp.dir}/${db}`, [...QUIET, ...(port === undefined ? [] : ['--port', String(port)])]);
  servers.push(s);
  return s;
}

const FAST = { backoff: { baseMs: 50, capMs: 400 } };

it('SIGKILL and restart: online → offline/connecting → online, and requests made offline complete', async () => {
  let s = await server('kill.db');
  const { client, identity } = await onlineClient(s.url, 'alice', 'd1', FAST);
  clients.push(client);
  const G = enc('kill-group');
  const state = await newGroup(client, identity, G);
  const statuses: DsStatus[] = [];
  const errors: (Error | undefined)[] = [];
  client.on('status', (x) => {
    statuses.push(x.status);
    errors.push(x.lastError);
  });

  await s.kill('SIGKILL');
  await waitStatus(client, (x) => x.status !== 'online');
  // The drop first, then failed attempts while nothing listens.
  assert.ok(errors[0] instanceof DsDisconnected, String(errors[0]));
  // Offline: made now, these wait for the connection; with waitForConnection false, fail at once.
  const listed = client.listGroups();
  const offline = mls.encrypt(state, enc('written offline')).message;
  const sent = client.send(offline);
  const fast = await client.ping({ waitForConnection: false }).catch((e: unknown) => e);
  assert.ok(fast instanceof DsDisconnected && fast.sent === false, String(fast));
  await sleep(500); // a few failed attempts
  assert.ok(client.statusInfo.failures >= 1);

  s = await server('kill.db', s.port);
  await waitStatus(client, (x) => x.status === 'online');
  assert.equal((await sent).seq, 1);
  assert.deepEqual((await listed).groups.map((g) => g.groupId), [G]);
  assert.deepEqual((await client.fetch({ groupId: G, after: 0 })).messages.map((m) => m.message), [offline]);
  assert.equal(statuses[0] === 'online', false);
  assert.equal(statuses.at(-1), 'online');
  assert.ok(statuses.includes('connecting') && statuses.includes('offline'), statuses.join(' '));
  assert.equal(client.statusInfo.lastError, undefined);
  assert.equal(client.stats.drops, 1);
  await s.kill('SIGKILL');
});

it('the onOnline hook runs on every login before status online; client requests wait for it; a failing hook retries', async () => {
  const s = await server('hook.db');
  const order: string[] = [];
  let runs = 0;
  const ref: { client?: DsClient } = {};
  let failNext = false;
  const { client } = await onlineClient(s.url, 'hooked', 'd1', {
    ...FAST,
    onOnline: async (session) => {
      runs++;
      if (failNext) {
        failNext = false;
        throw new Error('catch-up failed');
      }
      order.push(`hook${runs}:start`);
      void ref.client?.ping().then(() => order.push(`client-ping${runs}`));
      assert.ok(session.hello.maxFrameBytes > 0);
      await session.listGroups();
      await sleep(150);
      order.push(`hook${runs}:end`);
    },
  });
  ref.client = client;
  clients.push(client);
  const errors: string[] = [];
  client.on('status', (x) => {
    order.push(`status:${x.status}`);
    if (x.lastError !== undefined) errors.push(x.lastError.message);
  });
  await sleep(50);
  // The first run: ref.client was not yet set, so only the hook itself is recorded.
  assert.deepEqual(order, ['hook1:start', 'hook1:end']);
  order.length = 0;

  // Drop the connection by restarting the server; the hook runs again.
  failNext = true;
  await s.kill('SIGKILL');
  const s2 = await server('hook.db', s.port);
  await waitStatus(client, (x) => x.status === 'online');
  await sleep(50);
  assert.ok(runs >= 3, `hook ran ${runs} times`);
  assert.ok(errors.includes('catch-up failed'), 'the failed hook is the reported error');
  const start = order.indexOf(`hook${runs}:start`);
  assert.ok(start >= 0, order.join(' '));
  assert.deepEqual(order.slice(start).filter((x) => !x.startsWith('status:connecting')), [`hook${runs}:start`, `hook${runs}:end`, 'status:online', `client-ping${runs}`]);
  await s2.kill('SIGKILL');
});

it('reconnectNow skips a long backoff', async () => {
  const s = await server('now.db');
  const { client } = await onlineClient(s.url, 'patient', 'd1', { backoff: { baseMs: 60_000, capMs: 60_000 }, random: () => 0.99 });
  clients.push(client);
  await s.kill('SIGKILL');
  const off = await waitStatus(client, (x) => x.status === 'offline' && x.nextRetryAt !== undefined);
  assert.ok(off.nextRetryAt! - Date.now() > 30_000, 'the next retry is far away');
  const s2 = await server('now.db', s.port);
  const t0 = Date.now();
  client.reconnectNow();
  await waitStatus(client, (x) => x.status === 'online');
  assert.ok(Date.now() - t0 < 10_000);
  await client.ping();
  // Online: reconnectNow does nothing.
  client.reconnectNow();
  assert.equal(client.status, 'online');
  await s2.kill('SIGKILL');
});

it('request timeout: DsTimeout says it was sent; the late answer is dropped quietly', async () => {
  const s = await server('stop.db');
  const { client, identity } = await onlineClient(s.url, 'waiter', 'd1', FAST);
  clients.push(client);
  const G = enc('stop-group');
  const state = await newGroup(client, identity, G);
  const errors: unknown[] = [];
  client.on('protocolError', (e) => errors.push(e));
  s.proc.kill('SIGSTOP');
  try {
    const t1 = await client.ping({ timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(t1 instanceof DsTimeout && t1.sent, String(t1));
    const t2 = await client.send(mls.encrypt(state, enc('late')).message, { timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(t2 instanceof DsTimeout && t2.sent, String(t2));
  } finally {
    s.proc.kill('SIGCONT');
  }
  await client.ping();
  // The timed-out send did execute: the server got it, the client just stopped waiting.
  const page = await client.fetch({ groupId: G, after: 0 });
  assert.equal(page.messages.length, 1);
  assert.deepEqual(errors, [], 'late answers are not protocol errors');
  assert.equal(client.status, 'online');
  await s.kill('SIGKILL');
});

it('a drop with requests in flight: state-changing ones reject as sent, reads are resent after the reconnect', async () => {
  const s = await server('inflight.db');
  const { client, identity } = await onlineClient(s.url, 'inflight', 'd1', FAST);
  clients.push(client);
  const G = enc('inflight-group');
  const state = await newGroup(client, identity, G);
  s.proc.kill('SIGSTOP');
  const send = client.send(mls.encrypt(state, enc('maybe')).message).catch((x: unknown) => x);
  const list = client.listGroups();
  list.catch(() => {}); // awaited below; not unhandled meanwhile
  await sleep(200); // both written to the socket
  await s.kill('SIGKILL');
  const e = await send;
  assert.ok(e instanceof DsDisconnected && e.sent === true, String(e));
  const s2 = await server('inflight.db', s.port);
  assert.equal((await list).groups.length, 1);
  await s2.kill('SIGKILL');
});

it('SIGTERM: the server closes with 1001 and the client comes back', async () => {
  const s = await server('term.db');
  const { client } = await onlineClient(s.url, 'term', 'd1', FAST);
  clients.push(client);
  const first = waitStatus(client, (x) => x.status !== 'online');
  assert.equal(await s.kill('SIGTERM'), 0);
  const down = await first;
  assert.ok(down.lastError instanceof DsDisconnected && down.lastError.closeCode === 1001, String(down.lastError));
  const s2 = await server('term.db', s.port);
  await waitStatus(client, (x) => x.status === 'online');
  await client.ping();
  await s2.kill('SIGKILL');
});

it('stop: waiting requests reject with DsStopped, and so do later ones', async () => {
  const s = await server('stopped.db');
  const { client } = await onlineClient(s.url, 'stopper', 'd1', FAST);
  await s.kill('SIGKILL');
  await waitStatus(client, (x) => x.status !== 'online');
  const waiting = client.ping();
  await client.stop();
  await assert.rejects(waiting, DsStopped);
  assert.equal(client.status, 'offline');
  assert.equal(client.statusInfo.nextRetryAt, undefined);
  await assert.rejects(client.ping(), DsStopped);
  // Restartable.
  const s2 = await server('stopped.db', s.port);
  client.start();
  clients.push(client);
  await waitStatus(client, (x) => x.status === 'online');
  await s2.kill('SIGKILL');
});
