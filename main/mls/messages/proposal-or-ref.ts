// RFC 9420 §12.4: a committed proposal, inline or by its ProposalRef.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { EncodeError } from '../errors.js';
import { decodeProposal, encodeProposal, type Proposal } from './proposal.js';

export const ProposalOrRefType = { proposal: 1, reference: 2 } as const;
export type ProposalOrRefType = (typeof ProposalOrRefType)[keyof typeof ProposalOrRefType];

// RFC 9420 §12.4. `reference` is a ProposalRef (RFC 9420 §5.2: opaque HashReference<V>).
export type ProposalOrRef =
  | { readonly type: typeof ProposalOrRefType.proposal; readonly proposal: Proposal }
  | { readonly type: typeof ProposalOrRefType.reference; readonly reference: Uint8Array };

export function encodeProposalOrRef(e: Encoder, v: ProposalOrRef): void {
  e.u8(v.type);
  if (v.type === ProposalOrRefType.proposal) encodeProposal(e, v.proposal);
  else if (v.type === ProposalOrRefType.reference) e.opaque(v.reference);
  else throw new EncodeError(`ProposalOrRef: unknown type ${(v as { type: number }).type}`);
}

export function decodeProposalOrRef(d: Decoder): ProposalOrRef {
  const type = d.u8('type');
  if (type === ProposalOrRefType.proposal) return { type, proposal: d.field('proposal', decodeProposal) };
  if (type === ProposalOrRefType.reference) return { type, reference: d.opaque('reference') };
  return d.fail('type', `unknown ProposalOrRefType ${type}`);
}
