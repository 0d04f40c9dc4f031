// `npm test`: every test file under test/ through node's test runner (Node 20 has
// no glob for --test), then the official vectors with both crypto providers.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find('test').sort();
const run = (args, env = {}) => spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

let status = run(['--import', 'tsx', '--test', '--test-concurrency=2', ...files]);
if (only.length === 0) {
  status ||= run(['--import', 'tsx', 'tools/vectors.ts']);
  status ||= run(['--import', 'tsx', 'tools/vectors.ts'], { ARBOR_CRYPTO: 'noble' });
}
process.exit(status);
