// RFC 9420 §12.4: the proposals a commit covers, resolved to values with their
// senders: inline ones come from the committer, references are looked up among
// the proposals received in this epoch (§5.2 ProposalRef).

import { ValidationError } from '../errors.js';
import { SenderType, type Sender } from '../framing/sender.js';
import { ProposalOrRefType, type ProposalOrRef } from '../messages/proposal-or-ref.js';
import type { Proposal } from '../messages/proposal.js';
import { equalBytes, toHex } from '../util/bytes.js';
import type { PendingProposal } from './state.js';

export interface ResolvedProposal {
  readonly proposal: Proposal;
  /** Who proposed it: the committer for inline proposals. */
  readonly sender: Sender;
  /** The ProposalRef when committed by reference. */
  readonly ref?: Uint8Array;
}

export function resolveProposals(list: readonly ProposalOrRef[], committer: Sender, pending: readonly PendingProposal[]): ResolvedProposal[] {
  const seenRefs = new Set<string>();
  return list.map((p, i) => {
    if (p.type === ProposalOrRefType.proposal) return { proposal: p.proposal, sender: committer };
    const key = toHex(p.reference);
    // A reference twice always breaks a §12.2 rule: the same Add client twice, Update/Remove of one leaf twice,
    // one PreSharedKeyID twice, two GroupContextExtensions, or a ReInit with another proposal.
    if (seenRefs.has(key)) throw new ValidationError(`Commit.proposals[${i}]: proposal reference ${key} appears twice`);
    seenRefs.add(key);
    // §12.4: references name "previously sent proposals"; one this member never received cannot be applied.
    const found = pending.find((x) => equalBytes(x.ref, p.reference));
    if (found === undefined) throw new ValidationError(`Commit.proposals[${i}]: unknown proposal reference ${key}`);
    return { proposal: found.proposal, sender: found.sender, ref: found.ref };
  });
}

export function senderLabel(s: Sender): string {
  switch (s.senderType) {
    case SenderType.member:
      return `member ${s.leafIndex}`;
    case SenderType.external:
      return `external sender ${s.senderIndex}`;
    case SenderType.newMemberProposal:
      return 'new member (proposal)';
    case SenderType.newMemberCommit:
      return 'new member (commit)';
  }
}
