// RFC 9420 §6.1: whose key verifies a message's signature, by sender type:
// a member's leaf, an entry of the external_senders extension (§12.1.8.1), the
// leaf in a new member's Add (new_member_proposal) or in an external commit's
// path (new_member_commit). Unknown senders are a ValidationError: §6.1 "The
// sender MUST use the private key corresponding to the following signature key"
// (a blank leaf, a missing external_senders entry or a commit without a path has
// none), and §12.1.8 "The external SenderType ... can only be used if the
// external_senders extension is present in the group's GroupContext".

import { DecodeError, ValidationError } from '../errors.js';
import { ContentType } from '../framing/content-type.js';
import type { FramedContent } from '../framing/framed-content.js';
import { SenderType } from '../framing/sender.js';
import { readExternalSenders } from '../messages/external-senders.js';
import { ProposalType } from '../messages/proposal.js';
import type { RatchetTree } from '../tree/ratchet-tree.js';
import type { GroupContext } from './group-context.js';

export function senderSignatureKey(tree: RatchetTree, groupContext: GroupContext, content: FramedContent): Uint8Array {
  const s = content.sender;
  switch (s.senderType) {
    case SenderType.member: {
      const leaf = s.leafIndex < tree.nLeaves ? tree.leaf(s.leafIndex) : undefined;
      if (leaf === undefined) throw new ValidationError(`sender leaf ${s.leafIndex} is not a member of the group`);
      return leaf.signatureKey;
    }
    case SenderType.external: {
      let list;
      try {
        list = readExternalSenders(groupContext.extensions);
      } catch (e) {
        if (e instanceof DecodeError) throw new ValidationError(`external_senders extension is malformed: ${e.message}`);
        throw e;
      }
      if (list === undefined) throw new ValidationError('external sender, but the group has no external_senders extension');
      const x = list[s.senderIndex];
      if (x === undefined) throw new ValidationError(`external sender index ${s.senderIndex} is outside the external_senders list of ${list.length}`);
      return x.signatureKey;
    }
    case SenderType.newMemberProposal:
      if (content.contentType !== ContentType.proposal || content.proposal.proposalType !== ProposalType.add) {
        throw new ValidationError('a new_member_proposal sender may only send an Add proposal');
      }
      return content.proposal.add.keyPackage.leafNode.signatureKey;
    case SenderType.newMemberCommit:
      if (content.contentType !== ContentType.commit || content.commit.path === undefined) {
        throw new ValidationError('a new_member_commit sender must send a commit with a path');
      }
      return content.commit.path.leafNode.signatureKey;
  }
}
