// `node --import tsx bench/profile.ts [--size 1024] [--steps add,join] [--top 15] [--out DIR]`:
// CPU profiles of steps of the vs-ts-mls scenario (bench/vs/scenario.ts) on
// Arbor, each step alone (node:inspector, started just before the step and
// stopped just after), with the functions that took the most self time. Steps:
// add, join, update, processUpdate, remove, processRemove. The .cpuprofile
// files (for Chrome DevTools or speedscope) go to DIR (default: the system
// temp dir). Sampling adds some overhead, so times run higher than in the bench.

import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getProvider } from '../main/mls/crypto/index.js';
import { ArborEngine } from './vs/arbor-engine.js';
import { STEPS, type ScenarioRun, type StepName } from './vs/scenario.js';
import { topSelf, type Profile } from './profile-top.js';

function post<T>(s: Session, method: string, params?: object): T {
  let out: T | undefined;
  let err: Error | null = null;
  s.post(method, params ?? {}, (e, r) => {
    err = e;
    out = r as T;
  });
  if (err !== null) throw err;
  return out as T;
}

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1]!;
};
const n = Number(opt('--size', '1024'));
const top = Number(opt('--top', '15'));
const outDir = opt('--out', tmpdir());
const wanted = new Set(opt('--steps', 'add,join').split(',') as StepName[]);
for (const s of wanted) if (!STEPS.some(([name]) => name === s)) throw new Error(`unknown step ${s}; steps: ${STEPS.map(([x]) => x).join(', ')}`);

const engine = new ArborEngine();
// Warm-up: the whole scenario at a small size.
{
  const w = (await engine.prepare(8))();
  for (const step of ['add', 'join', 'prepareUpdate', 'update', 'processUpdate', 'prepareRemove', 'remove', 'processRemove'] as const) await w[step]();
}
const run: ScenarioRun = (await engine.prepare(n))();
const s = new Session();
s.connect();
post(s, 'Profiler.enable');
post(s, 'Profiler.setSamplingInterval', { interval: 100 });
console.log(`Arbor, provider ${getProvider().name}, ${n} members`);
const order = ['add', 'join', 'prepareUpdate', 'update', 'processUpdate', 'prepareRemove', 'remove', 'processRemove'] as const;
for (const step of order) {
  if (!wanted.has(step as StepName)) {
    await run[step]();
    continue;
  }
  post(s, 'Profiler.start');
  const t0 = performance.now();
  await run[step]();
  const ms = performance.now() - t0;
  const { profile } = post<{ profile: Profile }>(s, 'Profiler.stop');
  const file = join(outDir, `arbor-${step}-${n}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`\n${step}: ${ms.toFixed(1)} ms (${file}); top ${top} functions by self time`);
  for (const r of topSelf(profile, top)) console.log(`  ${r.ms.toFixed(1).padStart(8)} ms ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.name}  ${r.where}`);
}
s.disconnect();
