// The memory attacks of issue 12, reproduced as they were found, now bounded
// in bytes: a logged-in client that stops reading while pipelining fetches (it
// took the server past 4 GiB), one that acknowledges pushes blindly without
// reading (1.7 GiB), and 100 stored messages of the largest size fetched by
// the reference client (a ~100 MiB frame it could never take). The bound
// stated and asserted: server RSS grows by less than 200 MiB during an attack,
// while a well-behaved pair's round trip (send → push) stays under a second
// (median; every figure is printed).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { b64, Client, CT, privateMessage, startServer, tempDir, type Json, type ServerProc } from './client.js';
import { formGroup, mlsDevice, type MlsDevice } from './mls-client.js';
import { MiB, rssBytes, sampleMax } from './proc-stats.js';

const RSS_BOUND = 200 * MiB;
let server: ServerProc;
let tmp: ReturnType<typeof tempDir>;
const clients: Client[] = [];

before(async () => {
  tmp = tempDir();
  // Defaults but for a shorter slow-reader timeout, so the test sees the close.
  server = await startServer(`${tmp.dir}/ds.db`, ['--quiet', '--sync', 'normal', '--slow-close-seconds', '8']);
});

after(async () => {
  for (const c of clients) c.ws.terminate();
  await server?.kill('SIGKILL');
  tmp?.cleanup();
});

async function dev(userId: string): Promise<MlsDevice> {
  const d = await mlsDevice(server.url, userId);
  clients.push(d.client);
  return d;
}

/** A message of `size` bytes the DS accepts as an application message (it cannot read it). */
function big(g: Uint8Array, epoch: bigint, size: number, tag: string): string {
  const base = privateMessage(g, epoch, CT.application, tag).length;
  return b64(privateMessage(g, epoch, CT.application, tag + 'x'.repeat(Math.max(0, size - base - 4))));
}

/** A pair that keeps talking: RTT of each message from send to the other's push. */
async function wellBehavedPair(name: string) {
  const a = await dev(`${name}-a`);
  const b = await dev(`${name}-b`);
  const g = new TextEncoder().encode(`${name}-pair`);
  await formGroup(a, [b], g);
  const rtts: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const t0 = performance.now();
      const r = await a.client.ok('group.send', { message: b64(privateMessage(g, 1n, CT.application, `ping ${i}`)) });
      await b.client.nextPush((p) => p.push === 'message' && p.seq === r.seq, 30_000);
      rtts.push(performance.now() - t0);
      if (i % 20 === 19) await b.client.ok('group.ack', { groupId: b64(g), seq: r.seq });
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  return {
    stop: async (): Promise<number[]> => {
      running = false;
      await loop;
      return [...rtts].sort((x, y) => x - y);
    },
  };
}

