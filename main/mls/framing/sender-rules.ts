// RFC 9420 §6.1 / §6.2: which content types each sender type may send, and that
// application data is only ever sent encrypted. Checked on protect and unprotect.
// §6.1, per sender type: external "The content_type of the message MUST be
// proposal"; new_member_commit "The content_type of the message MUST be commit";
// new_member_proposal "The content_type of the message MUST be proposal and the
// proposal_type of the Proposal MUST be add".

import { ValidationError } from '../errors.js';
import { ProposalType } from '../messages/proposal.js';
import { ContentType } from './content-type.js';
import type { FramedContent } from './framed-content.js';
import { SenderType } from './sender.js';

export function checkSenderContentType(content: FramedContent): void {
  const s = content.sender.senderType;
  if (s === SenderType.external && content.contentType !== ContentType.proposal) {
    throw new ValidationError(`an external sender may only send proposals, got content type ${content.contentType}`);
  }
  if (s === SenderType.newMemberCommit && content.contentType !== ContentType.commit) {
    throw new ValidationError(`a new_member_commit sender may only send a commit, got content type ${content.contentType}`);
  }
  if (s === SenderType.newMemberProposal) {
    if (content.contentType !== ContentType.proposal || content.proposal.proposalType !== ProposalType.add) {
      throw new ValidationError('a new_member_proposal sender may only send an Add proposal');
    }
  }
}
