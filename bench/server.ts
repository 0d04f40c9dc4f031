// `npm run bench:server`: load on the delivery service over loopback.
// Spawns a real server (unless --url is given), registers N devices in G
// groups, and has every device post application messages for a fixed time.
// Prints messages/s accepted and delivered, and median / p99 delivery latency
// (send → push received by each other member; one process, one clock).
// Groups are real MLS groups (the DS follows their public state); at the end
// it prints what that tracking costs per commit at 10, 100 and 1,000 members
// (bench/public.ts).
// `--backend pg --nodes N` runs the same load twice in one go: on SQLite (one
// process), then on N DS processes sharing a throwaway PostgreSQL
// (test/server/temp-postgres.ts, fsync on), clients spread over the processes,
// and prints both side by side.
//   options: --clients 500 --groups 50 --seconds 10 --inflight 1 --interval 0 --sync full|normal --url ws://...
//            --backend sqlite|pg --nodes 1 --public-sizes 10,100,1000 (empty: skip)

import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { b64, Client, CT, fillerOf, privateMessage, startServer, tempDir, unb64, type Json, type ServerProc } from '../test/server/client.js';
import { startTempPostgres, type TempPostgres } from '../test/server/temp-postgres.js';
import { printTable } from './measure.js';
import { formGroup, mlsDevice } from '../test/server/mls-client.js';
import { run as publicStateBench } from './public.js';

const { values: a } = parseArgs({
  options: {
    clients: { type: 'string', default: '500' },
    groups: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    inflight: { type: 'string', default: '1' },
    interval: { type: 'string', default: '0' },
    sync: { type: 'string', default: 'full' },
    url: { type: 'string' },
    backend: { type: 'string', default: 'sqlite' },
    nodes: { type: 'string', default: '1' },
    'public-sizes': { type: 'string', default: '10,100,1000' },
  },
});
const N = Number(a.clients);
const G = Number(a.groups);
const SECONDS = Number(a.seconds);
const INFLIGHT = Number(a.inflight);
const INTERVAL = Number(a.interval);
const NODES = Number(a.nodes);
if (a.backend !== 'sqlite' && a.backend !== 'pg') throw new RangeError('--backend: sqlite or pg');
if (!Number.isSafeInteger(NODES) || NODES < 1 || (a.backend === 'sqlite' && NODES !== 1)) throw new RangeError('--nodes: at least 1, and 1 for sqlite (one file, one process)');

interface Figures {
  readonly label: string;
  readonly backend: string;
  readonly nodes: number;
  readonly accepted: number;
  readonly delivered: number;
  readonly p50: number;
  readonly p99: number;
  readonly refused: number;
  readonly missing: number;
}

const UNLIMITED = ['--rate', '--burst', '--device-rate', '--device-burst', '--login-rate', '--login-burst', '--claim-rate', '--claim-burst', '--claim-target-rate', '--claim-target-burst']
  .flatMap((f) => [f, '1000000'])
  .concat(['--max-conns-per-ip', '100000']);

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function inBatches<T>(n: number, batch: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => fn(i + j)))));
  return out;
}

