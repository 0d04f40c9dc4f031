// The renderer's state, in Svelte 5 runes: what the core told us (account,
// conversations, connection, settings, the open conversation's messages) and
// what is on screen (selection, dialogs). Everything comes from window.arbor;
// no messenger logic lives here.

import type { Account, ArborApi, ConnectionStatus, Conversation, Member, Message, SafetyCode, Settings } from '../../../main/contract/index.js';
import { errorInfo, type ErrorInfo } from './arbor.js';
import { compareIds, prependPage, upsert } from './rows.js';

export const FIRST_PAGE = 60;
export const OLDER_PAGE = 100;

export type Dialog = null | 'new' | 'settings' | 'switcher';

export class OpenConversation {
  messages = $state.raw<Message[]>([]);
  hasMore = $state(false);
  loading = $state(true);
  loadingOlder = $state(false);
  error = $state<string | null>(null);
  /** Messages from others that arrived while the list was not at the bottom. */
  unseen = $state(0);
  atBottom = $state(true);
  members = $state.raw<Member[] | null>(null);
  safety = $state.raw<SafetyCode | null>(null);
  /** Bumped to ask the list to scroll to the bottom (own message sent, jump to latest). */
  scrollRequest = $state(0);
  private alive = true;

  constructor(
    private readonly api: ArborApi,
    readonly id: string,
  ) {}

  async load(): Promise<void> {
    try {
      const page = await this.api.invoke('messages.list', { conversationId: this.id, limit: FIRST_PAGE });
      if (!this.alive) return;
      // Events may have arrived while the page was on its way: merge, do not replace.
      let list = page.messages.slice();
      for (const m of this.messages) list = upsert(list, m);
      this.messages = list;
      this.hasMore = page.hasMore;
    } catch (e) {
      this.error = errorInfo(e).message;
    } finally {
      this.loading = false;
    }
  }

  async loadOlder(): Promise<void> {
    if (this.loadingOlder || !this.hasMore || this.messages.length === 0) return;
    this.loadingOlder = true;
    try {
      const page = await this.api.invoke('messages.list', { conversationId: this.id, before: this.messages[0]!.id, limit: OLDER_PAGE });
      if (!this.alive) return;
      this.messages = prependPage(this.messages, page.messages);
      this.hasMore = page.hasMore;
    } catch (e) {
      this.error = errorInfo(e).message;
    } finally {
      this.loadingOlder = false;
    }
  }

  added(m: Message): void {
    const last = this.messages[this.messages.length - 1];
    this.messages = upsert(this.messages, m);
    const isNewest = last === undefined || compareIds(m.id, last.id) > 0;
    if (m.isOwn && m.kind === 'text') this.scrollRequest++;
    else if (isNewest && !this.atBottom) this.unseen++;
  }

  updated(m: Message): void {
    if (this.messages.some((x) => x.id === m.id)) this.messages = upsert(this.messages, m);
  }

  async loadDetails(): Promise<void> {
    try {
      const [members, safety] = await Promise.all([this.api.invoke('conversations.members', { conversationId: this.id }), this.api.invoke('conversations.safetyCode', { conversationId: this.id })]);
      if (!this.alive) return;
      this.members = members;
      this.safety = safety;
    } catch (e) {
      this.error = errorInfo(e).message;
    }
  }

  close(): void {
    this.alive = false;
  }
}

export class AppState {
  phase = $state<'loading' | 'onboarding' | 'ready' | 'failed'>('loading');
  failure = $state<string | null>(null);
  account = $state.raw<Account | null>(null);
  conversations = $state.raw<Conversation[]>([]);
  selectedId = $state<string | null>(null);
  connection = $state.raw<ConnectionStatus>({ state: 'connecting', lastError: null, nextRetryAt: null });
  settings = $state.raw<Settings>({ theme: 'system', notifications: true });
  dialog = $state<Dialog>(null);
  infoOpen = $state(false);
  filter = $state('');
  open = $state.raw<OpenConversation | null>(null);
  /** A short line for screen readers (new messages, sent, errors). */
  announcement = $state('');

