// RFC 9420 §12.1: Proposal, a tagged union over the seven proposal types this
// document defines. A proposal of another type cannot be skipped (its body has
// no length prefix), so decoding one is an error naming the type.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { EncodeError } from '../errors.js';
import { type Add, decodeAdd, encodeAdd } from './proposals/add.js';
import { type Update, decodeUpdate, encodeUpdate } from './proposals/update.js';
import { type Remove, decodeRemove, encodeRemove } from './proposals/remove.js';
import { type PreSharedKey, decodePreSharedKey, encodePreSharedKey } from './proposals/pre-shared-key.js';
import { type ReInit, decodeReInit, encodeReInit } from './proposals/reinit.js';
import { type ExternalInit, decodeExternalInit, encodeExternalInit } from './proposals/external-init.js';
import {
  type GroupContextExtensions,
  decodeGroupContextExtensions,
  encodeGroupContextExtensions,
} from './proposals/group-context-extensions.js';

/** RFC 9420 §17.4: the proposal types of this document. */
export const ProposalType = {
  add: 1,
  update: 2,
  remove: 3,
  psk: 4,
  reinit: 5,
  external_init: 6,
  group_context_extensions: 7,
} as const;
export type ProposalType = (typeof ProposalType)[keyof typeof ProposalType];

// RFC 9420 §12.1
export type Proposal =
  | { readonly proposalType: typeof ProposalType.add; readonly add: Add }
  | { readonly proposalType: typeof ProposalType.update; readonly update: Update }
  | { readonly proposalType: typeof ProposalType.remove; readonly remove: Remove }
  | { readonly proposalType: typeof ProposalType.psk; readonly psk: PreSharedKey }
  | { readonly proposalType: typeof ProposalType.reinit; readonly reinit: ReInit }
  | { readonly proposalType: typeof ProposalType.external_init; readonly externalInit: ExternalInit }
  | { readonly proposalType: typeof ProposalType.group_context_extensions; readonly groupContextExtensions: GroupContextExtensions };

export function encodeProposal(e: Encoder, v: Proposal): void {
  e.u16(v.proposalType);
  switch (v.proposalType) {
    case ProposalType.add:
      return encodeAdd(e, v.add);
    case ProposalType.update:
      return encodeUpdate(e, v.update);
    case ProposalType.remove:
      return encodeRemove(e, v.remove);
    case ProposalType.psk:
      return encodePreSharedKey(e, v.psk);
    case ProposalType.reinit:
      return encodeReInit(e, v.reinit);
    case ProposalType.external_init:
      return encodeExternalInit(e, v.externalInit);
    case ProposalType.group_context_extensions:
      return encodeGroupContextExtensions(e, v.groupContextExtensions);
    default:
      throw new EncodeError(`Proposal: unknown proposal type ${(v as { proposalType: number }).proposalType}`);
  }
}

export function decodeProposal(d: Decoder): Proposal {
  const t = d.u16('proposal_type');
  switch (t) {
    case ProposalType.add:
      return { proposalType: t, add: d.field('add', decodeAdd) };
    case ProposalType.update:
      return { proposalType: t, update: d.field('update', decodeUpdate) };
    case ProposalType.remove:
      return { proposalType: t, remove: d.field('remove', decodeRemove) };
    case ProposalType.psk:
      return { proposalType: t, psk: d.field('psk', decodePreSharedKey) };
    case ProposalType.reinit:
      return { proposalType: t, reinit: d.field('reinit', decodeReInit) };
    case ProposalType.external_init:
      return { proposalType: t, externalInit: d.field('external_init', decodeExternalInit) };
    case ProposalType.group_context_extensions:
      return { proposalType: t, groupContextExtensions: d.field('group_context_extensions', decodeGroupContextExtensions) };
    default:
      return d.fail('proposal_type', `unknown proposal type ${t}: its body length is unknown, so it cannot be parsed`);
  }
}
