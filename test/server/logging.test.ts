// The logging attacks of issue 12, as found, now harmless: a close reason with
// a newline forged a log line; every refused frame was logged (66,679 lines in
// 20 s of flooding); and a server whose stdout pipe lost its reader spun at
// ~94% CPU on failed writes, forever. Also --log-file.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, it } from 'node:test';
import { Client, device, newDeviceKey, startServer, tempDir, type ServerProc } from './client.js';
import { cpuSeconds } from './proc-stats.js';

const tmp = tempDir();
const servers: ServerProc[] = [];
const clients: Client[] = [];

after(async () => {
  for (const c of clients) c.ws.terminate();
  for (const s of servers) await s.kill('SIGKILL');
  tmp.cleanup();
});

async function serve(name: string, args: readonly string[] = []): Promise<ServerProc> {
  const s = await startServer(`${tmp.dir}/${name}.db`, args);
  servers.push(s);
  return s;
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void it('as found: a close reason with a newline cannot forge a log line; client strings are quoted and escaped', async () => {
  const s = await serve('inject');
  const { client } = await device(s.url, 'injector');
  const forged = '2026-01-01T00:00:00.000Z conn 1 register admin/root';
  client.ws.close(4000, `bye\n${forged}`);
  await client.closed;
  await settle(300);
  const lines = s.output().split('\n');
  assert.ok(!lines.some((l) => l.startsWith(forged)), 'no forged line');
  const close = lines.find((l) => l.includes('close injector/d1'));
  assert.ok(close !== undefined && close.includes('reason "bye\\u000a2026-01-01T00:00:00.000Z conn 1 register admin/root"'), close);
});

void it('as found: a flood of refused frames is logged in aggregate, one line per connection per interval', async () => {
  const s = await serve('flood', ['--rate', '100000', '--burst', '100000', '--device-rate', '100000', '--device-burst', '100000']);
  const { client } = await device(s.url, 'flooder');
  const before = s.output().split('\n').length;
  const N = 5000;
  for (let i = 0; i < N; i++) client.sendRaw(i % 2 === 0 ? 'not json' : JSON.stringify({ v: 1, id: i, type: 'no.such' }));
  const deadline = Date.now() + 20_000;
  while (client.unmatched.length + client.pushes.length < N / 2 && Date.now() < deadline) await settle(50);
  await client.close();
  await settle(300);
  const added = s.output().split('\n').slice(before - 1).filter((l) => l.length > 0);
  console.log(`# ${N} refused frames -> ${added.length} log lines: ${added.map((l) => l.slice(25, 140)).join(' | ')}`);
  assert.ok(added.length <= 5, `${added.length} lines`);
  assert.ok(added.some((l) => /refused \d+ requests: bad_frame \d+, unknown_request \d+/.test(l)));
});

void it('as found: a server whose stdout pipe closes stays idle (no spinning) and keeps serving', { timeout: 60_000 }, async () => {
  const s = await serve('epipe');
  // The reader of the server's stdout goes away (as `npm run server | head -c 1` does).
  s.proc.stdout!.destroy();
  await settle(200);
  // The next log lines hit EPIPE.
  const c = await Client.connect(s.url);
  clients.push(c);
  assert.equal((await c.register('after-epipe', 'd1', newDeviceKey())).ok, true);
  await settle(1000);
  const cpu0 = cpuSeconds(s.proc.pid!);
  await settle(3000);
  const cpu = cpuSeconds(s.proc.pid!) - cpu0;
  console.log(`# CPU over 3 s idle after EPIPE: ${cpu.toFixed(2)} s`);
  assert.ok(cpu < 0.5, `the server used ${cpu.toFixed(2)} s of CPU in 3 s idle`);
  // It still serves, new connections included.
  assert.equal((await c.ok('ping')).ok, true);
  const d = await Client.connect(s.url);
  clients.push(d);
  assert.equal((await d.register('after-epipe-2', 'd1', newDeviceKey())).ok, true);
  assert.match(s.output(), /logging to stdout stopped: .*EPIPE/);
  assert.equal(s.proc.exitCode, null);
});

void it('--log-file: events go to the file, stdout keeps only the listening line', async () => {
  const file = `${tmp.dir}/ds.log`;
  const s = await serve('logfile', ['--log-file', file]);
  const { client } = await device(s.url, 'filed');
  clients.push(client);
  await settle(300);
  assert.ok(existsSync(file));
  assert.match(readFileSync(file, 'utf8'), /conn \d+ register filed\/d1/);
  assert.doesNotMatch(s.output(), /register filed/);
});
