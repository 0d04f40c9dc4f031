// tree/chunked.ts and the tree-hash memo built on it: versions derived from
// one another share chunks, and hashes filled in place through a shared chunk
// stay right for every version (checked against trees built afresh, computing
// hashes in old and new versions in random order, across growth and cuts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { Chunked } from '../../../main/mls/tree/chunked.js';
import { nodeWidth, type NodeIndex } from '../../../main/mls/tree/math.js';
import { NodeType, type Node } from '../../../main/mls/tree/node.js';
import { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { newMember, rng } from './fixtures.js';


void describe('chunked persistent array', () => {
  it('derived versions match plain arrays and leave their parents unchanged', () => {
    const r = rng(5);
    let arr = Array.from({ length: 700 }, (_, i) => i);
    let ch = Chunked.of(arr);
    const history: [Chunked<number>, number[]][] = [];
    for (let step = 0; step < 200; step++) {
      const len = Math.max(1, arr.length + Math.floor((r() - 0.5) * 600));
      const sets: [number, number][] = Array.from({ length: 1 + Math.floor(r() * 20) }, () => [Math.floor(r() * len), Math.floor(r() * 1e6)]);
      const next = arr.slice(0, len);
      while (next.length < len) next.push(-1);
      for (const [i, v] of sets) next[i] = v;
      const d = ch.derive(sets, len, -1);
      history.push([ch, arr]);
      ch = d;
      arr = next;
      assert.deepEqual(ch.toArray(), arr);
    }
    for (const [c, a] of history) assert.deepEqual(c.toArray(), a);
  });
});

void describe('tree-hash memo over shared chunks', () => {
  const suite = getProvider().getSuite(1);
  const leaves: Node[] = Array.from({ length: 12 }, (_, i) => ({ nodeType: NodeType.leaf, leaf: newMember(`c${i}`).leaf }));
  const parent = (i: number): Node => ({ nodeType: NodeType.parent, parent: { encryptionKey: new Uint8Array(32).fill(i), parentHash: new Uint8Array(0), unmergedLeaves: [] } });
  it('every version hashes as a tree built from its nodes', () => {
    const r = rng(9);
    let nLeaves = 512;
    let tree = RatchetTree.fromNodes(Array.from({ length: nodeWidth(nLeaves) }, (_, x) => (r() < 0.5 ? undefined : x % 2 === 0 ? leaves[x % 12] : parent(x % 200))));
    const versions: RatchetTree[] = [tree];
    for (let step = 0; step < 60; step++) {
      if (r() < 0.7) tree.treeHash(suite); // fill the memo before deriving, sometimes
      let next = nLeaves;
      if (r() < 0.1 && nLeaves > 2) next = nLeaves / 2;
      else if (r() < 0.1 && nLeaves < 2048) next = nLeaves * 2;
      const changes = new Map<NodeIndex, Node | undefined>();
      for (let c = 0; c < 1 + Math.floor(r() * 8); c++) {
        const x = Math.floor(r() * nodeWidth(next)) as NodeIndex;
        changes.set(x, r() < 0.3 ? undefined : x % 2 === 0 ? leaves[step % 12] : parent(step));
      }
      tree = tree.withChanges(changes, next);
      nLeaves = next;
      versions.push(tree);
      // Hash some versions, old and new, in random order (fills go into chunks they may share).
      for (let k = 0; k < 3; k++) {
        const v = versions[Math.floor(r() * versions.length)]!;
        assert.deepEqual(v.treeHash(suite), RatchetTree.fromNodes(v.nodes).treeHash(suite));
      }
    }
    for (const v of versions) assert.deepEqual(v.treeHash(suite), RatchetTree.fromNodes(v.nodes).treeHash(suite));
  });
});
