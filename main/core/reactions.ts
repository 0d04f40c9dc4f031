// What the core does in response to what it received: confirm delivery,
// commit other members' proposals (a self-removal) unless someone beats it to
// it, re-propose its own leaving after an unrelated commit, and check whether
// it can still follow a group.

import { members } from '../mls/index.js';
import { decodePayload, encodePayload, MAX_RECEIPT_IDS } from './payload.js';
import type { CoreContext } from './context.js';
import { selfRemovals } from './group-facts.js';
import type { Outbox } from './outbox.js';
import type { ReceiveHooks } from './receive.js';
import type { Sync } from './sync.js';

/** The first member (by leaf) commits a proposal at once; each next one waits this much longer, in case the first is offline. */
const COMMIT_STAGGER_MS = 2000;

export class Reactions implements ReceiveHooks {
  private readonly receiptUids = new Map<string, Uint8Array[]>();
  private readonly receiptTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly outbox: () => Outbox,
    private readonly sync: () => Sync,
  ) {}

  private stopped = false;

  /**
   * Before the store closes: receipts still waiting for their delay go to the
   * outbox now (sent after the next start), and a message processed while the
   * core shuts down queues its receipt at once, never on a timer that would
   * fire after the database is closed.
   */
  stop(): void {
    this.stopped = true;
    for (const [conversationId, t] of this.receiptTimers) {
      clearTimeout(t);
      this.flush(conversationId);
    }
    this.receiptTimers.clear();
  }

  private flush(conversationId: string): void {
    const all = this.receiptUids.get(conversationId) ?? [];
    this.receiptUids.delete(conversationId);
    this.queueReceipt(conversationId, all);
  }

  delivered(conversationId: string, uids: readonly Uint8Array[]): void {
    if (this.stopped) {
      this.queueReceipt(conversationId, uids);
      return;
    }
    let list = this.receiptUids.get(conversationId);
    if (list === undefined) this.receiptUids.set(conversationId, (list = []));
    list.push(...uids);
    if (this.receiptTimers.has(conversationId)) return;
    this.receiptTimers.set(
      conversationId,
      setTimeout(() => {
        this.receiptTimers.delete(conversationId);
        this.flush(conversationId);
      }, this.ctx.options.receiptDelayMs),
    );
  }

  private queueReceipt(conversationId: string, uids: readonly Uint8Array[]): void {
    const { store } = this.ctx;
    const conv = store.conversations.get(conversationId);
    if (conv === undefined || uids.length === 0 || (conv.status !== 'active' && conv.status !== 'invited')) return;
    this.ctx.tx(() => {
      let rest = [...uids];
      // Fold into a receipt still waiting in the queue, up to its capacity.
      const queued = store.outbox.queuedOfKind(conversationId, 'receipt');
      if (queued?.payload != null) {
        const p = decodePayload(queued.payload);
        if (p.type === 'receipt' && p.uids.length < MAX_RECEIPT_IDS) {
          const take = rest.slice(0, MAX_RECEIPT_IDS - p.uids.length);
          rest = rest.slice(take.length);
          store.outbox.setPayload(queued.id, encodePayload({ type: 'receipt', sentAt: this.ctx.now(), uids: [...p.uids, ...take] }));
        }
      }
      for (let i = 0; i < rest.length; i += MAX_RECEIPT_IDS) {
        const payload = encodePayload({ type: 'receipt', sentAt: this.ctx.now(), uids: rest.slice(i, i + MAX_RECEIPT_IDS) });
        store.outbox.add({ conversationId, kind: 'receipt', payload, now: this.ctx.now() });
      }
    });
    this.outbox().kick(conversationId);
  }

  proposalPending(conversationId: string): void {
    const { store } = this.ctx;
    const state = this.ctx.state(conversationId);
    const conv = store.conversations.get(conversationId);
    if (state === undefined || conv?.status !== 'active') return;
    if (store.outbox.queuedOfKind(conversationId, 'commit') !== undefined) return;
    const leaving = selfRemovals(state);
    if (leaving.has(state.ownLeaf)) return;
    const staying = members(state)
      .map((m) => m.leafIndex)
      .filter((l) => !leaving.has(l))
      .sort((a, b) => a - b);
    const rank = Math.max(0, staying.indexOf(state.ownLeaf));
    const delay = rank * COMMIT_STAGGER_MS + Math.floor(Math.random() * 250);
    this.ctx.tx(() => store.outbox.add({ conversationId, kind: 'commit', now: this.ctx.now(), notBefore: this.ctx.now() + delay }));
    this.outbox().kick(conversationId);
  }

  epochChanged(conversationId: string): void {
    const { store } = this.ctx;
    const conv = store.conversations.get(conversationId);
    const state = this.ctx.state(conversationId);
    // Our leave proposal was dropped by an unrelated commit: propose again.
    if (conv?.status === 'leaving' && state !== undefined && !selfRemovals(state).has(state.ownLeaf) && store.outbox.queuedOfKind(conversationId, 'leave') === undefined) {
      this.ctx.tx(() => store.outbox.add({ conversationId, kind: 'leave', now: this.ctx.now() }));
    }
    this.outbox().kick(conversationId);
  }

  removed(conversationId: string): void {
    this.outbox().kick(conversationId);
  }

  cannotFollow(conversationId: string, why: string): void {
    this.ctx.log(`${conversationId}: ${why}`);
    this.sync().verifyFollowing(conversationId);
  }
}
