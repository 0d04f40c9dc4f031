// RFC 9420 §12.4.3.2: the resync rule of external commits (sender
// new_member_commit), enforced by every receiver in processCommit
// (commit-process.ts). A resync's Remove must take out the joiner's own old
// leaf: "the LeafNode in the path field ... MUST meet the same criteria as would
// the LeafNode in an Update for the removed leaf ... In particular, the credential
// in the LeafNode MUST present a set of identifiers that is acceptable to the
// application for the removed participant" (§12.2), i.e. present the same client
// (Arbor's rule for "acceptable": an equal credential) with a fresh encryption key
// (§7.3 for an Update: "a different public key than the encryption_key in the
// leaf node being replaced").
// Also isExternalCommitMessage, which the public API uses to report the joiner.

import { ValidationError } from '../errors.js';
import { parseMLSMessage } from '../framing/mls-message.js';
import { SenderType } from '../framing/sender.js';
import { WireFormat } from '../framing/wire-format.js';
import { ProposalType } from '../messages/proposal.js';
import { credentialsEqual } from '../tree/credential.js';
import type { LeafNode } from '../tree/leaf-node.js';
import type { LeafIndex } from '../tree/math.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import { equalBytes } from '../util/bytes.js';
import type { ResolvedProposal } from './proposal-list.js';

/** True when `bytes` is an MLSMessage(PublicMessage) from a new_member_commit sender (DecodeError when malformed). */
export function isExternalCommitMessage(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[2] !== 0 || bytes[3] !== WireFormat.mlsPublicMessage) return false;
  const m = parseMLSMessage(bytes);
  return m.wireFormat === WireFormat.mlsPublicMessage && m.publicMessage.content.sender.senderType === SenderType.newMemberCommit;
}

/**
 * Throws ValidationError when an external commit (proposals `list`, path leaf
 * `joiner`) removes a leaf of `tree` (the tree before the commit) whose
 * credential is not the joiner's, or whose encryption key the joiner reuses.
 */
export function checkResyncRemoves(tree: RatchetTree, list: readonly ResolvedProposal[], joiner: LeafNode): void {
  for (const { proposal: p } of list) {
    if (p.proposalType !== ProposalType.remove) continue;
    const r = p.remove.removed;
    const old = r < tree.nLeaves ? tree.leaf(r as LeafIndex) : undefined;
    if (old === undefined) continue; // validateProposalList refuses a Remove of a non-member
    if (!credentialsEqual(old.credential, joiner.credential)) {
      throw new ValidationError(`external commit: removes leaf ${r}, whose credential is not the joiner's (§12.4.3.2 resync)`);
    }
    if (equalBytes(old.encryptionKey, joiner.encryptionKey)) {
      throw new ValidationError(`external commit: the joiner's encryption key is that of the removed leaf ${r} (§12.4.3.2: as for an Update)`);
    }
  }
}
