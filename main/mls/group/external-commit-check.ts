// RFC 9420 §12.4.3.2: what the public API adds to the group core's processing
// of external commits (sender new_member_commit). A resync's Remove must take
// out the joiner's own old leaf: "the LeafNode in the path field ... MUST meet
// the same criteria as would the LeafNode in an Update for the removed leaf",
// i.e. present the same client; Arbor takes that to mean an equal credential.
// Checked before processing, so a refused commit changes nothing.

import { ValidationError } from '../errors.js';
import { ContentType } from '../framing/content-type.js';
import { parseMLSMessage } from '../framing/mls-message.js';
import { SenderType } from '../framing/sender.js';
import { WireFormat } from '../framing/wire-format.js';
import { ProposalOrRefType } from '../messages/proposal-or-ref.js';
import { ProposalType } from '../messages/proposal.js';
import { credentialsEqual } from '../tree/credential.js';
import type { LeafIndex } from '../tree/math.js';
import type { GroupState } from './state.js';

/** True when `bytes` is an MLSMessage(PublicMessage) from a new_member_commit sender (DecodeError when malformed). */
export function isExternalCommitMessage(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[2] !== 0 || bytes[3] !== WireFormat.mlsPublicMessage) return false;
  const m = parseMLSMessage(bytes);
  return m.wireFormat === WireFormat.mlsPublicMessage && m.publicMessage.content.sender.senderType === SenderType.newMemberCommit;
}

/** Throws ValidationError when an external commit removes a leaf whose credential is not the joiner's. */
export function checkExternalCommitRemoves(state: GroupState, bytes: Uint8Array): void {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsPublicMessage) return;
  const content = m.publicMessage.content;
  if (content.sender.senderType !== SenderType.newMemberCommit || content.contentType !== ContentType.commit) return;
  const path = content.commit.path;
  if (path === undefined) return; // the group core refuses it
  for (const p of content.commit.proposals) {
    if (p.type !== ProposalOrRefType.proposal || p.proposal.proposalType !== ProposalType.remove) continue;
    const r = p.proposal.remove.removed;
    const leaf = r < state.tree.nLeaves ? state.tree.leaf(r as LeafIndex) : undefined;
    if (leaf === undefined) continue; // the group core refuses a Remove of a non-member
    if (!credentialsEqual(leaf.credential, path.leafNode.credential)) {
      throw new ValidationError(`external commit: removes leaf ${r}, whose credential is not the joiner's (§12.4.3.2 resync)`);
    }
  }
}
