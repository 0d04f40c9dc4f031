// RFC 9420 §9: a secret tree stored as rows, one per entry of its frontier, so
// that a message, which changes one path, rewrites a few small rows instead of
// the whole tree (storage only; not a wire format of the RFC).
//
// The frontier of a SecretTreeState is its 'secret' nodes (unexpanded subtrees)
// and 'leaf' nodes (a leaf's two ratchets); 'split' nodes are implied by their
// children and not stored. The frontier tiles the tree: every leaf lies under
// exactly one entry. A row is named by the entry's RFC 9420 node index (§4.1,
// Appendix C: leaf L is node 2L) and holds the entry as secret-tree.ts encodes
// a node: uint8 kind (0 secret, 2 leaf), then opaque secret<V>, or the
// handshake and application Ratchets (generation, secret, skipped keys).
//
// Because the tree is persistent (an update copies one path and shares every
// other subtree), two versions are diffed by walking both and skipping shared
// subtrees: the cost is that of the changed paths, not of the tree.

import { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { DecodeError } from '../errors.js';
import { left, level, nodeWidth, parent, right, root, type NodeIndex } from '../tree/math.js';
import { decodeSecretNode, encodeSecretNode, type SecretNode, type SecretTreeHeader, type SecretTreeState } from './secret-tree.js';

/** One frontier entry of a secret tree: its node index and its encoding. */
export interface SecretTreeRow {
  readonly node: number;
  readonly data: Uint8Array;
}

/** The rows to write and the node indices to delete to turn one version of a tree into another. */
export interface SecretTreeRowDiff {
  readonly put: SecretTreeRow[];
  readonly delete: number[];
}

/** Node indices above 2^31 do not fit the bit operations of tree/math.ts; no group comes near. */
const MAX_ROW_LEAVES = 0x40000000;

function rowOf(node: NodeIndex, n: SecretNode): SecretTreeRow {
  const e = new Encoder();
  encodeSecretNode(e, n);
  return { node, data: e.finish() };
}

/** Appends the frontier under `n` (whose node index is `x`), left to right, i.e. by ascending node index. */
function frontier(n: SecretNode, x: NodeIndex, visit: (x: NodeIndex, n: SecretNode) => void): void {
  if (n.kind !== 'split') return visit(x, n);
  frontier(n.left, left(x), visit);
  frontier(n.right, right(x), visit);
}

/** Every row of the tree, by ascending node index. */
export function secretTreeRows(state: SecretTreeState): SecretTreeRow[] {
  const out: SecretTreeRow[] = [];
  frontier(state.root, root(state.nLeaves), (x, n) => out.push(rowOf(x, n)));
  return out;
}

/**
 * The rows that change from `before` to `after`: puts (new or replaced
 * entries) and deletes (entries that were split), never the same node in both.
 * Shared subtrees are skipped, so the cost follows the changed paths.
 */
export function secretTreeRowDiff(before: SecretTreeState, after: SecretTreeState): SecretTreeRowDiff {
  const put: SecretTreeRow[] = [];
  const del: number[] = [];
  if (before.nLeaves !== after.nLeaves) {
    // Another shape: the node indices mean other subtrees. Replace every row.
    const rows = secretTreeRows(after);
    const kept = new Set(rows.map((r) => r.node));
    frontier(before.root, root(before.nLeaves), (x) => void (kept.has(x) ? undefined : del.push(x)));
    return { put: rows, delete: del };
  }
  const walk = (a: SecretNode, b: SecretNode, x: NodeIndex): void => {
    if (a === b) return;
    if (a.kind === 'split' && b.kind === 'split') {
      walk(a.left, b.left, left(x));
      walk(a.right, b.right, right(x));
      return;
    }
    if (a.kind === 'split') frontier(a, x, (y) => void del.push(y));
    else if (b.kind === 'split') del.push(x);
    frontier(b, x, (y, n) => void put.push(rowOf(y, n)));
  };
  walk(before.root, after.root, root(after.nLeaves));
  return { put, delete: del };
}

/**
 * Strict inverse of secretTreeRows: the rows, in any order, must tile the tree
 * exactly (no missing, duplicate, overlapping or out-of-tree row) and each must
 * decode as a frontier entry of its level. Errors are DecodeErrors whose path
 * starts with `where` and names the row.
 */
export function secretTreeFromRows(header: SecretTreeHeader, rows: readonly SecretTreeRow[], where: string): SecretTreeState {
  if (header.nLeaves > MAX_ROW_LEAVES) throw new DecodeError(`${where}.n_leaves`, `${header.nLeaves} leaves exceed the ${MAX_ROW_LEAVES} a stored tree may have`);
  const width = nodeWidth(header.nLeaves);
  const byNode = new Map<number, Uint8Array>();
  for (const r of rows) {
    if (!Number.isInteger(r.node) || r.node < 0 || r.node >= width) {
      throw new DecodeError(`${where}.node[${r.node}]`, `not a node of a tree of ${header.nLeaves} leaves (nodes 0..${width - 1})`);
    }
    if (byNode.has(r.node)) throw new DecodeError(`${where}.node[${r.node}]`, 'duplicate row');
    byNode.set(r.node, r.data);
  }
  const used = new Set<number>();
  const build = (x: NodeIndex): SecretNode => {
    const lvl = level(x);
    const data = byNode.get(x);
    if (data !== undefined) {
      used.add(x);
      const d = new Decoder(data, `${where}.node[${x}]`);
      const n = decodeSecretNode(d, header, lvl, false);
      d.end();
      return n;
    }
    if (lvl === 0) throw new DecodeError(`${where}.node[${x}]`, `missing row: no row for leaf node ${x} or any node above it`);
    return { kind: 'split', left: build(left(x)), right: build(right(x)) };
  };
  const top = root(header.nLeaves);
  const tree: SecretTreeState = { ...header, root: build(top) };
  if (used.size !== byNode.size) {
    // Only rows under a used row are left over: name the first and the row that covers it.
    const extra = [...byNode.keys()].filter((x) => !used.has(x)).sort((a, b) => a - b)[0]! as NodeIndex;
    let up = extra;
    while (!used.has(up)) up = parent(up, header.nLeaves);
    throw new DecodeError(`${where}.node[${extra}]`, `overlapping row: node ${extra} lies under the row for node ${up}, which covers its whole subtree`);
  }
  return tree;
}
