// `npm run bench:server`: load on the delivery service over loopback.
// Spawns a real server (unless --url is given), registers N devices in G
// groups, and has every device post application messages for a fixed time.
// Prints messages/s accepted and delivered, and median / p99 delivery latency
// (send → push received by each other member; one process, one clock).
// Groups are real MLS groups (the DS follows their public state); at the end
// it prints what that tracking costs per commit at 10, 100 and 1,000 members
// (bench/public.ts).
//   options: --clients 500 --groups 50 --seconds 10 --inflight 1 --interval 0 --sync full|normal --url ws://...
//            --public-sizes 10,100,1000 (empty: skip)

import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { b64, Client, CT, fillerOf, privateMessage, startServer, tempDir, unb64, type Json, type ServerProc } from '../test/server/client.js';
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
    'public-sizes': { type: 'string', default: '10,100,1000' },
  },
});
const N = Number(a.clients);
const G = Number(a.groups);
const SECONDS = Number(a.seconds);
const INFLIGHT = Number(a.inflight);
const INTERVAL = Number(a.interval);

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function inBatches<T>(n: number, batch: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => fn(i + j)))));
  return out;
}

async function main(): Promise<void> {
  let server: ServerProc | undefined;
  const tmp = tempDir();
  let url = a.url;
  if (url === undefined) {
    const unlimited = ['--rate', '--burst', '--device-rate', '--device-burst', '--login-rate', '--login-burst', '--claim-rate', '--claim-burst', '--claim-target-rate', '--claim-target-burst'].flatMap((f) => [f, '1000000']);
    server = await startServer(`${tmp.dir}/bench.db`, ['--quiet', '--sync', a.sync, ...unlimited, '--max-conns-per-ip', '100000']);
    url = server.url;
  }
  const run = Date.now().toString(36);
  try {
    console.log(`delivery service bench: ${N} connections in ${G} groups, ${SECONDS} s, ${INFLIGHT} in flight per client, interval ${INTERVAL} ms, sync=${a.sync}`);
    const t0 = performance.now();
    const devs = await inBatches(N, 50, (i) => mlsDevice(url, `b${run}u${i}`));
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
  } finally {
    await server?.kill('SIGTERM');
    tmp.cleanup();
  }
  if (a['public-sizes'] !== '') publicStateBench(['--sizes', a['public-sizes']]);
}

await main();
