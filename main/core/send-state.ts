// The send status of an own message as a small pure state machine. States only
// move forward: pending → sent → delivered; pending → failed; and a manual
// retry takes failed back to pending. Anything else is ignored (a late event
// about an older state must never take a message backwards).

import type { SendStatus } from '../contract/types.js';

export type SendEvent =
  /** The server accepted it. */
  | { readonly type: 'accepted' }
  /** Every other member device confirmed delivery. */
  | { readonly type: 'allDelivered' }
  /** Deadline passed or permanent refusal. */
  | { readonly type: 'failed'; readonly reason: string }
  | { readonly type: 'retry' };

export interface SendState {
  readonly status: SendStatus;
  readonly failReason: string | null;
}

export function nextSendState(s: SendState, e: SendEvent): SendState {
  switch (e.type) {
    case 'accepted':
      return s.status === 'pending' ? { status: 'sent', failReason: null } : s;
    case 'allDelivered':
      return s.status === 'sent' ? { status: 'delivered', failReason: null } : s;
    case 'failed':
      return s.status === 'pending' ? { status: 'failed', failReason: e.reason } : s;
    case 'retry':
      return s.status === 'failed' ? { status: 'pending', failReason: null } : s;
  }
}
