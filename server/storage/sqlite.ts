// The SQLite backend of the delivery service's Storage: one file, WAL journal.
// Every method runs as one better-sqlite3 transaction, synchronously, so a
// result is only returned (and so only acknowledged to a client) after the
// transaction has committed. synchronous=FULL makes a committed transaction
// durable even across a power loss, not only a process kill; `normal` is
// offered for benchmarks (with WAL it still survives SIGKILL, since the WAL
// write has reached the OS before the commit returns).

import Database from 'better-sqlite3';
import type {
  AppendInput,
  AppendResult,
  ClaimedKeyPackage,
  CommitInput,
  CommitResult,
  DeviceRecord,
  DeviceRef,
  GroupRecord,
  GroupSummary,
  Membership,
  MessageKind,
  RegisterResult,
  Storage,
  StoredMessage,
  WelcomeRecord,
} from './types.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
  user_id TEXT NOT NULL, device_id TEXT NOT NULL, public_key BLOB NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id));
CREATE TABLE IF NOT EXISTS key_packages (
  id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
  last_resort INTEGER NOT NULL, data BLOB NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS key_packages_device ON key_packages (user_id, device_id, last_resort, id);
CREATE TABLE IF NOT EXISTS chat_groups (
  group_id BLOB PRIMARY KEY, epoch INTEGER NOT NULL, last_seq INTEGER NOT NULL,
  allow_external INTEGER NOT NULL, group_info BLOB, group_info_epoch INTEGER, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members (
  group_id BLOB NOT NULL, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
  join_seq INTEGER NOT NULL, leave_seq INTEGER, acked INTEGER NOT NULL,
  PRIMARY KEY (group_id, user_id, device_id));
CREATE INDEX IF NOT EXISTS members_device ON members (user_id, device_id);
CREATE TABLE IF NOT EXISTS messages (
  group_id BLOB NOT NULL, seq INTEGER NOT NULL, epoch INTEGER NOT NULL, kind TEXT NOT NULL,
  sender_user TEXT NOT NULL, sender_device TEXT NOT NULL, data BLOB NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE (group_id, seq));
CREATE INDEX IF NOT EXISTS messages_created ON messages (created_at);
CREATE TABLE IF NOT EXISTS welcomes (
  id INTEGER PRIMARY KEY AUTOINCREMENT, group_id BLOB NOT NULL, epoch INTEGER NOT NULL,
  data BLOB NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS welcomes_created ON welcomes (created_at);
CREATE TABLE IF NOT EXISTS welcome_queue (
  user_id TEXT NOT NULL, device_id TEXT NOT NULL, welcome_id INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, welcome_id));
CREATE INDEX IF NOT EXISTS welcome_queue_welcome ON welcome_queue (welcome_id);
`;

export type SyncMode = 'full' | 'normal';

// With safeIntegers every INTEGER column reads as bigint (epochs are u64);
// these turn the small ones back into numbers.
const num = (v: unknown): number => Number(v as bigint);
const big = (v: unknown): bigint => BigInt(v as bigint);
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Buffer);

function key(d: DeviceRef): string {
  return `${d.userId}\u0000${d.deviceId}`;
}

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly s: Record<string, Database.Statement>;

  constructor(file: string, sync: SyncMode = 'full') {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const v = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    if (v === undefined) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    else if (Number(v.value) !== SCHEMA_VERSION) throw new Error(`database schema version ${v.value}, this server knows ${SCHEMA_VERSION}`);

    const p = (sql: string): Database.Statement => this.db.prepare(sql).safeIntegers(true);
    this.s = {
      getDevice: p(`SELECT * FROM devices WHERE user_id = ? AND device_id = ?`),
      listDevices: p(`SELECT * FROM devices WHERE user_id = ? ORDER BY device_id`),
      countDevices: p(`SELECT COUNT(*) AS n FROM devices WHERE user_id = ?`),
      insertDevice: p(`INSERT INTO devices (user_id, device_id, public_key, created_at) VALUES (?, ?, ?, ?)`),
      countKp: p(`SELECT COUNT(*) AS n FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 0`),
      hasLastResort: p(`SELECT COUNT(*) AS n FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 1`),
      insertKp: p(`INSERT INTO key_packages (user_id, device_id, last_resort, data, created_at) VALUES (?, ?, ?, ?, ?)`),
      deleteLastResort: p(`DELETE FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 1`),
      firstKp: p(`SELECT id, data FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = ? ORDER BY id LIMIT 1`),
      deleteKp: p(`DELETE FROM key_packages WHERE id = ?`),
      getGroup: p(`SELECT * FROM chat_groups WHERE group_id = ?`),
      insertGroup: p(`INSERT INTO chat_groups (group_id, epoch, last_seq, allow_external, group_info, group_info_epoch, created_at) VALUES (?, 0, 0, ?, ?, ?, ?)`),
      advanceGroup: p(`UPDATE chat_groups SET epoch = ?, last_seq = ? WHERE group_id = ?`),
      setGroupInfo: p(`UPDATE chat_groups SET group_info = ?, group_info_epoch = ? WHERE group_id = ?`),
      setLastSeq: p(`UPDATE chat_groups SET last_seq = ? WHERE group_id = ?`),
      getMember: p(`SELECT * FROM members WHERE group_id = ? AND user_id = ? AND device_id = ?`),
      upsertMember: p(
        `INSERT INTO members (group_id, user_id, device_id, join_seq, leave_seq, acked) VALUES (?, ?, ?, ?, NULL, ?)
         ON CONFLICT (group_id, user_id, device_id) DO UPDATE SET join_seq = excluded.join_seq, leave_seq = NULL, acked = excluded.acked`,
      ),
      removeMember: p(`UPDATE members SET leave_seq = ? WHERE group_id = ? AND user_id = ? AND device_id = ?`),
      setAcked: p(`UPDATE members SET acked = ? WHERE group_id = ? AND user_id = ? AND device_id = ?`),
      deleteMember: p(`DELETE FROM members WHERE group_id = ? AND user_id = ? AND device_id = ?`),
      roster: p(`SELECT user_id, device_id FROM members WHERE group_id = ? AND leave_seq IS NULL ORDER BY user_id, device_id`),
      minAcked: p(`SELECT MIN(acked) AS m, COUNT(*) AS n FROM members WHERE group_id = ?`),
      groupsOf: p(
        `SELECT g.group_id, g.epoch, g.last_seq, m.join_seq, m.leave_seq, m.acked FROM members m JOIN chat_groups g ON g.group_id = m.group_id
         WHERE m.user_id = ? AND m.device_id = ? ORDER BY g.group_id`,
      ),
      insertMessage: p(`INSERT INTO messages (group_id, seq, epoch, kind, sender_user, sender_device, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      fetch: p(`SELECT * FROM messages WHERE group_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`),
      deleteAcked: p(`DELETE FROM messages WHERE group_id = ? AND seq <= ?`),
      deleteAllOfGroup: p(`DELETE FROM messages WHERE group_id = ?`),
      insertWelcome: p(`INSERT INTO welcomes (group_id, epoch, data, created_at) VALUES (?, ?, ?, ?)`),
      queueWelcome: p(`INSERT OR IGNORE INTO welcome_queue (user_id, device_id, welcome_id) VALUES (?, ?, ?)`),
      listWelcomes: p(
        `SELECT w.* FROM welcome_queue q JOIN welcomes w ON w.id = q.welcome_id WHERE q.user_id = ? AND q.device_id = ? ORDER BY w.id LIMIT ?`,
      ),
      unqueueWelcome: p(`DELETE FROM welcome_queue WHERE user_id = ? AND device_id = ? AND welcome_id = ?`),
      dropUnqueuedWelcome: p(`DELETE FROM welcomes WHERE id = ? AND NOT EXISTS (SELECT 1 FROM welcome_queue WHERE welcome_id = ?)`),
      purgeMessages: p(`DELETE FROM messages WHERE created_at < ?`),
      purgeWelcomeQueue: p(`DELETE FROM welcome_queue WHERE welcome_id IN (SELECT id FROM welcomes WHERE created_at < ?)`),
      purgeWelcomes: p(`DELETE FROM welcomes WHERE created_at < ?`),
      purgeDrainedMembers: p(
        `DELETE FROM members WHERE leave_seq IS NOT NULL AND NOT EXISTS
         (SELECT 1 FROM messages m WHERE m.group_id = members.group_id AND m.seq > members.acked AND m.seq <= members.leave_seq)`,
      ),
    };
  }

  private st(name: string): Database.Statement {
    const s = this.s[name];
    if (s === undefined) throw new Error(`no statement ${name}`);
    return s;
  }

  private tx<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(this.db.transaction(fn).immediate());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private device(row: Record<string, unknown>): DeviceRecord {
    return {
      userId: row.user_id as string,
      deviceId: row.device_id as string,
      publicKey: bytes(row.public_key),
      createdAt: num(row.created_at),
    };
  }

  getDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined> {
    return this.tx(() => {
      const r = this.st('getDevice').get(userId, deviceId) as Record<string, unknown> | undefined;
      return r === undefined ? undefined : this.device(r);
    });
  }

  listDevices(userId: string): Promise<DeviceRecord[]> {
    return this.tx(() => (this.st('listDevices').all(userId) as Record<string, unknown>[]).map((r) => this.device(r)));
  }

  registerDevice(d: DeviceRecord, firstDevice: boolean): Promise<RegisterResult> {
    return this.tx((): RegisterResult => {
      const n = num((this.st('countDevices').get(d.userId) as { n: bigint }).n);
      if (firstDevice && n > 0) return 'user_exists';
      if (!firstDevice && n === 0) return 'unknown_user';
      if (this.st('getDevice').get(d.userId, d.deviceId) !== undefined) return 'device_exists';
      this.st('insertDevice').run(d.userId, d.deviceId, d.publicKey, d.createdAt);
      return 'ok';
    });
  }

  uploadKeyPackages(device: DeviceRef, packages: readonly Uint8Array[], lastResort: Uint8Array | null, maxStored: number, now: number) {
    return this.tx(() => {
      const have = num((this.st('countKp').get(device.userId, device.deviceId) as { n: bigint }).n);
      if (have + packages.length > maxStored) return { ok: false as const, remaining: have };
      for (const kp of packages) this.st('insertKp').run(device.userId, device.deviceId, 0, kp, now);
      if (lastResort !== null) {
        this.st('deleteLastResort').run(device.userId, device.deviceId);
        this.st('insertKp').run(device.userId, device.deviceId, 1, lastResort, now);
      }
      return { ok: true as const, remaining: have + packages.length };
    });
  }

  claimKeyPackages(userId: string): Promise<{ claimed: ClaimedKeyPackage[]; missing: string[] }> {
    return this.tx(() => {
      const claimed: ClaimedKeyPackage[] = [];
      const missing: string[] = [];
      for (const dev of this.st('listDevices').all(userId) as Record<string, unknown>[]) {
        const deviceId = dev.device_id as string;
        const kp = this.st('firstKp').get(userId, deviceId, 0) as { id: bigint; data: Buffer } | undefined;
        if (kp !== undefined) {
          // Handed out exactly once: deleted in the same transaction that reads it.
          this.st('deleteKp').run(kp.id);
          claimed.push({ deviceId, data: bytes(kp.data), lastResort: false });
          continue;
        }
        const lr = this.st('firstKp').get(userId, deviceId, 1) as { id: bigint; data: Buffer } | undefined;
        if (lr !== undefined) claimed.push({ deviceId, data: bytes(lr.data), lastResort: true });
        else missing.push(deviceId);
      }
      return { claimed, missing };
    });
  }

  countKeyPackages(device: DeviceRef): Promise<{ remaining: number; lastResort: boolean }> {
    return this.tx(() => ({
      remaining: num((this.st('countKp').get(device.userId, device.deviceId) as { n: bigint }).n),
      lastResort: num((this.st('hasLastResort').get(device.userId, device.deviceId) as { n: bigint }).n) > 0,
    }));
  }

  private group(groupId: Uint8Array): (GroupRecord & { groupInfo: Uint8Array | null; groupInfoEpoch: bigint | null }) | undefined {
    const r = this.st('getGroup').get(groupId) as Record<string, unknown> | undefined;
    if (r === undefined) return undefined;
    return {
      groupId: bytes(r.group_id),
      epoch: big(r.epoch),
      lastSeq: num(r.last_seq),
      allowExternalJoin: num(r.allow_external) === 1,
      createdAt: num(r.created_at),
      groupInfo: r.group_info === null ? null : bytes(r.group_info),
      groupInfoEpoch: r.group_info_epoch === null ? null : big(r.group_info_epoch),
    };
  }

  private member(groupId: Uint8Array, d: DeviceRef): Membership | undefined {
    const r = this.st('getMember').get(groupId, d.userId, d.deviceId) as Record<string, unknown> | undefined;
    if (r === undefined) return undefined;
    return { joinSeq: num(r.join_seq), leaveSeq: r.leave_seq === null ? null : num(r.leave_seq), acked: num(r.acked) };
  }

  createGroup(groupId: Uint8Array, creator: DeviceRef, allowExternalJoin: boolean, groupInfo: Uint8Array | null, now: number): Promise<'ok' | 'group_exists'> {
    return this.tx(() => {
      if (this.group(groupId) !== undefined) return 'group_exists' as const;
      this.st('insertGroup').run(groupId, allowExternalJoin ? 1 : 0, groupInfo, groupInfo === null ? null : 0, now);
      this.st('upsertMember').run(groupId, creator.userId, creator.deviceId, 1, 0);
      return 'ok' as const;
    });
  }

  getGroup(groupId: Uint8Array): Promise<GroupRecord | undefined> {
    return this.tx(() => {
      const g = this.group(groupId);
      if (g === undefined) return undefined;
      return { groupId: g.groupId, epoch: g.epoch, lastSeq: g.lastSeq, allowExternalJoin: g.allowExternalJoin, createdAt: g.createdAt };
    });
  }

  getMembership(groupId: Uint8Array, device: DeviceRef): Promise<Membership | undefined> {
    return this.tx(() => this.member(groupId, device));
  }

  private roster(groupId: Uint8Array): DeviceRef[] {
    return (this.st('roster').all(groupId) as { user_id: string; device_id: string }[]).map((r) => ({ userId: r.user_id, deviceId: r.device_id }));
  }

  listRoster(groupId: Uint8Array): Promise<DeviceRef[]> {
    return this.tx(() => this.roster(groupId));
  }

  listGroups(device: DeviceRef): Promise<GroupSummary[]> {
    return this.tx(() =>
      (this.st('groupsOf').all(device.userId, device.deviceId) as Record<string, unknown>[]).map((r) => ({
        groupId: bytes(r.group_id),
        epoch: big(r.epoch),
        lastSeq: num(r.last_seq),
        joinSeq: num(r.join_seq),
        leaveSeq: r.leave_seq === null ? null : num(r.leave_seq),
        acked: num(r.acked),
      })),
    );
  }

  getGroupInfo(groupId: Uint8Array): Promise<{ epoch: bigint; data: Uint8Array } | undefined> {
    return this.tx(() => {
      const g = this.group(groupId);
      if (g === undefined || g.groupInfo === null || g.groupInfoEpoch === null) return undefined;
      return { epoch: g.groupInfoEpoch, data: g.groupInfo };
    });
  }

  postCommit(c: CommitInput): Promise<CommitResult> {
    return this.tx((): CommitResult => {
      const g = this.group(c.groupId);
      if (g === undefined) return { ok: false, code: 'no_group' };
      const self = this.member(c.groupId, c.sender);
      const senderKey = key(c.sender);
      if (c.external) {
        if (!g.allowExternalJoin) return { ok: false, code: 'not_authorized' };
        if (!c.add.some((a) => key(a) === senderKey)) return { ok: false, code: 'bad_roster', reason: 'an external commit must add its sender' };
      } else if (self === undefined || self.leaveSeq !== null) {
        return { ok: false, code: 'not_member' };
      }
      // Exactly one commit per epoch: the first one to arrive for the current epoch wins.
      if (c.epoch !== g.epoch) return { ok: false, code: 'stale_epoch', currentEpoch: g.epoch };

      const before = this.roster(c.groupId);
      const active = new Set(before.map(key));
      const removed = new Set<string>();
      for (const r of c.remove) {
        const k = key(r);
        if (!active.has(k) || removed.has(k)) return { ok: false, code: 'bad_roster', reason: `remove: ${r.userId}/${r.deviceId} is not a member` };
        removed.add(k);
      }
      const added = new Set<string>();
      for (const a of c.add) {
        const k = key(a);
        if (added.has(k)) return { ok: false, code: 'bad_roster', reason: `add: ${a.userId}/${a.deviceId} listed twice` };
        if (active.has(k) && !removed.has(k)) return { ok: false, code: 'bad_roster', reason: `add: ${a.userId}/${a.deviceId} is already a member` };
        if (this.st('getDevice').get(a.userId, a.deviceId) === undefined) return { ok: false, code: 'bad_roster', reason: `add: unknown device ${a.userId}/${a.deviceId}` };
        added.add(k);
      }
      const welcomed = new Set<string>();
      for (const w of c.welcomes) {
        for (const t of w.to) {
          const k = key(t);
          if (!added.has(k)) return { ok: false, code: 'bad_roster', reason: `welcome addressed to ${t.userId}/${t.deviceId}, which the commit does not add` };
          welcomed.add(k);
        }
      }
      for (const a of c.add) {
        const k = key(a);
        if (!welcomed.has(k) && !(c.external && k === senderKey)) return { ok: false, code: 'bad_roster', reason: `no Welcome for added device ${a.userId}/${a.deviceId}` };
      }
      if (active.size - removed.size + added.size === 0) return { ok: false, code: 'bad_roster', reason: 'the commit would leave the group empty' };

      const seq = g.lastSeq + 1;
      const epoch = g.epoch + 1n;
      this.st('insertMessage').run(c.groupId, seq, c.epoch, 'commit', c.sender.userId, c.sender.deviceId, c.data, c.now);
      this.st('advanceGroup').run(epoch, seq, c.groupId);
      if (c.groupInfo !== null) this.st('setGroupInfo').run(c.groupInfo, epoch, c.groupId);
      // A removed device may still read up to and including the commit that removed it.
      for (const r of c.remove) this.st('removeMember').run(seq, c.groupId, r.userId, r.deviceId);
      // An added device starts after the commit that added it (the Welcome brings it to the new epoch).
      for (const a of c.add) this.st('upsertMember').run(c.groupId, a.userId, a.deviceId, seq + 1, seq);
      const welcomeIds: { device: DeviceRef; id: number }[] = [];
      for (const w of c.welcomes) {
        const id = num(this.st('insertWelcome').run(c.groupId, epoch, w.data, c.now).lastInsertRowid);
        for (const t of w.to) {
          this.st('queueWelcome').run(t.userId, t.deviceId, id);
          welcomeIds.push({ device: { userId: t.userId, deviceId: t.deviceId }, id });
        }
      }
      return { ok: true, seq, epoch, welcomeIds, recipients: before };
    });
  }

  appendMessage(m: AppendInput): Promise<AppendResult> {
    return this.tx((): AppendResult => {
      const g = this.group(m.groupId);
      if (g === undefined) return { ok: false, code: 'no_group' };
      if (m.external) {
        if (!g.allowExternalJoin || m.kind !== 'proposal') return { ok: false, code: 'not_authorized' };
      } else {
        const self = this.member(m.groupId, m.sender);
        if (self === undefined || self.leaveSeq !== null) return { ok: false, code: 'not_member' };
      }
      const oldest = m.kind === 'application' ? g.epoch - BigInt(m.pastEpochs) : g.epoch;
      if (m.epoch > g.epoch || m.epoch < oldest) return { ok: false, code: 'stale_epoch', currentEpoch: g.epoch };
      const seq = g.lastSeq + 1;
      this.st('insertMessage').run(m.groupId, seq, m.epoch, m.kind, m.sender.userId, m.sender.deviceId, m.data, m.now);
      this.st('setLastSeq').run(seq, m.groupId);
      return { ok: true, seq, recipients: this.roster(m.groupId) };
    });
  }

  fetchMessages(groupId: Uint8Array, device: DeviceRef, after: number, limit: number): Promise<StoredMessage[]> {
    return this.tx(() => {
      const m = this.member(groupId, device);
      if (m === undefined) return [];
      const from = Math.max(after, m.joinSeq - 1);
      const to = m.leaveSeq ?? Number.MAX_SAFE_INTEGER;
      return (this.st('fetch').all(groupId, from, to, limit) as Record<string, unknown>[]).map((r) => ({
        groupId: bytes(r.group_id),
        seq: num(r.seq),
        epoch: big(r.epoch),
        kind: r.kind as MessageKind,
        sender: { userId: r.sender_user as string, deviceId: r.sender_device as string },
        data: bytes(r.data),
        createdAt: num(r.created_at),
      }));
    });
  }

  ack(groupId: Uint8Array, device: DeviceRef, seq: number): Promise<{ acked: number } | undefined> {
    return this.tx(() => {
      const g = this.group(groupId);
      const m = this.member(groupId, device);
      if (g === undefined || m === undefined) return undefined;
      const acked = Math.max(m.acked, Math.min(seq, m.leaveSeq ?? g.lastSeq));
      if (m.leaveSeq !== null && acked >= m.leaveSeq) this.st('deleteMember').run(groupId, device.userId, device.deviceId);
      else if (acked !== m.acked) this.st('setAcked').run(acked, groupId, device.userId, device.deviceId);
      // Stored once per group: a message goes when every device that may still read it has acknowledged it.
      const r = this.st('minAcked').get(groupId) as { m: bigint | null; n: bigint };
      if (num(r.n) === 0) this.st('deleteAllOfGroup').run(groupId);
      else if (r.m !== null) this.st('deleteAcked').run(groupId, r.m);
      return { acked };
    });
  }

  listWelcomes(device: DeviceRef, limit: number): Promise<WelcomeRecord[]> {
    return this.tx(() =>
      (this.st('listWelcomes').all(device.userId, device.deviceId, limit) as Record<string, unknown>[]).map((r) => ({
        id: num(r.id),
        groupId: bytes(r.group_id),
        epoch: big(r.epoch),
        data: bytes(r.data),
        createdAt: num(r.created_at),
      })),
    );
  }

  ackWelcomes(device: DeviceRef, ids: readonly number[]): Promise<number> {
    return this.tx(() => {
      let n = 0;
      for (const id of ids) {
        n += this.st('unqueueWelcome').run(device.userId, device.deviceId, id).changes;
        this.st('dropUnqueuedWelcome').run(id, id);
      }
      return n;
    });
  }

  purgeExpired(cutoff: number): Promise<{ messages: number; welcomes: number }> {
    return this.tx(() => {
      const messages = this.st('purgeMessages').run(cutoff).changes;
      this.st('purgeWelcomeQueue').run(cutoff);
      const welcomes = this.st('purgeWelcomes').run(cutoff).changes;
      this.st('purgeDrainedMembers').run();
      return { messages, welcomes };
    });
  }

  close(): Promise<void> {
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
    return Promise.resolve();
  }
}
