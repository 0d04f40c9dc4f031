// The messenger core: the composition root of the store, the delivery-service
// link, the receive path, the outbox and the sync, and the contract's handlers.
// It runs in a worker thread (worker.ts); everything it tells the UI goes
// through onEvent, everything the UI asks goes through handlers().

import { randomBytes } from 'node:crypto';
import { ContractError, type Handlers } from '../contract/index.js';
import type { EventName, EventPayloads } from '../contract/events.js';
import type { Account } from '../contract/types.js';
import { createGroup, epoch, generateSignatureKeyPair } from '../mls/index.js';
import { DeviceKey, DsClient, DsRequestError, DsUnreachable, DsUserExists } from '../net/index.js';
import type { AccountRow } from '../store/account-store.js';
import { conversationIdOf } from '../store/conversation-store.js';
import { Store } from '../store/store.js';
import { ARBOR_SUITE, CoreContext, resolveOptions } from './context.js';
import { retryMessage } from './delivery.js';
import { DsLink } from './ds-link.js';
import { memberRows, safetyCodeOf } from './group-facts.js';
import { JobRunner } from './jobs.js';
import { ARBOR_CAPABILITIES, makeKeyPackages } from './key-packages.js';
import { metadataExtension } from './metadata.js';
import { Outbox } from './outbox.js';
import { Reactions } from './reactions.js';
import { Receiver } from './receive.js';
import { Sync } from './sync.js';
import { addSystemLine } from './system-lines.js';
import { conversationView, memberViews, messageView } from './views.js';
import type { CoreOptions } from './worker-protocol.js';

export interface MessengerParams {
  readonly dataDir: string;
  readonly databaseKey: Uint8Array;
  readonly options: CoreOptions;
  readonly log: (line: string) => void;
}

