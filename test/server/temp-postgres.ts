// A throwaway PostgreSQL for the tests and the bench: initdb into a temporary
// directory, then `postgres` on a free loopback port with its unix socket in
// that directory, stopped (and the directory removed) by stop() or when this
// process exits. Nothing outside the directory is touched, so several test
// files (and several engineers) can run one each at the same time.
//
// The binaries come from Debian's `postgresql` package (.ci/run installs it on
// a machine that lacks it) or from ARBOR_PG_BIN. initdb and postgres refuse to
// run as root, and CI runs as root: then both run as the unprivileged user
// `nobody` (setpriv), which owns the directory; root still reaches the socket.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from './client.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** PostgreSQL is not installed here, or would not start: the message says which and what to do. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

export interface TempPostgres {
  /** A connection URL over the unix socket (no TCP port shared with anything else). */
  readonly url: string;
  /** The same database over TCP on 127.0.0.1. */
  readonly tcpUrl: string;
  readonly dir: string;
  /** A fresh empty database on this server, and its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface TempPostgresOptions {
  /** fsync and synchronous_commit on (the bench, for a fair comparison with SQLite's synchronous=FULL); off for tests. */
  readonly durable?: boolean;
  readonly maxConnections?: number;
}

const NOBODY = { uid: 65534, gid: 65534 };

/** The directory holding initdb and postgres, or a sentence saying why there is none. */
export function findPostgres(): { bin: string } | { missing: string } {
  const fromEnv = process.env.ARBOR_PG_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    return existsSync(join(fromEnv, 'initdb')) ? { bin: fromEnv } : { missing: `ARBOR_PG_BIN=${fromEnv} has no initdb` };
  }
  // Debian's layout: /usr/lib/postgresql/<major>/bin; the newest major wins.
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const m of majors) if (existsSync(join(root, m, 'bin', 'initdb'))) return { bin: join(root, m, 'bin') };
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const onPath = which.stdout.trim();
  if (which.status === 0 && onPath !== '') return { bin: onPath.replace(/\/initdb$/, '') };
  return {
    missing:
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH, ARBOR_PG_BIN unset): ' +
      'install Debian\'s package (apt-get install -y postgresql; .ci/run does this in CI) or set ARBOR_PG_BIN',
  };
}

/** How a test file treats a missing PostgreSQL: in CI it is a failure, elsewhere the tests are skipped with the reason. */
export function postgresSkipReason(): string | false {
  const found = findPostgres();
  if ('bin' in found) return false;
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') return false; // let start() fail loudly
  return `${found.missing} (PostgreSQL tests skipped)`;
}


const asRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** argv to run `cmd` as the unprivileged owner of the data directory. */
function unprivileged(cmd: string, args: readonly string[]): [string, string[]] {
  if (!asRoot()) return [cmd, [...args]];
  return ['setpriv', [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', cmd, ...args]];
}

async function waitReady(url: string, proc: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (proc.exitCode !== null || proc.signalCode !== null) break;
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch (err) {
      last = (err as Error).message;
      await c.end().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
  throw new PostgresUnavailableError(`postgres did not accept connections (${last}); its log:\n${log}`);
}

/** Starts a throwaway PostgreSQL; throws PostgresUnavailableError when it cannot. */
export async function startTempPostgres(opts: TempPostgresOptions = {}): Promise<TempPostgres> {
  const found = findPostgres();
  if ('missing' in found) throw new PostgresUnavailableError(found.missing);
  // Short path: the socket's path must fit sun_path (107 bytes).
  const dir = mkdtempSync(join(tmpdir(), 'arbor-pg-'));
  if (asRoot()) chownSync(dir, NOBODY.uid, NOBODY.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });

  const [initCmd, initArgs] = unprivileged(join(found.bin, 'initdb'), ['-D', data, '-U', 'arbor', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    cleanup();
    throw new PostgresUnavailableError(`initdb failed (${init.error?.message ?? `exit ${init.status}`}): ${init.stderr.slice(-1500)}`);
  }

  const durable = opts.durable === true ? 'on' : 'off';
  let lastErr: unknown;
  // The free port can be taken between finding it and binding it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const settings = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: dir,
      max_connections: String(opts.maxConnections ?? 200),
      shared_buffers: '64MB',
      fsync: durable,
      synchronous_commit: durable,
      full_page_writes: durable,
      logging_collector: 'off',
    };
    const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const [cmd, argv] = unprivileged(join(found.bin, 'postgres'), args);
    const logFd = openSync(logFile, 'a');
    const proc = spawn(cmd, argv, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const onExit = (): void => {
      // SIGQUIT: immediate shutdown; the data is thrown away anyway.
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGQUIT');
      cleanup();
    };
    process.once('exit', onExit);
    const url = `postgresql://arbor@localhost/postgres?host=${encodeURIComponent(dir)}&port=${port}`;
    try {
      await waitReady(url, proc, logFile, 30_000);
    } catch (err) {
      lastErr = err;
      process.off('exit', onExit);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGQUIT');
      continue;
    }
    const exited = new Promise<void>((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) r();
      else proc.once('exit', () => r());
    });
    const urlOf = (db: string): string => `postgresql://arbor@localhost/${db}?host=${encodeURIComponent(dir)}&port=${port}`;
    return {
      url: urlOf('postgres'),
      tcpUrl: `postgresql://arbor@127.0.0.1:${port}/postgres`,
      dir,
      async createDatabase(name: string): Promise<string> {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`database name ${name}: lower-case letters, digits and _`);
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
        return urlOf(name);
      },
      async stop(): Promise<void> {
        process.off('exit', onExit);
        // SIGTERM first (smart shutdown): a pool's end() resolves before its sockets have closed, and a
        // connection cut by a faster shutdown would surface as an error in whoever still holds it.
        // Anything still connected after a moment is cut (SIGINT), then the server is killed (SIGQUIT).
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        const t1 = setTimeout(() => proc.kill('SIGINT'), 3_000);
        const t2 = setTimeout(() => proc.kill('SIGQUIT'), 10_000);
        await exited;
        clearTimeout(t1);
        clearTimeout(t2);
        cleanup();
      },
    };
  }
  cleanup();
  throw lastErr instanceof Error ? lastErr : new PostgresUnavailableError(String(lastErr));
}
