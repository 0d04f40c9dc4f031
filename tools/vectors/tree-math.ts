// tree-math.json: RFC 9420 Appendix C relations for trees of various sizes.
import { left, level, nodeIndex, nodeWidth, parent, right, root, sibling } from '../../main/mls/tree/math.js';
import { expectEqual, num } from './check.js';

interface TreeMathCase {
  n_leaves: number;
  n_nodes: number;
  root: number;
  left: (number | null)[];
  right: (number | null)[];
  parent: (number | null)[];
  sibling: (number | null)[];
}

function orNull(f: () => number): number | null {
  try {
    return f();
  } catch {
    return null;
  }
}

export function runCase(raw: unknown): void {
  const c = raw as TreeMathCase;
  const n = num(c, 'n_leaves');
  expectEqual('n_nodes', nodeWidth(n), c.n_nodes);
  expectEqual('root', root(n) as number, c.root);
  for (let i = 0; i < c.n_nodes; i++) {
    const x = nodeIndex(i);
    expectEqual(`left(${i})`, level(x) === 0 ? null : left(x), c.left[i]);
    expectEqual(`right(${i})`, level(x) === 0 ? null : right(x), c.right[i]);
    expectEqual(`parent(${i})`, orNull(() => parent(x, n)), c.parent[i]);
    expectEqual(`sibling(${i})`, orNull(() => sibling(x, n)), c.sibling[i]);
  }
}
