// Keeping up with the server: after each login, the catch-up (KeyPackages,
// Welcomes, every group from its cursor) runs before the core calls itself
// live and lets the outbox send; then pushes keep it current. A hole in the
// seqs is fetched; a group this device can no longer follow is rejoined by an
// external commit (the resync job).

import type { ConnectionStatus } from '../contract/types.js';
import type { DsBehind, DsMessage, DsWelcome, GroupSummary } from '../net/protocol-types.js';
import type { CoreContext } from './context.js';
import { replenishKeyPackages } from './key-packages.js';
import type { Outbox } from './outbox.js';
import type { Receiver } from './receive.js';
import { handleWelcome } from './welcomes.js';

const FETCH_PAGE = 500;

export class Sync {
  private live = false;
  private waiters: (() => void)[] = [];
  private readonly ackTimers = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  outbox!: Outbox;

  constructor(
    private readonly ctx: CoreContext,
    private readonly receiver: Receiver,
  ) {}

  isLive(): boolean {
    return this.live && !this.stopped;
  }

  waitLive(): Promise<void> {
    if (this.isLive() || this.stopped) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.live = false;
    for (const t of this.ackTimers.values()) clearTimeout(t);
    for (const w of this.waiters.splice(0)) w();
  }

  private setLive(v: boolean): void {
    this.live = v;
    if (v) for (const w of this.waiters.splice(0)) w();
  }

  // ---- connection events

  onStatus(s: ConnectionStatus): void {
    if (s.state !== 'online') this.setLive(false);
    this.ctx.emitEvent('connection.changed', s);
  }

  /** The catch-up after a login (runs on the new connection's session). */
  async onOnline(): Promise<void> {
    this.setLive(false);
    const { store } = this.ctx;
    try {
      await replenishKeyPackages(this.ctx);
    } catch (e) {
      this.ctx.log(`KeyPackages not replenished: ${(e as Error).message}`);
    }
    // Invitations stay queued until answered: page past them.
    for (let after = 0; ; ) {
      const page = await this.ctx.ds.listWelcomes({ after });
      for (const w of page.welcomes) await this.onWelcome(w);
      const last = page.welcomes[page.welcomes.length - 1];
      if (!page.more || last === undefined) break;
      after = last.id;
    }
    // Messages stored before a crash, not yet processed.
    for (const id of store.inbound.conversationsWithNew()) await this.ctx.locks.run(id, () => this.receiver.processStored(id));
    for (const g of await this.allGroups()) {
      const conv = store.conversations.byGroupId(g.groupId);
      if (conv === undefined || conv.status === 'left' || conv.status === 'removed') continue;
      const ok = await this.ctx.locks.run(conv.id, () => this.catchUp(conv.id));
      if (!ok) throw new Error(`catch-up of ${conv.id} did not complete`);
      this.checkFollowing(conv.id, g.epoch);
    }
    this.setLive(true);
    this.outbox.kickAll();
  }

  /** Every group the server lists for this device, page by page. */
  private async allGroups(): Promise<GroupSummary[]> {
    const out: GroupSummary[] = [];
    let after: Uint8Array | undefined;
    for (;;) {
      const page = await this.ctx.ds.listGroups(after === undefined ? {} : { after });
      out.push(...page.groups);
      const last = page.groups[page.groups.length - 1];
      if (!page.more || last === undefined) return out;
      after = last.groupId;
    }
  }

  onMessage(m: DsMessage): void {
    const conv = this.ctx.store.conversations.byGroupId(m.groupId);
    if (conv === undefined) return;
    // While the conversation is busy (a catch-up or a commit in flight), the push is stored at
    // once: a catch-up merges what it fetches with what is stored, so a push it has not fetched
    // yet (or one a lying server numbered differently) is not lost. Otherwise it is stored with
    // its processing, in one transaction. Either way it is acked only once processed.
    let handed: DsMessage[] = [m];
    if (this.ctx.locks.isBusy(conv.id)) {
      this.receiver.store(conv.id, handed);
      handed = [];
    }
    void this.ctx.locks.run(conv.id, async () => {
      this.receiver.processStored(conv.id, undefined, handed);
      // A hole before it (pushes paused, or lost): fetch it.
      if (this.ctx.store.inbound.next(conv.id, 1).length > 0) await this.catchUp(conv.id);
      this.ackSoon(conv.id);
    });
  }

  async onWelcome(w: DsWelcome): Promise<void> {
    const out = handleWelcome(this.ctx, w);
    const conv = this.ctx.store.conversations.byGroupId(w.groupId);
    if (out.kind === 'dropped') {
      this.ctx.log(`Welcome ${w.id} dropped: ${out.why}`);
      await this.ackWelcome(w.id);
    } else if (out.kind === 'known' && conv?.status === 'active') {
      await this.ackWelcome(w.id);
    } else if (out.kind === 'joined' && out.autoAccept) {
      this.outbox.kick(out.conversationId);
    }
  }

