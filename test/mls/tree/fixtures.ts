// Test helpers: members with real keys, and groups grown by Add + commit with an
// UpdatePath, so that trees carry genuine parent-hash chains and signatures.
import { getProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite } from '../../../main/mls/crypto/provider.js';
import { PROTOCOL_VERSION_MLS10, type GroupContext } from '../../../main/mls/group/group-context.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { LeafNodeSource, signLeafNode, type LeafNode } from '../../../main/mls/tree/leaf-node.js';
import { isInSubtree, type LeafIndex, type NodeIndex } from '../../../main/mls/tree/math.js';
import { newTreePrivateKeys, type TreePrivateKeys } from '../../../main/mls/tree/private-keys.js';
import { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { addLeaf } from '../../../main/mls/tree/tree-changes.js';
import { applyUpdatePath, createUpdatePath, privateKeysFromPathSecret } from '../../../main/mls/tree/treekem.js';
import { utf8 } from '../../../main/mls/util/bytes.js';

export const suite: CipherSuite = getProvider().getSuite(1);
export const groupId = utf8('arbor test group');

export function contextFor(treeHash: Uint8Array): GroupContext {
  return { version: PROTOCOL_VERSION_MLS10, cipherSuite: suite.id, groupId, epoch: 1n, treeHash, confirmedTranscriptHash: new Uint8Array(32), extensions: [] };
}

export interface Member {
  readonly name: string;
  readonly signaturePrivateKey: Uint8Array;
  readonly encryptionPrivateKey: Uint8Array;
  readonly leaf: LeafNode;
}

export function newMember(name: string, s: CipherSuite = suite): Member {
  const sig = s.signature.generateKeyPair();
  const enc = s.hpke.generateKeyPair();
  const leaf = signLeafNode(s, sig.privateKey, {
    encryptionKey: enc.publicKey,
    signatureKey: sig.publicKey,
    credential: basicCredential(utf8(name)),
    capabilities: { versions: [1], cipherSuites: [s.id], extensions: [], proposals: [], credentials: [1] },
    extensions: [],
    leafNodeSource: LeafNodeSource.keyPackage,
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
  });
  return { name, signaturePrivateKey: sig.privateKey, encryptionPrivateKey: enc.privateKey, leaf };
}

export interface Group {
  readonly tree: RatchetTree;
  /** Private keys and signing key of each member, by leaf index. */
  readonly members: ReadonlyMap<number, { readonly keys: TreePrivateKeys; readonly signaturePrivateKey: Uint8Array }>;
}

/** A one-member group. */
export function startGroup(): Group {
  const m = newMember('member 0');
  return { tree: RatchetTree.single(m.leaf), members: new Map([[0, { keys: newTreePrivateKeys(0 as LeafIndex, m.encryptionPrivateKey), signaturePrivateKey: m.signaturePrivateKey }]]) };
}

/** `committer` adds a new member and commits with an UpdatePath; everyone processes it. */
export function addByCommit(g: Group, committer: number, name: string): { group: Group; commitSecret: Uint8Array; joiner: LeafIndex } {
  const m = newMember(name);
  const { tree: withNew, index } = addLeaf(g.tree, m.leaf);
  const c = g.members.get(committer)!;
  const made = createUpdatePath({ suite, tree: withNew, privateKeys: c.keys, signaturePrivateKey: c.signaturePrivateKey, groupId, groupContext: contextFor, excludeLeaves: [index] });
  const members = new Map(g.members);
  members.set(committer, { ...c, keys: made.privateKeys });
  for (const [j, mem] of g.members) {
    if (j === committer) continue;
    const r = applyUpdatePath({ suite, tree: withNew, privateKeys: mem.keys, sender: committer as LeafIndex, updatePath: made.updatePath, groupId, groupContext: contextFor, excludeLeaves: [index] });
    members.set(j, { ...mem, keys: r.privateKeys });
  }
  const joinerNode = (2 * index) as NodeIndex;
  const ps = made.pathSecrets.find((e) => isInSubtree(e.node, joinerNode));
  let keys = newTreePrivateKeys(index, m.encryptionPrivateKey);
  if (ps !== undefined) keys = privateKeysFromPathSecret(suite, made.tree, keys, committer as LeafIndex, ps.pathSecret).privateKeys;
  members.set(index, { keys, signaturePrivateKey: m.signaturePrivateKey });
  return { group: { tree: made.tree, members }, commitSecret: made.commitSecret, joiner: index };
}

/** A group of n members, each added by the previous one (as in the vectors' get_tree(n)). */
export function growGroup(n: number): Group {
  let g = startGroup();
  for (let i = 1; i < n; i++) g = addByCommit(g, i - 1, `member ${i}`).group;
  return g;
}

/** A deterministic generator (xorshift32), so a failed random test can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}
