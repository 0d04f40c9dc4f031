// The floor of each vs-ts-mls step: what the primitives it cannot avoid cost,
// measured in the same run. A step's floor is the sum over the operations RFC
// 9420 makes it do (signatures verified and made, HPKE seals and opens, KEM
// key derivations, hashes, AEAD over the bytes it must protect) of each one's
// cost, timed through the crypto provider a moment before the step runs.
// Everything else an engine does (encoding, decoding, tree bookkeeping, checks
// that cost no primitive) is overhead above the floor.
//
// Counts come from the artifacts of the Arbor run (the same protocol work for
// any conforming engine): resolution sizes of the committer's copath give the
// seals, the tree its node count and encoded size, the messages their sizes.

import { getProvider } from '../../main/mls/crypto/index.js';
import type { CipherSuite } from '../../main/mls/crypto/provider.js';
import { parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import type { GroupState } from '../../main/mls/group/state.js';
import { commonAncestor, type LeafIndex, type NodeIndex } from '../../main/mls/tree/math.js';
import { NodeType } from '../../main/mls/tree/node.js';
import type { RatchetTree } from '../../main/mls/tree/ratchet-tree.js';
import { ratchetTreeBytes } from '../../main/mls/tree/ratchet-tree-codec.js';
import { removeLeaf } from '../../main/mls/tree/tree-changes.js';
import type { ArborArtifacts } from './arbor-engine.js';
import type { StepName } from './scenario.js';

/** Microseconds per operation (or per byte for the `PerByte` entries), measured now. */
export interface UnitCosts {
  verify: number;
  sign: number;
  seal: number;
  open: number;
  derive: number;
  hash: number;
  hashPerByte: number;
  /** One HKDF step of one block (HMAC): ExpandWithLabel, DeriveSecret, DeriveTreeSecret, Extract. */
  kdf: number;
  aead: number;
  aeadPerByte: number;
  /** Extra cost per byte of signing and verifying a long message (Ed25519 hashes it: twice to sign, once to verify). */
  signPerByte: number;
  verifyPerByte: number;
}

const SMALL = 256;

/** Microseconds per call: the median of three passes of n calls, fn(0..3n-1) (the machine is shared, a pass can be unlucky). */
function perOp(n: number, fn: (i: number) => void): number {
  const passes: number[] = [];
  for (let p = 0; p < 3; p++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(p * n + i);
    passes.push(((performance.now() - t0) * 1000) / n);
  }
  return passes.sort((x, y) => x - y)[1]!;
}

/** One measurement of every unit, on fresh keys where an engine meets fresh keys (each member's are new to it). */
export function measureUnits(suite: CipherSuite = getProvider().getSuite(1), n = 128): UnitCosts {
  const msg = new Uint8Array(SMALL).fill(7);
  const big = new Uint8Array(1 << 18).fill(9);
  const sigKeys = Array.from({ length: 3 * n }, () => suite.signature.generateKeyPair());
  const sigs = sigKeys.map((k) => suite.signature.sign(k.privateKey, msg));
  const hpkeKeys = Array.from({ length: 3 * n }, () => suite.hpke.generateKeyPair());
  const info = new Uint8Array(64).fill(3);
  const secret = new Uint8Array(70).fill(5);
  const cts = hpkeKeys.map((k) => suite.hpke.seal(k.publicKey, info, new Uint8Array(0), secret));
  const own = sigKeys[0]!.privateKey;
  const ikm = new Uint8Array(suite.kdf.size);
  const key = new Uint8Array(suite.aead.keySize);
  const nonce = new Uint8Array(suite.aead.nonceSize);
  suite.signature.sign(own, big); // warm-up of the large-message path
  const verify = perOp(n, (i) => {
    if (!suite.signature.verify(sigKeys[i]!.publicKey, msg, sigs[i]!)) throw new Error('floor: verify failed');
  });
  const sign = perOp(n, () => suite.signature.sign(own, msg));
  const seal = perOp(n, (i) => suite.hpke.seal(hpkeKeys[i]!.publicKey, info, new Uint8Array(0), secret));
  const open = perOp(n, (i) => suite.hpke.open(hpkeKeys[i]!.privateKey, cts[i]!.kemOutput, info, new Uint8Array(0), cts[i]!.ciphertext));
  const derive = perOp(n, (i) => {
    ikm[0] = i;
    ikm[1] = i >> 8;
    ikm[2] = Math.floor(Math.random() * 256); // not a key an earlier run derived (providers cache public keys)
    suite.hpke.deriveKeyPair(ikm);
  });
  const hash = perOp(4 * n, () => suite.hash.digest(msg.subarray(0, 128)));
  const prk = new Uint8Array(suite.kdf.size).fill(4);
  const kdf = perOp(4 * n, () => suite.kdf.expand(prk, msg.subarray(0, 40), suite.kdf.size));
  const hashBig = perOp(8, () => suite.hash.digest(big));
  const aead = perOp(4 * n, () => suite.aead.seal(key, nonce, msg.subarray(0, 16), msg.subarray(0, 64)));
  const aeadBig = perOp(8, () => suite.aead.seal(key, nonce, new Uint8Array(0), big));
  const bigSig = suite.signature.sign(own, big);
  const signBig = perOp(8, () => suite.signature.sign(own, big));
  const verifyBig = perOp(8, () => suite.signature.verify(sigKeys[0]!.publicKey, big, bigSig));
  return {
    verify,
    sign,
    seal,
    open,
    derive,
    hash,
    hashPerByte: Math.max(0, hashBig - hash) / big.length,
    kdf,
    aead,
    aeadPerByte: Math.max(0, aeadBig - aead) / big.length,
    signPerByte: Math.max(0, signBig - sign) / big.length,
    verifyPerByte: Math.max(0, verifyBig - verify) / big.length,
  };
}

/** The operations one step must do. Sizes are in bytes. */
export interface StepOps {
  verify: number;
  /** Bytes of long signed messages verified (GroupInfo), beyond SMALL each. */
  verifyBytes: number;
  sign: number;
  signBytes: number;
  seal: number;
  open: number;
  derive: number;
  hash: number;
  hashBytes: number;
  kdf: number;
  aead: number;
  aeadBytes: number;
}

const ZERO: StepOps = { verify: 0, verifyBytes: 0, sign: 0, signBytes: 0, seal: 0, open: 0, derive: 0, hash: 0, hashBytes: 0, kdf: 0, aead: 0, aeadBytes: 0 };

/** Floor in milliseconds. */
export function floorMs(ops: StepOps, u: UnitCosts): number {
  const us =
    ops.verify * u.verify +
    ops.verifyBytes * u.verifyPerByte +
    ops.sign * u.sign +
    ops.signBytes * u.signPerByte +
    ops.seal * u.seal +
    ops.open * u.open +
    ops.derive * u.derive +
    ops.hash * u.hash +
    ops.hashBytes * u.hashPerByte +
    ops.kdf * u.kdf +
    ops.aead * u.aead +
    ops.aeadBytes * u.aeadPerByte;
  return us / 1000;
}

/**
 * The key schedule of one epoch (§8): extract and expand to joiner_secret,
 * extract to the member secret, welcome_secret, epoch_secret and its nine
 * derived secrets, then the confirmation tag (a MAC); two transcript hashes.
 */
const KEY_SCHEDULE: Partial<StepOps> = { kdf: 15, hash: 2 };

/**
 * One handshake PrivateMessage (§6.3), for its sender and its receiver alike:
 * content and sender-data AEAD, the sender-data key and nonce, and the
 * sender's first handshake key of the epoch: the secret tree is expanded down
 * to its leaf (both children at each level, §9), the leaf's two ratchets, then
 * key, nonce and next secret (§9.1).
 */
function privateHandshake(tree: RatchetTree): Partial<StepOps> {
  return { aead: 2, kdf: 2 + 2 * tree.depth + 2 + 3 };
}

/** §7.4: each path node's node_secret and next path_secret (its key pair is `derive`), then commit_secret. */
const pathKdf = (nodes: number): number => 2 * nodes + 1;

/** Seals an UpdatePath from `sender` costs in `tree` (RFC 9420 §7.6: one per resolution node of each copath child, new leaves excluded). */
function pathSeals(tree: RatchetTree, sender: LeafIndex, exclude: ReadonlySet<number> = new Set()): number {
  let n = 0;
  for (const e of tree.filteredDirectPath(sender)) n += tree.resolution(e.copathChild).filter((x) => !(x % 2 === 0 && exclude.has(x / 2))).length;
  return n;
}

/** Key pairs a receiver derives (§7.5, §12.4.3.1): from the lowest path node above it to the top of the sender's filtered direct path. */
function receiverDerives(tree: RatchetTree, sender: LeafIndex, receiver: LeafIndex): number {
  const fdp = tree.filteredDirectPath(sender);
  const anc = commonAncestor((2 * sender) as NodeIndex, (2 * receiver) as NodeIndex);
  const i = fdp.findIndex((e) => e.node === anc);
  return i < 0 ? 0 : fdp.length - i;
}

function nonBlankParents(tree: RatchetTree): number {
  let n = 0;
  for (const [, node] of tree.entries()) if (node.nodeType === NodeType.parent) n++;
  return n;
}

/** The hashes of a whole tree hash (§7.8): one per node, over about its encoding. */
function treeHashOps(tree: RatchetTree): Pick<StepOps, 'hash' | 'hashBytes'> {
  return { hash: tree.width, hashBytes: ratchetTreeBytes(tree).length + 70 * ((tree.width - 1) / 2) };
}

/** Hashes of a path change: the tree hash of every node on the sender's direct path and the parent hashes (§7.8, §7.9). */
function pathHashes(tree: RatchetTree, sender: LeafIndex): number {
  return 2 * tree.depth + tree.filteredDirectPath(sender).length + 1;
}

function welcomeGroupInfoSize(welcome: Uint8Array): number {
  const m = parseMLSMessage(welcome);
  if (m.wireFormat !== WireFormat.mlsWelcome) throw new Error('floor: not a Welcome');
  return m.welcome.encryptedGroupInfo.length;
}

function sum(...ops: Partial<StepOps>[]): StepOps {
  const out = { ...ZERO };
  for (const o of ops) for (const k of Object.keys(o) as (keyof StepOps)[]) out[k] += o[k] ?? 0;
  return out;
}

const leaf = (s: GroupState): LeafIndex => s.ownLeaf;

/** The operations of each step of one run of the scenario at size n, from that run's Arbor artifacts. */
export function stepOps(n: number, a: ArborArtifacts): Record<StepName, StepOps> {
  const k = n - 1;
  const gi = welcomeGroupInfoSize(a.welcome);
  const addTree = a.creatorAfterAdd.tree;
  const commitBytes = a.addCommit.length;
  const fdpAdd = addTree.filteredDirectPath(leaf(a.creatorAfterAdd)).length;
  const add = sum(
    // §10.1, §7.3: each KeyPackage's signature and its leaf's.
    { verify: 2 * k },
    // §12.4.3.1: GroupSecrets sealed to each new member's init_key; the path's seals (none: every other leaf is new).
    { seal: k + pathSeals(a.creatorAfterAdd.tree, leaf(a.creatorAfterAdd), new Set(Array.from({ length: k }, (_, i) => i + 1))) },
    // §7.4: the committer's new leaf key and path keys.
    { derive: fdpAdd + 1, kdf: pathKdf(fdpAdd) },
    // §7.2 leaf, §6.1 commit (covering every KeyPackage), §12.4.3.1 GroupInfo (covering the tree).
    { sign: 3, signBytes: commitBytes + gi },
    // §5.2 KeyPackageRef of each new member; §7.8 the new tree's hash; §8.2 transcript hash over the commit.
    { hash: k, hashBytes: 2 * commitBytes },
    treeHashOps(addTree),
    KEY_SCHEDULE,
    { hash: 1, hashBytes: gi, kdf: 2 }, // HPKE's info hash over encrypted_group_info, once; welcome key and nonce
    // §12.4.3.1 encrypted_group_info; §6.3 the commit's PrivateMessage.
    { aead: 1, aeadBytes: gi + commitBytes },
    privateHandshake(a.creatorAfterAdd.tree),
  );
  const joinTree = a.joiner.tree;
  const joinDerives = receiverDerives(joinTree, a.creatorAfterAdd.ownLeaf, a.joiner.ownLeaf);
  const join = sum(
    { open: 1, aead: 1, aeadBytes: gi, hash: 1, hashBytes: gi }, // GroupSecrets, GroupInfo, own KeyPackageRef
    // From joiner_secret on; the welcome key and nonce take the place of the schedule's first two steps.
    KEY_SCHEDULE,
    { verify: 1, verifyBytes: gi }, // §12.4.3.1 GroupInfo signature
    { verify: joinTree.memberLeaves().length }, // §12.4.3.1 → §7.3 every leaf's signature
    treeHashOps(joinTree),
    { hash: nonBlankParents(joinTree) }, // §7.9.2 one parent hash per non-blank parent
    { derive: joinDerives, kdf: pathKdf(joinDerives) },
  );
  const m1 = a.member1;
  const t1 = m1.tree;
  // A commit's content (with the path's ciphertexts) is signed (§6.1), put in the transcript hash (§8.2) and
  // encrypted in its PrivateMessage (§6.3); its receiver verifies, hashes and decrypts the same bytes.
  const common = (tree: RatchetTree, commit: Uint8Array): Partial<StepOps> => sum(KEY_SCHEDULE, privateHandshake(tree), { hashBytes: commit.length, aeadBytes: commit.length });
  const sent = (tree: RatchetTree, sender: LeafIndex, commit: Uint8Array): StepOps => {
    const fdp = tree.filteredDirectPath(sender).length;
    return sum(common(tree, commit), { seal: pathSeals(tree, sender), derive: fdp + 1, kdf: pathKdf(fdp), hash: pathHashes(tree, sender), sign: 2, signBytes: commit.length });
  };
  const received = (tree: RatchetTree, sender: LeafIndex, receiver: LeafIndex, commit: Uint8Array): StepOps => {
    const derived = receiverDerives(tree, sender, receiver);
    return sum(common(tree, commit), { open: 1, derive: derived, kdf: pathKdf(derived), hash: pathHashes(tree, sender), verify: 2, verifyBytes: commit.length });
  };
  const update = sent(t1, leaf(m1), a.updateCommit);
  const processUpdate = received(t1, leaf(m1), leaf(a.joiner), a.updateCommit);
  const c = a.creatorBeforeRemove;
  const afterRemoval = removeLeaf(c.tree, (n >> 1) as LeafIndex);
  const remove = sent(afterRemoval, leaf(c), a.removeCommit);
  const processRemove = received(afterRemoval, leaf(c), leaf(a.joiner), a.removeCommit);
  return { add, join, update, processUpdate, remove, processRemove };
}

/**
 * One application message sent and received (§6.3): signed and verified,
 * content and sender data sealed and opened; on each side the ratchet's key,
 * nonce and next secret and the sender-data key and nonce.
 */
export function messageOps(): StepOps {
  return sum({ sign: 1, verify: 1, aead: 4, aeadBytes: 2 * 1024, kdf: 10 });
}
