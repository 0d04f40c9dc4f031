// The messenger-facing API (main/mls/index.ts) under hostile input from the
// server or an outsider: external commits (anyone holding a GroupInfo may send
// one, signed with a key of their choosing), GroupInfos handed out by the server
// to joinExternal, KeyPackages from the directory, and the PendingCommit row
// codec. Outcomes: typed MlsError or a legitimate result; the receiver's state
// bytes never change across a call; no call exceeds SLOW_MS.

import assert from 'node:assert/strict';
import test from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { MlsError } from '../../../main/mls/errors.js';
import { signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { decodeFramedContent, encodeFramedContent, type FramedContent } from '../../../main/mls/framing/framed-content.js';
import { ExtensionType } from '../../../main/mls/extensions/extension.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { pendingCommitBytes, pendingCommitFromBytes } from '../../../main/mls/group/pending-commit-codec.js';
import * as mls from '../../../main/mls/index.js';
import { signGroupInfo } from '../../../main/mls/messages/group-info.js';
import { LeafNodeSource, signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { NodeType, type Node } from '../../../main/mls/tree/node.js';
import { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { ratchetTreeBytes } from '../../../main/mls/tree/ratchet-tree-codec.js';
import { equalBytes } from '../../../main/mls/util/bytes.js';
import { learnOffsets, mutants, type Mutant, type MutationPlan } from './mutate.js';
import { engineFrame, errorText, fuzz, SLOW_MS, summarize, type Codec, type Finding, cpuNow } from './probe.js';
import { Rng } from './prng.js';

const PLAN: MutationPlan = { bitFlips: 200, inserts: 24, deletes: 24, truncateAll: 60, random: 8, maxFields: 60 };

const alice = mls.createIdentity(1, 'alice');
const bob = mls.createIdentity(1, 'bob');
const dave = mls.createIdentity(1, 'dave');
const bobKp = mls.createKeyPackage(bob);
let a = mls.createGroup(alice);
const add = mls.addMembers(a, [bobKp.keyPackage]);
a = mls.mergePendingCommit(a, add.pending);
const b = mls.joinFromWelcome(add.welcome!, bobKp, bob);
const info = mls.groupInfo(a);
const ext = mls.joinExternal(info, dave);

function finding(name: string, m: Mutant, problem: Finding['problem'], detail: string, where = ''): Finding {
  return { codec: name, seed: name, mutant: m, problem, detail, where };
}

/** Runs `call` on every mutant; `accept(m)` says whether success is acceptable for it. `input`'s bytes must not change. */
function check(name: string, mus: readonly Mutant[], call: (b: Uint8Array) => unknown, accept: (m: Mutant) => boolean, input?: mls.GroupState): Finding[] {
  const before = input === undefined ? undefined : mls.serializeState(input);
  const out: Finding[] = [];
  for (const m of mus) {
    const t0 = cpuNow();
    try {
      call(m.bytes);
      if (!accept(m)) out.push(finding(name, m, 'accepted-mutant', 'accepted'));
    } catch (e) {
      if (!(e instanceof MlsError)) out.push(finding(name, m, 'crash', errorText(e), engineFrame(e)));
    }
    const ms = cpuNow() - t0;
    if (ms > SLOW_MS) out.push(finding(name, m, 'slow', `${ms.toFixed(0)} ms`));
    if (before !== undefined && !equalBytes(mls.serializeState(input!), before)) out.push(finding(name, m, 'state-changed', 'the input state changed'));
  }
  return out;
}

void test('external commit, mutated on the wire: the members refuse it with a typed error', () => {
  assert.equal(mls.processMessage(b, ext.commit).result.kind, 'commit');
  const offs = learnOffsets(ext.commit, () => void parseMLSMessage(ext.commit));
  const f = check('external commit', mutants(new Rng(0xe7c), ext.commit, offs, PLAN), (x) => mls.processMessage(b, x), () => false, b);
  assert.equal(f.length, 0, summarize(f));
});

void test('external commit from a malicious joiner (content mutated, then signed by the joiner): success or typed error, state unchanged', () => {
  const m = parseMLSMessage(ext.commit);
  assert.ok(m.wireFormat === WireFormat.mlsPublicMessage);
  const pm = m.publicMessage;
  const gc = b.groupContext;
  const seed = encode(encodeFramedContent, pm.content);
  const offs = learnOffsets(seed, () => void decode(decodeFramedContent, seed, 'FramedContent'));
  const built: Mutant[] = [];
  for (const mu of mutants(new Rng(0xe7d), seed, offs, { ...PLAN, bitFlips: 200 })) {
    let content: FramedContent;
    try {
      content = decode(decodeFramedContent, mu.bytes, 'FramedContent');
    } catch (e) {
      if (e instanceof MlsError) continue;
      throw e;
    }
    const signature = signFramedContent(mls.getProvider().getSuite(1), dave.signaturePrivateKey, WireFormat.mlsPublicMessage, content, gc);
    const auth = content.contentType === ContentType.commit ? { signature, confirmationTag: pm.auth.confirmationTag! } : { signature };
    try {
      built.push({ ...mu, bytes: mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: { content, auth } }) });
    } catch (e) {
      if (e instanceof MlsError) continue; // e.g. a member sender needs a membership tag the joiner cannot make
      throw e;
    }
  }
  assert.ok(built.length > 50, `only ${built.length} mutants could be sent`);
  // A mutated commit cannot match the original confirmation tag; proposals from a new member may be fine.
  const f = check('malicious external joiner', built, (x) => {
    const r = mls.processMessage(b, x);
    if (r.result.kind === 'commit') throw new Error('a mutated external commit was applied');
  }, () => true, b);
  assert.equal(f.length, 0, summarize(f));
});

void test('joinExternal with a GroupInfo mutated by the server: a typed error (every byte is signed)', () => {
  const offs = learnOffsets(info, () => void parseMLSMessage(info));
  const f = check('joinExternal(GroupInfo)', mutants(new Rng(0x61e), info, offs, PLAN), (x) => mls.joinExternal(x, dave), () => false);
  assert.equal(f.length, 0, summarize(f));
});

void test('mutated directory KeyPackages: parseKeyPackage and messageKind decode or throw typed errors; addMembers refuses them', () => {
  const seed = bobKp.keyPackage;
  const offs = learnOffsets(seed, () => void parseMLSMessage(seed));
  const mus = mutants(new Rng(0xcafe), seed, offs, PLAN);
  // parseKeyPackage only decodes (validation is addMembers' job), so a well-formed mutant may parse.
  const f1 = check('parseKeyPackage', mus, (x) => mls.parseKeyPackage(x), () => true);
  const f2 = check('messageKind', mus, (x) => mls.messageKind(x), () => true);
  // Every byte of a KeyPackage is signed: adding a mutated one must fail.
  const f3 = check('addMembers', mus, (x) => mls.addMembers(a, [x]), () => false, a);
  assert.equal(f1.length + f2.length + f3.length, 0, summarize([...f1, ...f2, ...f3]));
});

void test('fuzz PendingCommit row codec: every mutant decodes canonically or throws MlsError', () => {
  const c = mls.commit(b);
  const codec: Codec<ReturnType<typeof pendingCommitFromBytes>> = { name: 'PendingCommit', decode: pendingCommitFromBytes, encode: pendingCommitBytes };
  const r = fuzz(codec, [{ name: 'bob empty commit', bytes: mls.serializePendingCommit(c.pending) }, { name: 'alice add commit', bytes: mls.serializePendingCommit(add.pending) }], new Rng(0x9e7d));
  assert.deepEqual(r.badSeeds, []);
  assert.ok(r.rejected > r.mutants / 4);
  assert.equal(r.findings.length, 0, summarize(r.findings));
});

// Found here (a member-signed 2^17-leaf GroupInfo tree cost joinExternal ~2 s and was accepted) and fixed
// with the tree-size bound shared with joinFromWelcome (main/mls/group/tree-size.ts).
void test('joinExternal with a GroupInfo carrying a huge (mostly blank) tree, signed by a malicious member, is refused quickly', () => {
  const suite = mls.getProvider().getSuite(1);
  const m = parseMLSMessage(info);
  assert.ok(m.wireFormat === WireFormat.mlsGroupInfo);
  const gi = m.groupInfo;
  const slots = new Array<Node | undefined>((1 << 17) * 2 - 1).fill(undefined);
  const al = a.tree.leaf(leafIndex(0))!;
  // alice's leaf as a key_package leaf (its parents are gone), bob's, and a fresh client's at the far end.
  slots[0] = { nodeType: NodeType.leaf, leaf: signLeafNode(suite, alice.signaturePrivateKey, { ...al, leafNodeSource: LeafNodeSource.keyPackage, lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn } }) };
  slots[2] = a.tree.nodes[2];
  slots[slots.length - 1] = { nodeType: NodeType.leaf, leaf: mls.parseKeyPackage(mls.createKeyPackage(mls.createIdentity(1, 'filler')).keyPackage).leafNode };
  const tree = RatchetTree.fromNodes(slots);
  const groupContext = { ...gi.groupContext, treeHash: tree.treeHash(suite) };
  const extensions = gi.extensions.map((x) => (x.extensionType === ExtensionType.ratchet_tree ? { ...x, extensionData: ratchetTreeBytes(tree) } : x));
  const forged = signGroupInfo(suite, alice.signaturePrivateKey, { groupContext, extensions, confirmationTag: gi.confirmationTag, signer: 0 });
  const bytes = mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsGroupInfo, groupInfo: forged });
  // Refused by the size bound, before hashing (the error says which check; no time is asserted).
  assert.throws(() => mls.joinExternal(bytes, dave), (e: unknown) => e instanceof MlsError && /the tree has 131072 leaves, more than the accepted 65536/.test(e.message));
});
