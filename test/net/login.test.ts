// Login and registration against a real server: new users, taken ids, a
// further device with an authorization, wrong and malformed keys, and servers
// that cannot be reached.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DsClient } from '../../main/net/client.js';
import { Connection } from '../../main/net/connection.js';
import { DsArgumentError, DsDeviceExists, DsRequestError, DsTimeout, DsUnreachable, DsUserExists } from '../../main/net/errors.js';
import { prepareRequest } from '../../main/net/requests.js';
import { freePort, newKey, onlineClient, QUIET, startServer, tempDir, uncaughtGuard, waitStatus, type ServerProc } from './helpers.js';

const tmp = tempDir();
const guard = uncaughtGuard();
let server: ServerProc;
const clients: DsClient[] = [];

before(async () => {
  server = await startServer(`${tmp.dir}/ds.db`, QUIET);
});

after(async () => {
  for (const c of clients) await c.stop();
  await server.kill('SIGKILL');
  tmp.cleanup();
  guard.check();
});

describe('register', () => {
  it('registers a new user, and a repeat with the same key is recognised', async () => {
    const key = newKey();
    assert.deepEqual(await DsClient.register(server.url, 'alice', 'laptop', key), { userId: 'alice', deviceId: 'laptop', alreadyRegistered: false });
    assert.deepEqual(await DsClient.register(server.url, 'alice', 'laptop', key), { userId: 'alice', deviceId: 'laptop', alreadyRegistered: true });
  });

  it('refuses a taken user id with DsUserExists', async () => {
    await DsClient.register(server.url, 'taken', 'd1', newKey());
    const err = await DsClient.register(server.url, 'taken', 'd2', newKey()).catch((e: unknown) => e);
    assert.ok(err instanceof DsUserExists, String(err));
    assert.ok(err instanceof DsRequestError);
    assert.equal(err.code, 'user_exists');
    assert.equal(err.requestType, 'register');
    // The same device id with another key: still taken.
    await assert.rejects(DsClient.register(server.url, 'taken', 'd1', newKey()), DsUserExists);
  });

  it('adds a further device with an authorization; a taken device id is DsDeviceExists', async () => {
    const first = newKey();
    await DsClient.register(server.url, 'carol', 'laptop', first);
    const second = newKey();
    const authorization = { deviceId: 'laptop', signature: first.signAddDevice('carol', 'phone', second.publicKey) };
    assert.equal((await DsClient.register(server.url, 'carol', 'phone', second, { authorization })).alreadyRegistered, false);
    const third = newKey();
    const again = { deviceId: 'laptop', signature: first.signAddDevice('carol', 'phone', third.publicKey) };
    const err = await DsClient.register(server.url, 'carol', 'phone', third, { authorization: again }).catch((e: unknown) => e);
    assert.ok(err instanceof DsDeviceExists, String(err));
    assert.equal(err.code, 'device_exists');
    // An authorization signed by a key that is not the authorizing device's.
    const forged = { deviceId: 'laptop', signature: third.signAddDevice('carol', 'tablet', third.publicKey) };
    const bad = await DsClient.register(server.url, 'carol', 'tablet', third, { authorization: forged }).catch((e: unknown) => e);
    assert.ok(bad instanceof DsRequestError && bad.code === 'bad_signature', String(bad));
    // The second device logs in.
    const phone = new DsClient({ url: server.url, userId: 'carol', deviceId: 'phone', key: second });
    clients.push(phone);
    phone.start();
    await waitStatus(phone, (s) => s.status === 'online');
  });

  it('reports bad keys and bad signatures as refusals', async () => {
    const conn = await Connection.open({ url: server.url });
    try {
      const { challenge } = await conn.request(prepareRequest('challenge', {}), 5000);
      const shortKey = await conn
        .request(prepareRequest('register', { userId: 'k1', deviceId: 'd', publicKey: new Uint8Array(31), challenge, signature: new Uint8Array(64) }), 5000)
        .catch((e: unknown) => e);
      assert.ok(shortKey instanceof DsRequestError && shortKey.code === 'bad_key', String(shortKey));
      // A valid key with a signature by another key: no proof of possession.
      const key = newKey();
      const { challenge: c2 } = await conn.request(prepareRequest('challenge', {}), 5000);
      const wrongSig = await conn
        .request(prepareRequest('register', { userId: 'k1', deviceId: 'd', publicKey: key.publicKey, challenge: c2, signature: newKey().signRegister(c2, 'k1', 'd') }), 5000)
        .catch((e: unknown) => e);
      assert.ok(wrongSig instanceof DsRequestError && wrongSig.code === 'bad_signature', String(wrongSig));
      // The challenge was consumed by the failed attempt.
      const replay = await conn
        .request(prepareRequest('register', { userId: 'k1', deviceId: 'd', publicKey: key.publicKey, challenge: c2, signature: key.signRegister(c2, 'k1', 'd') }), 5000)
        .catch((e: unknown) => e);
      assert.ok(replay instanceof DsRequestError && replay.code === 'challenge_invalid', String(replay));
      // Before login, everything else is refused.
      const early = await conn.request(prepareRequest('group.list', {}), 5000).catch((e: unknown) => e);
      assert.ok(early instanceof DsRequestError && early.code === 'not_logged_in', String(early));
    } finally {
      conn.close();
    }
  });

  it('reports an unreachable server with the underlying reason', async () => {
    const port = await freePort();
    const err = await DsClient.register(`ws://127.0.0.1:${port}`, 'nobody', 'd1', newKey()).catch((e: unknown) => e);
    assert.ok(err instanceof DsUnreachable, String(err));
    assert.match(err.reason, /ECONNREFUSED/);
    assert.equal(err.url, `ws://127.0.0.1:${port}`);
  });

  it('reports an HTTP server that is no WebSocket server, and a silent one, as unreachable', async () => {
    const http = createServer((_req, res) => res.end('hello'));
    const silent = createServer(() => {});
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const a = await DsClient.register(`ws://127.0.0.1:${(http.address() as { port: number }).port}`, 'n', 'd', newKey()).catch((e: unknown) => e);
      assert.ok(a instanceof DsUnreachable && /Unexpected server response: 200/.test(a.reason), String(a));
      const b = await DsClient.register(`ws://127.0.0.1:${(silent.address() as { port: number }).port}`, 'n', 'd', newKey(), { connectTimeoutMs: 300 }).catch((e: unknown) => e);
      assert.ok(b instanceof DsUnreachable, String(b));
    } finally {
      http.closeAllConnections();
      silent.closeAllConnections();
      http.close();
      silent.close();
    }
  });

  it('guards its arguments', async () => {
    await assert.rejects(DsClient.register('http://127.0.0.1:1', 'a', 'b', newKey()), DsArgumentError);
    await assert.rejects(DsClient.register('not a url', 'a', 'b', newKey()), DsArgumentError);
    await assert.rejects(DsClient.register(server.url, 'bad id!', 'b', newKey()), DsArgumentError);
    await assert.rejects(DsClient.register(server.url, 'a', 'b', {} as never), DsArgumentError);
    assert.throws(() => new DsClient({ url: server.url, userId: 'a', deviceId: 'b', key: newKey(), requestTimeoutMs: 0 }), DsArgumentError);
  });
});

