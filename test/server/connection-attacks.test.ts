// The connection and rate attacks of issue 12, as found, now bounded: a flood
// of anonymous connections from one address (about 20,000 locked out every
// newcomer), one device holding thousands of sessions, logins without limit
// from one address, and a device spreading requests over connections to dodge
// the per-connection rate limit. The flood and the sessions run with the
// default caps; the rate tests use small rates so no timing can blur them.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Client, device, newDeviceKey, startServer, tempDir, type Json, type ServerProc } from './client.js';

let server: ServerProc;
let tmp: ReturnType<typeof tempDir>;
const clients: Client[] = [];
const servers: ServerProc[] = [];

before(async () => {
  tmp = tempDir();
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet']);
});

after(async () => {
  for (const c of clients) c.ws.terminate();
  await server?.kill('SIGKILL');
  for (const s of servers) await s.kill('SIGKILL');
  tmp?.cleanup();
});

/** Tries to open `n` anonymous connections from `localAddress`; returns those still open after a moment. */
async function flood(n: number, localAddress: string): Promise<{ open: Client[]; refused: number }> {
  const tries = await Promise.allSettled(
    Array.from({ length: n }, () => Client.connect(server.url, { localAddress }).then((c) => (clients.push(c), c))),
  );
  await new Promise((r) => setTimeout(r, 300));
  const open = tries.flatMap((t) => (t.status === 'fulfilled' && t.value.ws.readyState === t.value.ws.OPEN ? [t.value] : []));
  return { open, refused: n - open.length };
}

void it('as found: a flood of anonymous connections from one address does not lock out a newcomer from another', { timeout: 120_000 }, async () => {
  const hello = await Client.connect(server.url);
  clients.push(hello);
  const perAddress = 256; // the default --max-conns-per-ip
  const { open, refused } = await flood(1500, '127.0.0.1');
  console.log(`# 1500 connections from 127.0.0.1: ${open.length} open, ${refused} refused`);
  assert.ok(open.length <= perAddress, `${open.length} open from one address`);
  assert.ok(refused >= 1500 - perAddress);
  // A newcomer from another loopback address registers and is served.
  const newcomer = await Client.connect(server.url, { localAddress: '127.0.0.2' });
  clients.push(newcomer);
  assert.equal((await newcomer.register('newcomer', 'd1', newDeviceKey())).ok, true);
  assert.equal((await newcomer.ok('ping')).ok, true);
  for (const c of open) c.ws.terminate();
});

void it('one device holds at most 8 sessions: each new login beyond closes its oldest', async () => {
  const { client: first, key } = await device(server.url, 'many-sessions');
  clients.push(first);
  const more: Client[] = [];
  for (let i = 0; i < 12; i++) {
    const c = await Client.connect(server.url);
    clients.push(c);
    assert.equal((await c.login('many-sessions', 'd1', key)).ok, true);
    more.push(c);
  }
  const closed = await Promise.all([first, ...more].map((c) => Promise.race([c.closed.then((x) => x.code), new Promise<null>((r) => setTimeout(() => r(null), 5000))])));
  assert.deepEqual(closed.filter((x) => x !== null), [1008, 1008, 1008, 1008, 1008], 'the five oldest were closed with 1008');
  assert.deepEqual(closed.slice(5), [null, null, null, null, null, null, null, null]);
});

void it('logins are rate-limited per address; a client waits retryAfterMs', async () => {
  const s = await startServer(`${tmp.dir}/login.db`, ['--quiet', '--login-rate', '1', '--login-burst', '50']);
  servers.push(s);
  const c = await Client.connect(s.url, { localAddress: '127.0.0.3' });
  clients.push(c);
  const t0 = Date.now();
  const rs = await Promise.all(Array.from({ length: 160 }, () => c.request('challenge')));
  const served = rs.filter((r) => r.ok === true).length;
  const limited = rs.filter((r) => r.error === 'rate_limited');
  assert.ok(served <= 50 + Math.ceil((Date.now() - t0) / 1000) + 1, `${served} of 160 challenges served`);
  assert.equal(served + limited.length, 160);
  assert.ok(limited.every((r) => typeof r.retryAfterMs === 'number' && (r.retryAfterMs as number) > 0 && /logins from this address/.test(String(r.reason))));
  // Another address is not affected.
  const d = await Client.connect(s.url, { localAddress: '127.0.0.4' });
  clients.push(d);
  assert.equal((await d.request('challenge')).ok, true);
});

void it('requests are rate-limited per device across its connections', async () => {
  const s = await startServer(`${tmp.dir}/device.db`, ['--quiet', '--device-rate', '5', '--device-burst', '100']);
  servers.push(s);
  const { client: a, key } = await device(s.url, 'spreader');
  clients.push(a);
  const conns = [a];
  for (let i = 0; i < 5; i++) {
    const c = await Client.connect(s.url);
    clients.push(c);
    assert.equal((await c.login('spreader', 'd1', key)).ok, true);
    conns.push(c);
  }
  // 6 connections × 150 pings: each connection's own bucket (burst 200) would pass them all; the device's (burst 100) does not.
  const t0 = Date.now();
  const rs: Json[] = (await Promise.all(conns.map((c) => Promise.all(Array.from({ length: 150 }, () => c.request('ping')))))).flat();
  const ok = rs.filter((r) => r.ok === true).length;
  console.log(`# 900 pings over 6 connections of one device: ${ok} served`);
  assert.ok(ok <= 100 + 5 * Math.ceil((Date.now() - t0) / 1000) + 5, `${ok} served`);
  assert.ok(rs.some((r) => r.error === 'rate_limited' && /this device/.test(String(r.reason))));
});
