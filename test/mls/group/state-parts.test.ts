// A GroupState kept in parts (a core blob and secret-tree rows per epoch):
// deltas applied to a plain row map always rebuild the live state exactly,
// one message writes a row or a path of rows (never the core), and the
// rebuilding is strict about every row.

import assert from 'node:assert/strict';
import test from 'node:test';
import * as mls from '../../../main/mls/index.js';
import type { CipherSuiteId, ClientIdentity, GroupState, SecretTreeRow, StateDelta } from '../../../main/mls/index.js';
import { DecodeError, ValidationError } from '../../../main/mls/index.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { Rng } from '../robustness/prng.js';

/** What a store keeps for one group: the core and, per epoch, node → row data. */
class RowStore {
  core: Uint8Array;
  readonly rows = new Map<bigint, Map<number, Uint8Array>>();

  constructor(s: GroupState) {
    const p = mls.stateParts(s);
    this.core = p.core;
    for (const t of p.trees) this.rows.set(t.epoch, new Map(t.rows.map((r) => [r.node, r.data])));
  }

  apply(d: StateDelta): void {
    for (const e of d.dropEpochs) {
      assert.ok(this.rows.delete(e), `dropped epoch ${e} was stored`);
    }
    for (const e of d.newEpochs) {
      assert.ok(!this.rows.has(e), `new epoch ${e} was not stored`);
      this.rows.set(e, new Map());
    }
    for (const t of d.trees) {
      const m = this.rows.get(t.epoch);
      assert.ok(m !== undefined, `rows of epoch ${t.epoch} are stored`);
      for (const x of t.delete) assert.ok(m.delete(x), `deleted node ${x} of epoch ${t.epoch} was stored`);
      for (const r of t.put) m.set(r.node, r.data);
    }
    if (d.core !== undefined) this.core = d.core;
  }

  load(): GroupState {
    return mls.stateFromParts(this.core, this.treeMap());
  }