/** The load on the servers at `urls` (clients spread over them round-robin); prints and returns its figures. */
async function load(urls: readonly string[], label: string, backend: string): Promise<Figures> {
  const run = Date.now().toString(36);
  console.log(`\n${label}: ${N} connections in ${G} groups over ${urls.length} process(es), ${SECONDS} s, ${INFLIGHT} in flight per client, interval ${INTERVAL} ms`);
  const t0 = performance.now();
  const devs = await inBatches(N, 50, (i) => mlsDevice(urls[i % urls.length]!, `b${run}u${i}`));
  const cs = devs.map((d) => d.client);
  const groupOf = (i: number): number => i % G;
  const gids = Array.from({ length: G }, (_, k) => new TextEncoder().encode(`bench-${run}-${k}`));
  await inBatches(G, 25, async (k) => {
    const members = devs.filter((_, i) => groupOf(i) === k);
    await formGroup(members[0]!, members.slice(1), gids[k]!);
  });
  console.log(`setup: ${N} devices registered, ${G} groups formed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const latencies: number[] = [];
  let accepted = 0;
  let refused = 0;
  let delivered = 0;
  let behind = 0;
  const sentAt = new Map<string, number>();
  // Receivers: measure, and acknowledge every 100 pushes per group so the unacked bound is never hit.
  cs.forEach((c, i) => {
    let sinceAck = 0;
    c.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Json;
      if (m.push === 'behind') behind++;
      if (m.push !== 'message') return;
      const t = sentAt.get(fillerOf(unb64(m.message as string)));
      if (t !== undefined) latencies.push(performance.now() - t);
      delivered++;
      if (++sinceAck >= 100) {
        sinceAck = 0;
        c.request('group.ack', { groupId: b64(gids[groupOf(i)]!), seq: m.seq }).catch(() => {});
      }
    });
  });

  const start = performance.now();
  const end = start + SECONDS * 1000;
  let seqNo = 0;
  const sender = async (c: Client, i: number): Promise<void> => {
    const g = gids[groupOf(i)]!;
    // Paced senders start spread over one interval, so they do not post in lockstep bursts.
    if (INTERVAL > 0) await new Promise((res) => setTimeout(res, Math.random() * INTERVAL));
    while (performance.now() < end) {
      const tag = `m${seqNo++}`;
      sentAt.set(tag, performance.now());
      const r = await c.request('group.send', { message: b64(privateMessage(g, 1n, CT.application, tag)) }, 60_000);
      if (r.ok === true) accepted++;
      else refused++;
      if (INTERVAL > 0) await new Promise((res) => setTimeout(res, INTERVAL));
    }
  };
  await Promise.all(cs.flatMap((c, i) => Array.from({ length: INFLIGHT }, () => sender(c, i))));
  const sendSecs = (performance.now() - start) / 1000;
  const expected = accepted * (N / G - 1);
  const drainUntil = performance.now() + 10_000;
  while (delivered < expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  const totalSecs = (performance.now() - start) / 1000;

  latencies.sort((x, y) => x - y);
  console.log(`accepted:  ${accepted} messages in ${sendSecs.toFixed(1)} s = ${(accepted / sendSecs).toFixed(0)} msg/s (${refused} refused)`);
  console.log(`delivered: ${delivered} of ${expected} pushes in ${totalSecs.toFixed(1)} s = ${(delivered / totalSecs).toFixed(0)} msg/s (${behind} behind notices)`);
  console.log(`latency:   median ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${pct(latencies, 100).toFixed(1)} ms`);
  for (const c of cs) c.ws.terminate();
  return {
    label,
    backend,
    nodes: urls.length,
    accepted: accepted / sendSecs,
    delivered: delivered / totalSecs,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    refused,
    missing: expected - delivered,
  };
}

async function sqliteRun(tmp: { dir: string }): Promise<Figures> {
  const server = await startServer(`${tmp.dir}/bench.db`, ['--quiet', '--sync', a.sync, ...UNLIMITED]);
  try {
    return await load([server.url], `SQLite (synchronous=${a.sync.toUpperCase()}), one process`, `SQLite sync=${a.sync}`);
  } finally {
    await server.kill('SIGTERM');
  }
}

async function pgRun(): Promise<Figures> {
  let pg: TempPostgres | undefined;
  const servers: ServerProc[] = [];
  try {
    // Durable like SQLite's synchronous=FULL: an acknowledged message has reached the disk.
    pg = await startTempPostgres({ durable: true });
    const url = await pg.createDatabase('bench');
    servers.push(await startServer(url, ['--quiet', ...UNLIMITED]));
    servers.push(...(await Promise.all(Array.from({ length: NODES - 1 }, () => startServer(url, ['--quiet', ...UNLIMITED])))));
    return await load(servers.map((s) => s.url), `PostgreSQL (fsync, synchronous_commit on), ${NODES} DS process(es)`, 'PostgreSQL fsync on');
  } finally {
    for (const s of servers) await s.kill('SIGTERM');
    await pg?.stop();
  }
}

async function main(): Promise<void> {
  const tmp = tempDir();
  try {
    if (a.url !== undefined) {
      await load([a.url], `server at ${a.url}`, a.url);
    } else {
      const results = [await sqliteRun(tmp)];
      if (a.backend === 'pg') results.push(await pgRun());
      console.log('');
      printTable(
        ['backend', 'DS processes', 'accepted msg/s', 'delivered msg/s', 'p50 ms', 'p99 ms', 'refused', 'not delivered'],
        results.map((r) => [r.backend, String(r.nodes), r.accepted.toFixed(0), r.delivered.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), String(r.refused), String(r.missing)]),
      );
      if (a.backend === 'pg') {
        console.log(
          `\nnote: this machine has ${availableParallelism()} CPU cores, shared by the ${N} clients (one node process), every DS process and PostgreSQL;` +
            ' more DS processes cannot add cores here, so these figures bound what scaling can show: they show that N processes ' +
            'deliver correctly and what the shared database costs, not how far N processes on N machines would go (docs/deploy.md).',
        );
      }
    }
  } finally {
    tmp.cleanup();
  }
  if (a['public-sizes'] !== '') publicStateBench(['--sizes', a['public-sizes']]);
}

await main();
