// The PostgreSQL backend of the delivery service's Storage, for several DS
// processes sharing one database. Every method is one transaction on a pooled
// connection (pg-tx.ts), and a result is returned (so acknowledged to a
// client) only after COMMIT has returned. What SQLite gets from running one
// transaction at a time, this backend gets from row locks:
// - a group's writers (commit, proposal, application message) lock its row
//   (`SELECT ... FOR UPDATE`) first, so per group exactly one commit wins each
//   epoch, the state revision check is exact, and `seq` is gap-free;
// - accepting or declining an invitation locks the group's row FOR SHARE, so it
//   cannot interleave with a commit that removes the invited device;
// - a user's registrations and uploads take an advisory lock of that user
//   (the first-device rule, the device cap and the quota are per user);
// - a KeyPackage is claimed with `FOR UPDATE SKIP LOCKED` and deleted in the
//   same transaction, so concurrent claimers never get the same one;
// - the retention sweep runs on one process at a time (a try-lock: the others
//   skip it).
// The notifications the other processes need (server/cluster/) are sent by
// triggers (pg-schema.ts migration 2), inside the same transactions.

import pg from 'pg';
import { pageCut } from './page.js';
import { migrate } from './pg-migrate.js';
import { inTransaction, LOCK, lockKey } from './pg-tx.js';
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

// int8 columns arrive as strings (pg does not guess at precision); these turn them back.
const num = (v: unknown): number => Number(v as string);
const big = (v: unknown): bigint => BigInt(v as string);
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Buffer);
type Row = Record<string, unknown>;

const MAX_SEQ = '9223372036854775807';

export interface PgStorageOptions {
  /** Connections in this process's pool. */
  readonly poolSize?: number;
  /** This process's name in the database (application_name): notifications carry it, and pg_stat_activity shows it. */
  readonly nodeId?: string;
}

/** Where a device reads a group from, for pushes: the window of seqs it may read. */
export interface ReaderWindow extends DeviceRef {
  readonly joinSeq: number;
  readonly leaveSeq: number | null;
}

function message(r: Row): StoredMessage {
  return {
    groupId: bytes(r.group_id),
    seq: num(r.seq),
    epoch: big(r.epoch),
    kind: r.kind as MessageKind,
    sender: { userId: r.sender_user as string, deviceId: r.sender_device as string },
    data: bytes(r.data),
    createdAt: num(r.created_at),
  };
}

function welcome(r: Row): WelcomeRecord {
  return {
    id: num(r.id),
    groupId: bytes(r.group_id),
    epoch: big(r.epoch),
    data: bytes(r.data),
    sender: { userId: r.sender_user as string, deviceId: r.sender_device as string },
    createdAt: num(r.created_at),
  };
}

function membership(r: Row): Membership {
  return {
    status: r.status as MemberStatus,
    joinSeq: num(r.join_seq),
    leaveSeq: r.leave_seq === null ? null : num(r.leave_seq),
    acked: num(r.acked),
    proposalUsed: r.proposal_used === true,
  };
}

const refs = (rows: Row[]): DeviceRef[] => rows.map((r) => ({ userId: r.user_id as string, deviceId: r.device_id as string }));
const users = (ds: readonly DeviceRef[]): string[] => ds.map((d) => d.userId);
const deviceIds = (ds: readonly DeviceRef[]): string[] => ds.map((d) => d.deviceId);

const READERS = `SELECT user_id, device_id FROM members WHERE group_id = $1 AND status = 'member' AND leave_seq IS NULL ORDER BY user_id, device_id`;

export class PgStorage implements Storage {
  readonly pool: pg.Pool;
  readonly nodeId: string;

  private constructor(
    readonly connectionString: string,
    opts: PgStorageOptions,
  ) {
    this.nodeId = opts.nodeId ?? `arbor-ds-${process.pid}`;
    this.pool = new pg.Pool({ connectionString, max: opts.poolSize ?? 10, application_name: this.nodeId });
    // An idle pooled connection that dies (database restart) must not crash the process: the pool replaces it.
    this.pool.on('error', () => {});
  }

