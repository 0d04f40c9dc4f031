// RFC 9420 §4, §7.8: the ratchet tree, stored flat (array indexed by NodeIndex,
// RFC 9420 Appendix C) with a leaf count that is always a power of two. A
// RatchetTree never changes after construction: every operation returns a new
// tree that shares the old one's nodes, in a persistent array (chunked.ts)
// that copies only the chunks a change touches.
//
// Tree hashes (§7.8) are memoized per node. The memo is invisible state: each
// entry is a pure function of the node's subtree, a derived tree copies its
// parent's memo and drops only the entries on changed paths, so a commit costs
// O(log n) hashing instead of O(n). The key and credential lookups of
// tree-index.ts are invisible state of the same kind: a derived tree derives
// them from its parent's by the changed nodes, when first asked.

import type { CipherSuite } from '../crypto/provider.js';
import { ArgumentError } from '../errors.js';
import { encode, type Encoder } from '../codec/encoder.js';
import { equalBytes } from '../util/bytes.js';
import { encodeLeafNode, type LeafNode } from './leaf-node.js';
import {
  directPath,
  isLeaf,
  left,
  level,
  nodeWidth,
  right,
  root,
  type LeafIndex,
  type NodeIndex,
} from './math.js';
import { NodeType, type Node } from './node.js';
import type { ParentNode } from './parent-node.js';
import { computeNodeHash } from './tree-hash.js';
import { TreeIndex } from './tree-index.js';
import { SlotEncodings, type WriteSlot } from './slot-encodings.js';
import { Chunked } from './chunked.js';

/** The tree-hash memo of one tree: entries for one cipher suite's hash. */
interface HashMemo {
  suiteId: number;
  /** Shared with derived trees chunk by chunk: an entry is filled in place only where every sharer has the same subtree. */
  hashes: Chunked<Uint8Array | undefined>;
}

/** Where a tree's index comes from until it is computed: the tree it was derived from and the nodes that changed. */
interface IndexOrigin {
  readonly tree: RatchetTree;
  readonly changed: readonly NodeIndex[];
  /** Trees between this one and the nearest ancestor with an index: bounds how many old trees an origin keeps alive. */
  readonly depth: number;
}

/** Past this many derivations without an index, a tree forgets its origin (and builds its index from scratch if asked). */
const MAX_ORIGIN_DEPTH = 8;

export class RatchetTree {
  /** Number of leaves: a power of two. */
  readonly nLeaves: number;
  private readonly slots: Chunked<Node | undefined>;
  private slotArray: readonly (Node | undefined)[] | undefined;
  private memo: HashMemo | undefined;
  private indexMemo: TreeIndex | undefined;
  private origin: IndexOrigin | undefined;
  private slotMemo: SlotEncodings | undefined;

  private constructor(slots: Chunked<Node | undefined>, nLeaves: number, memo: HashMemo | undefined, origin?: IndexOrigin, slotMemo?: SlotEncodings) {
    this.slots = slots;
    this.nLeaves = nLeaves;
    this.memo = memo;
    this.origin = origin;
    this.slotMemo = slotMemo;
  }

  /** Node slots, blank = undefined; length nodeWidth(nLeaves). An array made on first use (O(n)): node(x) is the cheap access. */
  get nodes(): readonly (Node | undefined)[] {
    return (this.slotArray ??= this.slots.toArray());
  }

  /** Writes the encodings of slots [0, count) with `writeSlot`, reusing runs of them memoized by this tree or the trees it derives from (slot-encodings.ts). */
  writeSlots(e: Encoder, count: number, writeSlot: WriteSlot): void {
    this.slotMemo ??= SlotEncodings.empty(this.width);
    this.slotMemo.write(e, (x) => this.slots.get(x), count, writeSlot);
  }

  /**
   * The key and credential lookups of this tree (tree-index.ts): derived from
   * the tree it came from when that one has them (O(changes)), else built (O(n)).
   */
  index(): TreeIndex {
    if (this.indexMemo === undefined) {
      const o = this.origin;
      this.indexMemo =
        o === undefined
          ? TreeIndex.build(this.nodes)
          : o.tree.index().derive(
              o.changed,
              (x) => (x < o.tree.width ? o.tree.node(x) : undefined),
              (x) => (x < this.width ? this.node(x) : undefined),
            );
      this.origin = undefined;
    }
    return this.indexMemo;
  }

