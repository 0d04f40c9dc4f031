// The receive path. Raw messages from the server are stored (inbound) and
// processed in seq order, a page at a time: each page is ONE transaction
// holding the new group state (only what changed), the message rows and the
// cursor, and the server is acked only after it committed. Messages handed in
// with the page (a push, a fetched page) are stored in that same transaction,
// and only those it does not consume stay in inbound: a row written and deleted
// in one transaction would cost the log its pages for nothing. A message that
// cannot be decrypted becomes one gap line and the cursor moves on; messages of
// an epoch we have not reached wait (bounded) for the commit that starts it.

import { DecodeError, mergePendingCommit, deserializePendingCommit, processMessage, CryptoError, MlsError, ValidationError, type GroupState, type ProcessResult } from '../mls/index.js';
import type { DsMessage } from '../net/protocol-types.js';
import type { ConversationRow } from '../store/conversation-store.js';
import type { InboundRow } from '../store/inbound-store.js';
import type { Changes } from './changes.js';
import type { CoreContext } from './context.js';
import { leafDevice, memberRows, membershipChange, selfRemovals, titleOf } from './group-facts.js';
import { addSystemLine, addGap } from './system-lines.js';
import { decodePayload } from './payload.js';
import { applyReceipt, markAccepted } from './delivery.js';

/** A page of messages per transaction. */
const PAGE = 200;
/** Messages of a future epoch kept per conversation while waiting for its commit. */
export const MAX_FUTURE = 500;

export interface ReceiveHooks {
  /** Another member proposed something (a self-removal): commit it soon, unless someone else does. */
  proposalPending(conversationId: string): void;
  /** Text messages from others were stored: confirm delivery. */
  delivered(conversationId: string, uids: readonly Uint8Array[]): void;
  /** A commit moved the group on: queued work may proceed or must be re-planned. */
  epochChanged(conversationId: string): void;
  /** This device is out of the group now. */
  removed(conversationId: string): void;
  /** A commit of the current epoch could not be processed, or a future epoch is showing. */
  cannotFollow(conversationId: string, why: string): void;
}

interface PageOutcome {
  readonly processed: number;
  /** The cursor after the page. */
  readonly cursor: number;
  readonly receipts: Uint8Array[];
  readonly proposals: boolean;
  readonly epochChanged: boolean;
  readonly removed: boolean;
  readonly cannotFollow?: string;
}

export function inboundRowsOf(conversationId: string, msgs: readonly DsMessage[]): Omit<InboundRow, 'state'>[] {
  return msgs.map((m) => ({
    conversationId,
    seq: m.seq,
    epoch: Number(m.epoch),
    kind: m.kind,
    senderUserId: m.sender.userId,
    senderDeviceId: m.sender.deviceId,
    message: m.message,
    serverTs: m.ts,
  }));
}

export class Receiver {
  constructor(
    private readonly ctx: CoreContext,
    private readonly hooks: ReceiveHooks,
  ) {}

  /** Stores raw messages (one transaction); they are processed by process(). */
  store(conversationId: string, msgs: readonly DsMessage[]): number {
    if (msgs.length === 0) return 0;
    // Not acked yet, so the server still has them: a crash of the process is all this must survive.
    return this.ctx.store.txRelaxed(() => this.ctx.store.inbound.add(inboundRowsOf(conversationId, msgs)));
  }

  /**
   * Processes the stored messages that follow the cursor, page by page. Stops at
   * a hole in the seqs (the caller fetches it) unless `acceptHoleBefore` says the
   * server has nothing below that seq any more. Returns the new cursor.
   */
  processStored(conversationId: string, acceptHoleBefore?: number, incoming: readonly DsMessage[] = []): number {
    let arriving = incoming;
    for (;;) {
      const conv = this.ctx.store.conversations.get(conversationId);
      if (conv === undefined) return 0;
      const handed = arriving;
      arriving = [];
      const out = this.ctx.tx((ch) => this.receivePage(conv, handed, ch, acceptHoleBefore));
      if (out === undefined) return conv.processedSeq;
      if (out.receipts.length > 0) this.hooks.delivered(conversationId, out.receipts);
      if (out.proposals) this.hooks.proposalPending(conversationId);
      if (out.removed) this.hooks.removed(conversationId);
      else if (out.epochChanged) this.hooks.epochChanged(conversationId);
      if (out.cannotFollow !== undefined) this.hooks.cannotFollow(conversationId, out.cannotFollow);
      if (out.processed === 0) return this.ctx.store.conversations.get(conversationId)?.processedSeq ?? 0;
    }
  }

