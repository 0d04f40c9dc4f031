// Robustness of the storage codecs (SecretTreeState, GroupState): a corrupted
// SQLite row must be refused with an MlsError, never loaded half-right, and
// never accepted in a second encoding. Seeds are real states; mutations as in
// decoders.test.ts.

import assert from 'node:assert/strict';
import test from 'node:test';
import { DecodeError, MlsError } from '../../../main/mls/errors.js';
import { groupStateFromBytes } from '../../../main/mls/group/state-codec.js';
import { createApplicationMessage, createCommit, createProposalMessage, mergePendingCommit, processMessage, removeProposal, groupStateBytes } from '../../../main/mls/group/index.js';
import { createSecretTree, nextSenderKey, receiverKey, serializeSecretTreeState } from '../../../main/mls/schedule/secret-tree.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { equalBytes, utf8 } from '../../../main/mls/util/bytes.js';
import { GroupStateCodec, SecretTreeStateCodec } from './codecs.js';
import { suiteOf, trio } from './fixture.js';
import { isKnown, KNOWN_FINDINGS } from './known.js';
import { learnOffsets, mutants } from './mutate.js';
import { engineFrame, errorText, fuzz, SLOW_MS, summarize, type Codec, type Finding, type Seed, cpuNow } from './probe.js';
import { Rng } from './prng.js';

function secretTreeSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const id of [1, 5] as const) {
    const suite = suiteOf(id);
    const fresh = createSecretTree(suite, new Uint8Array(suite.kdf.size).fill(7), 4);
    out.push({ name: `suite ${id}: fresh 4-leaf tree`, bytes: serializeSecretTreeState(fresh) });
    const sent = nextSenderKey(suite, fresh, leafIndex(1), 'application').state;
    const recv = receiverKey(suite, sent, leafIndex(2), 'handshake', 5).state;
    out.push({ name: `suite ${id}: leaf 1 sent, leaf 2 received generation 5 (5 skipped keys)`, bytes: serializeSecretTreeState(recv) });
  }
  const one = createSecretTree(suiteOf(1), new Uint8Array(32).fill(1), 1);
  out.push({ name: 'suite 1: 1-leaf tree, used', bytes: serializeSecretTreeState(receiverKey(suiteOf(1), one, leafIndex(0), 'application', 2).state) });
  return out;
}

const results = new Map<string, Finding[]>();

function run(codec: Codec<unknown>, seeds: () => Seed[], seed: number): Finding[] {
  const cached = results.get(codec.name);
  if (cached !== undefined) return cached;
  const r = fuzz(codec, seeds(), new Rng(seed));
  assert.deepEqual(r.badSeeds, [], 'every seed must decode and re-encode to itself');
  assert.ok(r.rejected > r.mutants / 4, `only ${r.rejected} of ${r.mutants} mutants rejected`);
  results.set(codec.name, r.findings);
  return r.findings;
}

function groupStateSeeds(): Seed[] {
  const t = trio();
  // bob at epoch 1 with a pending proposal, and after reading an application message.
  const prop = createProposalMessage(t.alice, removeProposal(2));
  const bobPending = processMessage(t.bob, prop.message).state;
  const app = createApplicationMessage(t.carol, utf8('hello'));
  const bobRead = processMessage(t.bob, app.message).state;
  // alice at epoch 2, with a past epoch kept.
  const c = createCommit(t.alice);
  const alice2 = mergePendingCommit(t.alice, c.pending);
  return [
    { name: 'alice, epoch 1', bytes: groupStateBytes(t.alice) },
    { name: 'bob, epoch 1, one pending proposal', bytes: groupStateBytes(bobPending) },
    { name: 'bob, epoch 1, after reading an application message', bytes: groupStateBytes(bobRead) },
    { name: 'alice, epoch 2, one past epoch', bytes: groupStateBytes(alice2) },
  ];
}

const TARGETS = [
  { codec: SecretTreeStateCodec as Codec<unknown>, seeds: secretTreeSeeds, rng: 0x5ec7 },
  { codec: GroupStateCodec as Codec<unknown>, seeds: groupStateSeeds, rng: 0x6057 },
];

for (const t of TARGETS) {
  void test(`fuzz ${t.codec.name}: every mutant decodes canonically or throws MlsError`, () => {
    const unknown = run(t.codec, t.seeds, t.rng).filter((f) => isKnown(f) === undefined);
    assert.equal(unknown.length, 0, summarize(unknown));
  });
}

