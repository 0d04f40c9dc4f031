// The contract's events: what the core tells every open window, unasked.

import type { ConnectionStatus, Conversation, Message, Settings } from './types.js';

export interface EventPayloads {
  /** A message appeared (received, composed here, or a system line). */
  'message.added': Message;
  /** A message changed: its send status, delivery count or failure. */
  'message.updated': Message;
  /** Title, status, unread count, last message or mute changed, or the conversation is new. */
  'conversation.updated': Conversation;
  /** The member list of a conversation changed. */
  'members.changed': { readonly conversationId: string };
  'connection.changed': ConnectionStatus;
  'settings.changed': Settings;
}

export type EventName = keyof EventPayloads;

export const EVENT_NAMES: readonly EventName[] = ['message.added', 'message.updated', 'conversation.updated', 'members.changed', 'connection.changed', 'settings.changed'];

export function isEventName(v: unknown): v is EventName {
  return typeof v === 'string' && (EVENT_NAMES as readonly string[]).includes(v);
}
