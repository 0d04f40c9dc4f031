// `npm run bench` section: the ratchet tree at 1,000 and 10,000 members. Trees
// are built directly (every leaf and every parent node populated, as after each
// member has committed once), not by running thousands of commits. Every run
// uses fresh keys, so the providers' key caches do not flatter the figures. Reports the
// median of several runs for: generating an UpdatePath, applying one (as the
// member farthest from the committer), and the tree hash after one leaf change.

import { getProvider } from '../main/mls/crypto/index.js';
import type { CipherSuite, CipherSuiteId } from '../main/mls/crypto/provider.js';
import { PROTOCOL_VERSION_MLS10, type GroupContext } from '../main/mls/group/group-context.js';
import { basicCredential } from '../main/mls/tree/credential.js';
import { LeafNodeSource, signLeafNode } from '../main/mls/tree/leaf-node.js';
import { directPath, nodeWidth, type LeafIndex, type NodeIndex } from '../main/mls/tree/math.js';
import { NodeType, type Node } from '../main/mls/tree/node.js';
import type { TreePrivateKeys } from '../main/mls/tree/private-keys.js';
import { RatchetTree } from '../main/mls/tree/ratchet-tree.js';
import { updateLeaf } from '../main/mls/tree/tree-changes.js';
import { applyUpdatePath, createUpdatePath } from '../main/mls/tree/treekem.js';
import { utf8 } from '../main/mls/util/bytes.js';

interface BuiltGroup {
  tree: RatchetTree;
  signatureKeys: Uint8Array[];
  /** HPKE private key of every non-blank node, by node index. */
  nodeKeys: (Uint8Array | undefined)[];
}

function buildGroup(suite: CipherSuite, members: number): BuiltGroup {
  let nLeaves = 1;
  while (nLeaves < members) nLeaves *= 2;
  const nodes: (Node | undefined)[] = new Array<Node | undefined>(nodeWidth(nLeaves)).fill(undefined);
  const nodeKeys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(nodes.length).fill(undefined);
  const signatureKeys: Uint8Array[] = [];
  const capabilities = { versions: [1], cipherSuites: [suite.id], extensions: [], proposals: [], credentials: [1] };
  for (let l = 0; l < members; l++) {
    const sig = suite.signature.generateKeyPair();
    const enc = suite.hpke.generateKeyPair();
    signatureKeys.push(sig.privateKey);
    nodeKeys[2 * l] = enc.privateKey;
    const leaf = signLeafNode(suite, sig.privateKey, {
      encryptionKey: enc.publicKey,
      signatureKey: sig.publicKey,
      credential: basicCredential(utf8(`member ${l}`)),
      capabilities,
      extensions: [],
      leafNodeSource: LeafNodeSource.keyPackage,
      lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
    });
    nodes[2 * l] = { nodeType: NodeType.leaf, leaf };
  }
  // A parent is populated when some member sits below it (as after everyone committed).
  for (let x = 1; x < nodes.length; x += 2) {
    const k = (x + 1) & -(x + 1); // 2^level
    const firstLeaf = (x + 1 - k) / 2;
    if (firstLeaf >= members) continue;
    const kp = suite.hpke.generateKeyPair();
    nodeKeys[x] = kp.privateKey;
    nodes[x] = { nodeType: NodeType.parent, parent: { encryptionKey: kp.publicKey, parentHash: new Uint8Array(0), unmergedLeaves: [] } };
  }
  return { tree: RatchetTree.fromNodes(nodes), signatureKeys, nodeKeys };
}

function privateKeysOf(g: BuiltGroup, l: number): TreePrivateKeys {
  const keys = new Map<NodeIndex, Uint8Array>();
  const leafNode = (2 * l) as NodeIndex;
  keys.set(leafNode, g.nodeKeys[leafNode]!);
  for (const x of directPath(leafNode, g.tree.nLeaves)) if (g.nodeKeys[x] !== undefined) keys.set(x, g.nodeKeys[x]);
  return { leafIndex: l as LeafIndex, keys };
}

function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const fmt = (ms: number): string => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

export const title = 'ratchet tree and TreeKEM at 1,000 and 10,000 members';

export async function run(args: readonly string[] = []): Promise<void> {
  const provider = getProvider();
  const suiteId = Number(args.find((a) => a.startsWith('--suite='))?.slice(8) ?? 1) as CipherSuiteId;
  const suite = provider.getSuite(suiteId);
  const runs = 7;
  console.log(`provider ${provider.name}, suite ${suite.name}, median of ${runs} runs`);
  const groupId = utf8('bench group');
  for (const members of [1000, 10000]) {
    const t0 = performance.now();
    const g = buildGroup(suite, members);
    const built = performance.now() - t0;
    const t1 = performance.now();
    g.tree.treeHash(suite);
    const fullHash = performance.now() - t1;
    const contextFor = (treeHash: Uint8Array): GroupContext => ({
      version: PROTOCOL_VERSION_MLS10,
      cipherSuite: suite.id,
      groupId,
      epoch: 1n,
      treeHash,
      confirmedTranscriptHash: new Uint8Array(suite.hash.size),
      extensions: [],
    });
    const sender = 0;
    const receiver = members - 1;
    const params = { suite, tree: g.tree, privateKeys: privateKeysOf(g, sender), signaturePrivateKey: g.signatureKeys[sender]!, groupId, groupContext: contextFor };
    const paths: ReturnType<typeof createUpdatePath>[] = [];
    const gen = median(runs, () => {
      paths.push(createUpdatePath(params));
    });
    const made = paths[0]!;
    const receiverKeys = privateKeysOf(g, receiver);
    let next = 0;
    const apply = median(runs, () => {
      const p = paths[next++]!;
      applyUpdatePath({ suite, tree: g.tree, privateKeys: receiverKeys, sender: sender as LeafIndex, updatePath: p.updatePath, groupId, groupContext: contextFor });
    });
    const changed = g.tree.leaf((members >> 1) as LeafIndex)!;
    const rehash = median(runs, () => {
      updateLeaf(g.tree, (members >> 1) as LeafIndex, { ...changed, signature: new Uint8Array(changed.signature) }).treeHash(suite);
    });
    console.log(
      `  ${members} members (${g.tree.nLeaves} leaves, path of ${made.updatePath.nodes.length} nodes): ` +
        `generate UpdatePath ${fmt(gen)}, apply UpdatePath ${fmt(apply)}, tree hash after one leaf change ${fmt(rehash)} ` +
        `(full tree hash from scratch ${fmt(fullHash)}; building the tree ${fmt(built)})`,
    );
  }
}

// Run directly: node --import tsx bench/tree.ts
if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2));