for (const k of KNOWN_FINDINGS.filter((x) => TARGETS.some((t) => t.codec.name === x.codec))) {
  void test(`known finding: ${k.id}`, { todo: k.todo }, () => {
    const t = TARGETS.find((x) => x.codec.name === k.codec)!;
    const hits = run(t.codec, t.seeds, t.rng).filter((f) => k.matches(f));
    assert.equal(hits.length, 0, summarize(hits));
  });
}

// A row that still decodes after corruption (a flipped bit inside a key, a
// changed index) must at worst make later operations fail with an MlsError.
void test('a corrupted GroupState that still loads fails later operations with MlsError only', () => {
  const t = trio();
  const app = createApplicationMessage(t.carol, utf8('to bob')).message;
  const commit = createCommit(t.alice).commit;
  const seed = groupStateBytes(t.bob);
  const offs = learnOffsets(seed, () => void groupStateFromBytes(seed));
  const findings: Finding[] = [];
  let loaded = 0;
  // config.padding_block_size (the first u32 of the 24-byte config at the end) is left to its own
  // test below: a huge value makes every send allocate and encrypt up to 4 GiB, which is slow.
  const pad = seed.length - 24;
  const touchesPadding = (b: Uint8Array): boolean => [0, 1, 2, 3].some((i) => b[pad + i] !== seed[pad + i]);
  const all = mutants(new Rng(0x10ad), seed, offs, { bitFlips: 150, inserts: 0, deletes: 0, truncateAll: 0, random: 0, maxFields: 80 });
  for (const m of all.filter((x) => !touchesPadding(x.bytes))) {
    let st;
    try {
      st = groupStateFromBytes(m.bytes);
    } catch (e) {
      if (e instanceof MlsError) continue;
      throw e;
    }
    loaded++;
    const ops: [string, () => unknown][] = [
      ['processMessage(application)', () => processMessage(st, app)],
      ['processMessage(commit)', () => processMessage(st, commit)],
      ['createApplicationMessage', () => createApplicationMessage(st, utf8('x'))],
      ['createCommit', () => createCommit(st)],
    ];
    for (const [op, fn] of ops) {
      const t0 = cpuNow();
      try {
        fn();
      } catch (e) {
        if (!(e instanceof MlsError)) findings.push({ codec: 'GroupState(loaded)', seed: op, mutant: m, problem: 'crash', detail: `${op}: ${errorText(e)}`, where: engineFrame(e) });
      }
      const ms = cpuNow() - t0;
      if (ms > SLOW_MS) findings.push({ codec: 'GroupState(loaded)', seed: op, mutant: m, problem: 'slow', detail: `${op}: ${ms.toFixed(0)} ms`, where: '' });
    }
  }
  assert.ok(loaded > 100, `only ${loaded} corrupted states loaded`);
  assert.equal(findings.length, 0, summarize(findings));
});

// Found by the test above (2^32-1 made createApplicationMessage throw RangeError from the AEAD; 2^28 took
// 1.8 s (node) / 13 s (noble) per message) and fixed in the session with a bound in checkConfig/decodeConfig.
void test('regression: a GroupState whose padding_block_size is 2^32-1 is refused on load, or sending fails with MlsError', () => {
  const t = trio();
  const seed = groupStateBytes(t.bob);
  const bytes = seed.slice();
  bytes.set([0xff, 0xff, 0xff, 0xff], seed.length - 24);
  let st;
  try {
    st = groupStateFromBytes(bytes);
  } catch (e) {
    assert.ok(e instanceof MlsError);
    return;
  }
  assert.equal(st.config.paddingBlockSize, 0xffffffff);
  assert.throws(() => createApplicationMessage(st, utf8('x')), MlsError);
});

void test('regression: GroupState private_keys out of node order, or for a node off the own direct path, are refused', () => {
  const t = trio();
  const seed = groupStateBytes(t.bob);
  // bob is leaf 1 (node 2); his direct path is nodes 1 and 3. Find the u32 node field of the entry for node 3.
  const key3 = t.bob.privateKeys.keys.get(3 as never)!;
  let at = -1;
  for (let i = 0; i + 5 + key3.length <= seed.length && at < 0; i++) {
    if (seed[i] === 0 && seed[i + 1] === 0 && seed[i + 2] === 0 && seed[i + 3] === 3 && seed[i + 4] === key3.length && equalBytes(seed.subarray(i + 5, i + 5 + key3.length), key3)) at = i;
  }
  assert.ok(at > 0, 'entry for node 3 not found');
  for (const node of [0, 2, 5]) {
    const b = seed.slice();
    b[at + 3] = node; // 0: another member's leaf (and out of order); 2: duplicate/out of order; 5: carol's parent
    assert.throws(() => groupStateFromBytes(b), DecodeError, `node ${node}`);
  }
});
