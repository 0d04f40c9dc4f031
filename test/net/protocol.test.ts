// Strict decoding of server frames and of every response, and the argument
// guards of every request: what a hostile server sends becomes a
// DsProtocolError naming the field, never a value handed to the core.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, retryDelay } from '../../main/net/backoff.js';
import { DsArgumentError, DsProtocolError } from '../../main/net/errors.js';
import { parseServerFrame } from '../../main/net/frames.js';
import type { DsRequestType } from '../../main/net/protocol-types.js';
import { decodeResult, prepareRequest, REQUESTS } from '../../main/net/requests.js';
import { readBytes, readEpoch, toBase64 } from '../../main/net/wire.js';

const G = new Uint8Array([1, 2, 3]);
const g = toBase64(G);
const msg = (seq: number, over: Record<string, unknown> = {}) => ({
  groupId: g,
  seq,
  epoch: '1',
  kind: 'application',
  sender: { userId: 'bob', deviceId: 'phone' },
  message: 'AAEC',
  ts: 1,
  ...over,
});

describe('wire readers', () => {
  it('base64: canonical standard padded only', () => {
    assert.deepEqual(readBytes('AAEC', 'x', 0), new Uint8Array([0, 1, 2]));
    assert.deepEqual(readBytes('', 'x', 0), new Uint8Array(0));
    for (const bad of ['AAE', 'AA==AA==', 'AB==', 'A-_=', 'AA AA', ' AAEC', 'AAEC\n', 'AAE=\n', 12, null]) {
      assert.throws(() => readBytes(bad, 'field.path', 0), (e: Error) => e instanceof DsProtocolError && e.message.startsWith('field.path:'), String(bad));
    }
    assert.throws(() => readBytes('AAEC', 'x', 4), DsProtocolError);
    assert.throws(() => readBytes('AAEC', 'x', 0, 2), DsProtocolError);
  });

  it('epochs: u64 decimal strings without leading zeros', () => {
    assert.equal(readEpoch('0', 'e'), 0n);
    assert.equal(readEpoch('18446744073709551615', 'e'), 2n ** 64n - 1n);
    for (const bad of ['18446744073709551616', '01', '-1', '1.0', '', ' 1', '1e3', 5, null, '99999999999999999999999']) {
      assert.throws(() => readEpoch(bad, 'e'), DsProtocolError, String(bad));
    }
  });
});

