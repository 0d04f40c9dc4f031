// The storage a `--db` value names: a postgres:// or postgresql:// URL is the
// PostgreSQL backend (several DS processes may share it, each with its push
// fan-out through the database); anything else is a SQLite file, the default.

import { randomBytes } from 'node:crypto';
import { PgFanout } from '../cluster/pg-fanout.js';
import { PgListener } from '../cluster/pg-listener.js';
import type { Fanout } from '../cluster/fanout.js';
import { noticeKey } from '../cluster/notice.js';
import { PgStorage } from './pg.js';
import { NOTIFY_CHANNEL } from './pg-schema.js';
import { SqliteStorage, type SyncMode } from './sqlite.js';
import type { Storage } from './types.js';

export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

export interface OpenOptions {
  readonly sync: SyncMode;
  /** PostgreSQL: connections in this process's pool. */
  readonly poolSize: number;
  /** PostgreSQL: how often the fan-out checks for messages whose notification never came. */
  readonly catchUpMs: number;
  readonly log: (line: string) => void;
  /** Test hook (ARBOR_TEST_DROP_NOTIFY): message notifications `<group hex>:<seq>` to drop as if lost. */
  readonly dropNotices?: ReadonlySet<string>;
}

export interface Opened<Origin> {
  readonly storage: Storage;
  /** undefined: the server's default, pushing at once (one process). */
  readonly fanout: Fanout<Origin> | undefined;
  readonly describe: string;
}

export async function openStorage<Origin>(db: string, o: OpenOptions): Promise<Opened<Origin>> {
  if (!isPostgresUrl(db)) return { storage: new SqliteStorage(db, o.sync), fanout: undefined, describe: `sqlite ${db}` };
  // Short (application_name keeps 63 bytes), and unique per process: Welcome notifications name their writer by it.
  const nodeId = `arbor-ds-${process.pid}-${randomBytes(3).toString('hex')}`;
  const storage = await PgStorage.open(db, { poolSize: o.poolSize, nodeId });
  const drop = o.dropNotices;
  const fanout = new PgFanout<Origin>({
    reads: storage,
    nodeId,
    catchUpMs: o.catchUpMs,
    log: o.log,
    ...(drop === undefined || drop.size === 0 ? {} : { drop: (g: Uint8Array, seq: number) => drop.has(noticeKey(g, seq)) }),
    listen: async (notice, connected) => {
      const l = new PgListener({ connectionString: db, channel: NOTIFY_CHANNEL, applicationName: `${nodeId}-listen`, onNotice: notice, onConnected: connected, log: o.log });
      await l.start();
      return l;
    },
  });
  return { storage, fanout, describe: `postgres (node ${nodeId})` };
}