describe('login', () => {
  it('goes online with the registered key', async () => {
    const { client } = await onlineClient(server.url, 'dave');
    clients.push(client);
    assert.equal(client.status, 'online');
    assert.equal(client.hello?.server, 'arbor-ds');
    assert.ok((client.hello?.maxFrameBytes ?? 0) >= 1024);
    await client.ping();
  });

  it('stops retrying when the server refuses the key or the device, and says why', async () => {
    await DsClient.register(server.url, 'erin', 'd1', newKey());
    for (const [deviceId, code] of [
      ['d1', 'bad_signature'],
      ['d9', 'unknown_device'],
    ] as const) {
      const c = new DsClient({ url: server.url, userId: 'erin', deviceId, key: newKey(), backoff: { baseMs: 10, capMs: 20 } });
      clients.push(c);
      c.start();
      const pending = c.ping(); // waits for a connection that will never be allowed
      const s = await waitStatus(c, (x) => x.fatal);
      assert.equal(s.status, 'offline');
      assert.ok(s.lastError instanceof DsRequestError && s.lastError.code === code, String(s.lastError));
      assert.equal(s.nextRetryAt, undefined);
      await assert.rejects(pending, (e: unknown) => e instanceof DsRequestError && e.code === code);
      await assert.rejects(c.ping(), DsRequestError);
      await c.stop();
    }
  });

  it('a request waiting for a connection that never comes times out, unsent', async () => {
    const port = await freePort();
    const c = new DsClient({ url: `ws://127.0.0.1:${port}`, userId: 'x', deviceId: 'y', key: newKey(), backoff: { baseMs: 20, capMs: 50 } });
    clients.push(c);
    c.start();
    const err = await c.ping({ timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(err instanceof DsTimeout && err.sent === false, String(err));
    const s = await waitStatus(c, (x) => x.status === 'offline' && x.lastError !== undefined);
    assert.ok(s.lastError instanceof DsUnreachable, String(s.lastError));
    await c.stop();
  });
});

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('wss://', () => {
  it('registers and logs in over TLS with a trusted self-signed certificate', { skip: !haveOpenssl() && 'openssl not installed' }, async () => {
    const cert = `${tmp.dir}/cert.pem`;
    const keyFile = `${tmp.dir}/key.pem`;
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = await startServer(`${tmp.dir}/tls.db`, [...QUIET, '--cert', cert, '--key', keyFile]);
    try {
      const key = newKey();
      // Untrusted certificate: unreachable, with the TLS reason.
      const err = await DsClient.register(tls.url, 'tls', 'd1', key).catch((e: unknown) => e);
      assert.ok(err instanceof DsUnreachable && /self[- ]signed|certificate/i.test(err.reason), String(err));
      const ca = readFileSync(cert);
      await DsClient.register(tls.url, 'tls', 'd1', key, { tls: { ca } });
      const c = new DsClient({ url: tls.url, userId: 'tls', deviceId: 'd1', key, tls: { ca } });
      c.start();
      await waitStatus(c, (s) => s.status === 'online');
      await c.ping();
      await c.stop();
    } finally {
      await tls.kill('SIGKILL');
    }
  });
});