describe('parseServerFrame', () => {
  it('reads pushes, responses and refusals', () => {
    const hello = { v: 1, push: 'hello', server: 'arbor-ds', maxFrameBytes: 1048576, maxMessageBytes: 783360, ratePerSecond: 100, rateBurst: 200, maxQueuedRequests: 64, maxUnackedPushes: 1000, pastEpochs: 2, loginTimeoutMs: 30000 };
    const h = parseServerFrame(JSON.stringify(hello));
    assert.equal(h.kind, 'push');
    const m = parseServerFrame(JSON.stringify({ v: 1, push: 'message', ...msg(4) }));
    assert.ok(m.kind === 'push' && m.push.push === 'message' && m.push.message.seq === 4 && m.push.message.epoch === 1n);
    // A welcome push has an `id` of its own: still a push.
    const w = parseServerFrame(JSON.stringify({ v: 1, push: 'welcome', id: 3, groupId: g, epoch: '4', welcome: 'AAEC', ts: 5 }));
    assert.ok(w.kind === 'push' && w.push.push === 'welcome' && w.push.welcome.id === 3);
    const b = parseServerFrame(JSON.stringify({ v: 1, push: 'behind', groupId: g, seq: 9 }));
    assert.ok(b.kind === 'push' && b.push.push === 'behind' && b.push.behind.seq === 9);
    assert.deepEqual(parseServerFrame('{"v":1,"push":"future-thing","x":1}'), { kind: 'unknown-push', name: 'future-thing' });
    const r = parseServerFrame('{"v":1,"id":7,"ok":true,"seq":1}');
    assert.ok(r.kind === 'response' && r.id === 7);
    const s = parseServerFrame(JSON.stringify({ v: 1, id: 8, ok: false, error: 'stale_epoch', reason: 'at 5', epoch: '5' }));
    assert.ok(s.kind === 'refusal' && s.code === 'stale_epoch' && s.extra.epoch === 5n);
    const l = parseServerFrame(JSON.stringify({ v: 1, id: 8, ok: false, error: 'limit_exceeded', reason: 'x', remaining: 1000 }));
    assert.ok(l.kind === 'refusal' && l.extra.remaining === 1000);
    // The device limit and the pending-proposal limit carry no `remaining`.
    const l2 = parseServerFrame(JSON.stringify({ v: 1, id: 8, ok: false, error: 'limit_exceeded', reason: 'user u has 64 devices' }));
    assert.ok(l2.kind === 'refusal' && l2.code === 'limit_exceeded' && l2.extra.remaining === undefined);
    const rl = parseServerFrame(JSON.stringify({ v: 1, id: 8, ok: false, error: 'rate_limited', reason: 'x', retryAfterMs: 2000 }));
    assert.ok(rl.kind === 'refusal' && rl.extra.retryAfterMs === 2000);
    for (const code of ['bad_credential', 'private_handshake']) {
      const r2 = parseServerFrame(JSON.stringify({ v: 1, id: 8, ok: false, error: code, reason: 'x' }));
      assert.ok(r2.kind === 'refusal' && r2.code === code, code);
    }
    const u = parseServerFrame(JSON.stringify({ v: 1, id: 8, ok: false, error: 'unsupported_version', reason: 'x', supported: [1] }));
    assert.ok(u.kind === 'refusal' && u.extra.supported?.[0] === 1);
    const long = parseServerFrame(JSON.stringify({ v: 1, id: 8, ok: false, error: 'internal', reason: 'r'.repeat(100_000) }));
    assert.ok(long.kind === 'refusal' && long.reason.length <= 1001);
  });

  it('throws for frames that cannot be attributed', () => {
    for (const text of ['', 'nope', '[]', '"s"', '1', 'null', '{}', '{"v":1}', '{"v":1,"id":{},"ok":true}', '{"v":1,"id":1.5,"ok":true}', `{"v":1,"id":"${'x'.repeat(65)}","ok":true}`, '{"v":1,"push":5}', '{"v":2,"push":"message"}', '{"push":"hello"}']) {
      assert.throws(() => parseServerFrame(text), DsProtocolError, text);
    }
  });

  it('malformed pushes throw', () => {
    for (const p of [
      { v: 1, push: 'message', ...msg(0) },
      { v: 1, push: 'message', ...msg(1, { kind: 'other' }) },
      { v: 1, push: 'message', ...msg(1, { epoch: 1 }) },
      { v: 1, push: 'message', ...msg(1, { sender: { userId: 'bad id', deviceId: 'x' } }) },
      { v: 1, push: 'message', ...msg(1, { groupId: '' }) },
      { v: 1, push: 'message', ...msg(1, { message: '' }) },
      { v: 1, push: 'behind', groupId: g, seq: '9' },
      { v: 1, push: 'welcome', id: 0, groupId: g, epoch: '1', welcome: 'AA==', ts: 1 },
      { v: 1, push: 'hello', server: 'arbor-ds', maxFrameBytes: -1 },
      { v: 1, push: 'hello', server: 'not-arbor', maxFrameBytes: 1048576, maxMessageBytes: 1, ratePerSecond: 1, rateBurst: 1, maxQueuedRequests: 1, maxUnackedPushes: 1, pastEpochs: 0, loginTimeoutMs: 1 },
    ]) {
      assert.throws(() => parseServerFrame(JSON.stringify(p)), DsProtocolError, JSON.stringify(p).slice(0, 80));
    }
  });

  it('a readable id with a broken envelope is a bad-response for that id', () => {
    for (const f of [
      { v: 2, id: 3, ok: true },
      { id: 3, ok: true },
      { v: 1, id: 3, ok: 'yes' },
      { v: 1, id: 3 },
      { v: 1, id: 3, ok: false, error: 'made_up', reason: 'x' },
      { v: 1, id: 3, ok: false, error: 'internal' },
      { v: 1, id: 3, ok: false, error: 'stale_epoch', reason: 'no epoch' },
      { v: 1, id: 3, ok: false, error: 'limit_exceeded', reason: 'x', remaining: -1 },
      { v: 1, id: 3, ok: false, error: 'rate_limited', reason: 'x', retryAfterMs: '100' },
    ]) {
      const r = parseServerFrame(JSON.stringify(f));
      assert.equal(r.kind, 'bad-response', JSON.stringify(f));
      assert.ok(r.kind === 'bad-response' && r.id === 3 && r.error instanceof DsProtocolError);
    }
  });
});

