// RFC 9420 §6.3: application messages, always PrivateMessage, from the
// member's application ratchet. Returns the message and the state with the
// ratchet advanced (the caller must keep that state: a ratchet step is never reused).

import { ValidationError } from '../errors.js';
import { signContent } from '../framing/content-auth.js';
import { ContentType } from '../framing/content-type.js';
import type { FramedContent } from '../framing/framed-content.js';
import { memberSender } from '../framing/sender.js';
import { WireFormat } from '../framing/wire-format.js';
import { protectForState } from './protect.js';
import { suiteOf, type GroupState, type ProviderOption } from './state.js';

export interface ApplicationMessageOptions extends ProviderOption {
  /** RFC 9420 §12.4 says a member that saw proposals commits before sending data; set to send anyway. */
  readonly allowPendingProposals?: boolean;
}

export function createApplicationMessage(
  state: GroupState,
  data: Uint8Array,
  authenticatedData: Uint8Array = new Uint8Array(0),
  opts: ApplicationMessageOptions = {},
): { message: Uint8Array; state: GroupState } {
  const suite = suiteOf(state, opts.provider);
  if (state.reinit !== undefined) throw new ValidationError('the group was re-initialized: it carries no more messages');
  if (state.pendingProposals.length > 0 && opts.allowPendingProposals !== true) {
    throw new ValidationError(`${state.pendingProposals.length} proposal(s) pending in epoch ${state.groupContext.epoch}: commit them before sending application data (RFC 9420 §12.4)`);
  }
  const content: FramedContent = {
    groupId: state.groupContext.groupId,
    epoch: state.groupContext.epoch,
    sender: memberSender(state.ownLeaf),
    authenticatedData,
    contentType: ContentType.application,
    applicationData: data,
  };
  const ac = signContent(suite, state.signaturePrivateKey, WireFormat.mlsPrivateMessage, content, state.groupContext);
  const { message, secretTree } = protectForState(suite, state, ac);
  return { message, state: { ...state, secretTree } };
}