  treeMap(): Map<bigint, SecretTreeRow[]> {
    return new Map([...this.rows].map(([e, m]) => [e, [...m].map(([node, data]) => ({ node, data }))]));
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function deltaBytes(d: StateDelta): number {
  const trees = d.trees.reduce((n, t) => n + t.put.reduce((m, r) => m + 4 + r.data.length, 0) + 4 * t.delete.length, 0);
  return (d.core?.length ?? 0) + trees;
}

interface Tracked {
  readonly name: string;
  readonly id: ClientIdentity;
  state: GroupState;
  store: RowStore;
  /** Application messages not yet delivered to this member (delivered in any order). */
  inbox: Uint8Array[];
}

/** The new state of `m`: stores the delta and checks that the store rebuilds it byte for byte. */
function save(m: Tracked, next: GroupState, stats: Map<string, number>): StateDelta {
  const d = mls.stateDelta(m.state, next);
  m.store.apply(d);
  const live = mls.serializeState(next);
  assert.equal(hex(mls.serializeState(m.store.load())), hex(live), `${m.name}: the rebuilt state equals the live one`);
  assert.equal(hex(m.store.core), hex(mls.stateParts(next).core), `${m.name}: the stored core is current`);
  if (d.core === undefined) bump(stats, 'rows-only deltas');
  m.state = next;
  return d;
}

function bump(stats: Map<string, number>, k: string): void {
  stats.set(k, (stats.get(k) ?? 0) + 1);
}

/** alice creates a group of `total` members by one commit: bob (leaf 1), passive members, carol; `joined` of bob and carol join. */
function group(suite: CipherSuiteId, total: number, config: Partial<mls.GroupConfig>, joined = 2): Tracked[] {
  const ids = ['alice', 'bob', 'carol'].map((n) => mls.createIdentity(suite, n));
  const kps = ids.slice(1).map((id) => mls.createKeyPackage(id));
  const passive = Array.from({ length: total - 3 }, (_, i) => mls.createKeyPackage(mls.createIdentity(suite, `p${i}`)).keyPackage);
  let a = mls.createGroup(ids[0]!, { config });
  const c = mls.addMembers(a, [kps[0]!.keyPackage, ...passive, kps[1]!.keyPackage]);
  a = mls.mergePendingCommit(a, c.pending);
  const states = [a, ...kps.slice(0, joined).map((kp, i) => mls.joinFromWelcome(c.welcome!, kp, ids[i + 1]!, { config }))];
  return states.map((state, i) => ({ name: ['alice', 'bob', 'carol'][i]!, id: ids[i]!, state, store: new RowStore(state), inbox: [] }));
}

function randomRun(suite: CipherSuiteId, total: number, seed: number, steps: number, stats: Map<string, number>): void {
  const rng = new Rng(seed);
  const config: Partial<mls.GroupConfig> = {
    handshakeWireFormat: rng.int(2) === 0 ? WireFormat.mlsPublicMessage : WireFormat.mlsPrivateMessage,
    pastEpochsKept: 1 + rng.int(2),
    maxSkippedKeys: 3,
    maxForwardDistance: 50,
  };
  const ms = group(suite, total, config);
  let passiveId = 0;
  const trackedLeaves = (): Set<number> => new Set(ms.map((m) => mls.ownLeafIndex(m.state)));
  for (let step = 0; step < steps; step++) {
    const op = rng.int(100);
    const m = rng.pick(ms);
    const others = ms.filter((o) => o !== m);
    if (op < 40) {
      const r = mls.encrypt(m.state, text(`${m.name} ${step}`), undefined, { allowPendingProposals: true });
      const d = save(m, r.state, stats);
      assert.equal(d.core, undefined, 'sending writes no core');
      for (const o of others) o.inbox.push(r.message);
      bump(stats, 'send');
    } else if (op < 75) {
      const waiting = ms.filter((o) => o.inbox.length > 0);
      if (waiting.length === 0) continue;
      const to = rng.pick(waiting);
      const i = rng.int(to.inbox.length);
      const msg = to.inbox.splice(i, 1)[0]!;
      try {
        const r = mls.processMessage(to.state, msg);
        assert.equal(r.result.kind, 'application');
        const past = r.result.kind === 'application' && r.result.epoch < mls.epoch(to.state);
        const d = save(to, r.state, stats);
        assert.equal(d.core, undefined, 'receiving application data writes no core');
        assert.equal(d.trees.length, 1, 'one epoch changes');
        bump(stats, past ? 'receive late (past epoch)' : i > 0 ? 'receive out of order' : 'receive');
      } catch (e) {
        assert.ok(e instanceof ValidationError, String(e));
        const d = mls.stateDelta(to.state, to.state);
        assert.deepEqual(d, { trees: [], dropEpochs: [], newEpochs: [] }, 'no change, no writes');
        bump(stats, 'refused (too old)');
      }
    } else if (op < 88) {
      const passive = mls.members(m.state).map((x) => x.leafIndex).filter((l) => !trackedLeaves().has(l));
      const pending = new Set(m.state.pendingProposals.flatMap((p) => (p.proposal.proposalType === 3 ? [p.proposal.remove.removed] : [])));
      const removable = passive.filter((l) => !pending.has(l));
      const kind = rng.int(3);
      const r =
        kind === 0
          ? mls.proposeUpdate(m.state)
          : kind === 1 && removable.length > 0
            ? mls.proposeRemove(m.state, rng.pick(removable))
            : mls.proposeGroupContextExtensions(m.state, [{ extensionType: 1, extensionData: rng.bytes(1 + rng.int(8)) }]);
      save(m, r.state, stats);
      for (const o of others) save(o, mls.processMessage(o.state, r.message).state, stats);
      bump(stats, 'proposal');
    } else {
      const passive = mls.members(m.state).map((x) => x.leafIndex).filter((l) => !trackedLeaves().has(l));
      const what = rng.int(3);
      const opts: mls.CommitOptions =
        what === 0
          ? { add: [mls.createKeyPackage(mls.createIdentity(suite, `new${passiveId++}`)).keyPackage] }
          : what === 1 && passive.length > 0 && m.state.pendingProposals.length === 0
            ? { remove: [rng.pick(passive)] }
            : {};
      const c = mls.commit(m.state, opts);
      const d = save(m, mls.mergePendingCommit(m.state, c.pending), stats);
      assert.ok(d.core !== undefined && d.newEpochs.length === 1, 'a commit writes a core and a new epoch');
      for (const o of others) {
        const r = mls.processMessage(o.state, c.commit);
        assert.equal(r.result.kind, 'commit');
        save(o, r.state, stats);
      }
      bump(stats, `commit (${mls.members(m.state).length} members, ${m.state.tree.nLeaves} leaves)`);
    }
  }
  for (const m of ms) {
    const p = mls.stateParts(m.state);
    assert.deepEqual(
      [...m.store.rows].sort((x, y) => (x[0] < y[0] ? 1 : -1)).map(([e, r]) => [e, [...r.keys()].sort((x, y) => x - y)]),
      p.trees.map((t) => [t.epoch, t.rows.map((r) => r.node)]),
      `${m.name}: the stored rows are exactly the frontier`,
    );
  }
}

void test('deltas applied to a row map rebuild the live state exactly, over random operations (suites 1 and 3)', () => {
  const stats = new Map<string, number>();
  for (const suite of [1, 3] as const) {
    [3, 4, 5, 8, 9, 13, 17].forEach((total, i) => randomRun(suite, total, 1000 * suite + i, 110, stats));
  }
  for (const k of ['send', 'receive', 'receive out of order', 'receive late (past epoch)', 'refused (too old)', 'proposal', 'rows-only deltas']) {
    assert.ok((stats.get(k) ?? 0) > 0, `the runs covered "${k}" (${JSON.stringify([...stats])})`);
  }
  assert.ok([...stats.keys()].some((k) => k.includes('32 leaves')), 'trees grew to 32 leaves');
});

/** alice and bob tracked in a group of `n` members (n leaves when n is a power of two). */
function pairIn(n: number): { a: Tracked; b: Tracked } {
  const [a, b] = group(1, n, {}, 1);
  return { a: a!, b: b! };
}

function singleMessage(n: number): { fresh: StateDelta; expanded: StateDelta; own: StateDelta } {
  const { a, b } = pairIn(n);
  const stats = new Map<string, number>();
  assert.equal(a.state.tree.nLeaves, n);
  const m1 = mls.encrypt(b.state, text('first'));
  const own = mls.stateDelta(b.state, m1.state);
  save(b, m1.state, stats);
  const fresh = save(a, mls.processMessage(a.state, m1.message).state, stats);
  const m2 = mls.encrypt(b.state, text('second'));
  save(b, m2.state, stats);
  const expanded = save(a, mls.processMessage(a.state, m2.message).state, stats);
  return { fresh, expanded, own };
}

void test('one message writes one row once its sender is expanded, a path of rows the first time, never the core; sizes do not grow with the group', () => {
  const small = singleMessage(8);
  const big = singleMessage(1024);
  for (const [n, s] of [
    [8, small],
    [1024, big],
  ] as const) {
    const log = Math.log2(n);
    for (const d of [s.fresh, s.own, s.expanded]) {
      assert.equal(d.core, undefined);
      assert.deepEqual([d.dropEpochs, d.newEpochs, d.trees.length], [[], [], 1]);
    }
    const f = s.fresh.trees[0]!;
    assert.ok(f.put.length <= 2 * log + 1, `fresh sender in ${n} leaves: ${f.put.length} puts`);
    assert.ok(f.delete.length <= log, `fresh sender in ${n} leaves: ${f.delete.length} deletes`);
    const e = s.expanded.trees[0]!;
    assert.equal(e.put.length, 1, 'an expanded sender: exactly one row');
    assert.equal(e.delete.length, 0);
    assert.equal(e.put[0]!.node, 2, "the row is bob's leaf (node 2)");
    assert.ok(deltaBytes(s.expanded) < 1024, `${deltaBytes(s.expanded)} bytes`);
    assert.ok(deltaBytes(s.fresh) < 1024, `${deltaBytes(s.fresh)} bytes`);
  }
  assert.equal(deltaBytes(big.expanded), deltaBytes(small.expanded), 'an expanded sender costs the same at 8 and 1,024 leaves');
  assert.equal(big.fresh.trees[0]!.put.length, 11, 'at 1,024 leaves a fresh path is 10 copath secrets and the leaf');
  // The measured sizes, for the record.
  console.log(
    `single-message delta bytes: expanded sender ${deltaBytes(small.expanded)} (8 leaves) / ${deltaBytes(big.expanded)} (1024 leaves); ` +
      `fresh sender ${deltaBytes(small.fresh)} (8) / ${deltaBytes(big.fresh)} (1024), rows put/deleted ${small.fresh.trees[0]!.put.length}/${small.fresh.trees[0]!.delete.length} (8), ` +
      `${big.fresh.trees[0]!.put.length}/${big.fresh.trees[0]!.delete.length} (1024)`,
  );
});

void test('a commit moves the current epoch to the past epochs without rewriting its rows, and drops the oldest', () => {
  const [a] = group(1, 3, { pastEpochsKept: 1 }, 0);
  const stats = new Map<string, number>();
  save(a!, mls.encrypt(a!.state, text('x')).state, stats);
  const c1 = mls.commit(a!.state);
  const d1 = save(a!, mls.mergePendingCommit(a!.state, c1.pending), stats);
  assert.deepEqual([d1.newEpochs, d1.dropEpochs, d1.trees.map((t) => t.epoch)], [[2n], [0n], [2n]], 'epoch 1 becomes the one past epoch kept, as it is');
  assert.equal(d1.trees[0]!.put.length, 1, 'a fresh tree is one secret row');
  const c2 = mls.commit(a!.state);
  const d2 = save(a!, mls.mergePendingCommit(a!.state, c2.pending), stats);
  assert.deepEqual([d2.newEpochs, d2.dropEpochs], [[3n], [1n]]);
});

void test('stateFromParts is strict about the core and every row', () => {
  const [a] = group(1, 3, {}, 0);
  const stats = new Map<string, number>();
  save(a!, mls.encrypt(a!.state, text('x')).state, stats); // epoch 1: rows for nodes 0 (leaf), 2, 5 (secrets)
  const { core, trees } = mls.stateParts(a!.state);
  assert.deepEqual(
    trees.map((t) => [t.epoch, t.rows.map((r) => r.node)]),
    [[1n, [0, 2, 5]], [0n, [0]]],
  );
  const base = new Map(trees.map((t) => [t.epoch, t.rows]));
  const rows1 = base.get(1n)!;
  const row = (x: number): SecretTreeRow => rows1.find((r) => r.node === x)!;
  const withRows = (rows: SecretTreeRow[], more: [bigint, SecretTreeRow[]][] = []): Map<bigint, readonly SecretTreeRow[]> => new Map([...base, [1n, rows], ...more]);
  const bad = (c: Uint8Array, t: ReadonlyMap<bigint, readonly SecretTreeRow[]>, re: RegExp): void => {
    assert.throws(
      () => mls.stateFromParts(c, t),
      (e: unknown) => e instanceof DecodeError && re.test(e.message),
    );
  };
  assert.equal(hex(mls.serializeState(mls.stateFromParts(core, base))), hex(mls.serializeState(a!.state)));
  // Rows in any order.
  assert.equal(hex(mls.serializeState(mls.stateFromParts(core, withRows([...rows1].reverse())))), hex(mls.serializeState(a!.state)));

  const leaf = row(0);
  const secretRow = (x: number, len: number): SecretTreeRow => ({ node: x, data: Uint8Array.of(0, len, ...new Uint8Array(len)) });
  bad(core, withRows([{ node: 0, data: leaf.data.subarray(0, leaf.data.length - 1) }, row(2), row(5)]), /GroupStateParts\.trees\[epoch 1\]\.node\[0\]\.application\.skipped: /);
  bad(core, withRows([{ node: 0, data: Uint8Array.of(...leaf.data, 0) }, row(2), row(5)]), /GroupStateParts\.trees\[epoch 1\]\.node\[0\]: 1 trailing bytes/);
  bad(core, withRows([row(0), row(5)]), /node\[2\]: missing row: no row for leaf node 2/);
  bad(core, withRows([row(0), row(2)]), /node\[4\]: missing row/);
  bad(core, withRows([row(0), row(2), row(5), row(5)]), /node\[5\]: duplicate row/);
  bad(core, withRows([row(0), row(2), row(5), secretRow(4, 32)]), /node\[4\]: overlapping row: node 4 lies under the row for node 5/);
  bad(core, withRows([row(0), row(2), row(5), secretRow(3, 32)]), /node\[0\]: overlapping row: node 0 lies under the row for node 3/);
  bad(core, withRows([row(0), row(2), secretRow(5, 31)]), /node\[5\]\.secret: secret of 31 bytes, want 32/);
  bad(core, withRows([row(0), row(2), { node: 5, data: Uint8Array.of(1) }]), /node\[5\]\.kind: node kind 1 not allowed in a frontier entry at level 1/);
  bad(core, withRows([row(0), row(2), { node: 5, data: leaf.data }]), /node\[5\]\.kind: node kind 2 not allowed/);
  bad(core, withRows([row(0), row(2), row(5), secretRow(7, 32)]), /node\[7\]: not a node of a tree of 4 leaves/);
  bad(core, withRows([row(0), row(2), row(5), secretRow(-1, 32)]), /node\[-1\]: not a node/);
  bad(core, withRows([row(0), row(2), row(5)], [[7n, [secretRow(0, 32)]]]), /trees\[epoch 7\]: rows of an epoch the core does not keep/);
  bad(core, new Map([[1n, rows1]]), /trees\[epoch 0\]: missing/);
  bad(core.subarray(0, core.length - 1), base, /GroupStateCore/);
  bad(Uint8Array.of(...core, 0), base, /GroupStateCore: 1 trailing bytes/);
  bad(mls.serializeState(a!.state), base, /GroupStateCore\.format: unknown group state format 2/);
  assert.throws(() => mls.deserializeState(core), /GroupState\.format: unknown group state format 32769/);
});
