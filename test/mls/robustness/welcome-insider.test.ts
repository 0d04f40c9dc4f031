// A malicious inviter: it knows the joiner_secret and signs the GroupInfo, so
// it can put any GroupSecrets, GroupInfo or ratchet tree into a correctly
// encrypted and signed Welcome. Here those plaintexts are mutated BEFORE they
// are signed and encrypted, so the mutants reach the joiner's tree validation,
// path-secret and key-schedule checks. Every outcome must be a typed MlsError
// or a join; a join from mutated GroupSecrets or GroupInfo bytes must give the
// very state the original Welcome gives (the mutation was irrelevant), and no
// call may exceed SLOW_MS. In the third mode the inviter also recomputes the
// tree hash, confirmation tag and leaf signatures for a mutated tree: a
// consistent forgery the joiner may accept, so there only crashes, untyped
// errors and slowness are findings.

import assert from 'node:assert/strict';
import test from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { MlsError } from '../../../main/mls/errors.js';
import { ExtensionType } from '../../../main/mls/extensions/extension.js';
import { mlsMessageBytes } from '../../../main/mls/framing/mls-message.js';
import { computeConfirmationTag } from '../../../main/mls/framing/transcript-hash.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { groupStateBytes, joinFromWelcome, type GroupState } from '../../../main/mls/group/index.js';
import { decodeGroupInfo, encodeGroupInfo, signGroupInfo, type GroupInfo } from '../../../main/mls/messages/group-info.js';
import { decodeGroupSecrets, encodeGroupSecrets, type GroupSecrets } from '../../../main/mls/messages/group-secrets.js';
import { encryptGroupInfo, encryptGroupSecrets } from '../../../main/mls/messages/welcome-crypto.js';
import { epochSecretsFromJoiner, welcomeSecretFromJoiner } from '../../../main/mls/schedule/key-schedule.js';
import { LeafNodeSource, signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { NodeType, type Node } from '../../../main/mls/tree/node.js';
import { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { decodeRatchetTree, ratchetTreeBytes } from '../../../main/mls/tree/ratchet-tree-codec.js';
import { equalBytes } from '../../../main/mls/util/bytes.js';
import { trio } from './fixture.js';
import { learnOffsets, mutants, type Mutant, type MutationPlan } from './mutate.js';
import { engineFrame, errorText, SLOW_MS, summarize, type Finding, cpuNow } from './probe.js';
import { Rng } from './prng.js';

const PLAN: MutationPlan = { bitFlips: 200, inserts: 30, deletes: 30, truncateAll: 40, random: 0, maxFields: 60 };

const t = trio();
const suite = t.suite;
const [aliceM, bobM] = t.members;
const original = joinFromWelcome({ welcome: t.welcome, keyPackage: bobM.kp, signaturePrivateKey: bobM.signaturePrivateKey });
const gi = original.groupInfo;
const gs = original.groupSecrets;
const originalState = groupStateBytes(original.state);

/** The Welcome an inviter would send bob for this GroupInfo and GroupSecrets; undefined if the inviter's own code refuses them. */
function welcomeWith(info: GroupInfo, secrets: GroupSecrets): Uint8Array | undefined {
  try {
    const egi = encryptGroupInfo(suite, welcomeSecretFromJoiner(suite, secrets.joinerSecret), info);
    const egs = encryptGroupSecrets(suite, bobM.kp.keyPackage.initKey, egi, secrets);
    const welcome = { cipherSuite: suite.id, secrets: [{ newMember: bobM.kp.ref, encryptedGroupSecrets: egs }], encryptedGroupInfo: egi };
    return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsWelcome, welcome });
  } catch (e) {
    if (e instanceof MlsError) return undefined;
    throw e;
  }
}

function join(bytes: Uint8Array): GroupState {
  return joinFromWelcome({ welcome: bytes, keyPackage: bobM.kp, signaturePrivateKey: bobM.signaturePrivateKey }).state;
}

function finding(name: string, m: Mutant, problem: Finding['problem'], detail: string, where = ''): Finding {
  return { codec: name, seed: name, mutant: m, problem, detail, where };
}

