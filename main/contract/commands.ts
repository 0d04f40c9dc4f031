// The contract's commands: name → argument schema, and (in CommandResults)
// the result type. The core serves exactly these; Electron main registers one
// ipcMain handler per entry, preload exposes one wrapper per entry, and the
// web host and CLI forward them. Nothing else reaches the core.

import { array, boolean, int, none, object, oneOf, optional, string, type Infer, type Schema } from './schema.js';
import type { Account, ConnectionStatus, Conversation, Member, Message, MessagePage, SafetyCode, Settings } from './types.js';

/** Delivery-service ids: 1–64 of A–Z a–z 0–9 . _ @ - (docs/protocol.md §3). */
export const USER_ID = string({ min: 1, max: 64, pattern: /^[A-Za-z0-9._@-]+$/, patternName: 'a user id (letters, digits, . _ @ -)' });
const CONVERSATION_ID = string({ min: 2, max: 510, pattern: /^(?:[0-9a-f]{2})+$/, patternName: 'a conversation id' });
const MESSAGE_ID = string({ min: 1, max: 16, pattern: /^[1-9][0-9]*$/, patternName: 'a message id' });
const TITLE = string({ min: 0, max: 200 });
export const MAX_TEXT = 64 * 1024;
const SERVER_URL = string({ min: 6, max: 2048, pattern: /^wss?:\/\/[^\s/?#]+(?:\/[^\s]*)?$/, patternName: 'a ws:// or wss:// address' });
const conv = object({ conversationId: CONVERSATION_ID });

export const commands = {
  'account.get': none,
  'account.create': object({ userId: USER_ID, deviceName: string({ min: 1, max: 100 }), serverUrl: SERVER_URL }),

  'conversations.list': none,
  'conversations.get': conv,
  'conversations.create': object({ title: TITLE, userIds: array(USER_ID, { min: 1, max: 1000, unique: true }) }),
  'conversations.rename': object({ conversationId: CONVERSATION_ID, title: TITLE }),
  'conversations.addMembers': object({ conversationId: CONVERSATION_ID, userIds: array(USER_ID, { min: 1, max: 1000, unique: true }) }),
  'conversations.removeMember': object({ conversationId: CONVERSATION_ID, userId: USER_ID }),
  'conversations.leave': conv,
  'conversations.accept': conv,
  'conversations.decline': conv,
  'conversations.mute': object({ conversationId: CONVERSATION_ID, muted: boolean }),
  'conversations.markRead': conv,
  'conversations.members': conv,
  'conversations.safetyCode': conv,

  'messages.list': object({ conversationId: CONVERSATION_ID, before: optional(MESSAGE_ID), limit: optional(int(1, 500)) }),
  'messages.send': object({ conversationId: CONVERSATION_ID, text: string({ min: 1, max: MAX_TEXT }) }),
  'messages.retry': object({ messageId: MESSAGE_ID }),

  'connection.status': none,
  'connection.reconnect': none,

  'settings.get': none,
  'settings.set': object({ theme: optional(oneOf(['light', 'dark', 'system'] as const)), notifications: optional(boolean) }),
} as const satisfies Record<string, Schema<unknown>>;

export type CommandName = keyof typeof commands;
export type CommandArgs<K extends CommandName> = Infer<(typeof commands)[K]>;

export interface CommandResults {
  'account.get': Account | null;
  'account.create': Account;
  'conversations.list': Conversation[];
  'conversations.get': Conversation;
  'conversations.create': Conversation;
  'conversations.rename': Conversation;
  'conversations.addMembers': Conversation;
  'conversations.removeMember': Conversation;
  'conversations.leave': Conversation;
  'conversations.accept': Conversation;
  'conversations.decline': Conversation;
  'conversations.mute': Conversation;
  'conversations.markRead': Conversation;
  'conversations.members': Member[];
  'conversations.safetyCode': SafetyCode | null;
  'messages.list': MessagePage;
  'messages.send': Message;
  'messages.retry': Message;
  'connection.status': ConnectionStatus;
  'connection.reconnect': ConnectionStatus;
  'settings.get': Settings;
  'settings.set': Settings;
}

export type CommandResult<K extends CommandName> = CommandResults[K];

export const COMMAND_NAMES = Object.keys(commands) as CommandName[];

export function isCommandName(v: unknown): v is CommandName {
  return typeof v === 'string' && Object.hasOwn(commands, v);
}

/** Commands called with no argument may omit it. */
export type ArgsParam<K extends CommandName> = CommandArgs<K> extends void ? [args?: CommandArgs<K>] : [args: CommandArgs<K>];