type Listener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** A device id from the device's name: readable in member lists, unique by its random suffix. */
export function deviceIdFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug === '' ? 'device' : slug}-${randomBytes(3).toString('hex')}`;
}

export class Messenger {
  private readonly listeners: Listener[] = [];
  readonly ctx: CoreContext;
  readonly receiver: Receiver;
  readonly sync: Sync;
  readonly outbox: Outbox;
  private readonly reactions: Reactions;
  private started = false;

  private constructor(
    private readonly store: Store,
    options: CoreOptions,
    log: (line: string) => void,
  ) {
    this.ctx = new CoreContext(store, resolveOptions(options), log, (e, p) => {
      for (const l of this.listeners) l(e, p);
    });
    this.reactions = new Reactions(
      this.ctx,
      () => this.outbox,
      () => this.sync,
    );
    this.receiver = new Receiver(this.ctx, this.reactions);
    this.sync = new Sync(this.ctx, this.receiver);
    const runner = new JobRunner(this.ctx, this.receiver, (id) => this.sync.catchUp(id));
    this.outbox = new Outbox(this.ctx, runner, this.sync);
    this.sync.outbox = this.outbox;
    if (this.ctx.hasAccount()) this.ctx.link = this.newLink(this.ctx.self);
  }

  static open(p: MessengerParams): Messenger {
    return new Messenger(Store.open(p.dataDir, p.databaseKey), p.options, p.log);
  }

  onEvent(l: Listener): void {
    this.listeners.push(l);
  }

  private newLink(a: AccountRow): DsLink {
    return new DsLink(
      a,
      {
        online: () => this.sync.onOnline(),
        status: (s) => this.sync.onStatus(s),
        message: (m) => this.sync.onMessage(m),
        welcome: (w) => void this.sync.onWelcome(w),
        behind: (b) => this.sync.onBehind(b),
      },
      { reconnectBaseMs: this.ctx.options.reconnectBaseMs, reconnectCapMs: this.ctx.options.reconnectCapMs, log: this.ctx.log },
    );
  }

  start(): void {
    this.started = true;
    this.ctx.link?.start();
    this.outbox.kickAll();
  }

  async close(): Promise<void> {
    this.sync.stop();
    this.reactions.stop();
    await this.outbox.stop();
    await this.ctx.link?.stop();
    // Work already queued on a conversation (a push being processed) finishes before the store closes.
    await this.ctx.locks.idle(5_000);
    this.store.close();
  }

  // ---- helpers

  private account(): AccountRow {
    if (!this.ctx.hasAccount()) throw new ContractError('no_account', 'Set up an account first.');
    return this.ctx.self;
  }

  private accountView(a: AccountRow): Account {
    return { userId: a.userId, deviceId: a.deviceId, deviceName: a.deviceName, serverUrl: a.serverUrl, createdAt: a.createdAt };
  }

  private conversation(id: string) {
    this.account();
    const c = this.store.conversations.get(id);
    if (c === undefined) throw new ContractError('not_found', `No conversation ${id}.`);
    return c;
  }

  private view(id: string) {
    return conversationView(this.store, this.conversation(id), this.ctx.self.userId);
  }

  /** Queues an intent behind whatever the conversation's queue holds. */
  private enqueue(id: string, job: { kind: 'add' | 'remove' | 'rename' | 'leave' | 'accept' | 'decline'; userIds?: readonly string[]; title?: string }): void {
    this.ctx.tx(() => this.store.outbox.add({ conversationId: id, now: this.ctx.now(), ...job }));
    this.outbox.kick(id);
  }

  private requireMember(id: string, verb: string) {
    const c = this.conversation(id);
    if (c.status !== 'active' && c.status !== 'creating') throw new ContractError(c.status === 'invited' ? 'invalid_state' : 'not_member', `You cannot ${verb}: ${c.status === 'invited' ? 'accept the invitation first' : 'you are not a member'}.`);
    return c;
  }

  // ---- the contract

  handlers(): Handlers {
    const { store, ctx } = this;
    return {
      'account.get': () => (ctx.hasAccount() ? this.accountView(ctx.self) : null),

      'account.create': async ({ userId, deviceName, serverUrl }) => {
        if (ctx.hasAccount()) throw new ContractError('account_exists', 'This device already has an account.');
        const deviceId = deviceIdFor(deviceName);
        const kp = generateSignatureKeyPair(ARBOR_SUITE);
        try {
          await DsClient.register(serverUrl, userId, deviceId, DeviceKey.fromKeyPair(kp));
        } catch (e) {
          if (e instanceof DsUserExists) throw new ContractError('user_exists', `The user id “${userId}” is already taken on this server.`);
          if (e instanceof DsUnreachable) throw new ContractError('unreachable', `Cannot reach ${serverUrl}: ${e.reason}.`);
          if (e instanceof DsRequestError) throw new ContractError('server_refused', `The server refused: ${e.reason}`);
          throw new ContractError('unreachable', `Cannot register at ${serverUrl}: ${(e as Error).message}`);
        }
        if (ctx.hasAccount()) throw new ContractError('account_exists', 'This device already has an account.');
        const row: AccountRow = {
          userId,
          deviceId,
          deviceName,
          serverUrl,
          signaturePublicKey: kp.publicKey,
          signaturePrivateKey: kp.privateKey,
          createdAt: ctx.now(),
        };
        store.tx(() => store.account.create(row));
        ctx.accountCreated(row);
        makeKeyPackages(ctx, ctx.options.keyPackageTarget, false);
        makeKeyPackages(ctx, 1, true);
        ctx.link = this.newLink(row);
        if (this.started) ctx.link.start();
        return this.accountView(row);
      },

      'conversations.list': () => {
        const self = this.account();
        return store.conversations.all().map((c) => conversationView(store, c, self.userId));
      },

      'conversations.get': ({ conversationId }) => this.view(conversationId),

      'conversations.create': ({ title, userIds }) => {
        const self = this.account();
        const others = userIds.filter((u) => u !== self.userId);
        const state = createGroup(ctx.identity(), { extensions: [metadataExtension({ title })], capabilities: ARBOR_CAPABILITIES });
        const id = conversationIdOf(state.groupContext.groupId);
        const now = ctx.now();
        ctx.tx((ch) => {
          store.conversations.insert({ id, groupId: state.groupContext.groupId, title, status: 'creating', invitedBy: null, now, onServer: false, welcomeId: null });
          ctx.saveFullState(id, state);
          store.conversations.setMembers(id, memberRows(state));
          store.account.addContacts(others, now);
          addSystemLine(ctx, ch, id, { type: 'created', by: self.userId, title });
          store.outbox.add({ conversationId: id, kind: 'create', userIds: others, now });
        });
        this.outbox.kick(id);
        return this.view(id);
      },

      'conversations.rename': ({ conversationId, title }) => {
        this.requireMember(conversationId, 'rename this conversation');
        this.enqueue(conversationId, { kind: 'rename', title });
        return this.view(conversationId);
      },

      'conversations.addMembers': ({ conversationId, userIds }) => {
        this.requireMember(conversationId, 'add people');
        this.enqueue(conversationId, { kind: 'add', userIds: userIds.filter((u) => u !== ctx.self.userId) });
        return this.view(conversationId);
      },

      'conversations.removeMember': ({ conversationId, userId }) => {
        this.requireMember(conversationId, 'remove people');
        if (userId === ctx.self.userId) throw new ContractError('bad_argument', 'conversations.removeMember.userId: to remove yourself, leave the conversation.');
        this.enqueue(conversationId, { kind: 'remove', userIds: [userId] });
        return this.view(conversationId);
      },

      'conversations.leave': ({ conversationId }) => {
        this.requireMember(conversationId, 'leave');
        ctx.tx((ch) => {
          store.conversations.setStatus(conversationId, 'leaving');
          ch.conversation(conversationId);
        });
        this.enqueue(conversationId, { kind: 'leave' });
        return this.view(conversationId);
      },

      'conversations.accept': ({ conversationId }) => {
        const c = this.conversation(conversationId);
        if (c.status !== 'invited') throw new ContractError('invalid_state', 'This conversation is not an invitation.');
        if (store.outbox.queuedOfKind(conversationId, 'accept') === undefined) this.enqueue(conversationId, { kind: 'accept' });
        return this.view(conversationId);
      },

      'conversations.decline': ({ conversationId }) => {
        const c = this.conversation(conversationId);
        if (c.status !== 'invited') throw new ContractError('invalid_state', 'This conversation is not an invitation.');
        if (store.outbox.queuedOfKind(conversationId, 'decline') === undefined) this.enqueue(conversationId, { kind: 'decline' });
        return this.view(conversationId);
      },

      'conversations.mute': ({ conversationId, muted }) => {
        this.conversation(conversationId);
        ctx.tx((ch) => {
          store.conversations.setMuted(conversationId, muted);
          ch.conversation(conversationId);
        });
        return this.view(conversationId);
      },

      'conversations.markRead': ({ conversationId }) => {
        const c = this.conversation(conversationId);
        if (c.unreadCount > 0 || c.lastReadId !== c.lastMessageId) {
          ctx.tx((ch) => {
            store.conversations.markRead(conversationId);
            ch.conversation(conversationId);
          });
        }
        return this.view(conversationId);
      },

      'conversations.members': ({ conversationId }) => {
        this.conversation(conversationId);
        return memberViews(store.conversations.members(conversationId), ctx.self);
      },

      'conversations.safetyCode': ({ conversationId }) => {
        this.conversation(conversationId);
        const state = ctx.state(conversationId);
        return state === undefined ? null : { code: safetyCodeOf(state), epoch: epoch(state).toString() };
      },

      'messages.list': ({ conversationId, before, limit }) => {
        this.conversation(conversationId);
        const page = store.messages.page(conversationId, before === undefined ? undefined : Number(before), limit ?? 50);
        return { messages: page.rows.map((r) => messageView(store, r)), hasMore: page.hasMore };
      },

      'messages.send': ({ conversationId, text }) => {
        this.requireMember(conversationId, 'write here');
        const now = ctx.now();
        const id = ctx.tx((ch) => {
          const mid = store.messages.insert({
            conversationId,
            kind: 'text',
            uid: randomBytes(16),
            senderUserId: ctx.self.userId,
            senderDeviceId: ctx.self.deviceId,
            isOwn: true,
            body: text,
            sentAt: now,
            receivedAt: now,
            status: 'pending',
          });
          store.conversations.messageAdded(conversationId, mid, now, false);
          store.conversations.markRead(conversationId);
          store.outbox.add({ conversationId, kind: 'message', messageId: mid, now, deadlineAt: now + ctx.options.sendDeadlineMs });
          ch.messageAdded(mid, conversationId);
          return mid;
        });
        this.outbox.kick(conversationId);
        return messageView(store, store.messages.get(id)!);
      },

      'messages.retry': ({ messageId }) => {
        this.account();
        const m = store.messages.get(Number(messageId));
        if (m === undefined || !m.isOwn || m.kind !== 'text') throw new ContractError('not_found', `No own message ${messageId}.`);
        if (m.status !== 'failed') throw new ContractError('invalid_state', 'Only a failed message can be retried.');
        this.requireMember(m.conversationId, 'write here');
        const now = ctx.now();
        ctx.tx((ch) => {
          retryMessage(ctx, ch, m.id);
          if (store.outbox.byMessage(m.id) === undefined) {
            store.outbox.add({ conversationId: m.conversationId, kind: 'message', messageId: m.id, now, deadlineAt: now + ctx.options.sendDeadlineMs });
          }
        });
        this.outbox.kick(m.conversationId);
        return messageView(store, store.messages.get(m.id)!);
      },

      'connection.status': () => ctx.link?.status() ?? { state: 'offline', lastError: null, nextRetryAt: null },

      'connection.reconnect': () => {
        ctx.link?.reconnectNow();
        return ctx.link?.status() ?? { state: 'offline', lastError: null, nextRetryAt: null };
      },

      'settings.get': () => store.account.settings(),

      'settings.set': (patch) => {
        const next = { ...store.account.settings(), ...patch };
        ctx.tx((ch) => {
          store.account.setSettings(next);
          ch.settings = true;
        });
        return next;
      },
    };
  }
}
