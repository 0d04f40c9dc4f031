// What the UI sees of the messenger: plain JSON-safe data only. Ids are
// strings, times are milliseconds since the Unix epoch. No bytes, no keys, no
// group state and no raw MLS messages ever appear here.

export interface Account {
  readonly userId: string;
  readonly deviceId: string;
  /** Free text chosen at set-up ("Alice's laptop"). */
  readonly deviceName: string;
  readonly serverUrl: string;
  readonly createdAt: number;
}

/**
 * creating: made here, not yet on the server (offline);
 * invited: someone added this device; accept or decline;
 * active: a member;
 * leaving: this device asked to leave, waiting for another member to commit it;
 * left / removed: no longer a member (history stays readable).
 */
export type ConversationStatus = 'creating' | 'invited' | 'active' | 'leaving' | 'left' | 'removed';

export interface MessagePreview {
  readonly kind: MessageKind;
  readonly text: string;
  readonly senderUserId: string | null;
  readonly isOwn: boolean;
  readonly at: number;
}

export interface Conversation {
  /** Hex of the MLS group id. */
  readonly id: string;
  /** The title every member sees (it lives in the group's authenticated state). */
  readonly title: string;
  readonly status: ConversationStatus;
  /** For an invitation: who added this device. */
  readonly invitedBy: string | null;
  readonly muted: boolean;
  readonly unreadCount: number;
  readonly lastMessage: MessagePreview | null;
  readonly lastActivityAt: number;
  /** Distinct users, this one included. */
  readonly memberCount: number;
  /** Whether the composer can send here (false once left or removed). */
  readonly canSend: boolean;
  /** Why not, in words, when canSend is false. */
  readonly cannotSendReason: string | null;
}

export interface Device {
  readonly deviceId: string;
  readonly isSelf: boolean;
}

export interface Member {
  readonly userId: string;
  readonly isSelf: boolean;
  readonly devices: readonly Device[];
}

export interface SafetyCode {
  /** Digits in groups of five, for reading aloud; equal on every member's screen in the same epoch. */
  readonly code: string;
  /** The MLS epoch it belongs to (decimal). */
  readonly epoch: string;
}

export type MessageKind = 'text' | 'system';

/** Own text messages only move forward: pending → sent → delivered; failed → (retry) pending. */
export type SendStatus = 'pending' | 'sent' | 'delivered' | 'failed';

export type SystemEvent =
  | { readonly type: 'created'; readonly by: string; readonly title: string }
  | { readonly type: 'invited'; readonly by: string }
  | { readonly type: 'joined'; readonly by: string; readonly userIds: readonly string[] }
  | { readonly type: 'removed'; readonly by: string; readonly userIds: readonly string[] }
  | { readonly type: 'left'; readonly userId: string }
  | { readonly type: 'youWereRemoved'; readonly by: string }
  | { readonly type: 'youLeft' }
  | { readonly type: 'renamed'; readonly by: string; readonly title: string }
  | { readonly type: 'safetyCodeChanged'; readonly userIds: readonly string[] }
  | { readonly type: 'gap'; readonly count: number }
  | { readonly type: 'rejoined' };

export interface Message {
  /** Local, stable id (also the order within the conversation). */
  readonly id: string;
  readonly conversationId: string;
  readonly kind: MessageKind;
  /** null for system lines. */
  readonly sender: { readonly userId: string; readonly deviceId: string } | null;
  readonly isOwn: boolean;
  /** The text; for a system line, an English sentence (the UI may render `system` instead). */
  readonly text: string;
  readonly system: SystemEvent | null;
  /** The sender's clock. */
  readonly sentAt: number;
  /** This device's clock when it was stored. */
  readonly receivedAt: number;
  /** Own text messages only. */
  readonly status: SendStatus | null;
  readonly failReason: string | null;
  /** Own text messages: how many other member devices confirmed delivery, of how many. */
  readonly delivered: { readonly count: number; readonly of: number } | null;
}

export interface MessagePage {
  /** Oldest first. */
  readonly messages: readonly Message[];
  /** Whether older messages exist before the first one. */
  readonly hasMore: boolean;
}

export type ConnectionState = 'offline' | 'connecting' | 'online';

export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** Why the last attempt failed, in words. */
  readonly lastError: string | null;
  /** When the next attempt is due (ms), while offline. */
  readonly nextRetryAt: number | null;
}

export type Theme = 'light' | 'dark' | 'system';

export interface Settings {
  readonly theme: Theme;
  readonly notifications: boolean;
}
