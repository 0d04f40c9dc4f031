// `npm run bench -- vs-ts-mls [--sizes 128,1024] [--runs N] [--engines arbor,ts-mls] [--json]`:
// Arbor beside ts-mls 1.6.4 on ts-mls's own scenario (bench/vs/scenario.ts), both
// in one process and interleaved run by run, so that both see the same load.
// Per step it prints both times (median of the runs), the ratio ts-mls/Arbor
// (median of the per-run ratios), the floor (bench/vs/floor.ts: the primitives
// the step cannot avoid, timed in the same run) and Arbor's multiple of it
// (median of per-run multiples). The spread columns give max/min over the runs:
// how noisy the machine was while this ran. The processing steps (milliseconds)
// are each the median of five executions within a run (timedShort).

import { availableParallelism } from 'node:os';
import { ArborEngine } from './vs/arbor-engine.js';
import { floorMs, measureUnits, messageOps, stepOps } from './vs/floor.js';
import { STEPS, type ScenarioEngine, type ScenarioRun, type StepName } from './vs/scenario.js';
import { TsMlsEngine } from './vs/ts-mls-engine.js';
import { printTable } from './measure.js';

export const title = 'Arbor beside ts-mls 1.6.4 (ts-mls scenario), with the floor of each step';

interface Options {
  sizes: number[];
  runs?: number;
  engines: string[];
  json: boolean;
  messages: number;
}

function parseArgs(args: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    const a = args[i]!;
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
  };
  const sizes = (value('--sizes') ?? '128,1024').split(',').map((s) => Number(s.trim()));
  for (const n of sizes) if (!Number.isInteger(n) || n < 4) throw new Error(`--sizes: ${n} is not a group size of at least 4`);
  const runs = value('--runs');
  return {
    sizes,
    ...(runs !== undefined ? { runs: Number(runs) } : {}),
    engines: (value('--engines') ?? 'arbor,ts-mls').split(','),
    json: args.includes('--json'),
    messages: Number(value('--messages') ?? 1000),
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: readonly number[]): number => (xs.length < 2 ? 1 : Math.max(...xs) / Math.min(...xs));

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * A step of a few milliseconds, timed as the median of five executions: a
 * garbage collection owed by the step before (a commit of a thousand seals)
 * would otherwise land in it. Both engines process a message as a function of
 * state and message, so executing it again from the same state is the same step.
 */
async function timedShort(fn: () => Promise<void>): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < 5; i++) t.push(await timed(fn));
  return median(t);
}

async function runScenario(run: ScenarioRun, out: Record<StepName, number[]>): Promise<void> {
  out.add.push(await timed(() => run.add()));
  out.join.push(await timed(() => run.join()));
  await run.prepareUpdate();
  out.update.push(await timed(() => run.update()));
  out.processUpdate.push(await timedShort(() => run.processUpdate()));
  await run.prepareRemove();
  out.remove.push(await timed(() => run.remove()));
  out.processRemove.push(await timedShort(() => run.processRemove()));
}

const emptySteps = (): Record<StepName, number[]> => ({ add: [], join: [], update: [], processUpdate: [], remove: [], processRemove: [] });

export interface StepResult {
  step: StepName;
  label: string;
  tsMls: { medianMs: number; spread: number } | undefined;
  arbor: { medianMs: number; spread: number };
  ratio: number | undefined;
  floor: { medianMs: number; spread: number };
  multiple: number;
}

export interface SizeResult {
  members: number;
  runs: number;
  steps: StepResult[];
}

function fmt(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms < 10 ? ms.toFixed(2) : ms < 1000 ? ms.toFixed(1) : Math.round(ms).toLocaleString('en');
}

async function measureSize(n: number, runs: number, arbor: ArborEngine, ts: ScenarioEngine | undefined, log: (s: string) => void): Promise<SizeResult> {
  log(`  ${n} members: preparing ${n - 1} KeyPackages per engine...`);
  const arborRuns = await arbor.prepare(n);
  const tsRuns = ts === undefined ? undefined : await ts.prepare(n);
  const a = emptySteps();
  const t = emptySteps();
  const floors = emptySteps();
  for (let r = 0; r < runs; r++) {
    // Alternate which engine goes first, so a load change within a run does not favour one.
    const units = measureUnits();
    const order: (() => Promise<void>)[] = [() => runScenario(arborRuns(), a)];
    if (tsRuns !== undefined) order.push(() => runScenario(tsRuns(), t));
    if (r % 2 === 1) order.reverse();
    for (const f of order) await f();
    const ops = stepOps(n, arbor.last as Required<typeof arbor.last>);
    for (const [step] of STEPS) floors[step].push(floorMs(ops[step], units));
    log(`    run ${r + 1}/${runs}: Arbor ${STEPS.map(([s]) => `${s} ${fmt(a[s].at(-1)!)}`).join(', ')}${tsRuns === undefined ? '' : `; ts-mls add ${fmt(t.add.at(-1)!)}`}`);
  }
  const steps: StepResult[] = STEPS.map(([step, label]) => {
    const ratios = t[step].map((x, i) => x / a[step][i]!);
    const multiples = a[step].map((x, i) => x / floors[step][i]!);
    return {
      step,
      label,
      tsMls: t[step].length === 0 ? undefined : { medianMs: median(t[step]), spread: spread(t[step]) },
      arbor: { medianMs: median(a[step]), spread: spread(a[step]) },
      ratio: ratios.length === 0 ? undefined : median(ratios),
      floor: { medianMs: median(floors[step]), spread: spread(floors[step]) },
      multiple: median(multiples),
    };
  });
  return { members: n, runs, steps };
}