function decode<T extends DsRequestType>(type: T, params: Parameters<(typeof REQUESTS)[T]['encode']>[0], body: Record<string, unknown>) {
  return decodeResult(prepareRequest(type, params), body);
}

describe('responses', () => {
  it('decode well-formed responses to typed values', () => {
    assert.deepEqual(decode('group.fetch', { groupId: G, after: 3 }, { groupId: g, acked: 3, more: false, messages: [msg(4), msg(6)] }).messages.map((m) => m.seq), [4, 6]);
    assert.deepEqual(decode('group.commit', { commit: G }, { groupId: g, seq: 2, epoch: '1' }), { groupId: G, seq: 2, epoch: 1n });
    assert.deepEqual(decode('group.list', {}, { groups: [{ groupId: g, epoch: '3', lastSeq: 4, acked: 4, member: false, leaveSeq: 4 }] }).groups[0]!.leaveSeq, 4);
    assert.deepEqual(decode('group.info', { groupId: G }, { groupId: g, epoch: null, groupInfo: null }), { groupId: G, epoch: null, groupInfo: null });
    assert.deepEqual(decode('keypackages.claim', { userId: 'bob' }, { keyPackages: [{ deviceId: 'a', keyPackage: 'AAEC', lastResort: true }], missing: ['b'] }).missing, ['b']);
    // Revision 2: a withheld device got no package, so the server lists it in `missing` too (§5.6).
    assert.deepEqual(decode('keypackages.claim', { userId: 'bob' }, { keyPackages: [{ deviceId: 'a', keyPackage: 'AAEC', lastResort: false }], missing: ['b', 'c'], withheld: ['c'] }), {
      keyPackages: [{ deviceId: 'a', keyPackage: new Uint8Array([0, 1, 2]), lastResort: false }],
      missing: ['b', 'c'],
      withheld: ['c'],
    });
    assert.deepEqual(decode('keypackages.claim', { userId: 'bob' }, { keyPackages: [], missing: ['b'] }).withheld, []);
    // Pages: `more` read when present, false from a revision-1 server.
    assert.deepEqual(decode('group.list', { limit: 1 }, { groups: [{ groupId: g, epoch: '3', lastSeq: 4, acked: 4, member: true }], more: true }).more, true);
    assert.deepEqual(decode('welcome.list', {}, { welcomes: [], more: false }), { welcomes: [], more: false });
    assert.deepEqual(decode('welcome.list', {}, { welcomes: [] }), { welcomes: [], more: false });
    const w = decode('welcome.list', {}, { welcomes: [{ id: 1, groupId: g, epoch: '1', sender: { userId: 'alice', deviceId: 'laptop' }, welcome: 'AA==', ts: 1 }], more: true });
    assert.deepEqual([w.more, w.welcomes[0]!.sender], [true, { userId: 'alice', deviceId: 'laptop' }]);
    assert.deepEqual(
      decode('group.roster', { groupId: G, limit: 2 }, { groupId: g, epoch: '4', more: true, devices: [{ userId: 'a', deviceId: 'x', status: 'member' }, { userId: 'b', deviceId: 'y', status: 'invited' }] }),
      { groupId: G, epoch: 4n, more: true, devices: [{ userId: 'a', deviceId: 'x', status: 'member' }, { userId: 'b', deviceId: 'y', status: 'invited' }] },
    );
    // A revision-1 roster: members, no status, no `more`.
    assert.deepEqual(decode('group.roster', { groupId: G }, { groupId: g, epoch: '1', devices: [{ userId: 'a', deviceId: 'x' }] }), { groupId: G, epoch: 1n, more: false, devices: [{ userId: 'a', deviceId: 'x', status: 'member' }] });
  });

  it('refuse garbage and answers to another question', () => {
    const cases: [DsRequestType, Record<string, unknown>, Record<string, unknown>][] = [
      ['challenge', {}, { challenge: toBase64(new Uint8Array(31)), expiresInMs: 1 }],
      ['login', { userId: 'a', deviceId: 'b', challenge: G, signature: G }, { userId: 'a', deviceId: 'c' }],
      ['keypackages.upload', { keyPackages: [] }, { remaining: '1' }],
      ['keypackages.claim', { userId: 'bob' }, { keyPackages: [{ deviceId: 'a', keyPackage: 'AAEC', lastResort: true }], missing: ['a'] }],
      ['keypackages.count', {}, { remaining: 1 }],
      ['group.create', { groupId: G }, { groupId: toBase64(new Uint8Array([9])), epoch: '0' }],
      ['group.create', { groupId: G }, { groupId: g, epoch: '1' }],
      ['group.commit', { commit: G }, { groupId: g, seq: 0, epoch: '1' }],
      ['group.commit', { commit: G }, { groupId: g, seq: 1, epoch: '0' }],
      ['group.send', { message: G }, { groupId: g, seq: 1.5 }],
      ['group.fetch', { groupId: G, after: 3 }, { groupId: g, acked: 3, more: false, messages: [msg(3)] }],
      ['group.fetch', { groupId: G }, { groupId: g, acked: 5, more: false, messages: [msg(5)] }],
      ['group.fetch', { groupId: G }, { groupId: g, acked: 0, more: false, messages: [msg(2), msg(1)] }],
      ['group.fetch', { groupId: G }, { groupId: g, acked: 0, more: false, messages: [msg(1, { groupId: 'AAAA' })] }],
      ['group.fetch', { groupId: G, limit: 1 }, { groupId: g, acked: 0, more: true, messages: [msg(1), msg(2)] }],
      ['group.fetch', { groupId: G }, { groupId: g, acked: 0, more: true, messages: [] }],
      ['group.ack', { groupId: G, seq: 1 }, { groupId: g, acked: -1 }],
      ['group.list', {}, { groups: [{ groupId: g, epoch: '3', lastSeq: 4, acked: 4, member: true, leaveSeq: 4 }] }],
      ['group.list', {}, { groups: [{ groupId: g, epoch: '3', lastSeq: 4, acked: 4, member: false }] }],
      ['keypackages.claim', { userId: 'bob' }, { keyPackages: [], missing: ['a'], withheld: ['b'] }],
      ['keypackages.claim', { userId: 'bob' }, { keyPackages: [], missing: ['a'], withheld: ['a', 'a'] }],
      ['keypackages.claim', { userId: 'bob' }, { keyPackages: [{ deviceId: 'a', keyPackage: 'AAEC', lastResort: true }], missing: [], withheld: ['a'] }],
      ['keypackages.claim', { userId: 'bob' }, { keyPackages: [], missing: [], withheld: 'a' }],
      ['group.list', { limit: 1 }, { groups: [{ groupId: g, epoch: '3', lastSeq: 4, acked: 4, member: true }, { groupId: g, epoch: '3', lastSeq: 4, acked: 4, member: true }], more: true }],
      ['group.list', {}, { groups: [], more: true }],
      ['group.list', {}, { groups: [], more: 'yes' }],
      ['group.roster', { groupId: G }, { groupId: g, epoch: '1', devices: [{ userId: 'a' }] }],
      ['group.roster', { groupId: G }, { groupId: g, epoch: '1', devices: [{ userId: 'a', deviceId: 'x', status: 'admin' }] }],
      ['group.roster', { groupId: G }, { groupId: g, epoch: '1', devices: [{ userId: 'a', deviceId: 'x', status: 1 }] }],
      ['group.roster', { groupId: G, limit: 1 }, { groupId: g, epoch: '1', devices: [{ userId: 'a', deviceId: 'x' }, { userId: 'b', deviceId: 'x' }], more: true }],
      ['group.roster', { groupId: G }, { groupId: g, epoch: '1', devices: [], more: true }],
      ['welcome.list', {}, { welcomes: [], more: true }],
      ['welcome.list', {}, { welcomes: [{ id: 1, groupId: g, epoch: '1', sender: { userId: 'no spaces allowed' }, welcome: 'AA==', ts: 1 }] }],
      ['welcome.decline', { ids: [1] }, { removed: 2 }],
      ['group.info', { groupId: G }, { groupId: g, epoch: '1', groupInfo: null }],
      ['welcome.list', { limit: 1 }, { welcomes: [{ id: 1, groupId: g, epoch: '1', welcome: 'AA==', ts: 1 }, { id: 2, groupId: g, epoch: '1', welcome: 'AA==', ts: 1 }] }],
      ['welcome.ack', { ids: [1] }, { removed: 2 }],
    ];
    for (const [type, params, body] of cases) {
      assert.throws(() => decodeResult(prepareRequest(type, params as never), body), DsProtocolError, `${type} ${JSON.stringify(body).slice(0, 100)}`);
    }
  });
});

