// Pushes for several DS processes sharing one PostgreSQL database. Each
// process pushes to its own connected devices every message of their groups,
// whichever process accepted it, in seq order per group:
// - every stored message sends a notification (group, seq) through
//   PostgreSQL (pg-schema.ts); a process that has a reader of that group
//   connected reads the rows it has not pushed yet and pushes them in order;
// - per group, the process remembers the last seq it pushed; a message it
//   accepted itself is pushed at once when it is the next one, else it waits
//   its turn behind the rows still to be read (no device ever sees seq n+1
//   before n from one process);
// - a notification can be lost (the listening connection dropped, or the
//   test hook): every `catchUpMs` the process compares each of its groups'
//   last seq in the database with what it pushed and pushes the difference,
//   so a device waits at most that long for a message whose notification
//   never came.
// Which groups a process follows: those of its connected devices, read when a
// device's first connection logs in, plus groups a connected device starts
// reading later (a `reader` notification, from whichever process accepted it).

import { devKey } from '../identity.js';
import type { ReaderWindow } from '../storage/pg.js';
import type { DeviceRef, StoredMessage, WelcomeRecord } from '../storage/types.js';
import type { Fanout, PushSink } from './fanout.js';
import { noticeKey, parseNotice, type Notice } from './notice.js';

/** The reads the fan-out needs (PgStorage has them). */
export interface PushReads {
  readableGroups(device: DeviceRef): Promise<{ groupId: Uint8Array; lastSeq: number }[]>;
  messagesToPush(groupId: Uint8Array, after: number, upTo: number, readers: readonly DeviceRef[], limit: number): Promise<{ messages: StoredMessage[]; windows: ReaderWindow[] }>;
  welcomeToPush(id: number): Promise<{ welcome: WelcomeRecord; to: DeviceRef[] } | undefined>;
  groupsBehind(groups: readonly { groupId: Uint8Array; pushed: number }[]): Promise<{ groupId: Uint8Array; lastSeq: number }[]>;
}

export interface PgFanoutOptions {
  readonly reads: PushReads;
  /** Starts the notification source, which calls `notice` and `connected` (pg-listener.ts). */
  readonly listen: (notice: (payload: string) => void, connected: () => void) => Promise<{ close(): Promise<void> }>;
  /** This process's node id (the `n` of the Welcome notifications it causes). */
  readonly nodeId: string;
  readonly catchUpMs: number;
  readonly log: (line: string) => void;
  /** Test hook: a message notification for which this returns true is dropped, as if it had been lost. */
  readonly drop?: (groupId: Uint8Array, seq: number) => boolean;
  /** See ORIGIN_WAIT_MS (0: do not wait, for tests of other rules). */
  readonly originWaitMs?: number;
}

/** Rows read per step when a group is behind. */
const BATCH = 100;
/** Groups checked per catch-up query. */
const CATCH_UP_CHUNK = 5000;
/** Seqs heard for groups not followed, kept to close the race with a login's query (bounded). */
const HEARD_MAX = 10_000;
/**
 * How long a message posted by a device connected here waits for `accepted()` to name the connection
 * that posted it: its notification can outrun the request's own completion, and without the origin the
 * poster would be pushed its own message. Past this, it came through another process (the same device
 * connected twice), and every connection here gets it.
 */
const ORIGIN_WAIT_MS = 1000;

interface Followed {
  readonly key: string;
  readonly groupId: Uint8Array;
  /** The last seq pushed (or, from a login, what the device reads by itself on connecting). */
  pushed: number;
  /** The last seq known to exist. */
  target: number;
  /** This process's online devices that read the group. */
  readonly readers: Map<string, DeviceRef>;
  running: boolean;
}

