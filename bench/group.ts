// `npm run bench` section: the group protocol through the public API, for
// groups of 2 to 10,000 members in one cipher suite (default 0x0001). For each
// size, the median of several runs (fewer for big groups) of:
//   build   one commit adding every other member (create + merge; KeyPackages made beforehand)
//   join    joining from that commit's Welcome (tree in the GroupInfo, fully validated)
//   update  a full-path Update commit: created by the creator, processed by another member
//   remove  a commit removing one member: created, and processed by another member
//   1 KiB application messages: encrypted per second, decrypted per second
// Options: --sizes 2,10,100 (default 2,10,100,1000,10000), --json (one JSON
// document instead of the table), --suite N, --runs N (override the run count).

import * as mls from '../main/mls/index.js';
import type { CipherSuiteId, GroupState, KeyPackageBundle } from '../main/mls/index.js';
import { printTable } from './measure.js';

export const title = 'group operations (public API) from 2 to 10,000 members';

interface SizeResult {
  members: number;
  runs: number;
  buildMs: number;
  joinMs: number;
  updateCreateMs: number;
  updateProcessMs: number;
  removeCreateMs: number;
  removeProcessMs: number;
  encryptPerSec: number;
  decryptPerSec: number;
  commitBytes: { add: number; welcome: number; update: number };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

function runsFor(n: number): number {
  return n <= 100 ? 7 : 3;
}

function parseArgs(args: readonly string[]): { sizes: number[]; json: boolean; suite: CipherSuiteId; runs?: number } {
  const value = (name: string): string | undefined => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    const a = args[i]!;
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
  };
  const sizes = (value('--sizes') ?? '2,10,100,1000,10000').split(',').map((s) => Number(s.trim()));
  for (const n of sizes) if (!Number.isInteger(n) || n < 2) throw new Error(`--sizes: ${n} is not a group size (an integer >= 2)`);
  const runs = value('--runs');
  return {
    sizes,
    json: args.includes('--json'),
    suite: Number(value('--suite') ?? 1) as CipherSuiteId,
    ...(runs !== undefined ? { runs: Number(runs) } : {}),
  };
}

function measureSize(suite: CipherSuiteId, n: number, runs: number, log: (s: string) => void): SizeResult {
  const creator = mls.createIdentity(suite, 'member 0');
  const others = Array.from({ length: n - 1 }, (_, i) => mls.createIdentity(suite, `member ${i + 1}`));
  const bundles: KeyPackageBundle[] = others.map((id) => mls.createKeyPackage(id));
  const kps = bundles.map((b) => b.keyPackage);
  // The measured joiner and receiver: the last member added (farthest from the creator in the tree).
  const j = n - 2;

  const build: number[] = [];
  const join: number[] = [];
  let a!: GroupState;
  let b!: GroupState;
  let sizes = { add: 0, welcome: 0, update: 0 };
  for (let r = 0; r < runs; r++) {
    const g0 = mls.createGroup(creator);
    const t = time(() => {
      const c = mls.addMembers(g0, kps);
      return { c, state: mls.mergePendingCommit(g0, c.pending) };
    });
    build.push(t.ms);
    const jt = time(() => mls.joinFromWelcome(t.value.c.welcome!, bundles[j]!, others[j]!));
    join.push(jt.ms);
    a = t.value.state;
    b = jt.value;
    sizes = { add: t.value.c.commit.length, welcome: t.value.c.welcome!.length, update: 0 };
  }
  log(`  ${n}: build ${median(build).toFixed(1)} ms, join ${median(join).toFixed(1)} ms`);

  const upC: number[] = [];
  const upP: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c = time(() => mls.update(a));
    upC.push(c.ms);
    sizes.update = c.value.commit.length;
    const p = time(() => mls.processMessage(b, c.value.commit));
    if (p.value.result.kind !== 'commit') throw new Error('update not processed as a commit');
    upP.push(p.ms);
  }
  const rmC: number[] = [];
  const rmP: number[] = [];
  for (let r = 0; r < runs; r++) {
    // Never the measured receiver (leaf n-1), except in a group of 2 where it is the only other member.
    const target = n === 2 ? 1 : 1 + (r % (n - 2));
    const c = time(() => mls.removeMembers(a, [target]));
    rmC.push(c.ms);
    const p = time(() => mls.processMessage(b, c.value.commit));
    if (p.value.result.kind !== (n === 2 ? 'removed' : 'commit')) throw new Error(`remove processed as ${p.value.result.kind}`);
    rmP.push(p.ms);
  }

  // 1 KiB messages: encrypt a batch, then decrypt it in order (each key is used once).
  const payload = new Uint8Array(1024).fill(0x61);
  const batch = 2000;
  const encRates: number[] = [];
  const decRates: number[] = [];
  for (let r = 0; r < 3; r++) {
    let s = a;
    const msgs: Uint8Array[] = [];
    const te = time(() => {
      for (let i = 0; i < batch; i++) {
        const m = mls.encrypt(s, payload);
        s = m.state;
        msgs.push(m.message);
      }
    });
    encRates.push((batch * 1000) / te.ms);
    let rs = b;
    const td = time(() => {
      for (const m of msgs) rs = mls.processMessage(rs, m).state;
    });
    decRates.push((batch * 1000) / td.ms);
  }
  return {
    members: n,
    runs,
    buildMs: median(build),
    joinMs: median(join),
    updateCreateMs: median(upC),
    updateProcessMs: median(upP),
    removeCreateMs: median(rmC),
    removeProcessMs: median(rmP),
    encryptPerSec: median(encRates),
    decryptPerSec: median(decRates),
    commitBytes: sizes,
  };
}

const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 1000 ? x.toFixed(1) : Math.round(x).toString());

export async function run(args: readonly string[] = process.argv.slice(2)): Promise<void> {
  const o = parseArgs(args);
  const provider = mls.getProvider();
  const log = o.json ? (s: string) => process.stderr.write(`${s}\n`) : (s: string) => console.log(s);
  log(`provider ${provider.name}, suite ${mls.CIPHER_SUITE_NAMES[o.suite]}; median of 7 runs (3 above 100 members); messages: median of 3 batches of 2000`);
  const results: SizeResult[] = [];
  for (const n of o.sizes) results.push(measureSize(o.suite, n, o.runs ?? runsFor(n), log));
  if (o.json) {
    console.log(JSON.stringify({ provider: provider.name, suite: o.suite, results }, null, 2));
    return;
  }
  printTable(
    ['members', 'runs', 'build ms', 'join ms', 'update create', 'update process', 'remove create', 'remove process', 'encrypt/s', 'decrypt/s'],
    results.map((r) => [
      String(r.members),
      String(r.runs),
      ms(r.buildMs),
      ms(r.joinMs),
      ms(r.updateCreateMs),
      ms(r.updateProcessMs),
      ms(r.removeCreateMs),
      ms(r.removeProcessMs),
      String(Math.round(r.encryptPerSec)),
      String(Math.round(r.decryptPerSec)),
    ]),
  );
}

// Run directly: node --import tsx bench/group.ts --sizes 8,128 --json
if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2));
