// The web host: a real core behind a loopback HTTP server and a WebSocket
// transport of the contract. Only this host's own pages (Origin and Host) with
// the run's token may open the WebSocket; every call is checked against the
// contract; static files come with the CSP; the bridge script goes first.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { buildBridge } from '../../main/app/build.js';
import { allowedHosts, checkUpgrade, injectBridge, isLoopbackHost, startWebHost, tokenMatches, type WebHost } from '../../main/host/web-host.js';
import { startServer, tempDir as serverTempDir, type ServerProc } from '../server/client.js';

const cleanups: (() => void)[] = [];
function tempDir(_prefix: string): string {
  const t = serverTempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
function removeTemps(): void {
  for (const c of cleanups.splice(0)) c();
}
function startDs(): Promise<ServerProc> {
  return startServer(join(tempDir('ds'), 'ds.db'), ['--quiet']);
}

let host: WebHost;
let base: string;
let ds: ServerProc | undefined;

before(async () => {
  base = tempDir('arbor-host-');
  const renderer = join(base, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/assets/app.js"></script></head><body></body></html>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'export {};');
  await buildBridge(join(base, 'bridge.js'));
  host = await startWebHost({ dataDir: join(base, 'data'), rendererDir: renderer, bridgeFile: join(base, 'bridge.js'), quiet: true });
});

after(async () => {
  await host?.close();
  await ds?.kill();
  removeTemps();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers: { host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the contract WebSocket; resolves with the socket once open, or with the HTTP status it was refused with. */
function connect(opts: { token?: string; origin?: string | null; host?: string; path?: string } = {}): Promise<WebSocket | number> {
  const token = opts.token ?? host.token;
  const headers: Record<string, string> = { host: opts.host ?? `127.0.0.1:${host.port}` };
  const origin = opts.origin === undefined ? host.origin : opts.origin;
  if (origin !== null) headers.origin = origin;
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${opts.path ?? '/contract'}?token=${encodeURIComponent(token)}`, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

function call(ws: WebSocket, frame: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (data: Buffer): void => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      if (m.type === 'reply') {
        ws.off('message', on);
        resolve(m);
      }
    };
    ws.on('message', on);
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  });
}

test('pure checks: loopback only, allowed Host names, token comparison, bridge injection', () => {
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost'));
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('192.168.1.2'));
  assert.deepEqual([...allowedHosts(5)].sort(), ['127.0.0.1:5', '[::1]:5', 'localhost:5']);
  assert.ok(tokenMatches('abc', 'abc'));
  assert.ok(!tokenMatches('abc', 'abd') && !tokenMatches('abc', 'ab') && !tokenMatches('abc', undefined) && !tokenMatches('abc', ['abc']));
  const ok = { url: '/contract?token=t', headers: { host: '127.0.0.1:9', origin: 'http://127.0.0.1:9' } };
  assert.equal(checkUpgrade(ok, 9, 't'), null);
  assert.equal(checkUpgrade({ ...ok, headers: { ...ok.headers, origin: 'http://evil.example' } }, 9, 't')?.status, 403);
  assert.equal(checkUpgrade({ ...ok, headers: { host: 'evil.example:9', origin: 'http://evil.example:9' } }, 9, 't')?.status, 403, 'DNS rebinding');
  assert.equal(checkUpgrade({ ...ok, url: '/contract?token=x' }, 9, 't')?.status, 401);
  assert.equal(checkUpgrade({ ...ok, url: '/other?token=t' }, 9, 't')?.status, 404);
  assert.match(injectBridge('<html><head lang="x"><title>t</title></head></html>'), /^<html><head lang="x">\n {4}<script src="\/arbor-bridge\.js"><\/script><title>/);
  assert.throws(() => injectBridge('<html><body></body></html>'), /no <head>/);
});

test('refuses a non-loopback listen address', async () => {
  await assert.rejects(startWebHost({ dataDir: join(base, 'x'), rendererDir: base, bridgeFile: join(base, 'bridge.js'), host: '0.0.0.0', quiet: true }), /loopback only/);
});

test('static files: the page with the bridge first, the CSP with the WebSocket address, no traversal, foreign Host refused', async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.body, /<head>\n {4}<script src="\/arbor-bridge\.js"><\/script><meta/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${host.port}`));
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  const bridge = await get('/arbor-bridge.js');
  assert.equal(bridge.status, 200);
  assert.equal(bridge.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal((await get('/assets/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal((await get('/assets/%2e%2e%2f%2e%2e%2fdata/database.key')).status, 400);
  assert.equal((await get('/../data/database.key')).status, 404);
  assert.equal((await get('/', { host: 'evil.example' })).status, 403);
  assert.ok(!page.body.includes(host.token), 'the token is never in a served file');
});

test('the WebSocket needs this host\'s Origin and Host, the right path and the token', async () => {
  assert.equal(await connect({ token: 'wrong' }), 401);
  assert.equal(await connect({ token: '' }), 401);
  assert.equal(await connect({ origin: 'http://evil.example' }), 403);
  assert.equal(await connect({ origin: null }), 403, 'no Origin: not a page of this host');
  assert.equal(await connect({ origin: 'null' }), 403);
  assert.equal(await connect({ host: 'evil.example', origin: 'http://evil.example' }), 403);
  assert.equal(await connect({ path: '/ws' }), 404);
  const ws = await connect();
  assert.ok(ws instanceof WebSocket);
  ws.close();
});

test('calls reach the real core; bad calls get typed errors; garbage closes only that socket', async () => {
  const ws = (await connect()) as WebSocket;
  assert.deepEqual(await call(ws, { type: 'call', id: 1, command: 'account.get' }), { type: 'reply', id: 1, ok: true, result: null });
  const s = await call(ws, { type: 'call', id: 2, command: 'settings.get' });
  assert.equal(s.ok, true);
  const unknown = await call(ws, { type: 'call', id: 3, command: 'shell.exec', args: {} });
  assert.equal((unknown.error as { code: string }).code, 'unknown_command');
  const bad = await call(ws, { type: 'call', id: 4, command: 'messages.send', args: { conversationId: 'zz', text: 5 } });
  assert.equal((bad.error as { code: string }).code, 'bad_argument');
  const noAccount = await call(ws, { type: 'call', id: 5, command: 'conversations.list' });
  assert.equal((noAccount.error as { code: string }).code, 'no_account');
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send('not json');
  assert.equal(await closed, 1008);
  // The host is still serving.
  const ws2 = (await connect()) as WebSocket;
  assert.equal((await call(ws2, { type: 'call', id: 1, command: 'account.get' })).ok, true);
  const closed2 = new Promise<number>((resolve) => ws2.once('close', (code) => resolve(code)));
  ws2.send(Buffer.from([1, 2, 3]));
  assert.equal(await closed2, 1003);
});

test('events reach every open socket', async () => {
  // The core publishes events once it has an account.
  ds = await startDs();
  const a = (await connect()) as WebSocket;
  assert.equal((await call(a, { type: 'call', id: 8, command: 'account.create', args: { userId: 'hostuser', deviceName: 'test', serverUrl: ds.url } })).ok, true);
  const b = (await connect()) as WebSocket;
  const seen = (ws: WebSocket): Promise<Record<string, unknown>> =>
    new Promise((resolve) =>
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString()) as Record<string, unknown>;
        if (m.type === 'event' && m.event === 'settings.changed') resolve(m);
      }),
    );
  const pa = seen(a);
  const pb = seen(b);
  await call(a, { type: 'call', id: 9, command: 'settings.set', args: { theme: 'dark' } });
  assert.deepEqual(((await pa).payload as { theme: string }).theme, 'dark');
  assert.deepEqual(((await pb).payload as { theme: string }).theme, 'dark');
  a.close();
  b.close();
});
