// RFC 9420 §12.4: Commit, the proposals it applies and an optional UpdatePath.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { encodeMemo, rememberEncoding } from '../codec/encode-memo.js';
import { decodeUpdatePath, encodeUpdatePath, type UpdatePath } from '../tree/update-path.js';
import { decodeProposalOrRef, encodeProposalOrRef, type ProposalOrRef } from './proposal-or-ref.js';

// RFC 9420 §12.4
export interface Commit {
  readonly proposals: readonly ProposalOrRef[];
  readonly path?: UpdatePath;
}

function encodeCommitFields(e: Encoder, v: Commit): void {
  e.vector(v.proposals, encodeProposalOrRef);
  e.optional(v.path, encodeUpdatePath);
}

/**
 * Memoized (codec/encode-memo.ts): a commit is encoded for its signature, the
 * transcript hash and its framing, and holds every added KeyPackage or every
 * path ciphertext.
 */
export function encodeCommit(e: Encoder, v: Commit): void {
  encodeMemo(e, v, encodeCommitFields);
}

export function decodeCommit(d: Decoder): Commit {
  const start = d.offset;
  const proposals = d.vector('proposals', decodeProposalOrRef);
  const path = d.optional('path', decodeUpdatePath);
  const commit = path === undefined ? { proposals } : { proposals, path };
  rememberEncoding(commit, d.consumed(start));
  return commit;
}
