// What every part of the core shares: the store, the delivery service, this
// device's identity, the options, the clock, the per-conversation locks, the
// cache of live group states, and the one way to write: tx(), which publishes
// what changed only after the transaction committed.

import type { EventName, EventPayloads } from '../contract/events.js';
import { createIdentity, stateDelta, type ClientIdentity, type GroupState } from '../mls/index.js';
import type { AccountRow } from '../store/account-store.js';
import type { Store } from '../store/store.js';
import { Changes } from './changes.js';
import type { DsApi } from '../net/index.js';
import type { DsLink } from './ds-link.js';
import { credentialIdentity } from './identity.js';
import { KeyedMutex } from './locks.js';
import { conversationView, messageView } from './views.js';
import type { CoreOptions } from './worker-protocol.js';

export const ARBOR_SUITE = 1 as const;

export type Emit = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

export interface ResolvedOptions {
  readonly sendDeadlineMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectCapMs: number;
  readonly retryBaseMs: number;
  readonly retryCapMs: number;
  readonly keyPackageTarget: number;
  readonly keyPackageLow: number;
  readonly receiptDelayMs: number;
  readonly quiet: boolean;
}

export function resolveOptions(o: CoreOptions): ResolvedOptions {
  return {
    sendDeadlineMs: o.sendDeadlineMs ?? 24 * 3600_000,
    reconnectBaseMs: o.reconnectBaseMs ?? 500,
    reconnectCapMs: o.reconnectCapMs ?? 30_000,
    retryBaseMs: o.retryBaseMs ?? 1000,
    retryCapMs: o.retryCapMs ?? 60_000,
    keyPackageTarget: o.keyPackageTarget ?? 100,
    keyPackageLow: o.keyPackageLow ?? 20,
    receiptDelayMs: o.receiptDelayMs ?? 300,
    quiet: o.quiet ?? false,
  };
}

/** Live group states by conversation, bounded; the store is the truth, this saves re-reading it per message. */
class StateCache {
  private readonly map = new Map<string, GroupState>();
  constructor(private readonly max = 64) {}

  get(id: string): GroupState | undefined {
    const s = this.map.get(id);
    if (s !== undefined) {
      this.map.delete(id);
      this.map.set(id, s);
    }
    return s;
  }

  set(id: string, s: GroupState): void {
    this.map.delete(id);
    this.map.set(id, s);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  delete(id: string): void {
    this.map.delete(id);
  }
}

export class CoreContext {
  readonly locks = new KeyedMutex();
  private readonly cache = new StateCache();
  private pendingCache: Map<string, GroupState | null> | undefined;
  private account: AccountRow | undefined;
  private mlsIdentity: ClientIdentity | undefined;
  /** Payload bytes written to group-state rows since start (for the benchmark). */
  stateBytesWritten = 0;

  /** The delivery service, once an account exists. */
  link: DsLink | undefined;

  constructor(
    readonly store: Store,
    readonly options: ResolvedOptions,
    readonly log: (line: string) => void,
    private readonly emit: Emit,
    readonly now: () => number = Date.now,
  ) {
    this.account = store.account.get();
  }

  get ds(): DsApi {
    if (this.link === undefined) throw new Error('no delivery service before an account exists');
    return this.link.api;
  }

  get self(): AccountRow {
    if (this.account === undefined) throw new Error('no account');
    return this.account;
  }

  hasAccount(): boolean {
    return this.account !== undefined;
  }

  accountCreated(a: AccountRow): void {
    this.account = a;
    this.mlsIdentity = undefined;
  }

  /** This device as its groups see it: "<user>/<device>", the device key as MLS signature key. */
  identity(): ClientIdentity {
    if (this.mlsIdentity === undefined) {
      const a = this.self;
      this.mlsIdentity = createIdentity(ARBOR_SUITE, credentialIdentity(a), { publicKey: a.signaturePublicKey, privateKey: a.signaturePrivateKey });
    }
    return this.mlsIdentity;
  }

  // ---- group states

  /** The live state of a conversation's group, or undefined when it has none (left, removed, declined). */
  state(conversationId: string): GroupState | undefined {
    const pending = this.pendingCache?.get(conversationId);
    if (pending !== undefined) return pending ?? undefined;
    const cached = this.cache.get(conversationId);
    if (cached !== undefined) return cached;
    const s = this.store.groups.load(conversationId);
    if (s !== undefined) this.cache.set(conversationId, s);
    return s;
  }

  /** Inside tx(): stores the move from `before` to `after` (only what changed). */
  saveState(conversationId: string, before: GroupState, after: GroupState): void {
    if (before === after) return;
    this.stateBytesWritten += this.store.groups.saveDelta(conversationId, after.groupContext.epoch, stateDelta(before, after));
    this.stagedState(conversationId, after);
  }

  /** Inside tx(): stores a whole new state (created, joined, rejoined). */
  saveFullState(conversationId: string, state: GroupState): void {
    this.stateBytesWritten += this.store.groups.saveFull(conversationId, state);
    this.stagedState(conversationId, state);
  }

  /** Inside tx(): the group state is gone (removed, left), with its keys. */
  deleteState(conversationId: string): void {
    this.store.groups.delete(conversationId);
    this.stagedState(conversationId, null);
  }

  private stagedState(id: string, s: GroupState | null): void {
    if (this.pendingCache === undefined) throw new Error('group state written outside a transaction');
    this.pendingCache.set(id, s);
  }

  // ---- transactions and events

  /** Runs `fn` in one transaction; on commit, the cache takes the new states and the UI hears of the changes. */
  tx<T>(fn: (changes: Changes) => T): T {
    if (this.pendingCache !== undefined) throw new Error('nested core transaction');
    const changes = new Changes();
    this.pendingCache = new Map();
    let result: T;
    let staged: Map<string, GroupState | null>;
    try {
      result = this.store.tx(() => fn(changes));
    } finally {
      staged = this.pendingCache;
      this.pendingCache = undefined;
    }
    for (const [id, s] of staged) {
      if (s === null) this.cache.delete(id);
      else this.cache.set(id, s);
    }
    this.publish(changes);
    return result;
  }

  publish(changes: Changes): void {
    if (changes.empty) return;
    if (changes.settings) this.emit('settings.changed', this.store.account.settings());
    if (this.account === undefined) return;
    for (const id of changes.addedMessages) {
      const m = this.store.messages.get(id);
      if (m !== undefined) this.emit('message.added', messageView(this.store, m));
    }
    for (const id of changes.updatedMessages) {
      const m = this.store.messages.get(id);
      if (m !== undefined) this.emit('message.updated', messageView(this.store, m));
    }
    for (const id of changes.members) this.emit('members.changed', { conversationId: id });
    for (const id of changes.conversations) {
      const c = this.store.conversations.get(id);
      if (c !== undefined) this.emit('conversation.updated', conversationView(this.store, c, this.self.userId));
    }
  }

  emitEvent: Emit = (e, p) => this.emit(e, p);
}
