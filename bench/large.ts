// `npm run bench -- large [--size 10000] [--runs 5]`: Arbor alone at 10,000
// members (issue 14's figures), through the public API, in suite 0x0001 with
// handshake PrivateMessages and the tree in the Welcome:
//   add       the creator adds the other N-1 members in one commit
//   join      a member joins from that Welcome (tree inside, fully validated)
//   steady    the tree is brought to a steady state around the creator: members
//             at leaves 2, 4, 8, ... (one under each node of the creator's
//             copath) commit an empty update each and everyone concerned
//             processes it, so every node of the creator's copath is a
//             non-blank parent (resolution of one) -- untimed
//   update    the creator commits an empty update (one HPKE seal per level)
//   process   the last member processes it
//   remove    the creator removes member N/2; process: the last member processes that
//   state     serializing the last member's state (serializeState), and reading it back;
//             stateParts (the messenger's storage), and a delta after one message
// Each timed figure is the median of several runs (spread = max/min).

import * as mls from '../main/mls/index.js';
import type { ClientIdentity, GroupState, KeyPackageBundle } from '../main/mls/index.js';
import { printTable } from './measure.js';

export const title = 'Arbor at 10,000 members: join, steady-state update and processing, state serialization';

const CONFIG = { handshakeWireFormat: 2 } as const;

function parse(args: readonly string[]): { size: number; runs: number } {
  const value = (name: string, dflt: string): string => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return dflt;
    const a = args[i]!;
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[i + 1] ?? dflt);
  };
  return { size: Number(value('--size', '10000')), runs: Number(value('--runs', '5')) };
}

function timeIt<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

function stats(xs: number[]): { median: number; spread: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, spread: s[s.length - 1]! / s[0]! };
}

function processed(state: GroupState, msg: Uint8Array): GroupState {
  const r = mls.processMessage(state, msg);
  if (r.result.kind !== 'commit') throw new Error(`large bench: processed as ${r.result.kind}`);
  return r.state;
}