  /**
   * Builds a tree from node slots in array order (as in the ratchet_tree extension),
   * padding with blanks to a full tree. Leaves must sit at even indices and parents
   * at odd ones (ArgumentError otherwise).
   */
  static fromNodes(slots: readonly (Node | undefined)[]): RatchetTree {
    if (slots.length === 0) throw new ArgumentError('a ratchet tree has at least one node');
    let n = 1;
    while (nodeWidth(n) < slots.length) n *= 2;
    const nodes: (Node | undefined)[] = new Array<Node | undefined>(nodeWidth(n)).fill(undefined);
    slots.forEach((s, i) => {
      if (s === undefined) return;
      const wantLeaf = i % 2 === 0;
      if (wantLeaf !== (s.nodeType === NodeType.leaf)) {
        throw new ArgumentError(`node ${i}: a ${s.nodeType === NodeType.leaf ? 'leaf' : 'parent'} node at a ${wantLeaf ? 'leaf' : 'parent'} position`);
      }
      nodes[i] = s;
    });
    return new RatchetTree(Chunked.of(nodes), n, undefined);
  }

  /** A one-member tree. */
  static single(leaf: LeafNode): RatchetTree {
    return RatchetTree.fromNodes([{ nodeType: NodeType.leaf, leaf }]);
  }

  get width(): number {
    return this.slots.length;
  }

  get root(): NodeIndex {
    return root(this.nLeaves);
  }

  node(x: NodeIndex): Node | undefined {
    return x < this.slots.length ? this.slots.get(x) : undefined;
  }

  isBlank(x: NodeIndex): boolean {
    return this.node(x) === undefined;
  }

  leaf(l: LeafIndex): LeafNode | undefined {
    const n = this.node((2 * l) as NodeIndex);
    return n?.nodeType === NodeType.leaf ? n.leaf : undefined;
  }

  parentNode(x: NodeIndex): ParentNode | undefined {
    const n = this.node(x);
    return n?.nodeType === NodeType.parent ? n.parent : undefined;
  }

  /** The HPKE public key at a node, or undefined when blank. */
  encryptionKey(x: NodeIndex): Uint8Array | undefined {
    const n = this.node(x);
    if (n === undefined) return undefined;
    return n.nodeType === NodeType.leaf ? n.leaf.encryptionKey : n.parent.encryptionKey;
  }

  /** Indices of the non-blank leaves, in order. */
  memberLeaves(): LeafIndex[] {
    const out: LeafIndex[] = [];
    for (let l = 0; l < this.nLeaves; l++) if (this.slots.get(2 * l) !== undefined) out.push(l as LeafIndex);
    return out;
  }

  checkLeaf(l: LeafIndex): void {
    if (!Number.isInteger(l) || l < 0 || l >= this.nLeaves) throw new ArgumentError(`leaf ${l} is outside a tree of ${this.nLeaves} leaves`);
  }

  /**
   * RFC 9420 §4.1.1: resolution of a node: itself (plus its unmerged leaves) when
   * non-blank, nothing for a blank leaf, else the resolutions of its children.
   */
  resolution(x: NodeIndex): NodeIndex[] {
    const out: NodeIndex[] = [];
    this.collectResolution(x, level(x), out);
    return out;
  }

  // The children of a node at level k > 0 are x -/+ 2^(k-1) (Appendix C): carrying the level down saves
  // recomputing it at every node of a large blank subtree.
  private collectResolution(x: number, k: number, out: NodeIndex[]): void {
    const n = this.slots.get(x);
    if (n !== undefined) {
      out.push(x as NodeIndex);
      if (n.nodeType === NodeType.parent) for (const l of n.parent.unmergedLeaves) out.push((2 * l) as NodeIndex);
      return;
    }
    if (k === 0) return;
    const half = 1 << (k - 1);
    this.collectResolution(x - half, k - 1, out);
    this.collectResolution(x + half, k - 1, out);
  }

  /** True when every node under x is blank (so its resolution is empty). */
  isSubtreeBlank(x: NodeIndex): boolean {
    return this.blankBelow(x, level(x));
  }

  private blankBelow(x: number, k: number): boolean {
    if (this.slots.get(x) !== undefined) return false;
    if (k === 0) return true;
    const half = 1 << (k - 1);
    return this.blankBelow(x - half, k - 1) && this.blankBelow(x + half, k - 1);
  }

  /**
   * RFC 9420 §4.1.2: the filtered direct path of a leaf, as pairs of (direct path
   * node, its child on the leaf's copath), skipping nodes whose copath child has an
   * empty resolution. Ordered from the leaf up.
   */
  filteredDirectPath(l: LeafIndex): { node: NodeIndex; copathChild: NodeIndex }[] {
    this.checkLeaf(l);
    const out: { node: NodeIndex; copathChild: NodeIndex }[] = [];
    let child = (2 * l) as NodeIndex;
    for (const p of directPath(child, this.nLeaves)) {
      const sib = left(p) === child ? right(p) : left(p);
      if (!this.isSubtreeBlank(sib)) out.push({ node: p, copathChild: sib });
      child = p;
    }
    return out;
  }

