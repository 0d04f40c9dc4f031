// A hostile or broken server (a `ws` server, test/net/fake-server.ts) sends garbage,
// wrong ids, huge frames, nonsense hellos, or closes mid-request. The client
// never throws uncaught, never resolves a request with garbage, and says what
// went wrong with a typed error.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DsClient, type DsClientEvents } from '../../main/net/client.js';
import { Connection } from '../../main/net/connection.js';
import { DsDisconnected, DsProtocolError, DsRequestError, DsTimeout, DsUnreachable } from '../../main/net/errors.js';
import type { DsMessage } from '../../main/net/protocol-types.js';
import { toBase64 } from '../../main/net/wire.js';
import { Fake, HELLO, send } from './fake-server.js';
import { newKey, uncaughtGuard, until, waitStatus } from './helpers.js';

type Json = Record<string, unknown>;
const guard = uncaughtGuard();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const G = new Uint8Array([7, 7, 7]);
const g = toBase64(G);
const MAX_IN = 64 * 1024;

const fakes: Fake[] = [];
after(async () => {
  for (const f of fakes) await f.close();
  guard.check();
});

describe('nonsense before login', () => {
  const cases: [string, string | Buffer | null, (e: unknown) => boolean][] = [
    ['not JSON', 'hello there', (e) => e instanceof DsProtocolError && /not JSON/.test(e.message)],
    ['a JSON array', '[1,2]', (e) => e instanceof DsProtocolError],
    ['a hello missing limits', JSON.stringify({ v: 1, push: 'hello', server: 'arbor-ds' }), (e) => e instanceof DsProtocolError && /maxFrameBytes/.test(e.message)],
    ['a hello with strings for numbers', JSON.stringify({ ...HELLO, maxQueuedRequests: '64' }), (e) => e instanceof DsProtocolError && /maxQueuedRequests/.test(e.message)],
    ['a hello from another server', JSON.stringify({ ...HELLO, server: 'nginx' }), (e) => e instanceof DsProtocolError && /not an Arbor/.test(e.message)],
    ['a hello of version 2', JSON.stringify({ ...HELLO, v: 2 }), (e) => e instanceof DsProtocolError],
    ['a response before hello', JSON.stringify({ v: 1, id: 1, ok: true }), (e) => e instanceof DsProtocolError && /before hello/.test(e.message)],
    ['a message push before hello', JSON.stringify({ v: 1, push: 'behind', groupId: g, seq: 1 }), (e) => e instanceof DsProtocolError && /before hello/.test(e.message)],
    ['a binary frame', Buffer.from('{"v":1}'), (e) => e instanceof DsProtocolError && /binary/.test(e.message)],
    ['a huge frame', JSON.stringify({ ...HELLO, pad: 'x'.repeat(MAX_IN * 2) }), (e) => e instanceof DsUnreachable && /maxIncomingFrameBytes/.test(e.reason)],
    ['nothing at all', null, (e) => e instanceof DsUnreachable && /no hello/.test(e.reason)],
  ];
  for (const [name, hello, check] of cases) {
    it(`${name}: the connection fails with a typed error`, async () => {
      const f = await Fake.start();
      fakes.push(f);
      f.hello = hello;
      const err = await Connection.open({ url: f.url, maxIncomingFrameBytes: MAX_IN, connectTimeoutMs: 500 }).then(
        () => assert.fail('opened'),
        (e: unknown) => e,
      );
      assert.ok(check(err), String(err));
    });
  }

  it('DsClient keeps retrying (not fatal) and never goes online', async () => {
    const f = await Fake.start();
    fakes.push(f);
    f.hello = JSON.stringify({ ...HELLO, rateBurst: -5 });
    const c = new DsClient({ url: f.url, userId: 'u', deviceId: 'd', key: newKey(), backoff: { baseMs: 10, capMs: 40 } });
    let online = false;
    c.on('status', (s) => (online ||= s.status === 'online'));
    c.start();
    const s = await waitStatus(c, (x) => x.failures >= 3);
    assert.ok(s.lastError instanceof DsProtocolError, String(s.lastError));
    assert.equal(s.fatal, false);
    assert.equal(online, false);
    await c.stop();
  });

  it('a login answered for another device fails the attempt', async () => {
    const f = await Fake.start();
    fakes.push(f);
    f.login = (req) => ({ v: 1, id: req.id, ok: true, userId: 'mallory', deviceId: 'x' });
    const c = new DsClient({ url: f.url, userId: 'u', deviceId: 'd', key: newKey(), backoff: { baseMs: 10, capMs: 40 } });
    c.start();
    const s = await waitStatus(c, (x) => x.failures >= 2);
    assert.ok(s.lastError instanceof DsProtocolError && /mallory/.test(s.lastError.message), String(s.lastError));
    assert.notEqual(c.status, 'online');
    await c.stop();
  });
});

