// RFC 9420 Appendix C: array-based left-balanced binary trees. Leaves sit at
// even node indices, parents at odd ones; a tree with n leaves has 2n-1 nodes.
// Indices are branded so a leaf index cannot be used where a node index is meant.

import { ArgumentError } from '../errors.js';

export type LeafIndex = number & { readonly __brand: 'LeafIndex' };
export type NodeIndex = number & { readonly __brand: 'NodeIndex' };

export function leafIndex(n: number): LeafIndex {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new ArgumentError(`invalid leaf index ${n}`);
  return n as LeafIndex;
}

export function nodeIndex(n: number): NodeIndex {
  if (!Number.isInteger(n) || n < 0 || n > 0xfffffffe) throw new ArgumentError(`invalid node index ${n}`);
  return n as NodeIndex;
}

export function leafToNode(l: LeafIndex): NodeIndex {
  return (2 * l) as NodeIndex;
}

export function nodeToLeaf(x: NodeIndex): LeafIndex {
  if (x % 2 !== 0) throw new ArgumentError(`node ${x} is not a leaf`);
  return (x / 2) as LeafIndex;
}

export function isLeaf(x: NodeIndex): boolean {
  return x % 2 === 0;
}

/** The level of a node: leaves are 0, their parents 1, ... (number of trailing 1 bits). */
export function level(x: NodeIndex): number {
  if (x % 2 === 0) return 0;
  let k = 0;
  let v = x as number;
  while (v % 2 === 1) {
    k++;
    v = Math.floor(v / 2);
  }
  return k;
}

export function nodeWidth(nLeaves: number): number {
  if (nLeaves === 0) return 0;
  checkLeaves(nLeaves);
  return 2 * (nLeaves - 1) + 1;
}

function log2(x: number): number {
  if (x === 0) return 0;
  let k = 0;
  while (x >> k > 0) k++;
  return k - 1;
}

// RFC 9420 §7.8: the tree is always full, its leaf count a power of two.
function checkLeaves(nLeaves: number): void {
  if (!Number.isInteger(nLeaves) || nLeaves < 1 || (nLeaves & (nLeaves - 1)) !== 0) {
    throw new ArgumentError(`a tree's leaf count must be a power of two, got ${nLeaves}`);
  }
}

export function root(nLeaves: number): NodeIndex {
  checkLeaves(nLeaves);
  const w = nodeWidth(nLeaves);
  return ((1 << log2(w)) - 1) as NodeIndex;
}

export function left(x: NodeIndex): NodeIndex {
  const k = level(x);
  if (k === 0) throw new ArgumentError(`leaf ${x} has no children`);
  return (x ^ (0x01 << (k - 1))) as NodeIndex;
}

export function right(x: NodeIndex): NodeIndex {
  const k = level(x);
  if (k === 0) throw new ArgumentError(`leaf ${x} has no children`);
  return (x ^ (0x03 << (k - 1))) as NodeIndex;
}

/** One step up in the infinite full tree (RFC 9420 Appendix C `parent`). */
function parentStep(x: number): number {
  const k = level(x as NodeIndex);
  const b = (x >> (k + 1)) & 0x01;
  return (x | (1 << k)) ^ (b << (k + 1));
}

export function parent(x: NodeIndex, nLeaves: number): NodeIndex {
  if (x === root(nLeaves)) throw new ArgumentError(`root ${x} has no parent`);
  if (x >= nodeWidth(nLeaves)) throw new ArgumentError(`node ${x} is outside a tree of ${nLeaves} leaves`);
  return parentStep(x) as NodeIndex;
}

export function sibling(x: NodeIndex, nLeaves: number): NodeIndex {
  const p = parent(x, nLeaves);
  return x < p ? right(p) : left(p);
}

/** Direct path: the parents from x up to and including the root, excluding x. */
export function directPath(x: NodeIndex, nLeaves: number): NodeIndex[] {
  const r = root(nLeaves);
  if (x >= nodeWidth(nLeaves)) throw new ArgumentError(`node ${x} is outside a tree of ${nLeaves} leaves`);
  const d: NodeIndex[] = [];
  let cur = x;
  while (cur !== r) {
    cur = parentStep(cur) as NodeIndex;
    d.push(cur);
  }
  return d;
}

/** Copath: the sibling of x and of each node of its direct path, except the root. */
export function copath(x: NodeIndex, nLeaves: number): NodeIndex[] {
  if (x === root(nLeaves)) return [];
  const path = [x, ...directPath(x, nLeaves)];
  path.pop();
  return path.map((y) => sibling(y, nLeaves));
}

/** Is x an ancestor of (or equal to) y's subtree root? True when y lies in x's subtree. */
export function isInSubtree(x: NodeIndex, y: NodeIndex): boolean {
  const k = level(x);
  return y >> (k + 1) === x >> (k + 1);
}

/** The lowest common ancestor of two nodes. */
export function commonAncestor(x: NodeIndex, y: NodeIndex): NodeIndex {
  const lx = level(x) + 1;
  const ly = level(y) + 1;
  if (lx <= ly && x >> ly === y >> ly) return y;
  if (ly <= lx && x >> lx === y >> lx) return x;
  let xn = x as number;
  let yn = y as number;
  let k = 0;
  while (xn !== yn) {
    xn >>= 1;
    yn >>= 1;
    k++;
  }
  return (((xn << k) + (1 << (k - 1))) - 1) as NodeIndex;
}
