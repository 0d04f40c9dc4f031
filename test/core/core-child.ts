// A core in its own process, driven over stdin/stdout with one JSON line per
// call, so a test can kill it with SIGKILL at any moment and start it again.
//   in:  {"id":1,"command":"messages.send","args":{...}}
//   out: {"id":1,"ok":true,"result":...} | {"id":1,"ok":false,"error":{...}} | {"event":...,"payload":...}
import { createInterface } from 'node:readline';
import { startCore } from '../../main/core/start.js';
import { FAST } from './helpers.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: core-child.ts DATA_DIR');
const core = await startCore({ dataDir, ...FAST });
const write = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
core.api.on('connection.changed', (payload) => write({ event: 'connection.changed', payload }));
write({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  const { id, command, args } = JSON.parse(line) as { id: number; command: never; args: never };
  core.api.invoke(command, args).then(
    (result) => write({ id, ok: true, result }),
    (e: { code?: string; message?: string }) => write({ id, ok: false, error: { code: e.code, message: e.message } }),
  );
}
