// Lookups over one ratchet tree that keep a commit's checks proportional to
// what it changes instead of to the group: which nodes hold an encryption key
// and which leaves a signature key (RFC 9420 §7.3 "unique among the members",
// §12.4.2 "none of the public keys in the UpdatePath appear in any node"), and
// how the members' credential types and supported types add up (§7.3 "the
// credential type is supported by all members ... and ... support for all the
// credential types currently in use").
//
// A tree derived from another (RatchetTree.withChanges) derives its index from
// the other's by the changed nodes: each key map is a base shared between
// versions plus a small overlay of its own, folded into a new base once the
// overlay outgrows about the square root of the map, so a commit costs
// O(changes) amortized. A tree with no derivable ancestor builds its index from
// scratch on first use (a joined or stored tree: O(n) once).

import { bytesKey } from '../util/bytes.js';
import type { LeafNode } from './leaf-node.js';
import type { NodeIndex } from './math.js';
import { NodeType, type Node } from './node.js';

/** The node(s) holding a key: one index, or several in a tree that breaks uniqueness (found by validation). */
type Holders = number | readonly number[];
const GONE = -1;

/** A persistent map from key bytes to the nodes holding them: a shared base and this version's overlay. */
class KeyMap {
  private constructor(
    private readonly base: ReadonlyMap<string, Holders>,
    /** Entries changed since the base; GONE for removed keys. */
    private readonly overlay: ReadonlyMap<string, Holders>,
    readonly size: number,
    /** Keys held by more than one node. */
    readonly duplicates: number,
  ) {}

  static empty(): KeyMap {
    return new KeyMap(new Map(), new Map(), 0, 0);
  }

  /** A map of these (key, node) pairs, as a base with no overlay. */
  static of(pairs: readonly (readonly [Uint8Array, number])[]): KeyMap {
    const base = new Map<string, Holders>();
    let duplicates = 0;
    for (const [key, x] of pairs) {
      const k = bytesKey(key);
      const h = base.get(k);
      if (h === undefined) base.set(k, x);
      else {
        if (typeof h === 'number') duplicates++;
        base.set(k, typeof h === 'number' ? [h, x] : [...h, x]);
      }
    }
    return new KeyMap(base, new Map(), pairs.length, duplicates);
  }

  private holders(k: string): Holders | undefined {
    const o = this.overlay.get(k);
    if (o !== undefined) return o === GONE ? undefined : o;
    return this.base.get(k);
  }

  /** The nodes holding `key`, in no particular order. */
  get(key: Uint8Array): readonly number[] {
    const h = this.holders(bytesKey(key));
    return h === undefined ? [] : typeof h === 'number' ? [h] : h;
  }

  /** A new version with `add` (key, node) pairs added and `remove` pairs removed. */
  with(remove: readonly (readonly [Uint8Array, number])[], add: readonly (readonly [Uint8Array, number])[]): KeyMap {
    const overlay = new Map(this.overlay);
    let size = this.size;
    let duplicates = this.duplicates;
    const current = (k: string): number[] => {
      const o = overlay.get(k);
      const h = o !== undefined ? (o === GONE ? undefined : o) : this.base.get(k);
      return h === undefined ? [] : typeof h === 'number' ? [h] : [...h];
    };
    const put = (k: string, list: number[]): void => {
      overlay.set(k, list.length === 0 ? GONE : list.length === 1 ? list[0]! : list);
    };
    for (const [key, x] of remove) {
      const k = bytesKey(key);
      const list = current(k);
      const i = list.indexOf(x);
      if (i < 0) continue;
      list.splice(i, 1);
      if (list.length === 1) duplicates--;
      put(k, list);
      size--;
    }
    for (const [key, x] of add) {
      const k = bytesKey(key);
      const list = current(k);
      list.push(x);
      if (list.length === 2) duplicates++;
      put(k, list);
      size++;
    }
    // Fold when the overlay is large: copying it on each change costs its size, folding costs the map's.
    if (overlay.size > 64 && overlay.size * overlay.size > 16 * size) {
      const base = new Map(this.base);
      for (const [k, v] of overlay) {
        if (v === GONE) base.delete(k);
        else base.set(k, v);
      }
      return new KeyMap(base, new Map(), size, duplicates);
    }
    return new KeyMap(this.base, overlay, size, duplicates);
  }
}