export async function run(args: readonly string[] = []): Promise<void> {
  const { size: n, runs } = parse(args);
  const log = (s: string): void => console.log(s);
  log(`${n} members, provider ${mls.getProvider().name}, suite 0x0001, handshake PrivateMessage, tree in the Welcome; median of ${runs} runs`);
  const rows: string[][] = [];
  const row = (what: string, xs: number[], note = ''): void => {
    const s = stats(xs);
    rows.push([what, s.median < 10 ? s.median.toFixed(2) : s.median.toFixed(1), s.spread.toFixed(2), note]);
  };

  // Warm-up (untimed): the same steps in a group of 16.
  {
    const ws = Array.from({ length: 16 }, (_, i) => mls.createIdentity(1, `w${i}`));
    const wb = ws.slice(1).map((id) => mls.createKeyPackage(id));
    const w0 = mls.createGroup(ws[0]!, { config: CONFIG });
    const wc = mls.addMembers(w0, wb.map((b) => b.keyPackage));
    const wr = mls.joinFromWelcome(wc.welcome!, wb[14]!, ws[15]!, { config: CONFIG });
    processed(wr, mls.update(mls.mergePendingCommit(w0, wc.pending)).commit);
    mls.deserializeState(mls.serializeState(wr));
  }
  const t0 = performance.now();
  const creator = mls.createIdentity(1, 'member 0');
  const ids: ClientIdentity[] = Array.from({ length: n - 1 }, (_, i) => mls.createIdentity(1, `member ${i + 1}`));
  const bundles: KeyPackageBundle[] = ids.map((id) => mls.createKeyPackage(id));
  log(`  ${n - 1} KeyPackages made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const g0 = mls.createGroup(creator, { config: CONFIG });
  const added = timeIt(() => mls.addMembers(g0, bundles.map((b) => b.keyPackage)));
  row('add N-1 members (one commit)', [added.ms], '1 run');
  let creatorState = mls.mergePendingCommit(g0, added.value.pending);
  const welcome = added.value.welcome!;
  log(`  add ${added.ms.toFixed(0)} ms; Welcome ${(welcome.length / 1e6).toFixed(2)} MB`);

  // Joins: the last member, then others (each joins the same epoch from the same Welcome).
  const joiners = [n - 1, n >> 1, Math.max(1, n >> 2), 3, n - 2].slice(0, Math.max(1, runs));
  const joined = new Map<number, GroupState>();
  const joinTimes: number[] = [];
  for (const l of joiners) {
    const j = timeIt(() => mls.joinFromWelcome(welcome, bundles[l - 1]!, ids[l - 1]!, { config: CONFIG }));
    joinTimes.push(j.ms);
    joined.set(l, j.value);
  }
  row('join from the Welcome', joinTimes, `leaves ${joiners.join(', ')}`);
  let receiver = joined.get(n - 1)!;

  // Steady state around the creator: a commit from one member under each node of its copath.
  const t1 = performance.now();
  const committers: number[] = [];
  for (let l = 2; l < n; l *= 2) committers.push(l);
  const states = new Map<number, GroupState>([[0, creatorState], [n - 1, receiver]]);
  for (const c of committers) if (!states.has(c)) states.set(c, joined.get(c) ?? mls.joinFromWelcome(welcome, bundles[c - 1]!, ids[c - 1]!, { config: CONFIG }));
  for (const c of committers) {
    const commit = mls.update(states.get(c)!);
    for (const [l, s] of states) states.set(l, l === c ? mls.mergePendingCommit(s, commit.pending) : processed(s, commit.commit));
  }
  creatorState = states.get(0)!;
  receiver = states.get(n - 1)!;
  log(`  steady state: ${committers.length} commits (leaves ${committers.join(', ')}) made and processed in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  const upTimes: number[] = [];
  const procTimes: number[] = [];
  let update: mls.CommitResult | undefined;
  for (let r = 0; r < runs; r++) {
    const u = timeIt(() => mls.update(creatorState));
    upTimes.push(u.ms);
    update = u.value;
    procTimes.push(timeIt(() => processed(receiver, u.value.commit)).ms);
  }
  const giTimes: number[] = [];
  for (let r = 0; r < runs; r++) giTimes.push(timeIt(() => mls.groupInfo(creatorState, { ratchetTree: true, externalPub: true })).ms);
  row('update commit, copath fully populated', upTimes, `${update!.commit.length} B commit`);
  row('process that update (last member)', procTimes);
  row('  a GroupInfo with the tree, for comparison', giTimes);

  const rmTimes: number[] = [];
  const rmProc: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c = timeIt(() => mls.removeMembers(creatorState, [n >> 1]));
    rmTimes.push(c.ms);
    rmProc.push(timeIt(() => processed(receiver, c.value.commit)).ms);
  }
  row('remove commit (member N/2)', rmTimes);
  row('process the remove (last member)', rmProc);

  const ser: number[] = [];
  const de: number[] = [];
  let bytes: Uint8Array = new Uint8Array(0);
  for (let r = 0; r < runs; r++) {
    const s = timeIt(() => mls.serializeState(receiver));
    ser.push(s.ms);
    bytes = s.value;
    de.push(timeIt(() => mls.deserializeState(bytes)).ms);
  }
  row('serialize the state (serializeState)', ser, `${(bytes.length / 1e6).toFixed(2)} MB`);
  row('read it back (deserializeState)', de);
  const parts: number[] = [];
  for (let r = 0; r < runs; r++) parts.push(timeIt(() => mls.stateParts(receiver)).ms);
  row('stateParts (core + secret-tree rows)', parts);

  console.log('');
  printTable(['step', 'ms', 'spread', ''], rows);
}

// Run directly: node --import tsx bench/large.ts --size 10000
if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2));
