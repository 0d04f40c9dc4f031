// tree/tree-index.ts: the index a tree derives from its parent's by the changed
// nodes equals the index built from scratch, through long random sequences of
// changes (overlays folded and not, trees grown and cut, duplicate keys made
// and undone), and the lookups agree with a scan of the nodes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LeafNode } from '../../../main/mls/tree/leaf-node.js';
import { nodeWidth, type NodeIndex } from '../../../main/mls/tree/math.js';
import { NodeType, type Node } from '../../../main/mls/tree/node.js';
import { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { TreeIndex } from '../../../main/mls/tree/tree-index.js';
import { equalBytes } from '../../../main/mls/util/bytes.js';
import { rng } from './fixtures.js';

/** Keys from a small pool, so that duplicates happen. */
function key(r: () => number, pool: number): Uint8Array {
  const k = new Uint8Array(32);
  k[0] = Math.floor(r() * pool);
  k[31] = 7;
  return k;
}

function leaf(r: () => number): Node {
  const types = [1, 2, 3];
  const l = {
    encryptionKey: key(r, 400),
    signatureKey: key(r, 300),
    credential: { credentialType: types[Math.floor(r() * 3)]!, identity: new Uint8Array(1) },
    capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: types.filter(() => r() < 0.8) },
  } as unknown as LeafNode;
  return { nodeType: NodeType.leaf, leaf: l };
}

function parent(r: () => number): Node {
  return { nodeType: NodeType.parent, parent: { encryptionKey: key(r, 400), parentHash: new Uint8Array(0), unmergedLeaves: [] } };
}

/** What the index must say, from the nodes. */
function expected(tree: RatchetTree) {
  const enc = (k: Uint8Array) =>
    tree.nodes.flatMap((n, x) => (n !== undefined && equalBytes(n.nodeType === NodeType.leaf ? n.leaf.encryptionKey : n.parent.encryptionKey, k) ? [x] : []));
  const sig = (k: Uint8Array) => tree.nodes.flatMap((n, x) => (n?.nodeType === NodeType.leaf && equalBytes(n.leaf.signatureKey, k) ? [x] : []));
  return { enc, sig };
}

function compare(tree: RatchetTree, probes: Uint8Array[]): void {
  const derived = tree.index();
  const built = TreeIndex.build(tree.nodes);
  const want = expected(tree);
  const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
  for (const k of probes) {
    assert.deepEqual(sorted(derived.nodesWithEncryptionKey(k)), want.enc(k));
    assert.deepEqual(sorted(derived.leavesWithSignatureKey(k)), want.sig(k));
    assert.deepEqual(sorted(built.nodesWithEncryptionKey(k)), want.enc(k));
  }
  const dup = (() => {
    const e = new Map<string, number>();
    const s = new Map<string, number>();
    for (const n of tree.nodes) {
      if (n === undefined) continue;
      const ek = String(n.nodeType === NodeType.leaf ? n.leaf.encryptionKey[0] : n.parent.encryptionKey[0]);
      e.set(ek, (e.get(ek) ?? 0) + 1);
      if (n.nodeType === NodeType.leaf) s.set(String(n.leaf.signatureKey[0]), (s.get(String(n.leaf.signatureKey[0])) ?? 0) + 1);
    }
    return [...e.values(), ...s.values()].some((c) => c > 1);
  })();
  assert.equal(derived.hasDuplicateKeys(), dup);
  assert.equal(built.hasDuplicateKeys(), dup);
  const leaves = tree.nodes.filter((n) => n?.nodeType === NodeType.leaf).map((n) => (n as { leaf: LeafNode }).leaf);
  assert.equal(derived.credentials.members, leaves.length);
  for (const t of [1, 2, 3]) {
    assert.equal(derived.credentials.used.get(t) ?? 0, leaves.filter((l) => l.credential.credentialType === t).length);
    assert.equal(derived.credentials.supported.get(t) ?? 0, leaves.filter((l) => l.capabilities.credentials.includes(t)).length);
  }
}

void describe('tree index', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`derived through 300 random changes equals the built index (seed ${seed})`, () => {
      const r = rng(seed * 7919);
      let nLeaves = 16;
      const slots: (Node | undefined)[] = [];
      for (let x = 0; x < nodeWidth(nLeaves); x++) slots.push(r() < 0.6 ? (x % 2 === 0 ? leaf(r) : parent(r)) : undefined);
      let tree = RatchetTree.fromNodes(slots);
      tree.index();
      const probes = Array.from({ length: 400 }, (_, i) => {
        const k = new Uint8Array(32);
        k[0] = i;
        k[31] = 7;
        return k;
      });
      for (let step = 0; step < 300; step++) {
        const changes = new Map<NodeIndex, Node | undefined>();
        let next = nLeaves;
        const roll = r();
        if (roll < 0.05 && nLeaves > 2) next = nLeaves / 2;
        else if (roll < 0.1 && nLeaves < 128) next = nLeaves * 2;
        const width = nodeWidth(next);
        const count = 1 + Math.floor(r() * (r() < 0.1 ? 60 : 6));
        for (let c = 0; c < count; c++) {
          const x = Math.floor(r() * width) as NodeIndex;
          changes.set(x, r() < 0.3 ? undefined : x % 2 === 0 ? leaf(r) : parent(r));
        }
        tree = tree.withChanges(changes, next);
        nLeaves = next;
        // Ask for the index only sometimes, so derivations also go through trees that never computed one.
        if (r() < 0.5 || step % 50 === 0) compare(tree, probes);
      }
    });
  }
});