  /**
   * One page in one transaction: the stored rows after the cursor together with
   * `handed` (not stored yet). Handed rows join the page only when every stored
   * row fits in it, so the page never skips a stored seq; the handed rows the
   * page does not consume (past a hole, or after the page) are stored.
   */
  private receivePage(conv: ConversationRow, handed: readonly DsMessage[], ch: Changes, acceptHoleBefore: number | undefined): PageOutcome | undefined {
    const { inbound } = this.ctx.store;
    const fresh = inboundRowsOf(conv.id, handed);
    let stored = inbound.next(conv.id, PAGE);
    if (fresh.length > 0 && stored.length >= PAGE) {
      inbound.add(fresh);
      stored = inbound.next(conv.id, PAGE);
      fresh.length = 0;
    }
    const seen = new Set(stored.map((r) => r.seq));
    const unstored = new Map<number, InboundRow>();
    for (const r of fresh) if (!seen.has(r.seq) && !unstored.has(r.seq)) unstored.set(r.seq, { ...r, state: 'new' });
    const rows = unstored.size === 0 ? stored : [...stored, ...unstored.values()].sort((a, b) => a.seq - b.seq);
    if (rows.length === 0) return undefined;
    this.unstored = unstored;
    try {
      const out = this.processPage(conv, rows, ch, acceptHoleBefore);
      // What the page did not reach waits in inbound like any stored message (unless we were removed: then nothing after can be read).
      if (!out.removed) inbound.add([...unstored.values()].filter((r) => r.seq > out.cursor));
      return out;
    } finally {
      this.unstored = undefined;
    }
  }

  /** Handed rows of the page being processed that are not in inbound (see receivePage). */
  private unstored: Map<number, InboundRow> | undefined;

  /** Writes a handed row to inbound before something refers to it there (a message kept for a future epoch). */
  private storeIfUnstored(row: InboundRow): void {
    if (this.unstored?.delete(row.seq) === true) this.ctx.store.inbound.add([row]);
  }

  private processPage(conv: ConversationRow, rows: readonly InboundRow[], ch: Changes, acceptHoleBefore: number | undefined): PageOutcome {
    const { store } = this.ctx;
    const id = conv.id;
    const before = this.ctx.state(id);
    let state = before;
    let processed = conv.processedSeq;
    let count = 0;
    const receipts: Uint8Array[] = [];
    let proposals = false;
    let epochChanged = false;
    let removed = false;
    let cannotFollow: string | undefined;

    const skipOwn = (): void => {
      while (store.inbound.isOwnSeq(id, processed + 1)) processed++;
    };
    for (const row of rows) {
      skipOwn();
      if (row.seq <= processed) {
        store.inbound.remove(id, row.seq);
        continue;
      }
      if (row.seq > processed + 1) {
        // A hole: fetch it first, unless the server said it has nothing older (expired messages).
        if (acceptHoleBefore === undefined || row.seq > acceptHoleBefore) break;
        addGap(this.ctx, ch, id, row.seq - processed - 1);
      }
      const r = this.handleOne(conv, row, state, ch);
      if (r.receipt !== undefined) receipts.push(r.receipt);
      proposals ||= r.proposal === true;
      if (r.state !== state) {
        if (r.state === undefined) removed = true;
        else if (state !== undefined && r.state.groupContext.epoch !== state.groupContext.epoch) epochChanged = true;
        state = r.state;
      }
      if (r.cannotFollow !== undefined) cannotFollow = r.cannotFollow;
      if (r.keep !== true) store.inbound.remove(id, row.seq);
      processed = row.seq;
      count++;
      if (removed) {
        // Nothing after our removal can be read; drop the rest.
        store.inbound.removeAll(id);
        break;
      }
      if (epochChanged && state !== undefined) {
        // Replay what waited for this epoch, then drop what can no longer be reached.
        for (const f of store.inbound.future(id, Number(state.groupContext.epoch))) {
          const fr = this.handleOne(conv, f, state, ch);
          if (fr.receipt !== undefined) receipts.push(fr.receipt);
          if (fr.state !== undefined) state = fr.state;
          store.inbound.remove(id, f.seq);
        }
        const lost = store.inbound.dropFutureBelow(id, Number(state.groupContext.epoch));
        if (lost > 0) addGap(this.ctx, ch, id, lost);
      }
    }
    skipOwn();
    store.inbound.removeOwnSeqsUpTo(id, processed);
    store.conversations.setProcessedSeq(id, processed);
    if (removed) this.ctx.deleteState(id);
    else if (before !== undefined && state !== undefined && state !== before) this.ctx.saveState(id, before, state);
    return { processed: count, cursor: processed, receipts, proposals, epochChanged, removed, ...(cannotFollow !== undefined ? { cannotFollow } : {}) };
  }