interface MessageResult {
  arborPerSec: number;
  tsMlsPerSec: number | undefined;
  floorPerSec: number;
  spreadArbor: number;
  spreadTsMls: number | undefined;
}

async function measureMessages(count: number, arbor: ScenarioEngine, ts: ScenarioEngine | undefined): Promise<MessageResult> {
  const rate = ([e, d]: [number, number]): number => (count * 1000) / (e + d);
  const ar: number[] = [];
  const tr: number[] = [];
  const fl: number[] = [];
  // Untimed first batch: the message path's code reaches its optimized tiers (a steady state, as in a chat).
  await arbor.messages(count);
  if (ts !== undefined) await ts.messages(count);
  for (let r = 0; r < 3; r++) {
    fl.push(1000 / floorMs(messageOps(), measureUnits()));
    ar.push(rate(await arbor.messages(count)));
    if (ts !== undefined) tr.push(rate(await ts.messages(count)));
  }
  return {
    arborPerSec: median(ar),
    tsMlsPerSec: ts === undefined ? undefined : median(tr),
    floorPerSec: median(fl),
    spreadArbor: spread(ar),
    spreadTsMls: ts === undefined ? undefined : spread(tr),
  };
}

export async function run(args: readonly string[] = []): Promise<void> {
  const o = parseArgs(args);
  const log = o.json ? (s: string) => process.stderr.write(`${s}\n`) : (s: string) => console.log(s);
  const arbor = new ArborEngine();
  const ts = o.engines.includes('ts-mls') ? new TsMlsEngine() : undefined;
  log('suite 0x0001; handshake as PrivateMessage, tree in the Welcome; times in ms (median of the runs); ratio = ts-mls / Arbor and');
  log('multiple = Arbor / floor are medians of per-run values; spread = max/min over the runs (the machine is shared: expect noise)');
  log(`the floor is one thread's cost; Arbor verifies signatures and makes HPKE seals in batches on ${availableParallelism()} cores, so a step can go below it`);
  // Warm-up (untimed): JIT, the providers' self-tests and tables, both engines' code paths.
  for (const e of ts === undefined ? [arbor] : [arbor, ts]) await runScenario((await e.prepare(8))(), emptySteps());
  measureUnits();
  const sizes: SizeResult[] = [];
  for (const n of o.sizes) {
    const runs = o.runs ?? (n <= 256 ? 5 : 3);
    sizes.push(await measureSize(n, runs, arbor, ts, log));
  }
  const messages = await measureMessages(o.messages, arbor, ts);
  if (o.json) {
    console.log(JSON.stringify({ sizes, messages }, null, 2));
    return;
  }
  for (const s of sizes) {
    console.log(`\n${s.members} members, ${s.runs} runs`);
    printTable(
      ['step', 'ts-mls', 'spread', 'Arbor', 'spread', 'ratio', 'floor', 'spread', 'Arbor/floor'],
      s.steps.map((r) => [
        r.label,
        r.tsMls === undefined ? '-' : fmt(r.tsMls.medianMs),
        r.tsMls === undefined ? '-' : `${r.tsMls.spread.toFixed(2)}`,
        fmt(r.arbor.medianMs),
        r.arbor.spread.toFixed(2),
        r.ratio === undefined ? '-' : `${r.ratio.toFixed(1)}x`,
        fmt(r.floor.medianMs),
        r.floor.spread.toFixed(2),
        `${r.multiple.toFixed(2)}x`,
      ]),
    );
  }
  const m = messages;
  console.log(`\napplication messages, group of 8, 1 KiB, encrypt+decrypt per second (median of 3 batches of ${o.messages}):`);
  console.log(
    `  Arbor ${Math.round(m.arborPerSec)}/s (spread ${m.spreadArbor.toFixed(2)})` +
      (m.tsMlsPerSec === undefined ? '' : `, ts-mls ${Math.round(m.tsMlsPerSec)}/s (spread ${m.spreadTsMls!.toFixed(2)}), ratio ${(m.arborPerSec / m.tsMlsPerSec).toFixed(1)}x`) +
      `; floor ${Math.round(m.floorPerSec)}/s, Arbor at ${(m.floorPerSec / m.arborPerSec).toFixed(2)}x the floor's time`,
  );
}

// Run directly: node --import tsx bench/vs-ts-mls.ts --sizes 128
if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2));