  /** Connects and applies the schema migrations this database lacks. */
  static async open(connectionString: string, opts: PgStorageOptions = {}): Promise<PgStorage> {
    const s = new PgStorage(connectionString, opts);
    try {
      await migrate(s.pool);
    } catch (err) {
      await s.pool.end().catch(() => {});
      throw err;
    }
    return s;
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  private read<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn, { readOnly: true });
  }

  /** One statement is one transaction on its own. */
  private async one(sql: string, values: unknown[]): Promise<Row | undefined> {
    return (await this.pool.query<Row>(sql, values)).rows[0];
  }

  private async all(sql: string, values: unknown[]): Promise<Row[]> {
    return (await this.pool.query<Row>(sql, values)).rows;
  }

  // ---------------------------------------------------------------- devices

  private device(r: Row): DeviceRecord {
    return { userId: r.user_id as string, deviceId: r.device_id as string, publicKey: bytes(r.public_key), createdAt: num(r.created_at) };
  }

  async getDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined> {
    const r = await this.one('SELECT * FROM devices WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
    return r === undefined ? undefined : this.device(r);
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    return (await this.all('SELECT * FROM devices WHERE user_id = $1 ORDER BY device_id', [userId])).map((r) => this.device(r));
  }

  registerDevice(d: DeviceRecord, firstDevice: boolean, maxDevices: number): Promise<RegisterResult> {
    return this.tx(async (c): Promise<RegisterResult> => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.user, d.userId]);
      const r = (await c.query<Row>('SELECT COUNT(*) AS n, COALESCE(bool_or(device_id = $2), false) AS has FROM devices WHERE user_id = $1', [d.userId, d.deviceId])).rows[0]!;
      const n = num(r.n);
      if (firstDevice && n > 0) return 'user_exists';
      if (!firstDevice && n === 0) return 'unknown_user';
      if (r.has === true) return 'device_exists';
      if (n >= maxDevices) return 'too_many_devices';
      await c.query('INSERT INTO devices (user_id, device_id, public_key, created_at) VALUES ($1, $2, $3, $4)', [d.userId, d.deviceId, d.publicKey, d.createdAt]);
      return 'ok';
    });
  }

  // ---------------------------------------------------------------- KeyPackages

  uploadKeyPackages(device: DeviceRef, packages: readonly KeyPackageInput[], lastResort: KeyPackageInput | null, maxPerUser: number, now: number) {
    return this.tx(async (c) => {
      // The quota is per user: uploads of its devices take turns.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.user, device.userId]);
      const nowS = Math.floor(now / 1000);
      const r = (
        await c.query<Row>(
          `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE device_id = $2) AS have
           FROM key_packages WHERE user_id = $1 AND NOT last_resort AND not_after >= $3`,
          [device.userId, device.deviceId, nowS],
        )
      ).rows[0]!;
      const userTotal = num(r.total);
      const have = num(r.have);
      if (userTotal + packages.length > maxPerUser) return { ok: false, remaining: have, userTotal };
      if (packages.length > 0) {
        await c.query(
          `INSERT INTO key_packages (user_id, device_id, last_resort, data, not_after, created_at)
           SELECT $1, $2, false, t.data, t.not_after, $5 FROM unnest($3::bytea[], $4::bigint[]) WITH ORDINALITY AS t(data, not_after, i) ORDER BY t.i`,
          [device.userId, device.deviceId, packages.map((k) => k.data), packages.map((k) => k.notAfter), now],
        );
      }
      if (lastResort !== null) {
        await c.query('DELETE FROM key_packages WHERE user_id = $1 AND device_id = $2 AND last_resort', [device.userId, device.deviceId]);
        await c.query(
          'INSERT INTO key_packages (user_id, device_id, last_resort, data, not_after, created_at) VALUES ($1, $2, true, $3, $4, $5)',
          [device.userId, device.deviceId, lastResort.data, lastResort.notAfter, now],
        );
      }
      return { ok: true, remaining: have + packages.length, userTotal: userTotal + packages.length };
    });
  }

  claimKeyPackages(userId: string, nowSeconds: bigint, lastResortAllowed: (deviceId: string) => boolean): Promise<KeyPackageClaim> {
    return this.tx(async (c) => {
      const claimed: ClaimedKeyPackage[] = [];
      const missing: string[] = [];
      const withheld: string[] = [];
      // Expired packages are useless to the claimer: prune them first (skipping any a concurrent claim holds).
      await c.query(
        'DELETE FROM key_packages WHERE id IN (SELECT id FROM key_packages WHERE user_id = $1 AND not_after < $2 FOR UPDATE SKIP LOCKED)',
        [userId, nowSeconds],
      );
      const devices = (await c.query<Row>('SELECT device_id FROM devices WHERE user_id = $1 ORDER BY device_id', [userId])).rows;
      for (const dev of devices) {
        const deviceId = dev.device_id as string;
        // Handed out exactly once: locked (a package another claim holds is skipped, not waited for) and deleted here.
        const kp = (
          await c.query<Row>(
            `DELETE FROM key_packages WHERE id = (
               SELECT id FROM key_packages WHERE user_id = $1 AND device_id = $2 AND NOT last_resort AND not_after >= $3
               ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING data`,
            [userId, deviceId, nowSeconds],
          )
        ).rows[0];
        if (kp !== undefined) {
          claimed.push({ deviceId, data: bytes(kp.data), lastResort: false });
          continue;
        }
        const lr = (
          await c.query<Row>('SELECT data FROM key_packages WHERE user_id = $1 AND device_id = $2 AND last_resort AND not_after >= $3 ORDER BY id LIMIT 1', [
            userId,
            deviceId,
            nowSeconds,
          ])
        ).rows[0];
        if (lr === undefined) missing.push(deviceId);
        else if (!lastResortAllowed(deviceId)) withheld.push(deviceId);
        else claimed.push({ deviceId, data: bytes(lr.data), lastResort: true });
      }
      return { claimed, missing, withheld };
    });
  }

  async countKeyPackages(device: DeviceRef, nowSeconds: bigint): Promise<{ remaining: number; lastResort: boolean }> {
    const r = (await this.one(
      `SELECT COUNT(*) FILTER (WHERE NOT last_resort) AS n, COUNT(*) FILTER (WHERE last_resort) AS lr
       FROM key_packages WHERE user_id = $1 AND device_id = $2 AND not_after >= $3`,
      [device.userId, device.deviceId, nowSeconds],
    ))!;
    return { remaining: num(r.n), lastResort: num(r.lr) > 0 };
  }

  // ---------------------------------------------------------------- groups

  createGroup(groupId: Uint8Array, creator: DeviceRef, allowExternalJoin: boolean, groupInfo: Uint8Array, publicState: Uint8Array, now: number): Promise<'ok' | 'group_exists'> {
    return this.tx(async (c) => {
      const ins = await c.query(
        `INSERT INTO chat_groups (group_id, epoch, last_seq, allow_external, group_info, group_info_epoch, public_state, state_rev, created_at)
         VALUES ($1, 0, 0, $2, $3, 0, $4, 1, $5) ON CONFLICT (group_id) DO NOTHING`,
        [groupId, allowExternalJoin, groupInfo, publicState, now],
      );
      if (ins.rowCount !== 1) return 'group_exists' as const;
      await c.query(`INSERT INTO members (group_id, user_id, device_id, status, join_seq, acked) VALUES ($1, $2, $3, 'member', 1, 0)`, [
        groupId,
        creator.userId,
        creator.deviceId,
      ]);
      return 'ok' as const;
    });
  }

  async getGroup(groupId: Uint8Array): Promise<GroupRecord | undefined> {
    const r = await this.one('SELECT group_id, epoch, last_seq, allow_external, created_at FROM chat_groups WHERE group_id = $1', [groupId]);
    if (r === undefined) return undefined;
    return { groupId: bytes(r.group_id), epoch: big(r.epoch), lastSeq: num(r.last_seq), allowExternalJoin: r.allow_external === true, createdAt: num(r.created_at) };
  }

  async getGroupState(groupId: Uint8Array): Promise<GroupStateRecord | undefined> {
    const r = await this.one('SELECT group_id, epoch, last_seq, allow_external, created_at, public_state, state_rev FROM chat_groups WHERE group_id = $1', [groupId]);
    if (r === undefined) return undefined;
    return {
      groupId: bytes(r.group_id),
      epoch: big(r.epoch),
      lastSeq: num(r.last_seq),
      allowExternalJoin: r.allow_external === true,
      createdAt: num(r.created_at),
      publicState: bytes(r.public_state),
      stateRev: num(r.state_rev),
    };
  }

  async getMembership(groupId: Uint8Array, device: DeviceRef): Promise<Membership | undefined> {
    const r = await this.one('SELECT * FROM members WHERE group_id = $1 AND user_id = $2 AND device_id = $3', [groupId, device.userId, device.deviceId]);
    return r === undefined ? undefined : membership(r);
  }

  async listRoster(groupId: Uint8Array, after: DeviceRef | null, limit: number): Promise<RosterEntry[]> {
    const rows = await this.all(
      `SELECT user_id, device_id, status FROM members WHERE group_id = $1 AND leave_seq IS NULL AND (user_id, device_id) > ($2, $3)
       ORDER BY user_id, device_id LIMIT $4`,
      [groupId, after?.userId ?? '', after?.deviceId ?? '', limit],
    );
    return rows.map((r) => ({ userId: r.user_id as string, deviceId: r.device_id as string, status: r.status as MemberStatus }));
  }

  async listGroups(device: DeviceRef, after: Uint8Array | null, limit: number): Promise<GroupSummary[]> {
    const rows = await this.all(
      `SELECT g.group_id, g.epoch, g.last_seq, m.status, m.join_seq, m.leave_seq, m.acked, m.proposal_used
       FROM members m JOIN chat_groups g ON g.group_id = m.group_id
       WHERE m.user_id = $1 AND m.device_id = $2 AND m.status = 'member' AND m.group_id > $3 ORDER BY m.group_id LIMIT $4`,
      [device.userId, device.deviceId, after ?? new Uint8Array(0), limit],
    );
    return rows.map((r) => ({ groupId: bytes(r.group_id), epoch: big(r.epoch), lastSeq: num(r.last_seq), ...membership(r) }));
  }

  async getGroupInfo(groupId: Uint8Array): Promise<{ epoch: bigint; data: Uint8Array } | undefined> {
    const r = await this.one('SELECT group_info, group_info_epoch FROM chat_groups WHERE group_id = $1', [groupId]);
    if (r === undefined || r.group_info === null || r.group_info_epoch === null) return undefined;
    return { epoch: big(r.group_info_epoch), data: bytes(r.group_info) };
  }

  // ---------------------------------------------------------------- messages

  /** The group's row, locked for this transaction's write, with the poster's membership. */
  private async lockGroup(c: pg.PoolClient, groupId: Uint8Array, sender: DeviceRef): Promise<Row | undefined> {
    return (
      await c.query<Row>(
        `SELECT g.epoch, g.last_seq, g.allow_external, g.state_rev, m.status, m.leave_seq, m.proposal_used
         FROM chat_groups g LEFT JOIN members m ON m.group_id = g.group_id AND m.user_id = $2 AND m.device_id = $3
         WHERE g.group_id = $1 FOR UPDATE OF g`,
        [groupId, sender.userId, sender.deviceId],
      )
    ).rows[0];
  }

  postCommit(ci: CommitInput): Promise<CommitResult> {
    return this.tx(async (c): Promise<CommitResult> => {
      const g = await this.lockGroup(c, ci.groupId, ci.sender);
      if (g === undefined) return { ok: false, code: 'no_group' };
      const accepted = g.status === 'member' && g.leave_seq === null;
      if (ci.access === 'member' && !accepted) return { ok: false, code: 'not_member' };
      if (ci.access === 'resync' && !accepted) return { ok: false, code: 'not_authorized' };
      if (ci.access === 'external' && g.allow_external !== true) return { ok: false, code: 'not_authorized' };
      if (ci.access === 'declined') return { ok: false, code: 'not_member' };
      const current = big(g.epoch);
      // Exactly one commit per epoch: the group row is locked, so the first commit for the current epoch wins.
      if (ci.epoch !== current) return { ok: false, code: 'stale_epoch', currentEpoch: current };
      if (ci.state.expectedRev !== num(g.state_rev)) return { ok: false, code: 'changed' };

      const recipients = refs((await c.query<Row>(READERS, [ci.groupId])).rows);
      const seq = num(g.last_seq) + 1;
      const epoch = current + 1n;
      await c.query(
        `INSERT INTO messages (group_id, seq, epoch, kind, sender_user, sender_device, data, size, created_at) VALUES ($1, $2, $3, 'commit', $4, $5, $6, $7, $8)`,
        [ci.groupId, seq, ci.epoch, ci.sender.userId, ci.sender.deviceId, ci.data, ci.data.length, ci.now],
      );
      await c.query(
        `UPDATE chat_groups SET epoch = $2, last_seq = $3, public_state = $4, state_rev = state_rev + 1,
           group_info = CASE WHEN $5::bytea IS NULL THEN group_info ELSE $5 END,
           group_info_epoch = CASE WHEN $5::bytea IS NULL THEN group_info_epoch ELSE $2 END
         WHERE group_id = $1`,
        [ci.groupId, epoch, seq, ci.state.publicState, ci.groupInfo],
      );
      if (ci.removed.length > 0) await this.leave(c, ci.groupId, ci.removed, seq);
      const welcomeIds: { device: DeviceRef; id: number; index: number }[] = [];
      const welcomeOf = new Map<string, number>();
      for (const [index, w] of ci.welcomes.entries()) {
        const id = num(
          (
            await c.query<Row>(
              `INSERT INTO welcomes (group_id, epoch, sender_user, sender_device, data, size, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
              [ci.groupId, epoch, ci.sender.userId, ci.sender.deviceId, w.data, w.data.length, ci.now],
            )
          ).rows[0]!.id,
        );
        await c.query(
          `INSERT INTO welcome_queue (user_id, device_id, welcome_id) SELECT u, d, $3 FROM unnest($1::text[], $2::text[]) AS t(u, d) ON CONFLICT DO NOTHING`,
          [users(w.to), deviceIds(w.to), id],
        );
        for (const t of w.to) {
          welcomeIds.push({ device: { userId: t.userId, deviceId: t.deviceId }, id, index });
          welcomeOf.set(`${t.userId}/${t.deviceId}`, id);
        }
      }
      // Invited devices read from the seq after the commit once they accept; acked = seq keeps those messages for them.
      const upsert = async (list: readonly DeviceRef[], status: MemberStatus): Promise<void> => {
        if (list.length === 0) return;
        await c.query(
          `INSERT INTO members (group_id, user_id, device_id, status, join_seq, leave_seq, acked, welcome_id, proposal_used)
           SELECT $1, t.u, t.d, $4, $5, NULL, $6, t.w, false FROM unnest($2::text[], $3::text[], $7::bigint[]) AS t(u, d, w)
           ON CONFLICT (group_id, user_id, device_id) DO UPDATE SET status = excluded.status, join_seq = excluded.join_seq, leave_seq = NULL,
             acked = excluded.acked, welcome_id = excluded.welcome_id, proposal_used = false`,
          [ci.groupId, users(list), deviceIds(list), status, seq + 1, seq, list.map((d) => (status === 'invited' ? (welcomeOf.get(`${d.userId}/${d.deviceId}`) ?? null) : null))],
        );
      };
      await upsert(ci.invited, 'invited');
      await upsert(ci.joined, 'member');
      return { ok: true, seq, epoch, welcomeIds, recipients };
    });
  }

  /** Devices leave the tree: accepted members keep reading up to `seq`; anyone else is forgotten, with its invitation. */
  private async leave(c: pg.PoolClient, groupId: Uint8Array, list: readonly DeviceRef[], seq: number): Promise<void> {
    const args = [groupId, users(list), deviceIds(list)];
    const these = `group_id = $1 AND (user_id, device_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`;
    await c.query(`UPDATE members SET leave_seq = $4 WHERE ${these} AND status = 'member'`, [...args, seq]);
    const gone = (await c.query<Row>(`DELETE FROM members WHERE ${these} AND status <> 'member' RETURNING user_id, device_id, welcome_id`, args)).rows;
    for (const r of gone) {
      if (r.welcome_id === null) continue;
      await c.query('DELETE FROM welcome_queue WHERE user_id = $1 AND device_id = $2 AND welcome_id = $3', [r.user_id, r.device_id, r.welcome_id]);
      await c.query('DELETE FROM welcomes WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM welcome_queue WHERE welcome_id = $1)', [r.welcome_id]);
    }
  }

  appendMessage(m: AppendInput): Promise<AppendResult> {
    return this.tx(async (c): Promise<AppendResult> => {
      const g = await this.lockGroup(c, m.groupId, m.sender);
      if (g === undefined) return { ok: false, code: 'no_group' };
      const inTree = g.status !== null && g.status !== undefined && g.leave_seq === null;
      switch (m.access) {
        case 'member':
          if (!inTree || g.status !== 'member') return { ok: false, code: 'not_member' };
          break;
        case 'declined':
          if (!inTree || g.status !== 'declined' || g.proposal_used === true || m.kind !== 'proposal') return { ok: false, code: 'not_member' };
          break;
        case 'external':
          if (g.allow_external !== true || m.kind !== 'proposal') return { ok: false, code: 'not_authorized' };
          break;
      }
      const current = big(g.epoch);
      const oldest = m.kind === 'application' ? current - BigInt(m.pastEpochs) : current;
      if (m.epoch > current || m.epoch < oldest) return { ok: false, code: 'stale_epoch', currentEpoch: current };
      if (m.state !== null && m.state.expectedRev !== num(g.state_rev)) return { ok: false, code: 'changed' };
      const seq = num(g.last_seq) + 1;
      // One round trip: store the message, move the group on, and read who gets it (data-modifying CTEs always run).
      const rows = (
        await c.query<Row>(
          `WITH ins AS (
             INSERT INTO messages (group_id, seq, epoch, kind, sender_user, sender_device, data, size, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)),
           upd AS (
             UPDATE chat_groups SET last_seq = $2,
               public_state = CASE WHEN $10::bytea IS NULL THEN public_state ELSE $10 END,
               state_rev = CASE WHEN $10::bytea IS NULL THEN state_rev ELSE state_rev + 1 END
             WHERE group_id = $1),
           used AS (
             UPDATE members SET proposal_used = true WHERE $11::boolean AND group_id = $1 AND user_id = $5 AND device_id = $6)
           ${READERS}`,
          [m.groupId, seq, m.epoch, m.kind, m.sender.userId, m.sender.deviceId, m.data, m.data.length, m.now, m.state?.publicState ?? null, m.access === 'declined'],
        )
      ).rows;
      return { ok: true, seq, recipients: refs(rows) };
    });
  }

  fetchMessages(groupId: Uint8Array, device: DeviceRef, after: number, page: PageLimit): Promise<{ messages: StoredMessage[]; more: boolean }> {
    return this.read(async (c) => {
      // Sizes first (no message bodies read), so a page never loads more than it returns.
      const sizes = (
        await c.query<Row>(
          `SELECT x.seq, x.size FROM members m CROSS JOIN LATERAL (
             SELECT seq, size FROM messages WHERE group_id = m.group_id AND seq > GREATEST($4, m.join_seq - 1) AND seq <= COALESCE(m.leave_seq, ${MAX_SEQ})
             ORDER BY seq LIMIT $5) x
           WHERE m.group_id = $1 AND m.user_id = $2 AND m.device_id = $3 ORDER BY x.seq`,
          [groupId, device.userId, device.deviceId, after, page.limit + 1],
        )
      ).rows;
      const n = pageCut(sizes.map((r) => num(r.size)), page);
      if (n === 0) return { messages: [], more: false };
      const rows = (
        await c.query<Row>('SELECT * FROM messages WHERE group_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq', [groupId, sizes[0]!.seq, sizes[n - 1]!.seq])
      ).rows;
      return { messages: rows.map(message), more: sizes.length > n };
    });
  }

  ack(groupId: Uint8Array, device: DeviceRef, seq: number): Promise<{ acked: number } | undefined> {
    return this.tx(async (c) => {
      // Never lowered, clamped to the last seq (or the removal); GREATEST keeps two connections of one device from racing it down.
      const r = (
        await c.query<Row>(
          `UPDATE members m SET acked = GREATEST(m.acked, LEAST($4, COALESCE(m.leave_seq, g.last_seq)))
           FROM chat_groups g WHERE g.group_id = m.group_id AND m.group_id = $1 AND m.user_id = $2 AND m.device_id = $3
           RETURNING m.acked, m.leave_seq`,
          [groupId, device.userId, device.deviceId, seq],
        )
      ).rows[0];
      if (r === undefined) return undefined;
      const acked = num(r.acked);
      if (r.leave_seq !== null && acked >= num(r.leave_seq)) {
        await c.query('DELETE FROM members WHERE group_id = $1 AND user_id = $2 AND device_id = $3', [groupId, device.userId, device.deviceId]);
      }
      // Stored once per group: a message goes when every device that may still read it has acknowledged it
      // (declined devices read nothing, so they hold nothing back; with no reader left, everything goes).
      await c.query(
        `DELETE FROM messages WHERE group_id = $1 AND seq <= COALESCE((SELECT MIN(acked) FROM members WHERE group_id = $1 AND status <> 'declined'), ${MAX_SEQ})`,
        [groupId],
      );
      return { acked };
    });
  }

  // ---------------------------------------------------------------- Welcomes

  listWelcomes(device: DeviceRef, page: PageLimit, after = 0): Promise<{ welcomes: WelcomeRecord[]; more: boolean }> {
    return this.read(async (c) => {
      const sizes = (
        await c.query<Row>(
          `SELECT w.id, w.size FROM welcome_queue q JOIN welcomes w ON w.id = q.welcome_id WHERE q.user_id = $1 AND q.device_id = $2 AND w.id > $4 ORDER BY w.id LIMIT $3`,
          [device.userId, device.deviceId, page.limit + 1, after],
        )
      ).rows;
      const n = pageCut(sizes.map((r) => num(r.size)), page);
      if (n === 0) return { welcomes: [], more: false };
      const rows = (
        await c.query<Row>(
          `SELECT w.* FROM welcome_queue q JOIN welcomes w ON w.id = q.welcome_id WHERE q.user_id = $1 AND q.device_id = $2 AND w.id > $4 AND w.id <= $3 ORDER BY w.id`,
          [device.userId, device.deviceId, sizes[n - 1]!.id, after],
        )
      ).rows;
      return { welcomes: rows.map(welcome), more: sizes.length > n };
    });
  }

  /** Drops Welcomes from the device's queue; an invitation a dropped Welcome carried takes `status`. */
  private async settleWelcomes(c: pg.PoolClient, device: DeviceRef, ids: readonly number[], status: MemberStatus): Promise<{ removed: number; groups: Uint8Array[] }> {
    let removed = 0;
    const groups: Uint8Array[] = [];
    for (const id of ids) {
      const w = (await c.query<Row>('SELECT group_id FROM welcomes WHERE id = $1', [id])).rows[0];
      // A commit removing the invited device must not interleave with its answer (pg-schema: the group row orders them).
      if (w !== undefined) await c.query('SELECT 1 FROM chat_groups WHERE group_id = $1 FOR SHARE', [w.group_id]);
      const n = (await c.query('DELETE FROM welcome_queue WHERE user_id = $1 AND device_id = $2 AND welcome_id = $3', [device.userId, device.deviceId, id])).rowCount ?? 0;
      removed += n;
      await c.query('DELETE FROM welcomes WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM welcome_queue WHERE welcome_id = $1)', [id]);
      if (w === undefined || n === 0) continue;
      // Only the Welcome of the current invitation settles it (an older one, from before a removal, does not).
      const set = await c.query(
        `UPDATE members SET status = $5 WHERE group_id = $1 AND user_id = $2 AND device_id = $3 AND status = 'invited' AND welcome_id = $4 AND leave_seq IS NULL`,
        [w.group_id, device.userId, device.deviceId, id, status],
      );
      if ((set.rowCount ?? 0) > 0) groups.push(bytes(w.group_id));
    }
    return { removed, groups };
  }

  ackWelcomes(device: DeviceRef, ids: readonly number[]): Promise<{ removed: number; accepted: Uint8Array[] }> {
    return this.tx(async (c) => {
      const r = await this.settleWelcomes(c, device, ids, 'member');
      return { removed: r.removed, accepted: r.groups };
    });
  }

  declineWelcomes(device: DeviceRef, ids: readonly number[]): Promise<{ removed: number; declined: Uint8Array[] }> {
    return this.tx(async (c) => {
      const r = await this.settleWelcomes(c, device, ids, 'declined');
      return { removed: r.removed, declined: r.groups };
    });
  }

  purgeExpired(cutoff: number, nowSeconds: bigint): Promise<{ messages: number; welcomes: number; keyPackages: number }> {
    return this.tx(async (c) => {
      // Every process runs the sweep on its timer; one at a time does the work, the others find the lock taken and skip.
      const got = (await c.query<Row>('SELECT pg_try_advisory_xact_lock($1, $2) AS got', lockKey(LOCK.purge, 0))).rows[0]!;
      if (got.got !== true) return { messages: 0, welcomes: 0, keyPackages: 0 };
      const messages = (await c.query('DELETE FROM messages WHERE created_at < $1', [cutoff])).rowCount ?? 0;
      await c.query('DELETE FROM welcome_queue WHERE welcome_id IN (SELECT id FROM welcomes WHERE created_at < $1)', [cutoff]);
      const welcomes = (await c.query('DELETE FROM welcomes WHERE created_at < $1', [cutoff])).rowCount ?? 0;
      await c.query(
        `DELETE FROM members mb WHERE mb.leave_seq IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM messages m WHERE m.group_id = mb.group_id AND m.seq > mb.acked AND m.seq <= mb.leave_seq)`,
      );
      const keyPackages = (await c.query('DELETE FROM key_packages WHERE not_after < $1', [nowSeconds])).rowCount ?? 0;
      return { messages, welcomes, keyPackages };
    });
  }

  // ---------------------------------------------------------------- reads for the push fan-out (server/cluster/)

  /** The groups a device reads now (accepted, not removed), with their last seq: where pushes to it start. */
  async readableGroups(device: DeviceRef): Promise<{ groupId: Uint8Array; lastSeq: number }[]> {
    const rows = await this.all(
      `SELECT g.group_id, g.last_seq FROM members m JOIN chat_groups g ON g.group_id = m.group_id
       WHERE m.user_id = $1 AND m.device_id = $2 AND m.status = 'member' AND m.leave_seq IS NULL`,
      [device.userId, device.deviceId],
    );
    return rows.map((r) => ({ groupId: bytes(r.group_id), lastSeq: num(r.last_seq) }));
  }

  /** Messages after..upTo of a group (at most `limit`), with the windows of the given devices that read it. */
  messagesToPush(groupId: Uint8Array, after: number, upTo: number, readers: readonly DeviceRef[], limit: number): Promise<{ messages: StoredMessage[]; windows: ReaderWindow[] }> {
    return this.read(async (c) => {
      const messages = (await c.query<Row>('SELECT * FROM messages WHERE group_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4', [groupId, after, upTo, limit])).rows.map(message);
      const windows = (
        await c.query<Row>(
          `SELECT user_id, device_id, join_seq, leave_seq FROM members
           WHERE group_id = $1 AND status = 'member' AND (leave_seq IS NULL OR leave_seq > $2)
             AND (user_id, device_id) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
          [groupId, after, users(readers), deviceIds(readers)],
        )
      ).rows.map((r) => ({ userId: r.user_id as string, deviceId: r.device_id as string, joinSeq: num(r.join_seq), leaveSeq: r.leave_seq === null ? null : num(r.leave_seq) }));
      return { messages, windows };
    });
  }

  /** A queued Welcome and the devices it still waits for. */
  welcomeToPush(id: number): Promise<{ welcome: WelcomeRecord; to: DeviceRef[] } | undefined> {
    return this.read(async (c) => {
      const w = (await c.query<Row>('SELECT * FROM welcomes WHERE id = $1', [id])).rows[0];
      if (w === undefined) return undefined;
      const to = refs((await c.query<Row>('SELECT user_id, device_id FROM welcome_queue WHERE welcome_id = $1', [id])).rows);
      return { welcome: welcome(w), to };
    });
  }

  /** Of the given groups, those whose last seq is past what this process pushed: the catch-up after a lost notification. */
  async groupsBehind(groups: readonly { groupId: Uint8Array; pushed: number }[]): Promise<{ groupId: Uint8Array; lastSeq: number }[]> {
    if (groups.length === 0) return [];
    const rows = await this.all(
      `SELECT g.group_id, g.last_seq FROM unnest($1::bytea[], $2::bigint[]) AS t(id, pushed) JOIN chat_groups g ON g.group_id = t.id WHERE g.last_seq > t.pushed`,
      [groups.map((g) => g.groupId), groups.map((g) => g.pushed)],
    );
    return rows.map((r) => ({ groupId: bytes(r.group_id), lastSeq: num(r.last_seq) }));
  }

  private closed: Promise<void> | undefined;

  close(): Promise<void> {
    this.closed ??= this.pool.end();
    return this.closed;
  }
}
