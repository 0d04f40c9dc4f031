// `npm test`: every test file under test/ through node's test runner (Node 20 has
// no glob for --test), then the official vectors with both crypto providers.
// Ends with one line totalling all of them: `N passed, M failed`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Runs a node child, echoing its output, and returns its exit status and output. */
function run(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (b) => {
      process.stdout.write(b);
      out += b.toString();
    });
    child.on('close', (code) => resolve({ status: code ?? 1, out }));
  });
}

function lastCount(out, re) {
  const all = [...out.matchAll(re)];
  return all.length === 0 ? 0 : Number(all[all.length - 1][1]);
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find('test').sort();
let passed = 0;
let failed = 0;
let status = 0;

const unit = await run(['--import', 'tsx', '--test', '--test-concurrency=2', ...files]);
passed += lastCount(unit.out, /^(?:# |ℹ )pass (\d+)$/gm);
failed += lastCount(unit.out, /^(?:# |ℹ )fail (\d+)$/gm);
status ||= unit.status;

if (only.length === 0) {
  for (const env of [{}, { ARBOR_CRYPTO: 'noble' }]) {
    const v = await run(['--import', 'tsx', 'tools/vectors.ts'], env);
    const m = [...v.out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    }
    status ||= v.status;
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status || (failed > 0 ? 1 : 0));