  private async ackWelcome(id: number): Promise<void> {
    try {
      await this.ctx.ds.ackWelcomes([id]);
    } catch (e) {
      this.ctx.log(`welcome.ack ${id} failed: ${(e as Error).message}`);
    }
  }

  onBehind(b: DsBehind): void {
    const conv = this.ctx.store.conversations.byGroupId(b.groupId);
    if (conv !== undefined) void this.ctx.locks.run(conv.id, () => this.catchUp(conv.id));
  }

  // ---- catching up one group

  /**
   * Fetches and processes a group from its cursor until the server has no more
   * (the caller holds the conversation's lock). False when the connection failed.
   */
  async catchUp(conversationId: string): Promise<boolean> {
    const { store } = this.ctx;
    for (;;) {
      const conv = store.conversations.get(conversationId);
      if (conv === undefined || conv.status === 'left' || conv.status === 'removed') return true;
      const after = conv.processedSeq;
      let page;
      try {
        page = await this.ctx.ds.fetch({ groupId: conv.groupId, after, limit: FETCH_PAGE });
      } catch (e) {
        this.ctx.log(`${conversationId}: fetch after ${after} failed: ${(e as Error).message}`);
        return false;
      }
      if (after === 0 && page.acked > 0) {
        // Joined from a Welcome: nothing before the server's cursor (the commit that added us) is ours to read.
        this.ctx.tx(() => store.conversations.setProcessedSeq(conversationId, page.acked));
        this.receiver.processStored(conversationId, undefined, page.messages);
        if (!page.more) return true;
        continue;
      }
      const first = page.messages[0];
      // The server has nothing between our cursor and its first message (expired, or never ours to read).
      const hole = first !== undefined && first.seq > after + 1 ? first.seq : undefined;
      const now = this.receiver.processStored(conversationId, hole, page.messages);
      this.ackSoon(conversationId);
      if (!page.more) return true;
      if (now <= after) {
        this.ctx.log(`${conversationId}: no progress after ${after}; stopping this catch-up`);
        return false;
      }
    }
  }

  /** After a complete catch-up, our epoch must be the server's; if not, this device cannot follow the group. */
  checkFollowing(conversationId: string, serverEpoch: bigint): void {
    const state = this.ctx.state(conversationId);
    const conv = this.ctx.store.conversations.get(conversationId);
    if (state === undefined || conv === undefined || conv.status === 'invited') return;
    if (state.groupContext.epoch < serverEpoch) this.requestResync(conversationId, `at epoch ${state.groupContext.epoch}, the server at ${serverEpoch}`);
  }

  requestResync(conversationId: string, why: string): void {
    const { store } = this.ctx;
    if (store.outbox.queuedOfKind(conversationId, 'resync') !== undefined) return;
    this.ctx.log(`${conversationId}: cannot follow the group (${why}); rejoining`);
    this.ctx.tx(() => store.outbox.add({ conversationId, kind: 'resync', now: this.ctx.now() }));
    this.outbox.kick(conversationId);
  }

  /** A message could not be followed: catch up, then compare epochs with the server. */
  verifyFollowing(conversationId: string): void {
    void this.ctx.locks.run(conversationId, async () => {
      if (!this.isLive()) return;
      if (!(await this.catchUp(conversationId))) return;
      const conv = this.ctx.store.conversations.get(conversationId);
      if (conv === undefined) return;
      try {
        const groups = await this.allGroups();
        const g = groups.find((x) => Buffer.compare(Buffer.from(x.groupId), Buffer.from(conv.groupId)) === 0);
        if (g !== undefined) this.checkFollowing(conversationId, g.epoch);
      } catch (e) {
        this.ctx.log(`${conversationId}: group.list failed: ${(e as Error).message}`);
      }
    });
  }

  /** Tells the server what is stored, soon (acks are cumulative, so a burst needs one). */
  ackSoon(conversationId: string): void {
    if (this.ackTimers.has(conversationId) || this.stopped) return;
    this.ackTimers.set(
      conversationId,
      setTimeout(() => {
        this.ackTimers.delete(conversationId);
        void this.ack(conversationId);
      }, 50),
    );
  }

  private async ack(conversationId: string): Promise<void> {
    const conv = this.ctx.store.conversations.get(conversationId);
    if (conv === undefined || conv.processedSeq <= conv.ackedSeq || this.ctx.link === undefined) return;
    try {
      const r = await this.ctx.ds.ack(conv.groupId, conv.processedSeq, { waitForConnection: false });
      this.ctx.tx(() => this.ctx.store.conversations.setAckedSeq(conversationId, Math.min(r.acked, conv.processedSeq)));
    } catch (e) {
      this.ctx.log(`${conversationId}: ack ${conv.processedSeq} failed: ${(e as Error).message}`);
    }
  }
}
