// The robustness oracle: feed one input to a decoder and classify what happens.
// Acceptable: a successful decode whose re-encoding is the identical bytes
// (so no value has two accepted encodings), or a thrown MlsError. Anything else
// is a finding: another error class (TypeError, RangeError, plain Error, ...),
// an accepted input that re-encodes differently (or not at all), or a decode
// slower than SLOW_MS.

import { MlsError } from '../../../main/mls/errors.js';
import { equalBytes, toHex } from '../../../main/mls/util/bytes.js';
import { learnOffsets, mutants, type Mutant, type MutationPlan } from './mutate.js';
import type { Rng } from './prng.js';

// Generous: other test files run in parallel on a shared machine; pathological inputs take seconds.
export const SLOW_MS = 1000;

/**
 * CPU time of this process in ms. 'slow' findings are judged on the work done,
 * not on the wall clock, so a loaded machine cannot turn a healthy run red.
 */
export function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface Codec<T> {
  readonly name: string;
  decode(bytes: Uint8Array): T;
  encode(v: T): Uint8Array;
}

export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * crash: a non-MlsError was thrown; non-canonical: accepted bytes that re-encode differently;
 * re-encode-throws: accepted a value its encoder refuses; slow: over SLOW_MS;
 * accepted-mutant: a message layer accepted a mutated message the RFC makes it refuse;
 * state-changed: the input state's bytes changed across a call.
 */
export type Problem = 'crash' | 'non-canonical' | 're-encode-throws' | 'slow' | 'accepted-mutant' | 'state-changed';

export interface Finding {
  readonly codec: string;
  readonly seed: string;
  readonly mutant: Mutant;
  readonly problem: Problem;
  /** Error class and message, or the byte difference for a non-canonical accept. */
  readonly detail: string;
  /** file:line of the innermost engine frame of a crash. */
  readonly where: string;
}

/** The innermost stack frame inside main/mls/ (tsx maps it to the .ts line). */
export function engineFrame(e: unknown): string {
  const stack = e instanceof Error ? (e.stack ?? '') : '';
  for (const line of stack.split('\n').slice(1)) {
    const m = /(main\/mls\/[^\s:()]+:\d+)/.exec(line);
    if (m !== null) return m[1]!;
  }
  return '(no engine frame)';
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}

export type Outcome = { readonly ok: 'decoded' | 'rejected'; readonly error?: unknown } | { readonly problem: Problem; readonly detail: string; readonly where: string };

export function probe<T>(codec: Codec<T>, bytes: Uint8Array): Outcome {
  const t0 = cpuNow();
  let v: T;
  try {
    v = codec.decode(bytes);
  } catch (e) {
    const ms = cpuNow() - t0;
    if (!(e instanceof MlsError)) return { problem: 'crash', detail: errorText(e), where: engineFrame(e) };
    if (ms > SLOW_MS) return { problem: 'slow', detail: `rejected after ${ms.toFixed(0)} ms`, where: '' };
    return { ok: 'rejected', error: e };
  }
  const ms = cpuNow() - t0;
  if (ms > SLOW_MS) return { problem: 'slow', detail: `decoded in ${ms.toFixed(0)} ms`, where: '' };
  let again: Uint8Array;
  try {
    again = codec.encode(v);
  } catch (e) {
    return { problem: 're-encode-throws', detail: errorText(e), where: engineFrame(e) };
  }
  if (!equalBytes(again, bytes)) {
    let i = 0;
    while (i < again.length && i < bytes.length && again[i] === bytes[i]) i++;
    return {
      problem: 'non-canonical',
      detail: `accepted ${bytes.length} bytes, re-encodes to ${again.length}; first difference at byte ${i}: input ${toHex(bytes.subarray(i, i + 8))} vs re-encoded ${toHex(again.subarray(i, i + 8))}`,
      where: '',
    };
  }
  return { ok: 'decoded' };
}

export interface FuzzReport {
  readonly findings: Finding[];
  readonly mutants: number;
  readonly decoded: number;
  readonly rejected: number;
  /** Seeds that did not decode and round-trip themselves (a wiring error of the test). */
  readonly badSeeds: string[];
}

/** Mutates every seed under `plan` and probes the codec with each mutant. */
export function fuzz<T>(codec: Codec<T>, seeds: readonly Seed[], rng: Rng, plan?: MutationPlan): FuzzReport {
  const findings: Finding[] = [];
  const badSeeds: string[] = [];
  let n = 0;
  let decoded = 0;
  let rejected = 0;
  for (const seed of seeds) {
    const offs = learnOffsets(seed.bytes, () => void probe(codec, seed.bytes));
    const base = probe(codec, seed.bytes);
    if (!('ok' in base) || base.ok !== 'decoded') {
      badSeeds.push(`${seed.name}: ${'ok' in base ? errorText(base.error) : base.detail}`);
      continue;
    }
    for (const m of mutants(rng, seed.bytes, offs, plan)) {
      n++;
      const r = probe(codec, m.bytes);
      if ('ok' in r) {
        if (r.ok === 'decoded') decoded++;
        else rejected++;
      } else findings.push({ codec: codec.name, seed: seed.name, mutant: m, problem: r.problem, detail: r.detail, where: r.where });
    }
  }
  return { findings, mutants: n, decoded, rejected, badSeeds };
}

/** One line per distinct (problem, place, error class) with a count and one example, for assertion messages and the report. */
export function summarize(findings: readonly Finding[]): string {
  const groups = new Map<string, { n: number; ex: Finding }>();
  for (const f of findings) {
    const key = `${f.codec} | ${f.problem} | ${f.where} | ${f.detail.split(':')[0]}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { n: 1, ex: f });
    else g.n++;
  }
  return [...groups.values()]
    .map(({ n, ex }) => `${n}x ${ex.codec} ${ex.problem} at ${ex.where || '-'}: ${ex.detail} [e.g. seed ${ex.seed}, ${ex.mutant.desc}; input ${toHex(ex.mutant.bytes.subarray(0, 48))}${ex.mutant.bytes.length > 48 ? '…' : ''}]`)
    .join('\n');
}
