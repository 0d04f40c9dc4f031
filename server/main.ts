// Entry point of the delivery service: `npm run server -- --port P --db FILE`,
// or `--db postgres://...` for the PostgreSQL backend, which several processes
// can share (docs/deploy.md).
// Prints `listening on ws://HOST:PORT` (wss:// with --cert/--key) once ready;
// SIGTERM/SIGINT let queued requests finish and commit before it exits.
// Logging goes through server/log.ts, which survives a broken stdout.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { maxPayloadBytes } from './json.js';
import { Logger } from './log.js';
import { defaultServiceConfig } from './service.js';
import { isPostgresUrl, openStorage } from './storage/open.js';
import type { Session } from './service.js';
import { defaultServerOptions, DeliveryServer } from './ws-server.js';

const USAGE = `usage: server/main.ts [--host 127.0.0.1] [--port 7443] [--db ./arbor-server.db | --db postgres://USER@HOST/DB] [--cert FILE --key FILE]
  [--sync full|normal] (SQLite) [--db-pool N] [--catch-up-ms MS] (PostgreSQL) [--max-frame BYTES] [--past-epochs N] [--retention-days N]
  rates:        [--rate N --burst N] (per connection) [--device-rate N --device-burst N] [--login-rate N --login-burst N] (per address)
  output:       [--max-unacked N] [--max-unacked-bytes BYTES] [--max-buffered BYTES] [--slow-close-seconds N]
  connections:  [--max-conns N] [--max-conns-per-ip N] [--max-conns-per-device N] [--max-devices N] (per user)
  KeyPackages:  [--kp-max-bytes BYTES] [--kp-quota N] (per user) [--claim-rate N --claim-burst N] (per claimer)
                [--claim-target-rate N --claim-target-burst N] (per claimed user) [--last-resort-per-claimer N]
  logging:      [--quiet] [--log-file FILE] [--log-rate LINES_PER_SECOND]`;

function fail(msg: string): never {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}

function num(v: string | undefined, name: string, dflt: number, min = 0, integer = true): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isSafeInteger(n))) fail(`--${name}: expected ${integer ? 'an integer' : 'a number'} >= ${min}, got ${v}`);
  return n;
}

const STRING_FLAGS = [
  'host', 'port', 'db', 'cert', 'key', 'sync', 'rate', 'burst', 'device-rate', 'device-burst', 'login-rate', 'login-burst',
  'max-frame', 'max-unacked', 'max-unacked-bytes', 'max-buffered', 'slow-close-seconds', 'max-conns', 'max-conns-per-ip',
  'max-conns-per-device', 'max-devices', 'past-epochs', 'retention-days', 'kp-max-bytes', 'kp-quota', 'claim-rate', 'claim-burst',
  'claim-target-rate', 'claim-target-burst', 'last-resort-per-claimer', 'log-file', 'log-rate', 'db-pool', 'catch-up-ms',
] as const;

