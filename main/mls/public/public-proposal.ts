// RFC 9420 §12.1: a PublicMessage proposal seen by the public view. The same
// receipt checks a member runs (group/proposal-receipt.ts) decide whether it
// is kept as pending, under the same ProposalRef (§5.2), so a commit that
// refers to it resolves here exactly as at every member.

import { makeProposalRef } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { authenticatedContentBytes, type AuthenticatedContent } from '../framing/authenticated-content.js';
import { ContentType } from '../framing/content-type.js';
import type { Sender } from '../framing/sender.js';
import { validateReceivedProposal } from '../group/proposal-receipt.js';
import { checkProposalSender } from '../group/proposal-validation.js';
import type { Proposal } from '../messages/proposal.js';
import { equalBytes, toHex } from '../util/bytes.js';
import type { PublicGroup } from './public-group.js';

export interface PublicProposalResult {
  readonly kind: 'proposal';
  readonly group: PublicGroup;
  readonly ref: Uint8Array;
  readonly proposal: Proposal;
  readonly sender: Sender;
}

/** The content's signature was verified by the caller (public-message.ts). */
export function applyPublicProposal(suite: CipherSuite, g: PublicGroup, ac: AuthenticatedContent): PublicProposalResult {
  const content = ac.content;
  if (content.contentType !== ContentType.proposal) throw new ValidationError('applyPublicProposal: not a proposal');
  if (g.reinit !== undefined) throw new ValidationError('the group was re-initialized: it accepts no more proposals');
  const sender = content.sender;
  checkProposalSender({ proposal: content.proposal, sender }, 'proposal');
  validateReceivedProposal(suite, g, content.proposal, sender);
  const ref = makeProposalRef(suite, authenticatedContentBytes(ac));
  if (g.pendingProposals.some((p) => equalBytes(p.ref, ref))) throw new ValidationError(`proposal ${toHex(ref)} was already received in this epoch (replay)`);
  return {
    kind: 'proposal',
    group: { ...g, pendingProposals: [...g.pendingProposals, { ref, proposal: content.proposal, sender }] },
    ref,
    proposal: content.proposal,
    sender,
  };
}
