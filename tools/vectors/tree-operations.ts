// tree-operations.json: an Add, Update or Remove proposal applied to a tree
// (RFC 9420 §12.1.1–§12.1.3), checked by the encoding and tree hash of the result.
import { decode } from '../../main/mls/codec/decoder.js';
import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { decodeProposal, ProposalType } from '../../main/mls/messages/proposal.js';
import { leafIndex } from '../../main/mls/tree/math.js';
import { ratchetTreeBytes, ratchetTreeFromBytes } from '../../main/mls/tree/ratchet-tree-codec.js';
import { addLeaf, removeLeaf, updateLeaf } from '../../main/mls/tree/tree-changes.js';
import type { RatchetTree } from '../../main/mls/tree/ratchet-tree.js';
import { expectBytes, hex, num } from './check.js';

export function runCase(raw: unknown, provider: CryptoProvider): void {
  const cs = num(raw, 'cipher_suite');
  if (!isCipherSuiteId(cs)) throw new Error(`unsupported cipher suite ${cs}`);
  const suite = provider.getSuite(cs);
  const before = ratchetTreeFromBytes(hex(raw, 'tree_before'));
  expectBytes('tree_hash_before', before.treeHash(suite), hex(raw, 'tree_hash_before'));
  const proposal = decode(decodeProposal, hex(raw, 'proposal'), 'proposal');
  const sender = leafIndex(num(raw, 'proposal_sender'));
  let after: RatchetTree;
  switch (proposal.proposalType) {
    case ProposalType.add:
      after = addLeaf(before, proposal.add.keyPackage.leafNode).tree;
      break;
    case ProposalType.update:
      after = updateLeaf(before, sender, proposal.update.leafNode);
      break;
    case ProposalType.remove:
      after = removeLeaf(before, leafIndex(proposal.remove.removed));
      break;
    default:
      throw new Error(`unexpected proposal type ${proposal.proposalType}`);
  }
  expectBytes('tree_after', ratchetTreeBytes(after), hex(raw, 'tree_after'));
  expectBytes('tree_hash_after', after.treeHash(suite), hex(raw, 'tree_hash_after'));
  // The input tree is unchanged.
  expectBytes('tree_before unchanged', ratchetTreeBytes(before), hex(raw, 'tree_before'));
  expectBytes('tree_hash_before unchanged', before.treeHash(suite), hex(raw, 'tree_hash_before'));
}