/** Stops reading the socket (TCP backpressure builds on the server side). */
function stopReading(c: Client): void {
  (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
}

function report(what: string, base: number, max: number, rtts: number[]): void {
  const med = rtts[Math.floor(rtts.length / 2)] ?? NaN;
  console.log(`# ${what}: server RSS ${(base / MiB).toFixed(0)} MiB -> max ${(max / MiB).toFixed(0)} MiB (+${((max - base) / MiB).toFixed(0)}); pair RTT median ${med.toFixed(1)} ms, max ${(rtts[rtts.length - 1] ?? NaN).toFixed(1)} ms over ${rtts.length}`);
  assert.ok(max - base < RSS_BOUND, `${what}: RSS grew by ${((max - base) / MiB).toFixed(0)} MiB`);
  assert.ok(rtts.length >= 5, 'the pair kept talking');
  // The figure is a median under a second (printed above); the assertion only catches a pair that
  // stalled, with room for a loaded shared machine: timings are not what this test decides on.
  assert.ok(med < 10_000, `${what}: pair round trip median ${med.toFixed(0)} ms`);
}

void it('as found: a client that stops reading while pipelining fetches is bounded by its output budget, then closed', { timeout: 120_000 }, async () => {
  const owner = await dev('pf-owner');
  const eve = await dev('pf-eve');
  const g = new TextEncoder().encode('pf-group');
  await formGroup(owner, [eve], g);
  const hello = owner.client.pushes.find((p) => p.push === 'hello')!;
  const size = hello.maxMessageBytes as number;
  for (let i = 0; i < 8; i++) await owner.client.ok('group.send', { message: big(g, 1n, size, `big${i}`) });

  const pair = await wellBehavedPair('pf');
  const base = rssBytes(server.proc.pid!);
  const rss = sampleMax(() => rssBytes(server.proc.pid!), 200);
  stopReading(eve.client);
  // Pipelined fetches (each answer ~1 MiB) at 150 a second for 12 s: 1.8 GB of answers if nothing held them back.
  let sent = 0;
  const until = Date.now() + 12_000;
  while (Date.now() < until && eve.client.ws.readyState === eve.client.ws.OPEN) {
    for (let k = 0; k < 15; k++) eve.client.ws.send(JSON.stringify({ v: 1, id: `f${sent++}`, type: 'group.fetch', groupId: b64(g), after: 0 }));
    await new Promise((r) => setTimeout(r, 100));
  }
  const closed = await Promise.race([eve.client.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
  const max = rss.stop();
  const rtts = await pair.stop();
  report(`${sent} pipelined fetches by a non-reading client`, base, max, rtts);
  assert.ok(closed, 'the non-reading client was closed');
});

void it('as found: a push receiver that acks blindly without reading is bounded, then closed', { timeout: 120_000 }, async () => {
  const owner = await dev('ba-owner');
  const eve = await dev('ba-eve');
  const g = new TextEncoder().encode('ba-group');
  await formGroup(owner, [eve], g);
  const size = owner.client.pushes.find((p) => p.push === 'hello')!.maxMessageBytes as number;
  const pair = await wellBehavedPair('ba');
  const base = rssBytes(server.proc.pid!);
  const rss = sampleMax(() => rssBytes(server.proc.pid!), 200);
  stopReading(eve.client);
  let acks = 0;
  const acker = setInterval(() => {
    if (eve.client.ws.readyState !== eve.client.ws.OPEN) return;
    for (let k = 0; k < 5; k++) eve.client.ws.send(JSON.stringify({ v: 1, id: `a${acks++}`, type: 'group.ack', groupId: b64(g), seq: 1e12 }));
  }, 50);
  // 60 messages of the largest size: ~60 MiB of pushes to eve if nothing held them back.
  let posted = 0;
  for (let i = 0; i < 60; i++) {
    const r = await owner.client.request('group.send', { message: big(g, 1n, size, `push${i}`) });
    if (r.ok === true) posted++;
    await owner.client.ok('group.ack', { groupId: b64(g), seq: 1e12 });
  }
  const closed = await Promise.race([eve.client.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
  clearInterval(acker);
  const max = rss.stop();
  const rtts = await pair.stop();
  report(`${posted} large pushes to a blind acker (${acks} acks sent)`, base, max, rtts);
  assert.ok(closed, 'the non-reading receiver was closed');
});

void it('as found: 100 stored messages of the largest size: the reference client (1 MiB frames) catches up, page by page', { timeout: 180_000 }, async () => {
  const owner = await dev('rc-owner');
  const reader = await dev('rc-reader');
  const g = new TextEncoder().encode('rc-group');
  await formGroup(owner, [reader], g);
  const size = owner.client.pushes.find((p) => p.push === 'hello')!.maxMessageBytes as number;
  assert.ok(size > 760 * 1024, `max message ${size}`);
  reader.client.ws.terminate();
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) {
    const filler = randomBytes(8).toString('hex');
    await owner.client.ok('group.send', { message: big(g, 1n, size, `m${i}:${filler}`) });
  }
  const stored = performance.now() - t0;
  // The reference client, with the protocol's 1 MiB frames, reconnects and catches up.
  const c = await Client.connect(server.url);
  clients.push(c);
  assert.equal((await c.login('rc-reader', 'd1', reader.key)).ok, true);
  const t1 = performance.now();
  let pages = 0;
  const got: Json[] = [];
  for (let after: number | undefined; ; pages++) {
    const r = await c.ok('group.fetch', { groupId: b64(g), ...(after === undefined ? {} : { after }) });
    const msgs = r.messages as Json[];
    got.push(...msgs);
    if (msgs.length > 0) after = msgs[msgs.length - 1]!.seq as number;
    await c.ok('group.ack', { groupId: b64(g), seq: after ?? 0 });
    if (r.more !== true) break;
  }
  console.log(`# 100 x ${size} B: stored in ${(stored / 1000).toFixed(1)} s, fetched in ${pages + 1} pages in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  assert.equal(got.length, 100);
  assert.equal(c.ws.readyState, c.ws.OPEN, 'never disconnected');
});