async function main(): Promise<void> {
  let a: Partial<Record<(typeof STRING_FLAGS)[number], string>> & { quiet?: boolean; help?: boolean };
  try {
    const options: Record<string, { type: 'string' | 'boolean' }> = { quiet: { type: 'boolean' }, help: { type: 'boolean' } };
    for (const f of STRING_FLAGS) options[f] = { type: 'string' };
    a = parseArgs({ options }).values as typeof a;
  } catch (err) {
    fail((err as Error).message);
  }
  if (a.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if ((a.cert === undefined) !== (a.key === undefined)) fail('--cert and --key go together');
  const sync = a.sync ?? 'full';
  if (sync !== 'full' && sync !== 'normal') fail('--sync: full or normal');
  const db = a.db ?? './arbor-server.db';
  const pg = isPostgresUrl(db);
  if (pg && a.sync !== undefined) fail('--sync is for SQLite; PostgreSQL commits durably by its own settings (synchronous_commit)');
  if (!pg && (a['db-pool'] !== undefined || a['catch-up-ms'] !== undefined)) fail('--db-pool and --catch-up-ms are for a postgres:// --db');
  const d = defaultServerOptions;
  const sd = defaultServiceConfig;
  const maxFrameBytes = num(a['max-frame'], 'max-frame', d.maxFrameBytes, 8192);
  const logRate = num(a['log-rate'], 'log-rate', 200, 1);
  const logger = new Logger({ quiet: a.quiet === true, ...(a['log-file'] !== undefined ? { file: a['log-file'] } : {}), linesPerSecond: logRate, burst: logRate * 5, now: Date.now });
  const log = (line: string): void => logger.log(line);

  // Test hook: message notifications to drop as if lost (`<group id hex>:<seq>`, comma-separated), to show the catch-up works.
  const drop = process.env.ARBOR_TEST_DROP_NOTIFY;
  let opened;
  try {
    opened = await openStorage<Session>(db, {
      sync,
      poolSize: num(a['db-pool'], 'db-pool', 10, 1),
      catchUpMs: num(a['catch-up-ms'], 'catch-up-ms', 2000, 10),
      log,
      ...(drop === undefined || drop === '' ? {} : { dropNotices: new Set(drop.split(',')) }),
    });
  } catch (err) {
    logger.fatal(`cannot open the database: ${(err as Error).name}: ${(err as Error).message}`);
    process.exit(1);
  }
  const { storage, fanout } = opened;
  const tls = a.cert !== undefined && a.key !== undefined ? { cert: readFileSync(a.cert), key: readFileSync(a.key) } : undefined;
  const server = new DeliveryServer({
    ...d,
    host: a.host ?? d.host,
    port: num(a.port, 'port', d.port),
    storage,
    ...(fanout === undefined ? {} : { fanout }),
    ...(tls === undefined ? {} : { tls }),
    maxFrameBytes,
    ratePerSecond: num(a.rate, 'rate', d.ratePerSecond, 1),
    rateBurst: num(a.burst, 'burst', d.rateBurst, 1),
    deviceRatePerSecond: num(a['device-rate'], 'device-rate', d.deviceRatePerSecond, 1),
    deviceRateBurst: num(a['device-burst'], 'device-burst', d.deviceRateBurst, 1),
    loginRatePerSecond: num(a['login-rate'], 'login-rate', d.loginRatePerSecond, 1),
    loginRateBurst: num(a['login-burst'], 'login-burst', d.loginRateBurst, 1),
    maxUnackedPushes: num(a['max-unacked'], 'max-unacked', d.maxUnackedPushes, 1),
    maxUnackedBytes: num(a['max-unacked-bytes'], 'max-unacked-bytes', d.maxUnackedBytes, maxFrameBytes),
    maxBufferedBytes: num(a['max-buffered'], 'max-buffered', Math.max(d.maxBufferedBytes, 2 * maxFrameBytes), 2 * maxFrameBytes),
    slowCloseMs: num(a['slow-close-seconds'], 'slow-close-seconds', d.slowCloseMs / 1000, 1) * 1000,
    maxConnections: num(a['max-conns'], 'max-conns', d.maxConnections, 1),
    maxConnectionsPerAddress: num(a['max-conns-per-ip'], 'max-conns-per-ip', d.maxConnectionsPerAddress, 1),
    maxConnectionsPerDevice: num(a['max-conns-per-device'], 'max-conns-per-device', d.maxConnectionsPerDevice, 1),
    retentionMs: num(a['retention-days'], 'retention-days', 30, 1) * 24 * 3600 * 1000,
    service: {
      ...sd,
      maxFrameBytes,
      maxMessageBytes: maxPayloadBytes(maxFrameBytes),
      pastEpochs: num(a['past-epochs'], 'past-epochs', sd.pastEpochs),
      maxDevicesPerUser: num(a['max-devices'], 'max-devices', sd.maxDevicesPerUser, 1),
      keyPackageMaxBytes: num(a['kp-max-bytes'], 'kp-max-bytes', sd.keyPackageMaxBytes, 256),
      keyPackagesPerUser: num(a['kp-quota'], 'kp-quota', sd.keyPackagesPerUser, 1),
      claimRatePerClaimer: num(a['claim-rate'], 'claim-rate', sd.claimRatePerClaimer, 0.001, false),
      claimBurstPerClaimer: num(a['claim-burst'], 'claim-burst', sd.claimBurstPerClaimer, 1),
      claimRatePerTarget: num(a['claim-target-rate'], 'claim-target-rate', sd.claimRatePerTarget, 0.001, false),
      claimBurstPerTarget: num(a['claim-target-burst'], 'claim-target-burst', sd.claimBurstPerTarget, 1),
      lastResortPerClaimer: num(a['last-resort-per-claimer'], 'last-resort-per-claimer', sd.lastResortPerClaimer, 0),
    },
    log,
  });

  // A bug must not take every client down: log it and keep serving (each transaction is atomic).
  // The logger never throws and never retries a broken sink, so this cannot loop.
  process.on('uncaughtException', (err) => log(`internal error (uncaught): ${err.stack ?? String(err)}`));
  process.on('unhandledRejection', (err) => log(`internal error (unhandled rejection): ${String(err)}`));

  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    log(`received ${sig}`);
    server.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.fatal(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  server.start().then(
    (port) => {
      // Always printed (even with --quiet or --log-file): tests and scripts wait for this line.
      logger.announce(`listening on ${tls === undefined ? 'ws' : 'wss'}://${a.host ?? d.host}:${port}`);
    },
    (err: unknown) => {
      logger.fatal(`cannot listen: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}

await main();