describe('request guards', () => {
  it('refuse what the protocol cannot carry, before anything is sent', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['group.send', { message: new Uint8Array(0) }],
      ['group.send', { message: 'AAEC' }],
      ['group.fetch', { groupId: new Uint8Array(256) }],
      ['group.fetch', { groupId: G, limit: 501 }],
      ['group.fetch', { groupId: G, after: -1 }],
      ['group.ack', { groupId: G, seq: 1.5 }],
      ['keypackages.upload', { keyPackages: Array.from({ length: 101 }, () => G) }],
      ['keypackages.claim', { userId: 'no spaces' }],
      ['group.commit', { commit: G, add: [{ userId: 'a' }] }],
      ['group.commit', { commit: G, welcomes: [{ welcome: G, to: 'bob' }] }],
      ['welcome.ack', { ids: [0] }],
      ['welcome.decline', { ids: [1.5] }],
      ['welcome.decline', { ids: 1 }],
      ['group.list', { limit: 0 }],
      ['group.list', { limit: 501 }],
      ['group.list', { after: new Uint8Array(0) }],
      ['group.list', { after: 'AAEC' }],
      ['group.roster', { groupId: G, limit: 2001 }],
      ['group.roster', { groupId: G, after: { userId: 'a' } }],
      ['group.create', { groupId: G, allowExternalJoin: 'yes' }],
      ['toString', {}],
    ];
    for (const [type, params] of cases) assert.throws(() => prepareRequest(type as DsRequestType, params as never), DsArgumentError, type);
  });

  it('mark exactly reads and acks idempotent', () => {
    const idem = Object.entries(REQUESTS).filter(([, s]) => s.idempotent).map(([t]) => t).sort();
    // welcome.decline too: declining again what is already declined drops nothing (`removed: 0`).
    assert.deepEqual(idem, ['challenge', 'group.ack', 'group.fetch', 'group.info', 'group.list', 'group.roster', 'keypackages.count', 'ping', 'welcome.ack', 'welcome.decline', 'welcome.list']);
  });

  it('encode the revision-2 paging fields', () => {
    assert.deepEqual(prepareRequest('group.list', { after: G, limit: 3 }).fields, { after: g, limit: 3 });
    assert.deepEqual(prepareRequest('group.list', {}).fields, {});
    assert.deepEqual(prepareRequest('group.roster', { groupId: G, after: { userId: 'a', deviceId: 'b' }, limit: 5 }).fields, { groupId: g, after: { userId: 'a', deviceId: 'b' }, limit: 5 });
    assert.deepEqual(prepareRequest('welcome.decline', { ids: [3, 4] }).fields, { ids: [3, 4] });
  });
});