  /** Newest activity first. */
  readonly sorted = $derived([...this.conversations].sort((a, b) => b.lastActivityAt - a.lastActivityAt || (a.id < b.id ? -1 : 1)));
  readonly visible = $derived.by(() => {
    const f = this.filter.trim().toLowerCase();
    if (f === '') return this.sorted;
    return this.sorted.filter((c) => c.title.toLowerCase().includes(f) || (c.lastMessage?.text.toLowerCase().includes(f) ?? false) || (c.invitedBy?.toLowerCase().includes(f) ?? false));
  });
  readonly selected = $derived(this.conversations.find((c) => c.id === this.selectedId) ?? null);

  private markingRead = false;

  constructor(readonly api: ArborApi) {}

  async start(): Promise<void> {
    const api = this.api;
    api.on('conversation.updated', (c) => this.conversationUpdated(c));
    api.on('message.added', (m) => {
      if (this.open?.id === m.conversationId) this.open.added(m);
      if (!m.isOwn && m.kind === 'text' && m.sender !== null) this.announce(`New message from ${m.sender.userId}`);
    });
    api.on('message.updated', (m) => {
      if (this.open?.id === m.conversationId) this.open.updated(m);
    });
    api.on('members.changed', ({ conversationId }) => {
      if (this.open?.id === conversationId && this.open.members !== null) void this.open.loadDetails();
    });
    api.on('connection.changed', (s) => (this.connection = s));
    api.on('settings.changed', (s) => (this.settings = s));
    try {
      const [account, settings] = await Promise.all([api.invoke('account.get'), api.invoke('settings.get')]);
      this.settings = settings;
      if (account === null) {
        this.phase = 'onboarding';
        return;
      }
      await this.enter(account);
    } catch (e) {
      this.failure = errorInfo(e).message;
      this.phase = 'failed';
    }
  }

  /** After onboarding or at start with an account: load the lists and show the app. */
  async enter(account: Account): Promise<void> {
    this.account = account;
    const [list, connection] = await Promise.all([this.api.invoke('conversations.list'), this.api.invoke('connection.status')]);
    let merged = list;
    // Keep anything an event already told us that is newer than the list.
    for (const c of this.conversations) if (!merged.some((x) => x.id === c.id)) merged = [...merged, c];
    this.conversations = merged;
    this.connection = connection;
    this.phase = 'ready';
  }

  private conversationUpdated(c: Conversation): void {
    const i = this.conversations.findIndex((x) => x.id === c.id);
    const next = this.conversations.slice();
    if (i === -1) next.push(c);
    else next[i] = c;
    this.conversations = next;
    if (c.id === this.selectedId) this.maybeMarkRead();
  }

  select(id: string | null): void {
    if (id === this.selectedId && this.open !== null) return;
    this.open?.close();
    this.selectedId = id;
    this.open = id === null ? null : new OpenConversation(this.api, id);
    if (this.open !== null) {
      void this.open.load().then(() => this.maybeMarkRead());
      if (this.infoOpen) void this.open.loadDetails();
    }
  }

  /** Previous/next in the list as shown (Alt+Up/Down). */
  step(delta: 1 | -1): void {
    const list = this.visible;
    if (list.length === 0) return;
    const i = list.findIndex((c) => c.id === this.selectedId);
    const j = i === -1 ? (delta === 1 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + delta));
    this.select(list[j]!.id);
  }

  toggleInfo(open = !this.infoOpen): void {
    this.infoOpen = open;
    if (open && this.open !== null) void this.open.loadDetails();
  }

  /** Marks the open conversation read when its newest messages are on screen and the window has the user's attention. */
  maybeMarkRead(): void {
    const c = this.selected;
    const o = this.open;
    if (c === null || o === null || o.id !== c.id || c.unreadCount === 0 || this.markingRead) return;
    if (!o.atBottom || o.loading || document.visibilityState !== 'visible' || !document.hasFocus()) return;
    this.markingRead = true;
    this.api
      .invoke('conversations.markRead', { conversationId: c.id })
      .then((updated) => this.conversationUpdated(updated))
      .catch(() => {})
      .finally(() => (this.markingRead = false));
  }

  announce(text: string): void {
    // Re-setting the same text would not be read again: clear first.
    this.announcement = '';
    queueMicrotask(() => (this.announcement = text));
  }

  /** Runs a command and returns its result, or the refusal in words. */
  async attempt<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ErrorInfo }> {
    try {
      return { ok: true, value: await p };
    } catch (e) {
      return { ok: false, error: errorInfo(e) };
    }
  }
}