/** Joins with each built Welcome; `mustMatch`: an accepted join must equal the original one. */
function run(name: string, seed: Uint8Array, learn: () => void, build: (m: Mutant) => Uint8Array | undefined, mustMatch: boolean, rngSeed: number): { findings: Finding[]; delivered: number; joined: number } {
  const offs = learnOffsets(seed, learn);
  const findings: Finding[] = [];
  let delivered = 0;
  let joined = 0;
  for (const m of mutants(new Rng(rngSeed), seed, offs, PLAN)) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = build(m);
    } catch (e) {
      // The inviter-side helpers are engine code too (tree hash, signing): an untyped error there is a finding.
      if (!(e instanceof MlsError)) findings.push(finding(name, m, 'crash', `building the Welcome: ${errorText(e)}`, engineFrame(e)));
      continue;
    }
    if (bytes === undefined) continue;
    delivered++;
    const t0 = cpuNow();
    try {
      const st = join(bytes);
      joined++;
      if (mustMatch && !equalBytes(groupStateBytes(st), originalState)) findings.push(finding(name, m, 'accepted-mutant', 'joined with a state other than the original Welcome gives'));
    } catch (e) {
      if (!(e instanceof MlsError)) findings.push(finding(name, m, 'crash', errorText(e), engineFrame(e)));
    }
    const ms = cpuNow() - t0;
    if (ms > SLOW_MS) findings.push(finding(name, m, 'slow', `${ms.toFixed(0)} ms`));
  }
  return { findings, delivered, joined };
}

void test('control: the rebuilt Welcome gives the original state', () => {
  const w = welcomeWith(gi, gs);
  assert.ok(w !== undefined);
  assert.deepEqual(groupStateBytes(join(w)), originalState);
});

void test('malicious inviter: mutated GroupSecrets, correctly encrypted: typed error or the original state', () => {
  const seed = encode(encodeGroupSecrets, gs);
  const r = run('GroupSecrets', seed, () => void decode(decodeGroupSecrets, seed, 'GroupSecrets'), (m) => {
    let s: GroupSecrets;
    try {
      s = decode(decodeGroupSecrets, m.bytes, 'GroupSecrets');
    } catch (e) {
      if (e instanceof MlsError) return undefined;
      throw e;
    }
    return welcomeWith(gi, s);
  }, true, 0x6e5);
  assert.ok(r.delivered > 50, `only ${r.delivered} delivered`);
  assert.equal(r.findings.length, 0, summarize(r.findings));
});

void test('malicious inviter: mutated GroupInfo, re-signed and encrypted: typed error or the original state', () => {
  const seed = encode(encodeGroupInfo, gi);
  const r = run('GroupInfo', seed, () => void decode(decodeGroupInfo, seed, 'GroupInfo'), (m) => {
    let g: GroupInfo;
    try {
      g = decode(decodeGroupInfo, m.bytes, 'GroupInfo');
    } catch (e) {
      if (e instanceof MlsError) return undefined;
      throw e;
    }
    return welcomeWith(signGroupInfo(suite, aliceM.signaturePrivateKey, g), gs);
  }, true, 0x61f0);
  assert.ok(r.delivered > 50, `only ${r.delivered} delivered`);
  assert.equal(r.findings.length, 0, summarize(r.findings));
});

/** Re-signs every leaf with its owner's key (leaf i = member i), as an inviter who holds them all would. */
function resignLeaves(tree: RatchetTree, groupId: Uint8Array): RatchetTree {
  const slots: (Node | undefined)[] = tree.nodes.map((n, x) => {
    if (n?.nodeType !== NodeType.leaf) return n;
    const owner = t.members[x / 2];
    if (owner === undefined) return n;
    const content = { ...n.leaf, signatureKey: owner.kp.keyPackage.leafNode.signatureKey };
    const ctx = n.leaf.leafNodeSource === LeafNodeSource.keyPackage ? undefined : { groupId, leafIndex: leafIndex(x / 2) };
    return { nodeType: NodeType.leaf, leaf: signLeafNode(suite, owner.signaturePrivateKey, content, ctx) };
  });
  return RatchetTree.fromNodes(slots);
}

