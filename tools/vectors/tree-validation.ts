// tree-validation.json: for each tree, the resolution and tree hash of every node,
// the parent-hash chain and every leaf signature (RFC 9420 §4.1.1, §7.8, §7.9.2, §7.3).
import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { nodeIndex } from '../../main/mls/tree/math.js';
import { ratchetTreeBytes, ratchetTreeFromBytes } from '../../main/mls/tree/ratchet-tree-codec.js';
import { validateRatchetTree } from '../../main/mls/tree/tree-validation.js';
import { expectBytes, expectEqual, hex, num } from './check.js';
import { fromHex } from '../../main/mls/util/bytes.js';

interface TreeValidationCase {
  resolutions: number[][];
  tree_hashes: string[];
}

export function runCase(raw: unknown, provider: CryptoProvider): void {
  const c = raw as TreeValidationCase;
  const cs = num(raw, 'cipher_suite');
  if (!isCipherSuiteId(cs)) throw new Error(`unsupported cipher suite ${cs}`);
  const suite = provider.getSuite(cs);
  const bytes = hex(raw, 'tree');
  const tree = ratchetTreeFromBytes(bytes);
  expectBytes('re-encoded tree', ratchetTreeBytes(tree), bytes);
  expectEqual('node count', tree.width, c.tree_hashes.length);
  for (let i = 0; i < tree.width; i++) {
    const x = nodeIndex(i);
    expectEqual(`resolution(${i})`, tree.resolution(x).join(','), (c.resolutions[i] ?? []).join(','));
    expectBytes(`tree hash(${i})`, tree.nodeHash(suite, x), fromHex(c.tree_hashes[i]!));
  }
  validateRatchetTree(suite, tree, { groupId: hex(raw, 'group_id'), expectedTreeHash: tree.treeHash(suite) });
}
