// Messages of other implementations, every cipher suite: the official
// passive-client vectors (Welcome, proposals and commits from several MLS
// stacks) are mutated and fed to joinFromWelcome and processMessage. Every
// outcome must be a typed MlsError or a result whose state is byte-identical to
// the unmutated message's (e.g. a flipped bit in another joiner's Welcome entry),
// the input state must not change, and no call may exceed SLOW_MS.

import assert from 'node:assert/strict';
import test from 'node:test';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { isCipherSuiteId, type CipherSuite } from '../../../main/mls/crypto/provider.js';
import { MlsError } from '../../../main/mls/errors.js';
import { parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { groupStateBytes, joinFromWelcome, processMessage, type GroupState, type PskLookup } from '../../../main/mls/group/index.js';
import { keyPackageRef } from '../../../main/mls/messages/key-package.js';
import type { KeyPackageWithSecrets } from '../../../main/mls/messages/key-package-create.js';
import { PSKType } from '../../../main/mls/schedule/psk.js';
import type { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { ratchetTreeFromBytes } from '../../../main/mls/tree/ratchet-tree-codec.js';
import { equalBytes, fromHex } from '../../../main/mls/util/bytes.js';
import { learnOffsets, mutants, type Mutant, type MutationPlan } from './mutate.js';
import { engineFrame, errorText, SLOW_MS, summarize, type Finding, cpuNow } from './probe.js';
import { Rng } from './prng.js';
import { vectorFile } from './seeds.js';

const PLAN: MutationPlan = { bitFlips: 80, inserts: 10, deletes: 10, truncateAll: 20, random: 4, maxFields: 16 };

interface PassiveCase {
  readonly cipher_suite: number;
  readonly key_package: string;
  readonly signature_priv: string;
  readonly encryption_priv: string;
  readonly init_priv: string;
  readonly welcome: string;
  readonly ratchet_tree: string | null;
  readonly external_psks: readonly { psk_id: string; psk: string }[];
  readonly epochs: readonly { proposals: string[]; commit: string }[];
}

const SCALAR: Record<number, number | undefined> = { 2: 32, 5: 66, 7: 48 };
function leftPad(b: Uint8Array, size: number | undefined): Uint8Array {
  if (size === undefined || b.length >= size) return b;
  const out = new Uint8Array(size);
  out.set(b, size - b.length);
  return out;
}

interface Client {
  readonly suite: CipherSuite;
  join(welcome: Uint8Array): GroupState;
  readonly psks: PskLookup;
}

function clientOf(c: PassiveCase): Client {
  if (!isCipherSuiteId(c.cipher_suite)) throw new Error(`suite ${c.cipher_suite}`);
  const suite = getProvider().getSuite(c.cipher_suite);
  const m = parseMLSMessage(fromHex(c.key_package));
  if (m.wireFormat !== WireFormat.mlsKeyPackage) throw new Error('fixture: key_package is not an MLSMessage(KeyPackage)');
  const kp = m.keyPackage;
  const keyPackage: KeyPackageWithSecrets = {
    keyPackage: kp,
    ref: keyPackageRef(suite, kp),
    initPrivateKey: leftPad(fromHex(c.init_priv), suite.hpke.privateKeySize),
    encryptionPrivateKey: leftPad(fromHex(c.encryption_priv), suite.hpke.privateKeySize),
  };
  const signaturePrivateKey = leftPad(fromHex(c.signature_priv), SCALAR[c.cipher_suite]);
  const ext = c.external_psks.map((p) => ({ id: fromHex(p.psk_id), psk: fromHex(p.psk) }));
  const psks: PskLookup = (id) => (id.psktype === PSKType.external ? ext.find((p) => equalBytes(p.id, id.pskId))?.psk : undefined);
  const ratchetTree: RatchetTree | undefined = c.ratchet_tree === null ? undefined : ratchetTreeFromBytes(fromHex(c.ratchet_tree));
  return {
    suite,
    psks,
    join: (welcome) => joinFromWelcome({ welcome, keyPackage, signaturePrivateKey, psks, ...(ratchetTree !== undefined ? { ratchetTree } : {}) }).state,
  };
}

function finding(name: string, m: Mutant, problem: Finding['problem'], detail: string, where = ''): Finding {
  return { codec: name, seed: name, mutant: m, problem, detail, where };
}

/** Mutants of `seed` through `call`; an accepted mutant must give the state bytes `expected`; `input` (if any) must not change. */
function fuzzCall(name: string, seed: Uint8Array, call: (b: Uint8Array) => GroupState, expected: Uint8Array, input: GroupState | undefined, rng: Rng): Finding[] {
  const before = input === undefined ? undefined : groupStateBytes(input);
  const offs = learnOffsets(seed, () => void parseMLSMessage(seed));
  const findings: Finding[] = [];
  for (const m of mutants(rng, seed, offs, PLAN)) {
    const t0 = cpuNow();
    try {
      const st = call(m.bytes);
      if (!equalBytes(groupStateBytes(st), expected)) findings.push(finding(name, m, 'accepted-mutant', 'accepted, with a state other than the original message gives'));
    } catch (e) {
      if (!(e instanceof MlsError)) findings.push(finding(name, m, 'crash', errorText(e), engineFrame(e)));
    }
    const ms = cpuNow() - t0;
    if (ms > SLOW_MS) findings.push(finding(name, m, 'slow', `${ms.toFixed(0)} ms`));
    if (before !== undefined && !equalBytes(groupStateBytes(input!), before)) findings.push(finding(name, m, 'state-changed', 'the input state changed'));
  }
  return findings;
}

const welcomes = vectorFile('passive-client-welcome.json') as unknown as PassiveCase[];
const commits = vectorFile('passive-client-handling-commit.json') as unknown as PassiveCase[];

for (const id of [1, 2, 3, 4, 5, 6, 7]) {
  // A Welcome with an external PSK and the tree in the GroupInfo, and one with the tree given out of band.
  const wcases = welcomes.filter((c) => c.cipher_suite === id && c.external_psks.length > 0);
  for (const [k, c] of [wcases.find((x) => x.ratchet_tree === null), wcases.find((x) => x.ratchet_tree !== null)].entries()) {
    if (c === undefined) continue;
    void test(`suite ${id}: mutated passive-client Welcome (${c.ratchet_tree === null ? 'tree in GroupInfo' : 'tree out of band'}): typed error or the same join`, () => {
      const client = clientOf(c);
      const seed = fromHex(c.welcome);
      const expected = groupStateBytes(client.join(seed));
      const f = fuzzCall(`suite ${id} Welcome`, seed, client.join, expected, undefined, new Rng(0xc11e + 16 * id + k));
      assert.equal(f.length, 0, summarize(f));
    });
  }

  // A commit (and, before it, a proposal) of the second epoch, against the state they apply to.
  const cc = commits.find((x) => x.cipher_suite === id && x.epochs.length > 1 && (x.epochs[1]?.proposals.length ?? 0) > 0);
  if (cc !== undefined) {
    void test(`suite ${id}: mutated passive-client proposal and commit: typed error, state unchanged`, () => {
      const client = clientOf(cc);
      const opts = { psks: client.psks };
      let st = client.join(fromHex(cc.welcome));
      st = processMessage(st, fromHex(cc.epochs[0]!.commit), opts).state;
      const ep = cc.epochs[1]!;
      const prop = fromHex(ep.proposals[0]!);
      const afterProp = processMessage(st, prop, opts).state;
      const s0 = st;
      const f1 = fuzzCall(`suite ${id} proposal`, prop, (b) => processMessage(s0, b, opts).state, groupStateBytes(afterProp), s0, new Rng(0xc0 + id));
      let ready = afterProp;
      for (const p of ep.proposals.slice(1)) ready = processMessage(ready, fromHex(p), opts).state;
      const commit = fromHex(ep.commit);
      const expected = groupStateBytes(processMessage(ready, commit, opts).state);
      const s1 = ready;
      const f2 = fuzzCall(`suite ${id} commit`, commit, (b) => processMessage(s1, b, opts).state, expected, s1, new Rng(0xc1 + id));
      assert.equal(f1.length + f2.length, 0, summarize([...f1, ...f2]));
    });
  }
}