/** Members' credential types (§7.3): how many members use each type, and how many list each type as supported. */
class CredentialCounts {
  constructor(
    readonly members: number,
    readonly used: ReadonlyMap<number, number>,
    readonly supported: ReadonlyMap<number, number>,
  ) {}

  with(remove: readonly LeafNode[], add: readonly LeafNode[]): CredentialCounts {
    if (remove.length === 0 && add.length === 0) return this;
    const used = new Map(this.used);
    const supported = new Map(this.supported);
    const count = (m: Map<number, number>, t: number, d: number): void => {
      const v = (m.get(t) ?? 0) + d;
      if (v === 0) m.delete(t);
      else m.set(t, v);
    };
    const apply = (leaf: LeafNode, d: number): void => {
      count(used, leaf.credential.credentialType, d);
      for (const t of new Set(leaf.capabilities.credentials)) count(supported, t, d);
    };
    for (const l of remove) apply(l, -1);
    for (const l of add) apply(l, +1);
    return new CredentialCounts(this.members - remove.length + add.length, used, supported);
  }
}

function encryptionKeyOf(n: Node): Uint8Array {
  return n.nodeType === NodeType.leaf ? n.leaf.encryptionKey : n.parent.encryptionKey;
}

export class TreeIndex {
  private constructor(
    private readonly enc: KeyMap,
    private readonly sig: KeyMap,
    readonly credentials: CredentialCounts,
  ) {}

  /** The index of a tree given as its node slots. */
  static build(nodes: readonly (Node | undefined)[]): TreeIndex {
    const enc: [Uint8Array, number][] = [];
    const sig: [Uint8Array, number][] = [];
    const leaves: LeafNode[] = [];
    nodes.forEach((n, x) => {
      if (n === undefined) return;
      enc.push([encryptionKeyOf(n), x]);
      if (n.nodeType === NodeType.leaf) {
        sig.push([n.leaf.signatureKey, x]);
        leaves.push(n.leaf);
      }
    });
    return new TreeIndex(KeyMap.of(enc), KeyMap.of(sig), new CredentialCounts(0, new Map(), new Map()).with([], leaves));
  }

  /** The index after `changed` nodes went from `before(x)` to `after(x)`. */
  derive(changed: Iterable<NodeIndex>, before: (x: NodeIndex) => Node | undefined, after: (x: NodeIndex) => Node | undefined): TreeIndex {
    const encOut: [Uint8Array, number][] = [];
    const encIn: [Uint8Array, number][] = [];
    const sigOut: [Uint8Array, number][] = [];
    const sigIn: [Uint8Array, number][] = [];
    const leavesOut: LeafNode[] = [];
    const leavesIn: LeafNode[] = [];
    for (const x of changed) {
      const a = before(x);
      const b = after(x);
      if (a === b) continue;
      if (a !== undefined) {
        encOut.push([encryptionKeyOf(a), x]);
        if (a.nodeType === NodeType.leaf) {
          sigOut.push([a.leaf.signatureKey, x]);
          leavesOut.push(a.leaf);
        }
      }
      if (b !== undefined) {
        encIn.push([encryptionKeyOf(b), x]);
        if (b.nodeType === NodeType.leaf) {
          sigIn.push([b.leaf.signatureKey, x]);
          leavesIn.push(b.leaf);
        }
      }
    }
    return new TreeIndex(this.enc.with(encOut, encIn), this.sig.with(sigOut, sigIn), this.credentials.with(leavesOut, leavesIn));
  }

  /** True when some encryption key is in two nodes, or some signature key in two leaves. */
  hasDuplicateKeys(): boolean {
    return this.enc.duplicates > 0 || this.sig.duplicates > 0;
  }

  /** The nodes (leaves and parents) whose encryption key is `key`. */
  nodesWithEncryptionKey(key: Uint8Array): readonly NodeIndex[] {
    return this.enc.get(key) as readonly NodeIndex[];
  }

  /** The leaf nodes (node indices) whose signature key is `key`. */
  leavesWithSignatureKey(key: Uint8Array): readonly NodeIndex[] {
    return this.sig.get(key) as readonly NodeIndex[];
  }
}
