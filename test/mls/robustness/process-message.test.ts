// Robustness of message processing (design principle: nothing a peer or the
// server sends can crash the process or corrupt state). A 3-member group in
// suite 1 produces valid messages; each is mutated deterministically and fed to
// another member's processMessage. Every outcome must be a typed MlsError (or
// success for the unmutated message), the receiver's groupStateBytes must be
// identical before and after every call, and no call may exceed SLOW_MS.
// In a PublicMessage every byte is covered by the signature and the membership
// tag; in a PrivateMessage by the AEADs (header as AAD): so the RFC makes no
// mutation of these messages irrelevant, and any accepted mutant is a finding.
// Welcome: bytes of another joiner's EncryptedGroupSecrets are irrelevant to
// this joiner (RFC 9420 §12.4.3.1: it looks up its own entry by KeyPackageRef),
// so a same-length mutation confined to that entry may be accepted.

import assert from 'node:assert/strict';
import test from 'node:test';
import { encode } from '../../../main/mls/codec/encoder.js';
import { MlsError } from '../../../main/mls/errors.js';
import { parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import {
  addProposal,
  createApplicationMessage,
  createCommit,
  createProposalMessage,
  createUpdateProposal,
  epochAuthenticator,
  groupStateBytes,
  joinFromWelcome,
  processMessage,
  removeProposal,
  type GroupState,
} from '../../../main/mls/group/index.js';
import { encodeEncryptedGroupSecrets } from '../../../main/mls/messages/encrypted-group-secrets.js';
import { equalBytes, utf8 } from '../../../main/mls/util/bytes.js';
import { member, trio, type Member } from './fixture.js';
import { learnOffsets, mutants, type Mutant, type MutationPlan } from './mutate.js';
import { engineFrame, errorText, SLOW_MS, summarize, type Finding, cpuNow } from './probe.js';
import { Rng } from './prng.js';

const PLAN: MutationPlan = { bitFlips: 200, inserts: 24, deletes: 24, truncateAll: 80, random: 16, maxFields: 40 };

const t = trio();
const [, bobM, carolM] = t.members;
const eve = member(t.suite, 'eve');

interface Sample {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The member that receives it, and the result kind the unmutated message must give. */
  readonly receiver: GroupState;
  readonly kind: 'application' | 'proposal' | 'commit';
}

const priv = { wireFormat: WireFormat.mlsPrivateMessage } as const;
const update = createUpdateProposal(t.alice);

// bob one epoch on, and an application message alice sent in the epoch before (kept past epoch, §15.2 ordering).
const late = createApplicationMessage(t.alice, utf8('sent before the commit'));
const bobNext = processMessage(t.bob, createCommit(t.alice).commit).state;

const SAMPLES: readonly Sample[] = [
  { name: 'PrivateMessage application of the previous epoch', bytes: late.message, receiver: bobNext, kind: 'application' },
  { name: 'PublicMessage commit (empty, with path)', bytes: createCommit(t.alice).commit, receiver: t.bob, kind: 'commit' },
  { name: 'PublicMessage commit (remove carol, add eve)', bytes: createCommit(t.alice, { proposals: [removeProposal(2), addProposal(eve.kp.keyPackage)] }).commit, receiver: t.bob, kind: 'commit' },
  { name: 'PublicMessage proposal (remove)', bytes: createProposalMessage(t.alice, removeProposal(2)).message, receiver: t.bob, kind: 'proposal' },
  { name: 'PublicMessage proposal (update)', bytes: createProposalMessage(t.alice, update.proposal, { update }).message, receiver: t.carol, kind: 'proposal' },
  { name: 'PrivateMessage application', bytes: createApplicationMessage(t.alice, utf8('hello bob'), utf8('aad')).message, receiver: t.bob, kind: 'application' },
  { name: 'PrivateMessage application from carol', bytes: createApplicationMessage(t.carol, new Uint8Array(100).fill(0x61)).message, receiver: t.bob, kind: 'application' },
  { name: 'PrivateMessage commit', bytes: createCommit(t.alice, priv).commit, receiver: t.bob, kind: 'commit' },
  { name: 'PrivateMessage proposal (add eve)', bytes: createProposalMessage(t.alice, addProposal(eve.kp.keyPackage), priv).message, receiver: t.carol, kind: 'proposal' },
];

function finding(name: string, m: Mutant, problem: Finding['problem'], detail: string, where = ''): Finding {
  return { codec: name, seed: name, mutant: m, problem, detail, where };
}

/** Feeds every mutant of `s` to its receiver; returns the findings and how many were rejected. */
function fuzzMessage(s: Sample, rng: Rng): { findings: Finding[]; rejected: number; total: number } {
  const before = groupStateBytes(s.receiver);
  const offs = learnOffsets(s.bytes, () => void parseMLSMessage(s.bytes));
  const findings: Finding[] = [];
  let rejected = 0;
  const all = mutants(rng, s.bytes, offs, PLAN);
  for (const m of all) {
    const t0 = cpuNow();
    let accepted = false;
    try {
      processMessage(s.receiver, m.bytes);
      accepted = true;
    } catch (e) {
      if (e instanceof MlsError) rejected++;
      else findings.push(finding(s.name, m, 'crash', errorText(e), engineFrame(e)));
    }
    const ms = cpuNow() - t0;
    if (ms > SLOW_MS) findings.push(finding(s.name, m, 'slow', `${ms.toFixed(0)} ms`));
    if (accepted) findings.push(finding(s.name, m, 'accepted-mutant', 'processMessage accepted a mutated message'));
    if (!equalBytes(groupStateBytes(s.receiver), before)) findings.push(finding(s.name, m, 'state-changed', 'the receiver state changed'));
  }
  return { findings, rejected, total: all.length };
}

SAMPLES.forEach((s, k) => {
  void test(`processMessage, mutated ${s.name}: typed error, state unchanged`, () => {
    const before = groupStateBytes(s.receiver);
    // The unmutated message is accepted (so rejections below are about the mutation).
    const ok = processMessage(s.receiver, s.bytes);
    assert.equal(ok.result.kind, s.kind);
    assert.deepEqual(groupStateBytes(s.receiver), before, 'processing must not change the input state');
    const r = fuzzMessage(s, new Rng(0x9e55 + k));
    assert.equal(r.findings.length, 0, `${r.findings.length} of ${r.total} mutants broke the principle:\n${summarize(r.findings)}`);
    assert.equal(r.rejected, r.total);
  });
});

void test('processMessage: messages of another group, random bytes and empty input are typed errors', () => {
  const other = trio();
  const before = groupStateBytes(t.bob);
  const foreign = [createCommit(other.alice).commit, createApplicationMessage(other.alice, utf8('x')).message, other.welcome, new Uint8Array(0)];
  const rng = new Rng(0xf0e1);
  for (let i = 0; i < 200; i++) foreign.push(rng.bytes(rng.int(300)));
  for (const bytes of foreign) {
    assert.throws(() => processMessage(t.bob, bytes), MlsError);
    assert.deepEqual(groupStateBytes(t.bob), before);
  }
});

// ---------------------------------------------------------------- Welcome

/** Byte range of the EncryptedGroupSecrets addressed to `m` in the Welcome bytes. */
function entryRange(welcome: Uint8Array, m: Member): [number, number] {
  const msg = parseMLSMessage(welcome);
  if (msg.wireFormat !== WireFormat.mlsWelcome) throw new Error('not a Welcome');
  const entry = msg.welcome.secrets.find((x) => equalBytes(x.newMember, m.kp.ref));
  if (entry === undefined) throw new Error(`no entry for ${m.name}`);
  const enc = encode(encodeEncryptedGroupSecrets, entry);
  for (let i = 0; i + enc.length <= welcome.length; i++) {
    if (equalBytes(welcome.subarray(i, i + enc.length), enc)) return [i, i + enc.length];
  }
  throw new Error('entry bytes not found in the Welcome');
}

/** True when `m` has the seed's length and differs from it only inside [lo, hi). */
function onlyInside(seed: Uint8Array, m: Uint8Array, [lo, hi]: [number, number]): boolean {
  if (m.length !== seed.length) return false;
  for (let i = 0; i < seed.length; i++) if (m[i] !== seed[i] && (i < lo || i >= hi)) return false;
  return true;
}

void test('joinFromWelcome, mutated Welcome: typed error, or the same group when only the other joiner\'s entry changed', () => {
  const join = (w: Uint8Array): GroupState => joinFromWelcome({ welcome: w, keyPackage: bobM.kp, signaturePrivateKey: bobM.signaturePrivateKey }).state;
  const good = join(t.welcome);
  assert.deepEqual(epochAuthenticator(good), epochAuthenticator(t.bob));
  const carolEntry = entryRange(t.welcome, carolM);
  const offs = learnOffsets(t.welcome, () => void parseMLSMessage(t.welcome));
  const findings: Finding[] = [];
  let irrelevant = 0;
  const all = mutants(new Rng(0x3e1c), t.welcome, offs, { ...PLAN, bitFlips: 400 });
  for (const m of all) {
    const t0 = cpuNow();
    try {
      const s = join(m.bytes);
      if (!onlyInside(t.welcome, m.bytes, carolEntry)) findings.push(finding('Welcome', m, 'accepted-mutant', 'joinFromWelcome accepted a mutated Welcome outside the other joiner\'s entry'));
      else if (!equalBytes(epochAuthenticator(s), epochAuthenticator(good))) findings.push(finding('Welcome', m, 'accepted-mutant', 'joined a different epoch'));
      else irrelevant++;
    } catch (e) {
      if (!(e instanceof MlsError)) findings.push(finding('Welcome', m, 'crash', errorText(e), engineFrame(e)));
    }
    const ms = cpuNow() - t0;
    if (ms > SLOW_MS) findings.push(finding('Welcome', m, 'slow', `${ms.toFixed(0)} ms`));
  }
  assert.equal(findings.length, 0, `${findings.length} of ${all.length} mutants broke the principle:\n${summarize(findings)}`);
  assert.ok(irrelevant > 0, 'some bit flips land in carol\'s entry and must be ignored by bob');
});