  /** One message; never throws for anything the message holds. */
  private handleOne(
    conv: ConversationRow,
    row: InboundRow,
    state: GroupState | undefined,
    ch: Changes,
  ): { state: GroupState | undefined; receipt?: Uint8Array; proposal?: boolean; keep?: boolean; cannotFollow?: string } {
    const self = this.ctx.self;
    if (state === undefined) return { state };
    if (row.senderUserId === self.userId && row.senderDeviceId === self.deviceId) return this.ownMessage(conv, row, state, ch);
    let r: { result: ProcessResult; state: GroupState };
    try {
      r = processMessage(state, row.message);
    } catch (e) {
      return this.failed(conv, row, state, ch, e);
    }
    switch (r.result.kind) {
      case 'application':
        return { state: r.state, ...this.application(conv, row, r.state, r.result.sender, r.result.data, ch) };
      case 'proposal':
        return { state: r.state, proposal: true };
      case 'commit':
        this.commitApplied(conv.id, state, r.state, r.result.committer, ch, row.seq);
        return { state: r.state };
      case 'removed':
        this.removedFromGroup(conv, state, r.result.committer, ch);
        return { state: undefined };
    }
  }

  private failed(conv: ConversationRow, row: InboundRow, state: GroupState, ch: Changes, e: unknown): { state: GroupState; keep?: boolean; cannotFollow?: string } {
    if (!(e instanceof MlsError)) throw e;
    const epoch = Number(state.groupContext.epoch);
    const why = `${e.name}: ${e.message}`;
    if (row.kind === 'application') {
      if (row.epoch > epoch) {
        // Its commit has not come yet (or we cannot process it): keep it, bounded.
        if (this.ctx.store.inbound.countFuture(conv.id) < MAX_FUTURE) {
          this.storeIfUnstored(row);
          this.ctx.store.inbound.markFuture(conv.id, row.seq);
          return { state, keep: true, cannotFollow: `a message of epoch ${row.epoch} arrived while this device is at epoch ${epoch}` };
        }
      }
      if (e instanceof ValidationError && /already consumed \(replay\)/.test(e.message)) {
        this.ctx.log(`${conv.id} seq ${row.seq}: replayed message ignored`);
        return { state };
      }
      this.ctx.log(`${conv.id} seq ${row.seq}: cannot decrypt (${why})`);
      addGap(this.ctx, ch, conv.id, 1);
      return { state };
    }
    if (row.kind === 'commit' && row.epoch === epoch && (e instanceof ValidationError || e instanceof CryptoError || e instanceof DecodeError)) {
      this.ctx.log(`${conv.id} seq ${row.seq}: commit for our epoch refused (${why})`);
      return { state, cannotFollow: `a commit of epoch ${epoch} could not be processed: ${e.message}` };
    }
    this.ctx.log(`${conv.id} seq ${row.seq}: ${row.kind} ignored (${why})`);
    return { state };
  }

  private application(conv: ConversationRow, row: InboundRow, state: GroupState, senderLeaf: number, data: Uint8Array, ch: Changes): { receipt?: Uint8Array } {
    const { store } = this.ctx;
    const sender = leafDevice(state, senderLeaf);
    if (sender === undefined) return {};
    let p;
    try {
      p = decodePayload(data);
    } catch (e) {
      this.ctx.log(`${conv.id} seq ${row.seq}: malformed payload ignored (${(e as Error).message})`);
      return {};
    }
    if (p.type === 'text') {
      if (store.messages.hasUid(conv.id, sender.userId, sender.deviceId, p.uid)) return {};
      const now = this.ctx.now();
      const mid = store.messages.insert({
        conversationId: conv.id,
        kind: 'text',
        uid: p.uid,
        senderUserId: sender.userId,
        senderDeviceId: sender.deviceId,
        isOwn: false,
        body: p.text,
        sentAt: p.sentAt,
        receivedAt: now,
        seq: row.seq,
        epoch: row.epoch,
      });
      store.conversations.messageAdded(conv.id, mid, now, true);
      ch.messageAdded(mid, conv.id);
      return { receipt: p.uid };
    }
    if (p.type === 'receipt') applyReceipt(this.ctx, ch, conv.id, sender, p.uids);
    return {};
  }

