// The life of an own message after composing: accepted by the server (sent),
// confirmed by every other member device (delivered), or failed. All moves go
// through the pure state machine in send-state.ts, so they only go forward.

import type { JobRow } from '../store/outbox-store.js';
import type { Changes } from './changes.js';
import type { CoreContext } from './context.js';
import { nextSendState, type SendEvent } from './send-state.js';

function move(ctx: CoreContext, ch: Changes, messageId: number, e: SendEvent): void {
  const m = ctx.store.messages.get(messageId);
  if (m === undefined || m.status === null) return;
  const next = nextSendState({ status: m.status, failReason: m.failReason }, e);
  if (next.status === m.status && next.failReason === m.failReason) return;
  ctx.store.messages.setStatus(messageId, next.status, next.failReason);
  ch.messageUpdated(messageId);
}

export function failMessage(ctx: CoreContext, ch: Changes, messageId: number, reason: string): void {
  move(ctx, ch, messageId, { type: 'failed', reason });
}

export function retryMessage(ctx: CoreContext, ch: Changes, messageId: number): void {
  move(ctx, ch, messageId, { type: 'retry' });
}

/** Records that the server put an own message at `seq`. */
export function noteOwnSeq(ctx: CoreContext, conversationId: string, seq: number): void {
  const conv = ctx.store.conversations.get(conversationId);
  if (conv === undefined) return;
  if (conv.processedSeq === seq - 1) ctx.store.conversations.setProcessedSeq(conversationId, seq);
  else if (conv.processedSeq < seq) ctx.store.inbound.addOwnSeq(conversationId, seq);
}

/** The server accepted the job's message at `seq`: the message is sent, and waits for receipts from the devices that were members then. */
export function markAccepted(ctx: CoreContext, ch: Changes, job: JobRow, seq: number, epoch: number): void {
  const { store } = ctx;
  if (job.kind === 'message' && job.messageId !== null) {
    const m = store.messages.get(job.messageId);
    if (m?.status === 'pending') {
      store.messages.setSent(job.messageId, seq, epoch);
      const conv = store.conversations.get(job.conversationId);
      store.messages.expectReceipts(job.messageId, Math.max(0, (conv?.deviceCount ?? 1) - 1));
      // Receipts can overtake the answer (a crash, a slow response): they count already.
      const c = store.messages.deliveryCounts(job.messageId);
      if (c.of > 0 && c.count >= c.of) move(ctx, ch, job.messageId, { type: 'allDelivered' });
      ch.messageUpdated(job.messageId);
      ch.conversation(job.conversationId);
    }
  }
  store.outbox.remove(job.id);
  noteOwnSeq(ctx, job.conversationId, seq);
}

/**
 * Delivery receipts from `sender` for own messages with these uids; or, with
 * `recheck`, a message whose last missing recipient left the group.
 */
export function applyReceipt(
  ctx: CoreContext,
  ch: Changes,
  conversationId: string,
  sender: { userId: string; deviceId: string } | undefined,
  uids: readonly Uint8Array[],
  recheck?: number,
): void {
  const { store } = ctx;
  const ids: number[] = recheck !== undefined ? [recheck] : [];
  const now = ctx.now();
  for (const uid of uids) {
    const m = store.messages.ownByUid(conversationId, uid);
    if (m === undefined || sender === undefined) continue;
    if (store.messages.addReceipt(m.id, sender.userId, sender.deviceId, now)) ids.push(m.id);
  }
  for (const id of ids) {
    const c = store.messages.deliveryCounts(id);
    ch.messageUpdated(id);
    if (c.of > 0 && c.count >= c.of) move(ctx, ch, id, { type: 'allDelivered' });
  }
}