  /** RFC 9420 §7.8: the tree hash of node x (memoized). */
  nodeHash(suite: CipherSuite, x: NodeIndex): Uint8Array {
    if (x >= this.width) throw new ArgumentError(`node ${x} is outside a tree of ${this.nLeaves} leaves`);
    if (this.memo === undefined || this.memo.suiteId !== suite.id) {
      this.memo = { suiteId: suite.id, hashes: Chunked.filled<Uint8Array | undefined>(this.width, undefined) };
    }
    return this.hashAt(suite, this.memo.hashes, x);
  }

  private hashAt(suite: CipherSuite, memo: Chunked<Uint8Array | undefined>, x: NodeIndex): Uint8Array {
    const cached = memo.get(x);
    if (cached !== undefined) return cached;
    let h: Uint8Array;
    if (isLeaf(x)) {
      h = computeNodeHash(suite, x, this.slots.get(x), undefined, undefined);
    } else {
      const lh = this.hashAt(suite, memo, left(x));
      const rh = this.hashAt(suite, memo, right(x));
      h = computeNodeHash(suite, x, this.slots.get(x), lh, rh);
    }
    // In place: any tree sharing this chunk of the memo has the same subtree under x (chunked.ts).
    memo.setShared(x, h);
    return h;
  }

  /** RFC 9420 §7.8: the tree hash of the whole tree (its root). */
  treeHash(suite: CipherSuite): Uint8Array {
    return this.nodeHash(suite, this.root);
  }

  /**
   * A new tree with some node slots replaced (and optionally a new leaf count, the
   * nodes beyond it dropped or blank). Only memo entries on the changed nodes'
   * paths to the root are dropped.
   */
  withChanges(changes: ReadonlyMap<NodeIndex, Node | undefined>, newLeafCount = this.nLeaves): RatchetTree {
    const width = nodeWidth(newLeafCount);
    const r = root(newLeafCount);
    const stale = new Set<number>();
    for (const [x, v] of changes) {
      if (x >= width) throw new ArgumentError(`node ${x} is outside a tree of ${newLeafCount} leaves`);
      if (v !== undefined && (v.nodeType === NodeType.leaf) !== isLeaf(x)) throw new ArgumentError(`node ${x}: wrong node type for its position`);
      // A changed node's hash and those above it. (A resized tree's new nodes start blank in the memo.)
      stale.add(x);
      if (x !== r) for (const p of directPath(x, newLeafCount)) stale.add(p);
    }
    const slots = this.slots.derive(changes, width, undefined);
    let memo: HashMemo | undefined;
    if (this.memo !== undefined) {
      const drop = [...stale].map((x) => [x, undefined] as const);
      memo = { suiteId: this.memo.suiteId, hashes: this.memo.hashes.derive(drop, width, undefined) };
    }
    const changed: NodeIndex[] = [...changes.keys()];
    // Nodes cut off by a smaller tree leave the index too.
    for (let x = width; x < this.width; x++) if (this.slots.get(x) !== undefined) changed.push(x as NodeIndex);
    const depth = this.indexMemo === undefined && this.origin !== undefined ? this.origin.depth + 1 : 1;
    const origin = depth <= MAX_ORIGIN_DEPTH ? { tree: this as RatchetTree, changed, depth } : undefined;
    return new RatchetTree(slots, newLeafCount, memo, origin, this.slotMemo?.derive(changed, width));
  }

  /** RFC 9420 §12.4.3.1: the leaf holding exactly this LeafNode (compared by encoding), if any. */
  findLeaf(leaf: LeafNode): LeafIndex | undefined {
    const want = encode(encodeLeafNode, leaf);
    for (let l = 0; l < this.nLeaves; l++) {
      const n = this.slots.get(2 * l);
      if (n?.nodeType === NodeType.leaf && equalBytes(encode(encodeLeafNode, n.leaf), want)) {
        return l as LeafIndex;
      }
    }
    return undefined;
  }

  /** Iterates the non-blank nodes with their indices. */
  *entries(): IterableIterator<[NodeIndex, Node]> {
    for (let i = 0; i < this.width; i++) {
      const n = this.slots.get(i);
      if (n !== undefined) yield [i as NodeIndex, n];
    }
  }

  /** The level of the root (the tree's depth). */
  get depth(): number {
    return level(this.root);
  }
}


// The wire codec lives in its own file; re-exported here for convenience.
export { decodeRatchetTree, encodeRatchetTree } from './ratchet-tree-codec.js';
