// What the UI says: system lines, send states, refusals, in plain words.

import type { Conversation, ErrorCode, Message, MessagePreview, SendStatus, SystemEvent } from '../../../main/contract/index.js';

function who(userId: string, self: string | null): string {
  return userId === self ? 'You' : userId;
}

function list(ids: readonly string[], self: string | null): string {
  const names = ids.map((id) => who(id, self));
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function systemText(e: SystemEvent | null, fallback: string, self: string | null): string {
  if (e === null) return fallback;
  switch (e.type) {
    case 'created':
      return `${who(e.by, self)} created “${e.title}”`;
    case 'invited':
      return `${who(e.by, self)} added you`;
    case 'joined':
      return `${who(e.by, self)} added ${list(e.userIds, self)}`;
    case 'removed':
      return `${who(e.by, self)} removed ${list(e.userIds, self)}`;
    case 'left':
      return `${who(e.userId, self)} left`;
    case 'youWereRemoved':
      return `${who(e.by, self)} removed you from this conversation`;
    case 'youLeft':
      return 'You left this conversation';
    case 'renamed':
      return `${who(e.by, self)} renamed the conversation to “${e.title}”`;
    case 'safetyCodeChanged':
      return e.userIds.length > 0 ? `The safety code changed (${list(e.userIds, self)})` : 'The safety code changed';
    case 'gap':
      return e.count > 0 ? `${e.count} message${e.count === 1 ? '' : 's'} may be missing here` : 'Messages may be missing here';
    case 'rejoined':
      return 'This device rejoined the conversation; messages may be missing here';
  }
}

/** Whether a system line is a warning (shown with more weight). */
export function isWarning(e: SystemEvent | null): boolean {
  return e !== null && (e.type === 'gap' || e.type === 'rejoined' || e.type === 'safetyCodeChanged' || e.type === 'youWereRemoved');
}

export function statusText(m: Message): string {
  const s: SendStatus | null = m.status;
  switch (s) {
    case 'pending':
      return 'Sending';
    case 'sent':
      return 'Sent';
    case 'delivered':
      return m.delivered !== null && m.delivered.count < m.delivered.of ? `Delivered to ${m.delivered.count} of ${m.delivered.of}` : 'Delivered';
    case 'failed':
      return m.failReason !== null ? `Not sent: ${m.failReason}` : 'Not sent';
    default:
      return '';
  }
}

export function previewText(p: MessagePreview | null, self: string | null): string {
  if (p === null) return '';
  if (p.kind === 'system') return p.text;
  const by = p.isOwn ? 'You' : (p.senderUserId ?? '');
  return by === '' || by === self ? p.text : `${by}: ${p.text}`;
}

export function conversationSubtitle(c: Conversation): string {
  switch (c.status) {
    case 'invited':
      return c.invitedBy !== null ? `Invitation from ${c.invitedBy}` : 'Invitation';
    case 'creating':
      return 'Waiting to be created (offline)';
    case 'leaving':
      return 'Leaving…';
    case 'left':
      return 'You left';
    case 'removed':
      return 'You were removed';
    default:
      return `${c.memberCount} member${c.memberCount === 1 ? '' : 's'}`;
  }
}

/** A refusal in words for the person at the keyboard (the core's message adds the detail). */
export function refusalText(code: ErrorCode | null, message: string, context: { serverUrl?: string; userId?: string } = {}): string {
  switch (code) {
    case 'user_exists':
      return `The user id “${context.userId ?? ''}” is already taken on this server. Choose another one.`;
    case 'unreachable':
      return `Could not reach the server${context.serverUrl !== undefined ? ` at ${context.serverUrl}` : ''}. Check the address and that the server is running.`;
    case 'unknown_user':
      return `${message.replace(/\.$/, '')}. Check the spelling of the user id.`;
    case 'bad_argument':
      return `That was not accepted: ${message}`;
    case 'not_member':
      return 'You are no longer a member of this conversation.';
    case 'server_refused':
      return `The server refused: ${message}`;
    case 'unavailable':
      return `Arbor's core is not available: ${message}`;
    case 'account_exists':
      return 'This installation already has an account.';
    default:
      return message;
  }
}