interface Online {
  readonly ref: DeviceRef;
  readonly groups: Set<string>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class PgFanout<Origin> implements Fanout<Origin> {
  private sink: PushSink<Origin> | undefined;
  private readonly groups = new Map<string, Followed>();
  private readonly devices = new Map<string, Online>();
  /** Origins of messages accepted here that wait for their turn: `${group hex}:${seq}`. */
  private readonly origins = new Map<string, Origin>();
  private readonly heard = new Map<string, number>();
  /** Seqs this process pushed at once for groups it did not follow yet: a later follow starts after them, not before (no second push). */
  private readonly direct = new Map<string, number>();
  /** Drains waiting for `accepted()` to name a message's origin: `${group hex}:${seq}` → wake. */
  private readonly originWaiters = new Map<string, () => void>();
  private listener: { close(): Promise<void> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private catchingUp = false;
  private closed = false;

  constructor(private readonly o: PgFanoutOptions) {}

  async start(sink: PushSink<Origin>): Promise<void> {
    this.sink = sink;
    this.listener = await this.o.listen(
      (payload) => this.notice(payload),
      () => void this.catchUp(),
    );
    this.timer = setInterval(() => void this.catchUp(), this.o.catchUpMs);
    this.timer.unref();
  }

  // ---------------------------------------------------------------- devices

  online(device: DeviceRef): void {
    const k = devKey(device);
    if (this.devices.has(k)) return;
    const rec: Online = { ref: { userId: device.userId, deviceId: device.deviceId }, groups: new Set() };
    this.devices.set(k, rec);
    this.o.reads.readableGroups(device).then(
      (list) => {
        if (this.devices.get(k) !== rec) return; // went offline meanwhile
        for (const g of list) this.follow(g.groupId, rec, g.lastSeq);
      },
      (err: unknown) => this.o.log(`fanout: cannot read the groups of ${k}: ${(err as Error).message}`),
    );
  }

  offline(device: DeviceRef): void {
    const k = devKey(device);
    const rec = this.devices.get(k);
    if (rec === undefined) return;
    this.devices.delete(k);
    for (const g of rec.groups) {
      const f = this.groups.get(g);
      if (f === undefined) continue;
      f.readers.delete(k);
      if (f.readers.size === 0) this.unfollow(f);
    }
  }

  /** Starts following a group for an online reader; `baseline`: the seq its pushes start after, if the group is new here. */
  private follow(groupId: Uint8Array, rec: Online, baseline: number): void {
    const key = hex(groupId);
    let f = this.groups.get(key);
    if (f === undefined) {
      const pushed = Math.max(baseline, this.direct.get(key) ?? 0);
      f = { key, groupId, pushed, target: Math.max(pushed, this.heard.get(key) ?? 0), readers: new Map(), running: false };
      this.heard.delete(key);
      this.direct.delete(key);
      this.groups.set(key, f);
    }
    f.readers.set(devKey(rec.ref), rec.ref);
    rec.groups.add(key);
    this.run(f);
  }

  private unfollow(f: Followed): void {
    this.groups.delete(f.key);
    for (const k of this.origins.keys()) if (k.startsWith(`${f.key}:`)) this.origins.delete(k);
  }

  // ---------------------------------------------------------------- notifications

  private notice(payload: string): void {
    let n: Notice;
    try {
      n = parseNotice(payload);
    } catch (err) {
      this.o.log(`fanout: ignored a notification (${(err as Error).message})`);
      return;
    }
    switch (n.kind) {
      case 'message': {
        if (this.o.drop?.(n.groupId, n.seq) === true) {
          this.o.log(`test hook: dropped the notification of ${noticeKey(n.groupId, n.seq)}`);
          return;
        }
        const key = hex(n.groupId);
        const f = this.groups.get(key);
        if (f === undefined) {
          this.hear(key, n.seq);
          return;
        }
        f.target = Math.max(f.target, n.seq);
        this.run(f);
        return;
      }
      case 'reader': {
        const rec = this.devices.get(devKey(n.device));
        if (rec !== undefined) this.follow(n.groupId, rec, n.lastSeq);
        return;
      }
      case 'welcome':
        // Welcomes this process queued were pushed when it accepted the commit.
        if (n.node !== this.o.nodeId && this.devices.size > 0) void this.pushWelcome(n.id);
        return;
    }
  }

  private hear(key: string, seq: number, map = this.heard): void {
    map.delete(key);
    map.set(key, seq);
    if (map.size > HEARD_MAX) map.delete(map.keys().next().value!);
  }

  private async pushWelcome(id: number): Promise<void> {
    try {
      const w = await this.o.reads.welcomeToPush(id);
      if (w === undefined) return;
      for (const d of w.to) if (this.devices.has(devKey(d))) this.sink?.pushWelcome(d, w.welcome);
    } catch (err) {
      this.o.log(`fanout: cannot read Welcome ${id}: ${(err as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- messages

  accepted(msg: StoredMessage, to: readonly DeviceRef[], origin: Origin): void {
    const key = hex(msg.groupId);
    const f = this.groups.get(key);
    // Nobody here follows the group (as far as this process knows): push to whoever is connected, as one process would.
    if (f === undefined) {
      this.sink?.pushMessage(msg, to, origin);
      this.hear(key, msg.seq, this.direct);
      return;
    }
    if (msg.seq <= f.pushed) return; // already read from the database and pushed (origin unknown then; clients ignore a seq they have)
    if (!f.running && f.pushed === msg.seq - 1) {
      this.sink?.pushMessage(msg, to, origin);
      f.pushed = msg.seq;
      f.target = Math.max(f.target, msg.seq);
      return;
    }
    // Messages before it (accepted elsewhere) are still to be pushed: it waits its turn.
    this.origins.set(`${key}:${msg.seq}`, origin);
    this.originWaiters.get(`${key}:${msg.seq}`)?.();
    f.target = Math.max(f.target, msg.seq);
    this.run(f);
  }

  welcomed(device: DeviceRef, w: WelcomeRecord): void {
    this.sink?.pushWelcome(device, w);
  }

  /** Reads and pushes the group's rows after `pushed` up to `target`, in order; one runner per group. */
  private run(f: Followed): void {
    if (f.running || f.pushed >= f.target || this.closed) return;
    f.running = true;
    void this.drain(f).finally(() => {
      f.running = false;
      // A target raised while the last read was in flight.
      if (this.groups.get(f.key) === f && f.pushed < f.target) this.run(f);
    });
  }

  private waitOrigin(ok: string): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        if (this.originWaiters.get(ok) === done) this.originWaiters.delete(ok);
        resolve();
      };
      const t = setTimeout(done, this.o.originWaitMs ?? ORIGIN_WAIT_MS);
      this.originWaiters.set(ok, done);
    });
  }

  private async drain(f: Followed): Promise<void> {
    try {
      while (!this.closed && this.groups.get(f.key) === f && f.pushed < f.target) {
        const upTo = f.target;
        const r = await this.o.reads.messagesToPush(f.groupId, f.pushed, upTo, [...f.readers.values()], BATCH);
        for (const m of r.messages) {
          if (this.groups.get(f.key) !== f || m.seq <= f.pushed) continue;
          // The devices whose window holds this seq (a device added by a later commit does not read it).
          const to = r.windows.filter((w) => w.joinSeq <= m.seq && (w.leaveSeq === null || m.seq <= w.leaveSeq));
          const ok = `${f.key}:${m.seq}`;
          // Posted by a device connected here: maybe through this process, whose accepted() has not run yet.
          if (!this.origins.has(ok) && this.devices.has(devKey(m.sender)) && (this.o.originWaitMs ?? ORIGIN_WAIT_MS) > 0) await this.waitOrigin(ok);
          if (this.groups.get(f.key) !== f || m.seq <= f.pushed) continue;
          const origin = this.origins.get(ok) ?? null;
          this.origins.delete(ok);
          if (to.length > 0) this.sink?.pushMessage(m, to, origin);
          f.pushed = m.seq;
        }
        // Fewer rows than asked: the rest up to `upTo` is gone (acknowledged by all, or past retention).
        if (r.messages.length < BATCH) {
          for (let s = f.pushed + 1; s <= upTo; s++) this.origins.delete(`${f.key}:${s}`);
          f.pushed = Math.max(f.pushed, upTo);
        }
      }
    } catch (err) {
      // The catch-up tries again.
      this.o.log(`fanout: cannot read group ${f.key} after seq ${f.pushed}: ${(err as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- catch-up

  /** Compares every followed group's last seq with what was pushed; pushes what no notification announced. */
  async catchUp(): Promise<void> {
    if (this.catchingUp || this.closed || this.groups.size === 0) return;
    this.catchingUp = true;
    try {
      const all = [...this.groups.values()];
      const behind: string[] = [];
      for (let i = 0; i < all.length; i += CATCH_UP_CHUNK) {
        const chunk = all.slice(i, i + CATCH_UP_CHUNK);
        for (const b of await this.o.reads.groupsBehind(chunk.map((f) => ({ groupId: f.groupId, pushed: Math.max(f.pushed, f.target) })))) {
          const f = this.groups.get(hex(b.groupId));
          if (f === undefined || b.lastSeq <= f.target) continue;
          behind.push(`${f.key.slice(0, 16)} ${Math.max(f.pushed, f.target)}->${b.lastSeq}`);
          f.target = b.lastSeq;
          this.run(f);
        }
      }
      if (behind.length > 0) this.o.log(`catch-up: ${behind.length} groups past their notifications (${behind.slice(0, 5).join(', ')}${behind.length > 5 ? ', …' : ''})`);
    } catch (err) {
      this.o.log(`catch-up failed: ${(err as Error).message}`);
    } finally {
      this.catchingUp = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.originWaiters.values()]) w();
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.listener?.close();
  }
}
