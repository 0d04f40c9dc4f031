// The one entry of the public view for a group's handshake traffic: decode a
// PublicMessage, check its group, epoch and signature, then apply the proposal
// or the commit. Pure: the input view is never changed, and any error
// (DecodeError, ValidationError, CryptoError) leaves it the valid current one.

import type { CryptoProvider } from '../crypto/provider.js';
import { ContentType } from '../framing/content-type.js';
import { suiteOfGroup } from './from-group-info.js';
import { applyPublicCommit, type PublicCommitResult } from './public-commit.js';
import { parsePublicMessage, verifyPublicContent } from './public-message.js';
import type { PublicGroup } from './public-group.js';
import { applyPublicProposal, type PublicProposalResult } from './public-proposal.js';
import { ValidationError } from '../errors.js';

export type PublicProcessResult = PublicProposalResult | PublicCommitResult;

export interface PublicProcessOptions {
  readonly provider?: CryptoProvider;
}

/** Applies an MLSMessage(PublicMessage) proposal or commit to the view. */
export function processPublicMessage(g: PublicGroup, bytes: Uint8Array, opts: PublicProcessOptions = {}): PublicProcessResult {
  const suite = suiteOfGroup(g.cipherSuite, opts.provider);
  const ac = parsePublicMessage(bytes);
  verifyPublicContent(suite, g, ac);
  switch (ac.content.contentType) {
    case ContentType.proposal:
      return applyPublicProposal(suite, g, ac);
    case ContentType.commit:
      return applyPublicCommit(suite, g, ac);
    default:
      throw new ValidationError('PublicMessage: application data must be sent as PrivateMessage');
  }
}
