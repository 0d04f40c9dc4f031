// What asks for the user's attention outside the window: a desktop
// notification for a new message when the window is not focused (never for a
// muted conversation, an own message or a system line, and only when the
// settings allow notifications), and the unread count on the dock/taskbar
// badge. The decisions are pure; `Attention` keeps the little state they need
// from the contract's events.

import type { ArborApi, Conversation, Message, Settings } from '../contract/index.js';

export interface NotificationContent {
  readonly conversationId: string;
  readonly title: string;
  readonly body: string;
}

const BODY_MAX = 140;

export function notificationFor(message: Message, conversation: Conversation | undefined, settings: Settings, windowFocused: boolean): NotificationContent | null {
  if (windowFocused || !settings.notifications) return null;
  if (message.kind !== 'text' || message.isOwn || message.sender === null) return null;
  if (conversation === undefined || conversation.muted || conversation.status !== 'active') return null;
  const text = message.text.replace(/\s+/g, ' ').trim();
  const body = `${message.sender.userId}: ${text.length > BODY_MAX ? `${text.slice(0, BODY_MAX - 1)}…` : text}`;
  return { conversationId: conversation.id, title: conversation.title === '' ? 'Arbor' : conversation.title, body };
}

/** Unread messages across conversations that are not muted (what the badge shows). */
export function badgeCount(conversations: Iterable<Conversation>): number {
  let n = 0;
  for (const c of conversations) if (!c.muted && c.unreadCount > 0) n += c.unreadCount;
  return n;
}

export interface AttentionSinks {
  isWindowFocused(): boolean;
  notify(content: NotificationContent): void;
  setBadge(count: number): void;
  log?(line: string): void;
}

/** Follows the core's events and drives notifications and the badge. */
export class Attention {
  private readonly conversations = new Map<string, Conversation>();
  private settings: Settings = { theme: 'system', notifications: true };
  private lastBadge = -1;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly api: ArborApi,
    private readonly sinks: AttentionSinks,
  ) {}

  async start(): Promise<void> {
    this.offs.push(
      this.api.on('conversation.updated', (c) => {
        this.conversations.set(c.id, c);
        this.updateBadge();
      }),
      this.api.on('settings.changed', (s) => (this.settings = s)),
      this.api.on('message.added', (m) => this.onMessage(m)),
    );
    try {
      this.settings = await this.api.invoke('settings.get');
      if ((await this.api.invoke('account.get')) !== null) for (const c of await this.api.invoke('conversations.list')) this.conversations.set(c.id, c);
    } catch (e) {
      this.sinks.log?.(`attention: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.updateBadge();
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private onMessage(m: Message): void {
    const n = notificationFor(m, this.conversations.get(m.conversationId), this.settings, this.sinks.isWindowFocused());
    if (n !== null) this.sinks.notify(n);
  }

  private updateBadge(): void {
    const n = badgeCount(this.conversations.values());
    if (n === this.lastBadge) return;
    this.lastBadge = n;
    this.sinks.setBadge(n);
  }
}
