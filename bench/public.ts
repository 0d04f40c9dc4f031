// `npm run bench -- public` (and the end of `npm run bench:server`): what the
// delivery service pays per commit to follow a group's public state
// (main/mls/public), for groups of 10, 100 and 1,000 members. Per full-path
// update commit, median of several:
//   process    processPublicMessage on the cached view (the DS keeps recent views decoded)
//   decode     publicGroupFromBytes and the tree hash it must recompute: added on a cache miss
//   encode     publicGroupBytes of the new state (stored with every commit)
//   GroupInfo  checkGroupInfo of the committer's GroupInfo with its ratchet_tree
//   total      process + encode + GroupInfo (a cache hit)
// and the size of the stored state. Options: --sizes 10,100,1000 --commits N.

import * as mls from '../main/mls/index.js';
import type { GroupState, KeyPackageBundle } from '../main/mls/index.js';
import { getProvider } from '../main/mls/index.js';

export const title = 'public group state (what the DS pays per commit)';

interface Row {
  members: number;
  processMs: number;
  decodeMs: number;
  encodeMs: number;
  groupInfoMs: number;
  totalMs: number;
  stateBytes: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(fn: () => T): [number, T] {
  const t0 = performance.now();
  const v = fn();
  return [performance.now() - t0, v];
}

function measure(n: number, commits: number): Row {
  const creator = mls.createIdentity(1, 'u0/d1');
  let state: GroupState = mls.createGroup(creator);
  let view = mls.publicGroupFromGroupInfo(mls.groupInfo(state));
  const bundles: KeyPackageBundle[] = Array.from({ length: n - 1 }, (_, i) => mls.createKeyPackage(mls.createIdentity(1, `u${i + 1}/d1`)));
  const add = mls.addMembers(state, bundles.map((b) => b.keyPackage));
  view = mls.processPublicMessage(view, add.commit).group;
  state = mls.mergePendingCommit(state, add.pending);
  const proc: number[] = [];
  const dec: number[] = [];
  const enc: number[] = [];
  const gi: number[] = [];
  let bytes = mls.publicGroupBytes(view);
  for (let i = 0; i < commits; i++) {
    const c = mls.update(state);
    const [tProc, r] = time(() => mls.processPublicMessage(view, c.commit));
    const [tDec] = time(() => {
      const g = mls.publicGroupFromBytes(bytes);
      g.tree.treeHash(getProvider().getSuite(1));
    });
    view = r.group;
    const [tEnc, b] = time(() => mls.publicGroupBytes(view));
    bytes = b;
    const [tGi] = time(() => mls.checkGroupInfo(view, c.groupInfo));
    state = mls.mergePendingCommit(state, c.pending);
    proc.push(tProc);
    dec.push(tDec);
    enc.push(tEnc);
    gi.push(tGi);
  }
  const row = { members: n, processMs: median(proc), decodeMs: median(dec), encodeMs: median(enc), groupInfoMs: median(gi), stateBytes: bytes.length };
  return { ...row, totalMs: row.processMs + row.encodeMs + row.groupInfoMs };
}

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

export function run(args: string[] = []): void {
  const sizes = (option(args, '--sizes') ?? '10,100,1000').split(',').map(Number);
  const commits = Number(option(args, '--commits') ?? 9);
  console.log(`public state per full-path update commit (median of ${commits}):`);
  console.log('  members     process      encode   GroupInfo       total  +decode on a miss     state');
  const ms = (x: number): string => `${x.toFixed(2)} ms`.padStart(10);
  for (const n of sizes) {
    const r = measure(n, commits);
    console.log(`  ${String(n).padStart(7)}  ${ms(r.processMs)}  ${ms(r.encodeMs)}  ${ms(r.groupInfoMs)}  ${ms(r.totalMs)}         ${ms(r.decodeMs)}  ${(r.stateBytes / 1024).toFixed(0).padStart(5)} KiB`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run(process.argv.slice(2));
