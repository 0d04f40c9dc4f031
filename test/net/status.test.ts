// Status and backoff of DsClient under a manual clock: the delays follow the
// capped exponential with full jitter, reconnectNow skips the wait, stop ends
// the retries. Only the clock is fake; the connection attempts are real
// (to a port nothing listens on).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Clock } from '../../main/net/clock.js';
import { DsClient, type DsStatusInfo } from '../../main/net/client.js';
import { DsRequestError, DsUnreachable } from '../../main/net/errors.js';
import { Fake } from './fake-server.js';
import { freePort, newKey, uncaughtGuard, waitStatus } from './helpers.js';

const guard = uncaughtGuard();

class ManualClock implements Clock {
  t = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Moves time forward and runs what fell due, in order. */
  advance(ms: number): void {
    this.t += ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= this.t).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) return;
      this.timers.delete(due[0]);
      due[1].fn();
    }
  }
}

it('retries to an unreachable server with base·2^n full-jitter delays under the cap', async () => {
  const clock = new ManualClock();
  const port = await freePort();
  const c = new DsClient({ url: `ws://127.0.0.1:${port}`, userId: 'u', deviceId: 'd', key: newKey(), clock, random: () => 0.5, backoff: { baseMs: 500, capMs: 8000 } });
  const seen: DsStatusInfo[] = [];
  c.on('status', (s) => seen.push(s));
  assert.equal(c.status, 'offline');
  c.start();
  assert.equal(c.status, 'connecting');
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = await waitStatus(c, (x) => x.status === 'offline' && x.nextRetryAt !== undefined);
    assert.ok(s.lastError instanceof DsUnreachable && /ECONNREFUSED/.test(s.lastError.reason), String(s.lastError));
    assert.equal(s.failures, i + 1);
    delays.push(s.nextRetryAt! - clock.now());
    clock.advance(s.nextRetryAt! - clock.now());
    assert.equal(c.status, 'connecting');
  }
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 4000, 4000]);
  // Every attempt shows as connecting, then offline with the time of the next one.
  assert.deepEqual(
    seen.slice(0, 4).map((s) => s.status),
    ['connecting', 'offline', 'connecting', 'offline'],
  );

  // reconnectNow: no waiting for the timer.
  const s = await waitStatus(c, (x) => x.status === 'offline' && x.nextRetryAt !== undefined);
  c.reconnectNow();
  assert.equal(c.status, 'connecting');
  const again = await waitStatus(c, (x) => x.status === 'offline' && x.failures === s.failures + 1);
  assert.equal(again.nextRetryAt! - clock.now(), 4000);

  // stop: offline, no retry scheduled, and time passing does nothing.
  await c.stop();
  assert.equal(c.status, 'offline');
  assert.equal(c.statusInfo.nextRetryAt, undefined);
  const n = seen.length;
  clock.advance(60_000);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(seen.length, n);
});

it('a drop right after login keeps the backoff growing; a drop after a stable connection restarts it', async () => {
  const clock = new ManualClock();
  const fake = await Fake.start();
  const c = new DsClient({ url: fake.url, userId: 'u', deviceId: 'd', key: newKey(), clock, random: () => 0.5, backoff: { baseMs: 500, capMs: 30_000 }, stableAfterMs: 10_000 });
  try {
    c.start();
    const delayAfterDrop = async (): Promise<number> => {
      await waitStatus(c, (x) => x.status === 'online');
      fake.dropAll();
      const s = await waitStatus(c, (x) => x.status === 'offline' && x.nextRetryAt !== undefined);
      const d = s.nextRetryAt! - clock.now();
      clock.advance(d);
      return d;
    };
    assert.equal(await delayAfterDrop(), 250);
    assert.equal(await delayAfterDrop(), 500, 'not reset: the connection lasted no time');
    assert.equal(await delayAfterDrop(), 1000);
    await waitStatus(c, (x) => x.status === 'online');
    clock.advance(10_000);
    assert.equal(await delayAfterDrop(), 250, 'reset: the connection was stable');
    assert.equal(c.stats.drops, 4);
  } finally {
    await c.stop();
    await fake.close();
  }
  guard.check();
});

it('a login refused as rate_limited is retried no sooner than its retryAfterMs, plus a little jitter', async () => {
  const clock = new ManualClock();
  const fake = await Fake.start();
  const retryAfter = [5000, 100];
  fake.login = (req) =>
    retryAfter.length > 0
      ? { v: 1, id: req.id, ok: false, error: 'rate_limited', reason: 'too many logins from this address; slow down', retryAfterMs: retryAfter.shift() }
      : { v: 1, id: req.id, ok: true, userId: req.userId, deviceId: req.deviceId };
  const c = new DsClient({ url: fake.url, userId: 'u', deviceId: 'd', key: newKey(), clock, random: () => 0.5, backoff: { baseMs: 500, capMs: 30_000 } });
  try {
    c.start();
    const delays: number[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await waitStatus(c, (x) => x.status === 'offline' && x.nextRetryAt !== undefined);
      assert.ok(s.lastError instanceof DsRequestError && s.lastError.code === 'rate_limited' && s.lastError.requestType === 'login', String(s.lastError));
      assert.equal(s.fatal, false);
      delays.push(s.nextRetryAt! - clock.now());
      clock.advance(s.nextRetryAt! - clock.now());
    }
    // 5000 + half of a tenth; then the backoff (500) is the longer wait.
    assert.deepEqual(delays, [5250, 500]);
    await waitStatus(c, (x) => x.status === 'online');
    assert.equal(fake.connections, 3);
  } finally {
    await c.stop();
    await fake.close();
  }
  guard.check();
});