describe('backoff', () => {
  it('is full jitter under a doubling cap', () => {
    const p = { baseMs: 500, capMs: 30_000 };
    assert.equal(backoffDelay(0, p, () => 0), 0);
    assert.equal(backoffDelay(0, p, () => 0.999999), 499);
    assert.equal(backoffDelay(1, p, () => 0.5), 500);
    assert.equal(backoffDelay(3, p, () => 0.5), 2000);
    assert.equal(backoffDelay(6, p, () => 0.999999), 29_999);
    assert.equal(backoffDelay(1000, p, () => 0.5), 15_000);
    assert.equal(backoffDelay(2, p, () => NaN), 1000);
    for (let i = 0; i < 1000; i++) {
      const d = backoffDelay(i % 12, p);
      assert.ok(d >= 0 && d < 30_000);
    }
  });

  it('after a rate_limited refusal: never sooner than retryAfterMs, with jitter of at most a tenth (1 s at most)', () => {
    const p = { baseMs: 500, capMs: 30_000 };
    assert.equal(retryDelay(0, p, () => 0.5), 250, 'no retryAfterMs: the backoff');
    assert.equal(retryDelay(0, p, () => 0, 2000), 2000);
    assert.equal(retryDelay(0, p, () => 0.999999, 2000), 2199);
    assert.equal(retryDelay(0, p, () => 0.5, 60_000), 60_500, 'jitter capped at 1 s');
    assert.equal(retryDelay(6, p, () => 0.5, 100), 15_000, 'a longer backoff wins');
    assert.equal(retryDelay(0, p, () => 0.5, 0), 250);
    assert.equal(retryDelay(0, p, () => 0.5, 2 ** 40), 2 ** 31 - 1, 'bounded by the timer limit');
    for (let i = 0; i < 1000; i++) assert.ok(retryDelay(i % 12, p, Math.random, 1234) >= 1234);
  });
});
