// Store rows → the contract's display data. Nothing secret passes here: the
// views are built from display columns only.

import type { Conversation, Member, Message, MessagePreview, SystemEvent } from '../contract/types.js';
import type { ConversationRow, MemberRow } from '../store/conversation-store.js';
import type { MessageRow } from '../store/message-store.js';
import type { Store } from '../store/store.js';

export function systemText(e: SystemEvent, self: string): string {
  const who = (u: string): string => (u === self ? 'You' : u);
  const list = (us: readonly string[]): string => {
    const names = us.map((u) => (u === self ? 'you' : u));
    return names.length <= 1 ? (names[0] ?? 'nobody') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  };
  switch (e.type) {
    case 'created':
      return `${who(e.by)} created the conversation${e.title === '' ? '' : ` “${e.title}”`}.`;
    case 'invited':
      return `${who(e.by)} added you.`;
    case 'joined':
      return `${who(e.by)} added ${list(e.userIds)}.`;
    case 'removed':
      return `${who(e.by)} removed ${list(e.userIds)}.`;
    case 'left':
      return `${who(e.userId)} left.`;
    case 'youWereRemoved':
      return `${who(e.by)} removed you.`;
    case 'youLeft':
      return 'You left.';
    case 'renamed':
      return e.title === '' ? `${who(e.by)} removed the title.` : `${who(e.by)} renamed the conversation to “${e.title}”.`;
    case 'safetyCodeChanged':
      return `The safety code changed: ${list(e.userIds)} ${e.userIds.length === 1 && e.userIds[0] !== self ? 'has' : 'have'} new or changed devices.`;
    case 'gap':
      return 'Messages may be missing here.';
    case 'rejoined':
      return 'This device rejoined the conversation; messages may be missing here.';
  }
}

export function messageView(store: Store, r: MessageRow): Message {
  return {
    id: String(r.id),
    conversationId: r.conversationId,
    kind: r.kind,
    sender: r.senderUserId === null || r.senderDeviceId === null ? null : { userId: r.senderUserId, deviceId: r.senderDeviceId },
    isOwn: r.isOwn,
    text: r.body,
    system: r.system,
    sentAt: r.sentAt,
    receivedAt: r.receivedAt,
    status: r.status,
    failReason: r.failReason,
    delivered: r.isOwn && r.kind === 'text' && r.status !== 'pending' && r.status !== 'failed' ? store.messages.deliveryCounts(r.id) : null,
  };
}

function preview(r: MessageRow): MessagePreview {
  return { kind: r.kind, text: r.body.length > 200 ? `${r.body.slice(0, 200)}…` : r.body, senderUserId: r.senderUserId, isOwn: r.isOwn, at: r.receivedAt };
}

function cannotSend(c: ConversationRow): string | null {
  switch (c.status) {
    case 'invited':
      return 'Accept the invitation to write here.';
    case 'leaving':
    case 'left':
      return 'You left this conversation.';
    case 'removed':
      return 'You were removed from this conversation.';
    default:
      return null;
  }
}

export function conversationView(store: Store, c: ConversationRow, self: string): Conversation {
  const last = c.lastMessageId === null ? undefined : store.messages.get(c.lastMessageId);
  const title = c.title !== '' ? c.title : defaultTitle(store.conversations.otherUsers(c.id, self, 4), c.memberCount);
  const reason = cannotSend(c);
  return {
    id: c.id,
    title,
    status: c.status,
    invitedBy: c.invitedBy,
    muted: c.muted,
    unreadCount: c.unreadCount,
    lastMessage: last === undefined ? null : preview(last),
    lastActivityAt: c.lastActivityAt,
    memberCount: Math.max(c.memberCount, 1),
    canSend: reason === null,
    cannotSendReason: reason,
  };
}

/** An untitled conversation is called after its other members, as messengers do. */
function defaultTitle(firstOthers: readonly string[], memberCount: number): string {
  const total = Math.max(memberCount - 1, firstOthers.length);
  if (firstOthers.length === 0) return 'Just you';
  if (total <= 3) return firstOthers.slice(0, 3).join(', ');
  return `${firstOthers.slice(0, 3).join(', ')} and ${total - 3} more`;
}

export function memberViews(rows: readonly MemberRow[], self: { userId: string; deviceId: string }): Member[] {
  const byUser = new Map<string, MemberRow[]>();
  for (const r of rows) {
    let l = byUser.get(r.userId);
    if (l === undefined) byUser.set(r.userId, (l = []));
    l.push(r);
  }
  return [...byUser.entries()]
    .map(([userId, devs]) => ({
      userId,
      isSelf: userId === self.userId,
      devices: devs.map((d) => ({ deviceId: d.deviceId, isSelf: userId === self.userId && d.deviceId === self.deviceId })).sort((a, b) => a.deviceId.localeCompare(b.deviceId)),
    }))
    .sort((a, b) => (a.isSelf === b.isSelf ? a.userId.localeCompare(b.userId) : a.isSelf ? -1 : 1));
}
