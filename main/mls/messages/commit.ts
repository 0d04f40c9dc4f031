// RFC 9420 §12.4: Commit, the proposals it applies and an optional UpdatePath.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { decodeUpdatePath, encodeUpdatePath, type UpdatePath } from '../tree/update-path.js';
import { decodeProposalOrRef, encodeProposalOrRef, type ProposalOrRef } from './proposal-or-ref.js';

// RFC 9420 §12.4
export interface Commit {
  readonly proposals: readonly ProposalOrRef[];
  readonly path?: UpdatePath;
}

export function encodeCommit(e: Encoder, v: Commit): void {
  e.vector(v.proposals, encodeProposalOrRef);
  e.optional(v.path, encodeUpdatePath);
}

export function decodeCommit(d: Decoder): Commit {
  const proposals = d.vector('proposals', decodeProposalOrRef);
  const path = d.optional('path', decodeUpdatePath);
  return path === undefined ? { proposals } : { proposals, path };
}
