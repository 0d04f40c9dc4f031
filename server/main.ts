// Entry point of the delivery service: `npm run server -- --port P --db FILE`.
// Prints `listening on ws://HOST:PORT` (wss:// with --cert/--key) once ready;
// SIGTERM/SIGINT let queued requests finish and commit before it exits.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultServiceConfig } from './service.js';
import { SqliteStorage } from './storage/sqlite.js';
import { defaultServerOptions, DeliveryServer } from './ws-server.js';

const USAGE = `usage: server/main.ts [--host 127.0.0.1] [--port 7443] [--db ./arbor-server.db]
  [--cert FILE --key FILE] [--sync full|normal] [--rate N] [--burst N] [--max-frame BYTES]
  [--max-unacked N] [--past-epochs N] [--retention-days N] [--quiet]`;

function int(v: string | undefined, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) {
    console.error(`--${name}: expected an integer >= ${min}, got ${v}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

function main(): void {
  let a;
  try {
    a = parseArgs({
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        db: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        sync: { type: 'string' },
        rate: { type: 'string' },
        burst: { type: 'string' },
        'max-frame': { type: 'string' },
        'max-unacked': { type: 'string' },
        'past-epochs': { type: 'string' },
        'retention-days': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (a.help === true) {
    console.log(USAGE);
    return;
  }
  if ((a.cert === undefined) !== (a.key === undefined)) {
    console.error(`--cert and --key go together\n${USAGE}`);
    process.exit(2);
  }
  const sync = a.sync ?? 'full';
  if (sync !== 'full' && sync !== 'normal') {
    console.error(`--sync: full or normal\n${USAGE}`);
    process.exit(2);
  }
  const maxFrameBytes = int(a['max-frame'], 'max-frame', defaultServerOptions.maxFrameBytes, 1024);
  const quiet = a.quiet === true;
  const log = (line: string): void => {
    if (!quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };

  const storage = new SqliteStorage(a.db ?? './arbor-server.db', sync);
  const tls = a.cert !== undefined && a.key !== undefined ? { cert: readFileSync(a.cert), key: readFileSync(a.key) } : undefined;
  const server = new DeliveryServer({
    ...defaultServerOptions,
    host: a.host ?? defaultServerOptions.host,
    port: int(a.port, 'port', defaultServerOptions.port),
    storage,
    ...(tls === undefined ? {} : { tls }),
    maxFrameBytes,
    ratePerSecond: int(a.rate, 'rate', defaultServerOptions.ratePerSecond, 1),
    rateBurst: int(a.burst, 'burst', defaultServerOptions.rateBurst, 1),
    maxUnackedPushes: int(a['max-unacked'], 'max-unacked', defaultServerOptions.maxUnackedPushes, 1),
    retentionMs: int(a['retention-days'], 'retention-days', 30, 1) * 24 * 3600 * 1000,
    service: {
      ...defaultServiceConfig,
      // Base64 in JSON: 3 payload bytes take 4 frame bytes, plus room for the envelope.
      maxMessageBytes: Math.floor(((maxFrameBytes - 4096) * 3) / 4),
      pastEpochs: int(a['past-epochs'], 'past-epochs', defaultServiceConfig.pastEpochs),
    },
    log,
  });

  // A bug must not take every client down: log it and keep serving (each transaction is atomic).
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
        log(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  server.start().then(
    (port) => {
      // Always printed (even with --quiet): tests and scripts wait for this line.
      process.stdout.write(`listening on ${tls === undefined ? 'ws' : 'wss'}://${a.host ?? defaultServerOptions.host}:${port}\n`);
    },
    (err: unknown) => {
      console.error(`cannot listen: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}

main();