/** A fully consistent Welcome for `tree` (leaves re-signed, tree hash, confirmation tag, GroupInfo signature recomputed). */
function forgedWelcome(tree0: RatchetTree): Uint8Array | undefined {
  const tree = resignLeaves(tree0, gi.groupContext.groupId);
  const groupContext = { ...gi.groupContext, treeHash: tree.treeHash(suite) };
  const confirmationKey = epochSecretsFromJoiner(suite, gs.joinerSecret, undefined, groupContext).confirmationKey;
  const extensions = gi.extensions.map((x) => (x.extensionType === ExtensionType.ratchet_tree ? { ...x, extensionData: ratchetTreeBytes(tree) } : x));
  const info = signGroupInfo(suite, aliceM.signaturePrivateKey, {
    groupContext,
    extensions,
    confirmationTag: computeConfirmationTag(suite, confirmationKey, groupContext.confirmedTranscriptHash),
    signer: gi.signer,
  });
  return welcomeWith(info, gs);
}

void test('malicious inviter: mutated ratchet tree with recomputed tree hash, confirmation tag and signatures: success or typed error', () => {
  const ext = gi.extensions.find((x) => x.extensionType === ExtensionType.ratchet_tree);
  assert.ok(ext !== undefined, 'the fixture GroupInfo carries its tree');
  const seed = ext.extensionData;
  const r = run('RatchetTree in GroupInfo', seed, () => void decode(decodeRatchetTree, seed, 'ratchet_tree'), (m) => {
    let tree: RatchetTree;
    try {
      tree = decode(decodeRatchetTree, m.bytes, 'ratchet_tree');
    } catch (e) {
      if (e instanceof MlsError) return undefined;
      throw e;
    }
    return forgedWelcome(tree);
  }, false, 0x7a3e);
  assert.ok(r.delivered > 50, `only ${r.delivered} delivered`);
  assert.equal(r.findings.length, 0, summarize(r.findings));
});

/** The original tree with alice's (the inviter's) leaf encryption_key replaced: no parent hash covers it, only the tree hash and her signature. */
function withInviterLeafKey(key: Uint8Array): RatchetTree {
  const tree = original.state.tree;
  const leaf = tree.leaf(leafIndex(0))!;
  return RatchetTree.fromNodes(tree.nodes.map((n, x) => (x === 0 ? { nodeType: NodeType.leaf, leaf: { ...leaf, encryptionKey: key } } : n)));
}

void test('control: a forged but valid tree (alice\'s leaf with another valid X25519 key) is accepted', () => {
  const w = forgedWelcome(withInviterLeafKey(suite.hpke.generateKeyPair().publicKey));
  assert.ok(w !== undefined);
  assert.doesNotThrow(() => join(w));
});

void test('regression: a Welcome whose tree gives a member a 5-byte leaf encryption_key is refused', () => {
  const w = forgedWelcome(withInviterLeafKey(new Uint8Array(5).fill(1)));
  assert.ok(w !== undefined);
  assert.throws(() => join(w), MlsError);
});

// Found here (welcome-join checked only key lengths; the joiner was then wedged) and fixed in the session.
void test('regression: a Welcome whose tree gives a member the all-zero X25519 point as leaf encryption_key is refused', () => {
  const w = forgedWelcome(withInviterLeafKey(new Uint8Array(32)));
  assert.ok(w !== undefined);
  assert.throws(() => join(w), MlsError);
});

// Found here (a 2^17-leaf forged tree cost ~1.3 s, 2^19 ~8.7 s, before any refusal) and fixed in the
// session with DEFAULT_MAX_TREE_LEAVES (main/mls/group/welcome-join.ts) checked before hashing.
void test('regression: a Welcome carrying a huge (mostly blank) ratchet tree is refused quickly', () => {
  const tree = original.state.tree;
  const alice0 = tree.leaf(leafIndex(0))!;
  const slots: (Node | undefined)[] = new Array<Node | undefined>((1 << 17) * 2 - 1).fill(undefined);
  // alice (as a key_package leaf: her old parents are gone), bob, and carol at the far end.
  slots[0] = { nodeType: NodeType.leaf, leaf: { ...alice0, leafNodeSource: LeafNodeSource.keyPackage, lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn } } };
  slots[2] = tree.nodes[2];
  slots[slots.length - 1] = tree.nodes[4];
  const w = forgedWelcome(RatchetTree.fromNodes(slots));
  assert.ok(w !== undefined);
  // Refused by the size bound, which runs before any hashing or validation (no time is asserted:
  // the machine's load must not decide a test; the message shows which check refused it).
  assert.throws(() => join(w), (e: unknown) => e instanceof MlsError && /the tree has 131072 leaves, more than the accepted 65536/.test(e.message));
});