describe('nonsense after login', () => {
  let f: Fake;
  let c: DsClient;
  const events: DsClientEvents['protocolError'][] = [];
  const messages: DsMessage[] = [];

  before(async () => {
    f = await Fake.start();
    fakes.push(f);
    c = new DsClient({ url: f.url, userId: 'u', deviceId: 'd', key: newKey(), backoff: { baseMs: 10, capMs: 40 }, requestTimeoutMs: 3000, maxIncomingFrameBytes: MAX_IN });
    c.on('protocolError', (e) => events.push(e));
    c.on('message', (m) => messages.push(m));
    c.start();
    await waitStatus(c, (s) => s.status === 'online');
  });
  after(() => c.stop());
  beforeEach(async () => {
    f.handler = (req, ws) => send(ws, { v: 1, id: req.id, ok: true });
    await waitStatus(c, (s) => s.status === 'online');
    events.length = 0;
  });

  const sendErr = () => c.send(new Uint8Array([1])).then(
    (r) => assert.fail(`resolved with ${JSON.stringify(r)}`),
    (e: unknown) => e,
  );

  it('a response to another id is ignored; the request times out', async () => {
    f.handler = (req, ws) => send(ws, { v: 1, id: (req.id as number) + 1000, ok: true });
    const err = await c.ping({ timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(err instanceof DsTimeout && err.sent, String(err));
    assert.equal(events[0]?.action, 'ignored');
    assert.equal(c.status, 'online');
  });

  it('responses with id null, a string id, or an id not yet used are ignored', async () => {
    f.handler = (req, ws) => {
      send(ws, { v: 1, id: null, ok: false, error: 'bad_frame', reason: 'x' });
      send(ws, { v: 1, id: String(req.id), ok: true });
      send(ws, { v: 1, id: (req.id as number) + 1, ok: true });
      send(ws, { v: 1, id: req.id, ok: true });
    };
    await c.ping();
    assert.deepEqual(events.map((e) => e.action), ['ignored', 'ignored', 'ignored']);
  });

  it('a duplicate response: the first counts, the second is ignored', async () => {
    f.handler = (req, ws) => {
      send(ws, { v: 1, id: req.id, ok: true, groupId: g, seq: 5 });
      send(ws, { v: 1, id: req.id, ok: true, groupId: g, seq: 6 });
    };
    assert.equal((await c.send(new Uint8Array([1]))).seq, 5);
    await until(() => events.length === 1, 'the duplicate reported');
    assert.equal(events[0]!.action, 'ignored');
  });

  it('a well-framed response with a garbage body rejects that request; the connection stays', async () => {
    for (const body of [{ groupId: g, seq: 'five' }, { groupId: 'not base64!', seq: 5 }, { seq: 5 }, { groupId: g, seq: -1 }, { groupId: g, seq: 2 ** 60 }]) {
      f.handler = (req, ws) => send(ws, { v: 1, id: req.id, ok: true, ...body });
      const err = await sendErr();
      assert.ok(err instanceof DsProtocolError, String(err));
    }
    assert.ok(events.every((e) => e.action === 'rejected'));
    f.handler = (req, ws) => send(ws, { v: 1, id: req.id, ok: true });
    await c.ping();
    assert.equal(c.stats.drops, 0);
  });

  it('refusals with unknown codes or missing extras are protocol errors, known ones are DsRequestError', async () => {
    const cases: [Json, (e: unknown) => boolean][] = [
      [{ ok: false, error: 'teapot', reason: 'x' }, (e) => e instanceof DsProtocolError],
      [{ ok: false, error: 'stale_epoch', reason: 'x' }, (e) => e instanceof DsProtocolError],
      [{ ok: false, error: 'stale_epoch', reason: 'x', epoch: 'seven' }, (e) => e instanceof DsProtocolError],
      [{ ok: false, error: 'not_member' }, (e) => e instanceof DsProtocolError],
      [{ ok: 'no' }, (e) => e instanceof DsProtocolError],
      [{ ok: false, error: 'stale_epoch', reason: 'x', epoch: '18446744073709551615' }, (e) => e instanceof DsRequestError && e.epoch === 2n ** 64n - 1n],
      [{ ok: false, error: 'rate_limited', reason: 'slow down' }, (e) => e instanceof DsRequestError && e.code === 'rate_limited' && e.retryAfterMs === undefined],
      // Revision 2: how long to wait, and the new codes.
      [{ ok: false, error: 'rate_limited', reason: 'slow down', retryAfterMs: 1500 }, (e) => e instanceof DsRequestError && e.code === 'rate_limited' && e.retryAfterMs === 1500],
      [{ ok: false, error: 'rate_limited', reason: 'slow down', retryAfterMs: 'soon' }, (e) => e instanceof DsProtocolError && /retryAfterMs/.test(e.message)],
      [{ ok: false, error: 'rate_limited', reason: 'slow down', retryAfterMs: -1 }, (e) => e instanceof DsProtocolError],
      [{ ok: false, error: 'rate_limited', reason: 'slow down', retryAfterMs: 2.5 }, (e) => e instanceof DsProtocolError],
      [{ ok: false, error: 'bad_credential', reason: 'not yours' }, (e) => e instanceof DsRequestError && e.code === 'bad_credential' && e.reason === 'not yours'],
      [{ ok: false, error: 'private_handshake', reason: 'public please' }, (e) => e instanceof DsRequestError && e.code === 'private_handshake'],
      // `remaining` comes with the KeyPackage quota only; the device and proposal limits have none.
      [{ ok: false, error: 'limit_exceeded', reason: 'too many proposals' }, (e) => e instanceof DsRequestError && e.code === 'limit_exceeded' && e.remaining === undefined],
      [{ ok: false, error: 'limit_exceeded', reason: 'quota', remaining: 7, userTotal: 1000, quota: 1000 }, (e) => e instanceof DsRequestError && e.remaining === 7],
      [{ ok: false, error: 'limit_exceeded', reason: 'quota', remaining: 'seven' }, (e) => e instanceof DsProtocolError],
      // `status` with not_member (invited/declined) is an extra the client may ignore.
      [{ ok: false, error: 'not_member', reason: 'invited', status: 'invited' }, (e) => e instanceof DsRequestError && e.code === 'not_member'],
    ];
    for (const [frame, check] of cases) {
      f.handler = (req, ws) => send(ws, { v: 1, id: req.id, ...frame });
      const err = await sendErr();
      assert.ok(check(err), `${JSON.stringify(frame)}: ${String(err)}`);
    }
  });

  it('a fetch answer that breaks the order or names another group is refused', async () => {
    const m = (seq: number) => ({ groupId: g, seq, epoch: '1', kind: 'commit', sender: { userId: 'a', deviceId: 'b' }, message: 'AA==', ts: 1 });
    for (const messages of [[m(3), m(2)], [m(1), m(1)], [{ ...m(1), groupId: 'AAAA' }], [{ ...m(1), kind: 'evil' }]]) {
      f.handler = (req, ws) => send(ws, { v: 1, id: req.id, ok: true, groupId: g, acked: 0, more: false, messages });
      await assert.rejects(c.fetch({ groupId: G }), DsProtocolError);
    }
  });

  it('garbage frames drop the connection: in-flight state-changing requests reject as sent; the client reconnects', async () => {
    const garbage: (string | Buffer)[] = ['}{', 'null', '{"v":1}', '{"v":1,"push":"message","seq":1}', '{"v":1,"push":"hello"}', JSON.stringify(HELLO), Buffer.from([1, 2, 3]), '{"v":9,"push":"behind"}'];
    for (const frame of garbage) {
      const drops = c.stats.drops;
      f.handler = (_req, ws) => send(ws, frame);
      const err = await sendErr();
      assert.ok(err instanceof DsDisconnected && err.sent, `${String(frame).slice(0, 40)}: ${String(err)}`);
      assert.ok(err.cause instanceof DsProtocolError, String(err.cause));
      assert.equal(err.closeCode, 1002);
      f.handler = (req, ws) => send(ws, { v: 1, id: req.id, ok: true });
      await waitStatus(c, (s) => s.status === 'online');
      assert.equal(c.stats.drops, drops + 1);
    }
    assert.ok(events.length >= garbage.length && events.every((e) => e.action === 'dropped'));
  });

  it('a frame above maxIncomingFrameBytes drops the connection (1009); even a read is not resent', async () => {
    f.handler = (req, ws) => send(ws, { v: 1, id: req.id, ok: true, groupId: g, seq: 1, pad: 'x'.repeat(MAX_IN + 10) });
    const big = await c.fetch({ groupId: G, limit: 500 }).catch((e: unknown) => e);
    assert.ok(big instanceof DsDisconnected && big.sent && big.closeCode === 1009 && /maxIncomingFrameBytes/.test(big.message), String(big));
    await waitStatus(c, (s) => s.status === 'online');
    const err = await sendErr();
    assert.ok(err instanceof DsDisconnected && err.sent && err.closeCode === 1009, `${String(err)} ${(err as DsDisconnected).closeCode}`);
  });

  it('a text frame that is not UTF-8 drops the connection', async () => {
    f.handler = (_req, ws) => ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    const err = await sendErr();
    assert.ok(err instanceof DsDisconnected && err.sent && err.closeCode === 1002 && /WebSocket protocol/.test(err.message), String(err));
  });

  it('closing mid-request rejects with DsDisconnected; an idempotent request is resent on the next connection', async () => {
    f.handler = (_req, ws) => ws.terminate();
    const err = await sendErr();
    assert.ok(err instanceof DsDisconnected && err.sent, String(err));
    let first = true;
    f.handler = (req, ws) => {
      if (first) {
        first = false;
        ws.close(1011, 'oops');
      } else send(ws, { v: 1, id: req.id, ok: true, groups: [] });
    };
    // A revision-1 answer (no `more`) reads as one page holding everything.
    assert.deepEqual(await c.listGroups(), { groups: [], more: false });
  });

  it('pushes: valid ones are delivered in order, unknown kinds ignored, malformed ones drop the connection', async () => {
    messages.length = 0;
    const m = (seq: number) => ({ v: 1, push: 'message', groupId: g, seq, epoch: '2', kind: 'application', sender: { userId: 'a', deviceId: 'b' }, message: toBase64(new Uint8Array([seq])), ts: 1 });
    f.handler = (req, ws) => {
      for (let i = 1; i <= 20; i++) send(ws, m(i));
      send(ws, { v: 1, push: 'future-push', whatever: true });
      send(ws, { v: 1, id: req.id, ok: true });
    };
    await c.ping();
    assert.deepEqual(messages.map((x) => x.seq), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(messages[4]!.epoch, 2n);
    assert.deepEqual(events.map((e) => e.action), ['ignored']);
    const drops = c.stats.drops;
    f.handler = (_req, ws) => send(ws, { ...m(21), epoch: 2 });
    await assert.rejects(c.send(new Uint8Array([1])), DsDisconnected);
    assert.equal(messages.length, 20, 'the malformed push was not delivered');
    await waitStatus(c, (s) => s.status === 'online');
    assert.equal(c.stats.drops, drops + 1);
  });

  it('a flood of garbage does not crash the client', async () => {
    f.handler = (_req, ws) => {
      for (let i = 0; i < 2000; i++) send(ws, i % 3 === 0 ? randomBytes(50) : i % 3 === 1 ? '{"v":1,"id":' : JSON.stringify({ v: 1, push: 'message', junk: i }));
    };
    await assert.rejects(c.send(new Uint8Array([1])), DsDisconnected);
    f.handler = (req, ws) => send(ws, { v: 1, id: req.id, ok: true });
    await waitStatus(c, (s) => s.status === 'online');
    await c.ping();
    await sleep(50);
  });

  it('a throwing listener is contained', async () => {
    const off = c.on('message', () => {
      throw new Error('listener bug');
    });
    const off2 = c.on('message', async () => {
      throw new Error('async listener bug');
    });
    messages.length = 0;
    f.handler = (req, ws) => {
      send(ws, { v: 1, push: 'message', groupId: g, seq: 1, epoch: '0', kind: 'commit', sender: { userId: 'a', deviceId: 'b' }, message: 'AA==', ts: 0 });
      send(ws, { v: 1, id: req.id, ok: true });
    };
    await c.ping();
    await sleep(20);
    assert.equal(messages.length, 1, 'later listeners still ran');
    off();
    off2();
  });
});
