// The SQLite backend of the delivery service's Storage: one file, WAL journal.
// Every method runs as one better-sqlite3 transaction, synchronously, so a
// result is only returned (and so only acknowledged to a client) after the
// transaction has committed. synchronous=FULL makes a committed transaction
// durable even across a power loss, not only a process kill; `normal` is
// offered for benchmarks (with WAL it still survives SIGKILL, since the WAL
// write has reached the OS before the commit returns).

import Database from 'better-sqlite3';
import { pageCut } from './page.js';
import { SCHEMA, SCHEMA_VERSION, STATEMENTS, type StatementName } from './sqlite-schema.js';
import type {
  AppendInput,
  AppendResult,
  ClaimedKeyPackage,
  CommitInput,
  CommitResult,
  DeviceRecord,
  DeviceRef,
  GroupRecord,
  GroupStateRecord,
  GroupSummary,
  KeyPackageClaim,
  KeyPackageInput,
  Membership,
  MemberStatus,
  MessageKind,
  PageLimit,
  RegisterResult,
  RosterEntry,
  Storage,
  StoredMessage,
  WelcomeRecord,
} from './types.js';

export type SyncMode = 'full' | 'normal';

// With safeIntegers every INTEGER column reads as bigint (epochs are u64);
// these turn the small ones back into numbers.
const num = (v: unknown): number => Number(v as bigint);
const big = (v: unknown): bigint => BigInt(v as bigint);
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Buffer);
type Row = Record<string, unknown>;

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly s: Record<StatementName, Database.Statement>;

  constructor(file: string, sync: SyncMode = 'full') {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const v = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    if (v !== undefined && Number(v.value) !== SCHEMA_VERSION) {
      this.db.close();
      throw new Error(
        `${file}: database schema version ${v.value}, this server needs ${SCHEMA_VERSION}; a version-1 database has no public group state ` +
          `(its rosters were the committers' word) and cannot be upgraded: start with a new file`,
      );
    }
    this.db.exec(SCHEMA);
    if (v === undefined) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    const s = {} as Record<StatementName, Database.Statement>;
    for (const [name, sql] of Object.entries(STATEMENTS) as [StatementName, string][]) s[name] = this.db.prepare(sql).safeIntegers(true);
    this.s = s;
  }

  private tx<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(this.db.transaction(fn).immediate());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private count(name: StatementName, ...args: unknown[]): number {
    return num((this.s[name].get(...args) as { n: bigint }).n);
  }

  // ---------------------------------------------------------------- devices

  private device(row: Row): DeviceRecord {
    return { userId: row.user_id as string, deviceId: row.device_id as string, publicKey: bytes(row.public_key), createdAt: num(row.created_at) };
  }

  getDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined> {
    return this.tx(() => {
      const r = this.s.getDevice.get(userId, deviceId) as Row | undefined;
      return r === undefined ? undefined : this.device(r);
    });
  }

  listDevices(userId: string): Promise<DeviceRecord[]> {
    return this.tx(() => (this.s.listDevices.all(userId) as Row[]).map((r) => this.device(r)));
  }

  registerDevice(d: DeviceRecord, firstDevice: boolean, maxDevices: number): Promise<RegisterResult> {
    return this.tx((): RegisterResult => {
      const n = this.count('countDevices', d.userId);
      if (firstDevice && n > 0) return 'user_exists';
      if (!firstDevice && n === 0) return 'unknown_user';
      if (this.s.getDevice.get(d.userId, d.deviceId) !== undefined) return 'device_exists';
      if (n >= maxDevices) return 'too_many_devices';
      this.s.insertDevice.run(d.userId, d.deviceId, d.publicKey, d.createdAt);
      return 'ok';
    });
  }

  // ---------------------------------------------------------------- KeyPackages

  uploadKeyPackages(device: DeviceRef, packages: readonly KeyPackageInput[], lastResort: KeyPackageInput | null, maxPerUser: number, now: number) {
    return this.tx(() => {
      const nowS = BigInt(Math.floor(now / 1000));
      const userTotal = this.count('countUserKp', device.userId, nowS);
      const have = this.count('countKp', device.userId, device.deviceId, nowS);
      if (userTotal + packages.length > maxPerUser) return { ok: false, remaining: have, userTotal };
      for (const kp of packages) this.s.insertKp.run(device.userId, device.deviceId, 0, kp.data, kp.notAfter, now);
      if (lastResort !== null) {
        this.s.deleteLastResort.run(device.userId, device.deviceId);
        this.s.insertKp.run(device.userId, device.deviceId, 1, lastResort.data, lastResort.notAfter, now);
      }
      return { ok: true, remaining: have + packages.length, userTotal: userTotal + packages.length };
    });
  }

  claimKeyPackages(userId: string, nowSeconds: bigint, lastResortAllowed: (deviceId: string) => boolean): Promise<KeyPackageClaim> {
    return this.tx(() => {
      const claimed: ClaimedKeyPackage[] = [];
      const missing: string[] = [];
      const withheld: string[] = [];
      for (const dev of this.s.listDevices.all(userId) as Row[]) {
        const deviceId = dev.device_id as string;
        // Expired packages are useless to the claimer: prune them first.
        this.s.deleteExpiredKpOf.run(userId, deviceId, nowSeconds);
        const kp = this.s.firstKp.get(userId, deviceId, 0) as { id: bigint; data: Buffer } | undefined;
        if (kp !== undefined) {
          // Handed out exactly once: deleted in the same transaction that reads it.
          this.s.deleteKp.run(kp.id);
          claimed.push({ deviceId, data: bytes(kp.data), lastResort: false });
          continue;
        }
        const lr = this.s.firstKp.get(userId, deviceId, 1) as { id: bigint; data: Buffer } | undefined;
        if (lr === undefined) missing.push(deviceId);
        else if (!lastResortAllowed(deviceId)) withheld.push(deviceId);
        else claimed.push({ deviceId, data: bytes(lr.data), lastResort: true });
      }
      return { claimed, missing, withheld };
    });
  }

  countKeyPackages(device: DeviceRef, nowSeconds: bigint): Promise<{ remaining: number; lastResort: boolean }> {
    return this.tx(() => ({
      remaining: this.count('countKp', device.userId, device.deviceId, nowSeconds),
      lastResort: this.count('hasLastResort', device.userId, device.deviceId, nowSeconds) > 0,
    }));
  }

  // ---------------------------------------------------------------- groups

  private group(groupId: Uint8Array): (GroupRecord & { groupInfo: Uint8Array | null; groupInfoEpoch: bigint | null; stateRev: number }) | undefined {
    const r = this.s.getGroup.get(groupId) as Row | undefined;
    if (r === undefined) return undefined;
    return {
      groupId: bytes(r.group_id),
      epoch: big(r.epoch),
      lastSeq: num(r.last_seq),
      allowExternalJoin: num(r.allow_external) === 1,
      createdAt: num(r.created_at),
      groupInfo: r.group_info === null ? null : bytes(r.group_info),
      groupInfoEpoch: r.group_info_epoch === null ? null : big(r.group_info_epoch),
      stateRev: num(r.state_rev),
    };
  }

  private member(groupId: Uint8Array, d: DeviceRef): (Membership & { welcomeId: number | null }) | undefined {
    const r = this.s.getMember.get(groupId, d.userId, d.deviceId) as Row | undefined;
    if (r === undefined) return undefined;
    return {
      status: r.status as MemberStatus,
      joinSeq: num(r.join_seq),
      leaveSeq: r.leave_seq === null ? null : num(r.leave_seq),
      acked: num(r.acked),
      proposalUsed: num(r.proposal_used) === 1,
      welcomeId: r.welcome_id === null ? null : num(r.welcome_id),
    };
  }

  /** Accepted members still in the tree: who reads the group's new messages. */
  private readers(groupId: Uint8Array): DeviceRef[] {
    return (this.s.readers.all(groupId) as { user_id: string; device_id: string }[]).map((r) => ({ userId: r.user_id, deviceId: r.device_id }));
  }

  createGroup(groupId: Uint8Array, creator: DeviceRef, allowExternalJoin: boolean, groupInfo: Uint8Array, publicState: Uint8Array, now: number): Promise<'ok' | 'group_exists'> {
    return this.tx(() => {
      if (this.group(groupId) !== undefined) return 'group_exists' as const;
      this.s.insertGroup.run(groupId, allowExternalJoin ? 1 : 0, groupInfo, publicState, now);
      this.s.upsertMember.run(groupId, creator.userId, creator.deviceId, 'member', 1, 0, null);
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

  getGroupState(groupId: Uint8Array): Promise<GroupStateRecord | undefined> {
    return this.tx(() => {
      const r = this.s.getGroupState.get(groupId) as Row | undefined;
      if (r === undefined) return undefined;
      return {
        groupId: bytes(r.group_id),
        epoch: big(r.epoch),
        lastSeq: num(r.last_seq),
        allowExternalJoin: num(r.allow_external) === 1,
        createdAt: num(r.created_at),
        publicState: bytes(r.public_state),
        stateRev: num(r.state_rev),
      };
    });
  }

  getMembership(groupId: Uint8Array, device: DeviceRef): Promise<Membership | undefined> {
    return this.tx(() => {
      const m = this.member(groupId, device);
      if (m === undefined) return undefined;
      const { welcomeId: _w, ...rest } = m;
      return rest;
    });
  }

  listRoster(groupId: Uint8Array, after: DeviceRef | null, limit: number): Promise<RosterEntry[]> {
    return this.tx(() => {
      const u = after?.userId ?? '';
      const d = after?.deviceId ?? '';
      return (this.s.roster.all(groupId, u, u, d, limit) as Row[]).map((r) => ({
        userId: r.user_id as string,
        deviceId: r.device_id as string,
        status: r.status as MemberStatus,
      }));
    });
  }

  listGroups(device: DeviceRef, after: Uint8Array | null, limit: number): Promise<GroupSummary[]> {
    return this.tx(() =>
      (this.s.groupsOf.all(device.userId, device.deviceId, after ?? new Uint8Array(0), limit) as Row[]).map((r) => ({
        groupId: bytes(r.group_id),
        epoch: big(r.epoch),
        lastSeq: num(r.last_seq),
        status: r.status as MemberStatus,
        joinSeq: num(r.join_seq),
        leaveSeq: r.leave_seq === null ? null : num(r.leave_seq),
        acked: num(r.acked),
        proposalUsed: num(r.proposal_used) === 1,
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

  // ---------------------------------------------------------------- messages

  /** A device leaves the tree: an accepted member keeps reading up to `seq`; anyone else is forgotten, with its invitation. */
  private leave(groupId: Uint8Array, d: DeviceRef, seq: number): void {
    const m = this.member(groupId, d);
    if (m === undefined) return;
    if (m.status === 'member') {
      this.s.removeMember.run(seq, groupId, d.userId, d.deviceId);
      return;
    }
    this.s.deleteMember.run(groupId, d.userId, d.deviceId);
    if (m.welcomeId !== null) {
      this.s.unqueueWelcome.run(d.userId, d.deviceId, m.welcomeId);
      this.s.dropUnqueuedWelcome.run(m.welcomeId, m.welcomeId);
    }
  }

  postCommit(c: CommitInput): Promise<CommitResult> {
    return this.tx((): CommitResult => {
      const g = this.group(c.groupId);
      if (g === undefined) return { ok: false, code: 'no_group' };
      const self = this.member(c.groupId, c.sender);
      const accepted = self !== undefined && self.status === 'member' && self.leaveSeq === null;
      if (c.access === 'member' && !accepted) return { ok: false, code: 'not_member' };
      if (c.access === 'resync' && !accepted) return { ok: false, code: 'not_authorized' };
      if (c.access === 'external' && !g.allowExternalJoin) return { ok: false, code: 'not_authorized' };
      if (c.access === 'declined') return { ok: false, code: 'not_member' };
      // Exactly one commit per epoch: the first one to arrive for the current epoch wins.
      if (c.epoch !== g.epoch) return { ok: false, code: 'stale_epoch', currentEpoch: g.epoch };
      // The new state was computed from the state of this revision; a proposal since then changed it.
      if (c.state.expectedRev !== g.stateRev) return { ok: false, code: 'changed' };

      const recipients = this.readers(c.groupId);
      const seq = g.lastSeq + 1;
      const epoch = g.epoch + 1n;
      this.s.insertMessage.run(c.groupId, seq, c.epoch, 'commit', c.sender.userId, c.sender.deviceId, c.data, c.data.length, c.now);
      this.s.advanceGroup.run(epoch, seq, c.state.publicState, c.groupId);
      if (c.groupInfo !== null) this.s.setGroupInfo.run(c.groupInfo, epoch, c.groupId);
      for (const r of c.removed) this.leave(c.groupId, r, seq);
      const welcomeIds: { device: DeviceRef; id: number; index: number }[] = [];
      const welcomeOf = new Map<string, number>();
      c.welcomes.forEach((w, index) => {
        const id = num(this.s.insertWelcome.run(c.groupId, epoch, c.sender.userId, c.sender.deviceId, w.data, w.data.length, c.now).lastInsertRowid);
        for (const t of w.to) {
          this.s.queueWelcome.run(t.userId, t.deviceId, id);
          welcomeIds.push({ device: { userId: t.userId, deviceId: t.deviceId }, id, index });
          welcomeOf.set(`${t.userId}/${t.deviceId}`, id);
        }
      });
      // Invited devices read from the seq after the commit once they accept; acked = seq keeps those messages for them.
      for (const a of c.invited) this.s.upsertMember.run(c.groupId, a.userId, a.deviceId, 'invited', seq + 1, seq, welcomeOf.get(`${a.userId}/${a.deviceId}`) ?? null);
      for (const j of c.joined) this.s.upsertMember.run(c.groupId, j.userId, j.deviceId, 'member', seq + 1, seq, null);
      return { ok: true, seq, epoch, welcomeIds, recipients };
    });
  }

  appendMessage(m: AppendInput): Promise<AppendResult> {
    return this.tx((): AppendResult => {
      const g = this.group(m.groupId);
      if (g === undefined) return { ok: false, code: 'no_group' };
      const self = this.member(m.groupId, m.sender);
      switch (m.access) {
        case 'member':
          if (self === undefined || self.status !== 'member' || self.leaveSeq !== null) return { ok: false, code: 'not_member' };
          break;
        case 'declined':
          if (self === undefined || self.status !== 'declined' || self.leaveSeq !== null || self.proposalUsed || m.kind !== 'proposal') return { ok: false, code: 'not_member' };
          break;
        case 'external':
          if (!g.allowExternalJoin || m.kind !== 'proposal') return { ok: false, code: 'not_authorized' };
          break;
      }
      const oldest = m.kind === 'application' ? g.epoch - BigInt(m.pastEpochs) : g.epoch;
      if (m.epoch > g.epoch || m.epoch < oldest) return { ok: false, code: 'stale_epoch', currentEpoch: g.epoch };
      if (m.state !== null) {
        if (m.state.expectedRev !== g.stateRev) return { ok: false, code: 'changed' };
        this.s.setState.run(m.state.publicState, m.groupId);
      }
      const seq = g.lastSeq + 1;
      this.s.insertMessage.run(m.groupId, seq, m.epoch, m.kind, m.sender.userId, m.sender.deviceId, m.data, m.data.length, m.now);
      this.s.setLastSeq.run(seq, m.groupId);
      if (m.access === 'declined') this.s.useProposal.run(m.groupId, m.sender.userId, m.sender.deviceId);
      return { ok: true, seq, recipients: this.readers(m.groupId) };
    });
  }

  fetchMessages(groupId: Uint8Array, device: DeviceRef, after: number, page: PageLimit): Promise<{ messages: StoredMessage[]; more: boolean }> {
    return this.tx(() => {
      const m = this.member(groupId, device);
      if (m === undefined) return { messages: [], more: false };
      const from = Math.max(after, m.joinSeq - 1);
      const to = m.leaveSeq ?? Number.MAX_SAFE_INTEGER;
      // Sizes first (no message bodies read), so a page never loads more than it returns.
      const sizes = (this.s.fetchSizes.all(groupId, from, to, page.limit + 1) as Row[]).map((r) => num(r.size));
      const n = pageCut(sizes, page);
      const messages = n === 0 ? [] : (this.s.fetch.all(groupId, from, to, n) as Row[]).map((r) => ({
        groupId: bytes(r.group_id),
        seq: num(r.seq),
        epoch: big(r.epoch),
        kind: r.kind as MessageKind,
        sender: { userId: r.sender_user as string, deviceId: r.sender_device as string },
        data: bytes(r.data),
        createdAt: num(r.created_at),
      }));
      return { messages, more: sizes.length > n };
    });
  }

  ack(groupId: Uint8Array, device: DeviceRef, seq: number): Promise<{ acked: number } | undefined> {
    return this.tx(() => {
      const g = this.group(groupId);
      const m = this.member(groupId, device);
      if (g === undefined || m === undefined) return undefined;
      const acked = Math.max(m.acked, Math.min(seq, m.leaveSeq ?? g.lastSeq));
      if (m.leaveSeq !== null && acked >= m.leaveSeq) this.s.deleteMember.run(groupId, device.userId, device.deviceId);
      else if (acked !== m.acked) this.s.setAcked.run(acked, groupId, device.userId, device.deviceId);
      // Stored once per group: a message goes when every device that may still read it has acknowledged it.
      const r = this.s.minAcked.get(groupId) as { m: bigint | null; n: bigint };
      if (num(r.n) === 0) this.s.deleteAllOfGroup.run(groupId);
      else if (r.m !== null) this.s.deleteAcked.run(groupId, r.m);
      return { acked };
    });
  }

  // ---------------------------------------------------------------- Welcomes

  listWelcomes(device: DeviceRef, page: PageLimit, after = 0): Promise<{ welcomes: WelcomeRecord[]; more: boolean }> {
    return this.tx(() => {
      const sizes = (this.s.welcomeSizes.all(device.userId, device.deviceId, after, page.limit + 1) as Row[]).map((r) => num(r.size));
      const n = pageCut(sizes, page);
      const welcomes = n === 0 ? [] : (this.s.listWelcomes.all(device.userId, device.deviceId, after, n) as Row[]).map((r) => ({
        id: num(r.id),
        groupId: bytes(r.group_id),
        epoch: big(r.epoch),
        data: bytes(r.data),
        sender: { userId: r.sender_user as string, deviceId: r.sender_device as string },
        createdAt: num(r.created_at),
      }));
      return { welcomes, more: sizes.length > n };
    });
  }

  /** Drops Welcomes from the device's queue; an invitation a dropped Welcome carried takes `status`. */
  private settleWelcomes(device: DeviceRef, ids: readonly number[], status: MemberStatus): { removed: number; groups: Uint8Array[] } {
    let removed = 0;
    const groups: Uint8Array[] = [];
    for (const id of ids) {
      const w = this.s.getWelcome.get(id) as { id: bigint; group_id: Buffer } | undefined;
      const n = this.s.unqueueWelcome.run(device.userId, device.deviceId, id).changes;
      removed += n;
      this.s.dropUnqueuedWelcome.run(id, id);
      if (w === undefined || n === 0) continue;
      const groupId = bytes(w.group_id);
      const m = this.member(groupId, device);
      // Only the Welcome of the current invitation settles it (an older one, from before a removal, does not).
      if (m !== undefined && m.status === 'invited' && m.welcomeId === id && m.leaveSeq === null) {
        this.s.setStatus.run(status, groupId, device.userId, device.deviceId);
        groups.push(groupId);
      }
    }
    return { removed, groups };
  }

  ackWelcomes(device: DeviceRef, ids: readonly number[]): Promise<{ removed: number; accepted: Uint8Array[] }> {
    return this.tx(() => {
      const r = this.settleWelcomes(device, ids, 'member');
      return { removed: r.removed, accepted: r.groups };
    });
  }

  declineWelcomes(device: DeviceRef, ids: readonly number[]): Promise<{ removed: number; declined: Uint8Array[] }> {
    return this.tx(() => {
      const r = this.settleWelcomes(device, ids, 'declined');
      return { removed: r.removed, declined: r.groups };
    });
  }

  purgeExpired(cutoff: number, nowSeconds: bigint): Promise<{ messages: number; welcomes: number; keyPackages: number }> {
    return this.tx(() => {
      const messages = this.s.purgeMessages.run(cutoff).changes;
      this.s.purgeWelcomeQueue.run(cutoff);
      const welcomes = this.s.purgeWelcomes.run(cutoff).changes;
      this.s.purgeDrainedMembers.run();
      const keyPackages = this.s.purgeKp.run(nowSeconds).changes;
      return { messages, welcomes, keyPackages };
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
