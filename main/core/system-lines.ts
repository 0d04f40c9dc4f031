// System lines in a conversation: joins, removals, renames, safety-code
// changes, and one "messages may be missing here" line per gap (consecutive
// losses grow the same line instead of adding one line per lost message).

import type { SystemEvent } from '../contract/types.js';
import type { Changes } from './changes.js';
import type { CoreContext } from './context.js';
import { systemText } from './views.js';

export function addSystemLine(ctx: CoreContext, ch: Changes, conversationId: string, event: SystemEvent): number {
  const now = ctx.now();
  const id = ctx.store.messages.insert({
    conversationId,
    kind: 'system',
    isOwn: false,
    body: systemText(event, ctx.self.userId),
    system: event,
    sentAt: now,
    receivedAt: now,
  });
  ctx.store.conversations.messageAdded(conversationId, id, now, false);
  ch.messageAdded(id, conversationId);
  return id;
}

export function addGap(ctx: CoreContext, ch: Changes, conversationId: string, count: number): void {
  if (count <= 0) return;
  const conv = ctx.store.conversations.get(conversationId);
  const last = conv?.lastMessageId === null || conv === undefined ? undefined : ctx.store.messages.get(conv.lastMessageId);
  if (last?.system?.type === 'gap') {
    ctx.store.messages.growGap(last.id, count);
    ch.messageUpdated(last.id);
    return;
  }
  addSystemLine(ctx, ch, conversationId, { type: 'gap', count });
}