  /** A message this device sent: it is in the server's sequence, so what waited for the answer is settled. */
  private ownMessage(conv: ConversationRow, row: InboundRow, state: GroupState, ch: Changes): { state: GroupState | undefined } {
    const { store } = this.ctx;
    if (row.kind === 'commit') {
      const pc = store.outbox.pendingCommit(conv.id);
      if (pc !== undefined && Buffer.compare(Buffer.from(pc.commitMessage), Buffer.from(row.message)) === 0) {
        const next = mergePendingCommit(state, deserializePendingCommit(pc.pending));
        store.outbox.clearPendingCommit(conv.id);
        // The job that made it runs again and finds its work done (or goes on with the rest).
        if (store.outbox.get(pc.jobId) !== undefined) store.outbox.requeue(pc.jobId, this.ctx.now(), null);
        this.commitApplied(conv.id, state, next, next.ownLeaf, ch, row.seq);
        return { state: next };
      }
      return { state };
    }
    for (const job of store.outbox.sendingWith(conv.id)) {
      if (job.wire !== null && Buffer.compare(Buffer.from(job.wire), Buffer.from(row.message)) === 0) {
        markAccepted(this.ctx, ch, job, row.seq, row.epoch);
        break;
      }
    }
    return { state };
  }

  /** Bookkeeping of a new epoch (ours or another member's commit): members, title, system lines. */
  commitApplied(conversationId: string, before: GroupState, after: GroupState, committerLeaf: number, ch: Changes, seq: number): void {
    const { store } = this.ctx;
    const self = this.ctx.self;
    const sinceOf = new Map(store.conversations.members(conversationId).map((m) => [`${m.userId}/${m.deviceId}`, m.sinceSeq]));
    const committer = leafDevice(before, committerLeaf) ?? leafDevice(after, committerLeaf);
    const by = committer?.userId ?? 'someone';
    const leavers = new Set([...selfRemovals(before)].map((l) => leafDevice(before, l)?.userId).filter((u): u is string => u !== undefined));
    const change = membershipChange(before, after);
    store.conversations.setMembers(conversationId, memberRows(after), seq);
    ch.membersChanged(conversationId);
    const joined = change.joined.filter((u) => u !== self.userId);
    if (joined.length > 0) addSystemLine(this.ctx, ch, conversationId, { type: 'joined', by, userIds: joined });
    const left = change.gone.filter((u) => leavers.has(u));
    const removed = change.gone.filter((u) => !leavers.has(u));
    for (const u of left) addSystemLine(this.ctx, ch, conversationId, { type: 'left', userId: u });
    if (removed.length > 0) addSystemLine(this.ctx, ch, conversationId, { type: 'removed', by, userIds: removed });
    if (change.devicesChanged.length > 0) addSystemLine(this.ctx, ch, conversationId, { type: 'safetyCodeChanged', userIds: change.devicesChanged });
    for (const d of change.removedDevices) {
      const since = sinceOf.get(`${d.userId}/${d.deviceId}`) ?? 0;
      for (const mid of store.messages.dropDevice(conversationId, d.userId, d.deviceId, since)) applyReceipt(this.ctx, ch, conversationId, undefined, [], mid);
    }
    const oldTitle = titleOf(before);
    const newTitle = titleOf(after);
    if (newTitle !== oldTitle) {
      store.conversations.setTitle(conversationId, newTitle);
      addSystemLine(this.ctx, ch, conversationId, { type: 'renamed', by, title: newTitle });
    }
    // Our own commit for this epoch lost the race: it will never be accepted.
    const pc = store.outbox.pendingCommit(conversationId);
    if (pc !== undefined && BigInt(pc.epoch) < after.groupContext.epoch) {
      store.outbox.clearPendingCommit(conversationId);
      store.outbox.requeue(pc.jobId, this.ctx.now(), 'another commit won the epoch');
    }
  }

  private removedFromGroup(conv: ConversationRow, state: GroupState, committerLeaf: number, ch: Changes): void {
    const { store } = this.ctx;
    const by = leafDevice(state, committerLeaf)?.userId ?? 'someone';
    const leaving = conv.status === 'leaving';
    store.conversations.setStatus(conv.id, leaving ? 'left' : 'removed');
    addSystemLine(this.ctx, ch, conv.id, leaving ? { type: 'youLeft' } : { type: 'youWereRemoved', by });
    store.conversations.clearMembers(conv.id);
    store.outbox.clearPendingCommit(conv.id);
    for (const job of store.outbox.removeAll(conv.id)) {
      if (job.kind === 'message' && job.messageId !== null) {
        store.messages.setStatus(job.messageId, 'failed', 'You are no longer a member of this conversation.');
        ch.messageUpdated(job.messageId);
      }
    }
    ch.membersChanged(conv.id);
  }
}
