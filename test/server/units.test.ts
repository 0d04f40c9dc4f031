// Unit tests of the server's small modules: rate limits, the connection gate,
// the log (escaping, volume, a broken sink), the MLS identity encoding, and the
// page limits that keep a response within one frame.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { basicCredential } from '../../main/mls/tree/credential.js';
import { ConnectionGate } from '../../server/conn-gate.js';
import { credentialIdentity, deviceOfCredential } from '../../server/identity.js';
import { maxPayloadBytes, messageJson, pageLimit } from '../../server/json.js';
import { Logger, oneLine, q } from '../../server/log.js';
import { KeyedBuckets, KeyedQuota, TokenBucket } from '../../server/rate-limit.js';

void describe('rate limits', () => {
  void it('a token bucket refills at its rate up to its burst and says how long to wait', () => {
    const b = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) assert.equal(b.take(0), true);
    assert.equal(b.take(0), false);
    assert.equal(b.waitMs(0), 100);
    assert.equal(b.take(100), true);
    assert.equal(b.take(10_000, 5), true);
    assert.equal(b.take(10_000), false);
  });

  void it('keyed buckets stay bounded: idle (full) ones go first', () => {
    const k = new KeyedBuckets(1, 2, 10);
    for (let i = 0; i < 50; i++) k.take(`key${i}`, 0);
    assert.ok(k.size <= 10, `${k.size} buckets`);
    assert.equal(k.take('x', 0), true);
    assert.equal(k.take('x', 0), true);
    assert.equal(k.take('x', 0), false);
  });

  void it('a keyed quota counts events in a sliding period', () => {
    const q3 = new KeyedQuota(3, 1000, 100);
    for (let i = 0; i < 3; i++) {
      assert.equal(q3.allowed('a', i), true);
      q3.record('a', i);
    }
    assert.equal(q3.allowed('a', 10), false);
    assert.equal(q3.allowed('b', 10), true);
    assert.equal(q3.allowed('a', 1001), true);
  });
});

void it('the connection gate caps per address and in total, and releases', () => {
  const g = new ConnectionGate(5, 3);
  assert.deepEqual([1, 2, 3, 4].map(() => g.admit('a')), [true, true, true, false]);
  assert.deepEqual([1, 2, 3].map(() => g.admit('b')), [true, true, false]);
  g.release('a');
  assert.equal(g.admit('b'), true);
  assert.deepEqual([...g.takeRefused()], [['a', 1], ['b', 1]]);
  assert.equal(g.takeRefused().size, 0);
});

void describe('the log', () => {
  void it('escapes what would break a line, and quotes client strings', () => {
    assert.equal(oneLine('a\nb\r\u0000\u2028c'), 'a\\u000ab\\u000d\\u0000\\u2028c');
    assert.equal(q('say "hi"\n'), '"say \\"hi\\"\\u000a"');
    assert.equal(q('x'.repeat(300), 10), `"${'x'.repeat(10)}…"`);
  });

  void it('bounds its volume, and stops for good on a broken sink without throwing', async () => {
    const lines: string[] = [];
    let fail = false;
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (fail) cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        else {
          lines.push(chunk.toString());
          cb();
        }
      },
    });
    const errs: string[] = [];
    const err = new Writable({ write: (c: Buffer, _e, cb) => (errs.push(c.toString()), cb()) });
    let now = 0;
    const log = new Logger({ quiet: false, linesPerSecond: 10, burst: 20, now: () => now, stdout: out, stderr: err });
    for (let i = 0; i < 100; i++) log.log(`line ${i}\nforged`);
    assert.equal(lines.length, 20);
    assert.ok(lines.every((l) => l.split('\n').length === 2), 'one line each');
    now += 1000;
    log.log('after');
    assert.match(lines[20]!, /\(80 log lines dropped/);
    fail = true;
    log.log('breaks');
    await new Promise((r) => setImmediate(r));
    assert.equal(log.broken, true);
    const n = lines.length;
    for (let i = 0; i < 1000; i++) log.log('ignored');
    assert.equal(lines.length, n);
    assert.match(errs.join(''), /logging to stdout stopped: write EPIPE/);
  });
});

void it('a device is named by the basic credential <userId>/<deviceId>', () => {
  const c = basicCredential(credentialIdentity({ userId: 'alice', deviceId: 'laptop' }));
  assert.deepEqual(deviceOfCredential(c), { userId: 'alice', deviceId: 'laptop' });
  const bad = (s: string): unknown => deviceOfCredential(basicCredential(new TextEncoder().encode(s)));
  for (const s of ['alice', 'alice/', '/laptop', 'a/b/c', 'al ice/laptop', `${'x'.repeat(65)}/d`]) assert.equal(typeof bad(s), 'string', s);
  assert.match(String(deviceOfCredential(basicCredential(new Uint8Array([0xff])))), /not UTF-8/);
  assert.match(String(deviceOfCredential({ credentialType: 2, certificates: [{ certData: new Uint8Array(1) }] })), /not basic/);
});

void it('a page of messages fits a frame, whatever their sizes', () => {
  const frame = 1024 * 1024;
  const lim = pageLimit(frame, 500);
  const msg = (size: number) => ({
    groupId: new Uint8Array(255),
    seq: Number.MAX_SAFE_INTEGER,
    epoch: 2n ** 64n - 1n,
    kind: 'application' as const,
    sender: { userId: 'u'.repeat(64), deviceId: 'd'.repeat(64) },
    data: new Uint8Array(size),
    createdAt: Date.now(),
  });
  for (const size of [0, 1, 100, 10_000, 300_000, maxPayloadBytes(frame)]) {
    // As many as the page limit lets through.
    let n = 0;
    let total = 0;
    while (n < lim.limit && (n === 0 || total + size + lim.overhead <= lim.maxBytes)) {
      total += size + lim.overhead;
      n++;
    }
    const body = JSON.stringify({ v: 1, id: 'x'.repeat(64), ok: true, groupId: 'g'.repeat(340), acked: Number.MAX_SAFE_INTEGER, more: true, messages: Array.from({ length: n }, () => messageJson(msg(size))) });
    assert.ok(body.length <= frame, `${n} messages of ${size} bytes: ${body.length} > ${frame}`);
  }
});
