// What each kind of outbox job does, once the conversation's lock is held and
// the connection is live. Intents (add, remove, rename, leave, ...) are planned
// from the group as it is NOW, so a job that lost a race is simply run again:
// an add whose member is already in is done, a rename to the current title is done.

import { commit, encrypt, groupContextExtensions, groupInfo, proposeRemove, resync, type GroupState } from '../mls/index.js';
import type { DeviceRef } from '../net/protocol-types.js';
import type { JobRow } from '../store/outbox-store.js';
import type { Changes } from './changes.js';
import { runCommit } from './commit-runner.js';
import type { CoreContext } from './context.js';
import { failMessage, markAccepted } from './delivery.js';
import { hasPendingProposals, memberRows, selfRemovals, titleOf } from './group-facts.js';
import { sameDevice } from './identity.js';
import { classifyDsError, type JobOutcome } from './job-result.js';
import { checkKeyPackage } from './key-package-check.js';
import { METADATA_EXTENSION_TYPE, withMetadata } from './metadata.js';
import { encodePayload } from './payload.js';
import type { Receiver } from './receive.js';
import { addSystemLine } from './system-lines.js';

export const RESYNC_INTERVAL_MS = 10 * 60_000;

/** The outbox waits for the connection itself (and for deadlines); a request must not wait again inside. */
export const NOW = { waitForConnection: false } as const;

export class JobRunner {
  constructor(
    private readonly ctx: CoreContext,
    private readonly receiver: Receiver,
    /** Fetches and processes one conversation from its cursor (the lock is already held). */
    private readonly catchUp: (conversationId: string) => Promise<boolean>,
  ) {}

  async run(job: JobRow): Promise<JobOutcome> {
    switch (job.kind) {
      case 'message':
      case 'receipt':
        return this.send(job);
      case 'create':
        return this.create(job);
      case 'add':
        return this.add(job);
      case 'remove':
        return this.remove(job);
      case 'rename':
        return this.rename(job);
      case 'commit':
        return this.commitPending(job);
      case 'leave':
        return this.leave(job);
      case 'accept':
        return this.accept(job);
      case 'decline':
        return this.decline(job);
      case 'resync':
        return this.resync(job);
    }
  }

  private done(job: JobRow, f?: (ch: Changes) => void): JobOutcome {
    this.ctx.tx((ch) => {
      this.ctx.store.outbox.remove(job.id);
      f?.(ch);
    });
    return { kind: 'done' };
  }

  private activeState(job: JobRow): GroupState | undefined {
    const conv = this.ctx.store.conversations.get(job.conversationId);
    if (conv === undefined || (conv.status !== 'active' && conv.status !== 'creating' && conv.status !== 'leaving')) return undefined;
    return this.ctx.state(job.conversationId);
  }

  /** Commits pending proposals (someone's self-removal) first: RFC 9420 §12.4 wants them committed before we send. */
  private async flushProposals(job: JobRow, state: GroupState): Promise<{ state: GroupState } | { outcome: JobOutcome }> {
    if (!hasPendingProposals(state) || !committable(state)) return { state };
    const out = await runCommit(this.ctx, this.receiver, job, state, { result: commit(state) });
    if (out.kind === 'merged') return { state: out.state };
    if (out.kind === 'refused') return { outcome: { kind: 'retry', error: out.reason } };
    return { outcome: out };
  }

  // ---- messages and receipts

  private async send(job: JobRow): Promise<JobOutcome> {
    const { store } = this.ctx;
    const message = job.kind === 'message' && job.messageId !== null ? store.messages.get(job.messageId) : undefined;
    if (job.kind === 'message' && message?.status !== 'pending') return this.done(job);
    let state = this.activeState(job);
    if (state === undefined) {
      return this.done(job, (ch) => {
        if (message !== undefined) failMessage(this.ctx, ch, message.id, 'You are not a member of this conversation.');
      });
    }
    const flushed = await this.flushProposals(job, state);
    if ('outcome' in flushed) return flushed.outcome;
    state = flushed.state;
    const plaintext =
      message !== undefined ? encodePayload({ type: 'text', uid: message.uid!, sentAt: message.sentAt, text: message.body }) : job.payload;
    if (plaintext === null) return this.done(job);
    const enc = encrypt(state, plaintext);
    const epoch = Number(state.groupContext.epoch);
    const before = state;
    this.ctx.tx(() => {
      this.ctx.saveState(job.conversationId, before, enc.state);
      store.outbox.markSending(job.id, enc.message, epoch);
    });
    try {
      const r = await this.ctx.ds.send(enc.message, NOW);
      const sending = store.outbox.get(job.id);
      if (sending !== undefined) this.ctx.tx((ch) => markAccepted(this.ctx, ch, sending, r.seq, epoch));
      return { kind: 'done' };
    } catch (e) {
      const f = classifyDsError(e);
      switch (f.kind) {
        case 'unknown':
          return { kind: 'offline' };
        case 'offline':
          this.ctx.tx(() => store.outbox.requeue(job.id, this.ctx.now(), f.reason));
          return { kind: 'offline' };
        case 'stale':
          this.ctx.tx(() => store.outbox.requeue(job.id, this.ctx.now(), 'the group moved to a new epoch'));
          return { kind: 'stale' };
        case 'transient':
          return { kind: 'retry', error: f.reason };
        case 'refused':
          return this.done(job, (ch) => {
            if (message !== undefined) failMessage(this.ctx, ch, message.id, refusalText(f.code, f.reason));
          });
      }
    }
  }

  // ---- creating and changing the group

  private async create(job: JobRow): Promise<JobOutcome> {
    const { store } = this.ctx;
    const conv = store.conversations.get(job.conversationId);
    const state = this.ctx.state(job.conversationId);
    if (conv === undefined || state === undefined) return this.done(job);
    if (!conv.onServer) {
      try {
        await this.ctx.ds.createGroup({ groupId: conv.groupId, allowExternalJoin: false, groupInfo: groupInfo(state, { ratchetTree: true, externalPub: true }) }, NOW);
      } catch (e) {
        const f = classifyDsError(e);
        if (!(f.kind === 'refused' && f.code === 'group_exists')) return this.failedRequest(job, f);
      }
      this.ctx.tx((ch) => {
        store.conversations.setOnServer(conv.id);
        if (conv.status === 'creating') store.conversations.setStatus(conv.id, 'active');
        ch.conversation(conv.id);
      });
    }
    return this.add(job);
  }

  private async add(job: JobRow): Promise<JobOutcome> {
    const { store } = this.ctx;
    const self = this.ctx.self;
    let state = this.activeState(job);
    if (state === undefined) return this.done(job);
    const flushed = await this.flushProposals(job, state);
    if ('outcome' in flushed) return flushed.outcome;
    state = flushed.state;
    const present = memberRows(state);
    const keyPackages: Uint8Array[] = [];
    const devices: DeviceRef[] = [];
    const unknown: string[] = [];
    const unreachable: string[] = [];
    // A new conversation also takes this user's other devices; a later add only the people named.
    const users = job.kind === 'create' ? [...job.userIds, self.userId] : [...job.userIds];
    for (const userId of users) {
      let claimed;
      try {
        claimed = await this.ctx.ds.claimKeyPackages(userId, NOW);
      } catch (e) {
        const f = classifyDsError(e);
        if (f.kind === 'refused' && f.code === 'unknown_user') {
          if (userId !== self.userId) unknown.push(userId);
          continue;
        }
        return this.failedRequest(job, f);
      }
      for (const k of claimed.keyPackages) {
        const device = { userId, deviceId: k.deviceId };
        if (sameDevice(device, self) || present.some((m) => sameDevice(m, device))) continue;
        const why = checkKeyPackage(state, k.keyPackage, device);
        if (why !== undefined) {
          this.ctx.log(`${job.conversationId}: KeyPackage of ${userId}/${k.deviceId} refused: ${why}`);
          continue;
        }
        keyPackages.push(k.keyPackage);
        devices.push(device);
      }
      if (userId !== self.userId && claimed.keyPackages.length === 0 && !present.some((m) => m.userId === userId)) unreachable.push(userId);
    }
    if (keyPackages.length > 0) {
      const out = await runCommit(this.ctx, this.receiver, job, state, { result: commit(state, { add: keyPackages }), welcomeTo: devices, add: devices });
      if (out.kind === 'refused') return this.fail(job, `Could not add ${job.userIds.join(', ')}: ${out.reason}`);
      if (out.kind !== 'merged') return out;
    }
    return this.done(job, (ch) => {
      store.account.addContacts(job.userIds.filter((u) => !unknown.includes(u)), this.ctx.now());
      if (unknown.length > 0) this.note(ch, job, `No user ${unknown.join(', ')} on this server.`);
      if (unreachable.length > 0) this.note(ch, job, `${unreachable.join(', ')} could not be added: no device of theirs is ready to be added.`);
    });
  }

  private async remove(job: JobRow): Promise<JobOutcome> {
    let state = this.activeState(job);
    if (state === undefined) return this.done(job);
    const flushed = await this.flushProposals(job, state);
    if ('outcome' in flushed) return flushed.outcome;
    state = flushed.state;
    const victims = memberRows(state).filter((m) => job.userIds.includes(m.userId) && m.leafIndex !== state.ownLeaf);
    if (victims.length === 0) return this.done(job);
    const out = await runCommit(this.ctx, this.receiver, job, state, {
      result: commit(state, { remove: victims.map((v) => v.leafIndex) }),
      remove: victims.map((v) => ({ userId: v.userId, deviceId: v.deviceId })),
    });
    if (out.kind === 'refused') return this.fail(job, `Could not remove ${job.userIds.join(', ')}: ${out.reason}`);
    return out.kind === 'merged' ? this.done(job) : out;
  }

  private async rename(job: JobRow): Promise<JobOutcome> {
    let state = this.activeState(job);
    if (state === undefined) return this.done(job);
    const flushed = await this.flushProposals(job, state);
    if ('outcome' in flushed) return flushed.outcome;
    state = flushed.state;
    const title = job.title ?? '';
    const extensions = withMetadata(groupContextExtensions(state), { title });
    const current = groupContextExtensions(state).find((x) => x.extensionType === METADATA_EXTENSION_TYPE);
    const next = extensions.find((x) => x.extensionType === METADATA_EXTENSION_TYPE)!;
    if (current !== undefined && Buffer.compare(Buffer.from(current.extensionData), Buffer.from(next.extensionData)) === 0) return this.done(job);
    const out = await runCommit(this.ctx, this.receiver, job, state, { result: commit(state, { extensions }) });
    if (out.kind === 'refused') return this.fail(job, `Could not rename: ${out.reason}`);
    return out.kind === 'merged' ? this.done(job) : out;
  }

  /** Commits what others proposed (a member's self-removal), unless someone already did. */
  private async commitPending(job: JobRow): Promise<JobOutcome> {
    const state = this.activeState(job);
    if (state === undefined || !hasPendingProposals(state) || !committable(state)) return this.done(job);
    const out = await runCommit(this.ctx, this.receiver, job, state, { result: commit(state) });
    if (out.kind === 'refused') return this.fail(job, `Could not apply a pending change: ${out.reason}`);
    return out.kind === 'merged' ? this.done(job) : out;
  }

  // ---- leaving, invitations

  /** RFC 9420 §12.1.3: a member cannot commit its own removal, so it proposes it and another member commits. */
  private async leave(job: JobRow): Promise<JobOutcome> {
    const { store } = this.ctx;
    const conv = store.conversations.get(job.conversationId);
    const state = this.ctx.state(job.conversationId);
    if (conv === undefined || conv.status !== 'leaving' || state === undefined) return this.done(job);
    if (selfRemovals(state).has(state.ownLeaf)) return this.done(job);
    if (memberRows(state).every((m) => m.leafIndex === state.ownLeaf)) {
      // Nobody else is left to commit it: the group ends here.
      return this.done(job, (ch) => {
        store.conversations.setStatus(conv.id, 'left');
        store.conversations.clearMembers(conv.id);
        this.ctx.deleteState(conv.id);
        addSystemLine(this.ctx, ch, conv.id, { type: 'youLeft' });
      });
    }
    return this.propose(job, state, proposeRemove(state, state.ownLeaf));
  }

  private async propose(job: JobRow, state: GroupState, p: { message: Uint8Array; state: GroupState }): Promise<JobOutcome> {
    const { store } = this.ctx;
    const epoch = Number(state.groupContext.epoch);
    this.ctx.tx(() => {
      this.ctx.saveState(job.conversationId, state, p.state);
      store.outbox.markSending(job.id, p.message, epoch);
    });
    try {
      const r = await this.ctx.ds.send(p.message, NOW);
      const sending = store.outbox.get(job.id);
      if (sending !== undefined) this.ctx.tx((ch) => markAccepted(this.ctx, ch, sending, r.seq, epoch));
      return { kind: 'done' };
    } catch (e) {
      const f = classifyDsError(e);
      if (f.kind === 'unknown') return { kind: 'offline' };
      this.ctx.tx(() => {
        // The proposal did not go out: forget it, or our state expects a commit of something nobody saw.
        const now = this.ctx.state(job.conversationId);
        if (now === p.state) this.ctx.saveState(job.conversationId, p.state, state);
        store.outbox.requeue(job.id, this.ctx.now(), f.kind === 'refused' ? `${f.code}: ${f.reason}` : f.kind);
      });
      if (f.kind === 'stale') return { kind: 'stale' };
      if (f.kind === 'refused') return this.done(job);
      return f.kind === 'transient' ? { kind: 'retry', error: f.reason } : { kind: 'offline' };
    }
  }

  private async accept(job: JobRow): Promise<JobOutcome> {
    const { store } = this.ctx;
    const conv = store.conversations.get(job.conversationId);
    if (conv === undefined || conv.status !== 'invited') return this.done(job);
    if (conv.welcomeId !== null) {
      try {
        await this.ctx.ds.ackWelcomes([conv.welcomeId], NOW);
      } catch (e) {
        return this.failedRequest(job, classifyDsError(e));
      }
    }
    this.done(job, (ch) => {
      store.conversations.setStatus(conv.id, 'active');
      store.conversations.setWelcomeId(conv.id, null);
      store.account.addContacts([...new Set(store.conversations.members(conv.id).map((m) => m.userId))].filter((u) => u !== this.ctx.self.userId), this.ctx.now());
      ch.conversation(conv.id);
    });
    await this.catchUp(conv.id);
    return { kind: 'done' };
  }

  /** docs/protocol.md §4.3: decline at the server, then propose our own removal so a member commits it. */
  private async decline(job: JobRow): Promise<JobOutcome> {
    const { store } = this.ctx;
    const conv = store.conversations.get(job.conversationId);
    if (conv === undefined || conv.status !== 'invited') return this.done(job);
    if (conv.welcomeId !== null) {
      try {
        await this.ctx.ds.declineWelcomes([conv.welcomeId], NOW);
      } catch (e) {
        const f = classifyDsError(e);
        if (f.kind !== 'refused') return this.failedRequest(job, f);
      }
      this.ctx.tx(() => store.conversations.setWelcomeId(conv.id, null));
    }
    const state = this.ctx.state(conv.id);
    if (state !== undefined && !selfRemovals(state).has(state.ownLeaf)) {
      try {
        await this.ctx.ds.send(proposeRemove(state, state.ownLeaf).message, NOW);
      } catch (e) {
        // Best effort: the server still shows us as declined, which members also act on.
        const f = classifyDsError(e);
        if (f.kind === 'offline' || f.kind === 'transient') return f.kind === 'offline' ? { kind: 'offline' } : { kind: 'retry', error: f.reason };
      }
    }
    return this.done(job, (ch) => {
      store.conversations.setStatus(conv.id, 'left');
      store.conversations.clearMembers(conv.id);
      store.inbound.removeAll(conv.id);
      this.ctx.deleteState(conv.id);
      addSystemLine(this.ctx, ch, conv.id, { type: 'youLeft' });
      ch.membersChanged(conv.id);
    });
  }

  /** RFC 9420 §12.4.3.2 resync: rejoin by an external commit that replaces our old leaf. Rate-limited. */
  private async resync(job: JobRow): Promise<JobOutcome> {
    const { store } = this.ctx;
    const conv = store.conversations.get(job.conversationId);
    const state = this.ctx.state(job.conversationId);
    if (conv === undefined || state === undefined || (conv.status !== 'active' && conv.status !== 'leaving')) return this.done(job);
    const now = this.ctx.now();
    if (conv.lastResyncAt !== null && now - conv.lastResyncAt < RESYNC_INTERVAL_MS) {
      this.ctx.tx(() => store.outbox.requeue(job.id, conv.lastResyncAt! + RESYNC_INTERVAL_MS, 'rate-limited'));
      return { kind: 'retry', error: 'rate-limited' };
    }
    let info;
    try {
      info = await this.ctx.ds.groupInfo(conv.groupId, NOW);
    } catch (e) {
      return this.failedRequest(job, classifyDsError(e));
    }
    if (info.groupInfo === null || info.epoch === null || info.epoch <= state.groupContext.epoch) return this.done(job);
    let joined;
    try {
      joined = resync(state, info.groupInfo);
    } catch (e) {
      this.ctx.log(`${conv.id}: resync from the server's GroupInfo failed: ${(e as Error).message}`);
      this.ctx.tx(() => store.conversations.setLastResyncAt(conv.id, now));
      return this.done(job);
    }
    this.ctx.tx(() => store.conversations.setLastResyncAt(conv.id, now));
    let resp;
    try {
      resp = await this.ctx.ds.commit({ commit: joined.commit, groupInfo: joined.groupInfo }, NOW);
    } catch (e) {
      const f = classifyDsError(e);
      if (f.kind === 'stale') return { kind: 'stale' };
      return this.failedRequest(job, f);
    }
    this.ctx.log(`${conv.id}: rejoined at epoch ${joined.state.groupContext.epoch} (seq ${resp.seq})`);
    return this.done(job, (ch) => {
      this.ctx.saveFullState(conv.id, joined.state);
      store.conversations.setMembers(conv.id, memberRows(joined.state), resp.seq);
      store.conversations.setTitle(conv.id, titleOf(joined.state));
      store.inbound.removeAll(conv.id);
      store.conversations.setProcessedSeq(conv.id, resp.seq);
      addSystemLine(this.ctx, ch, conv.id, { type: 'rejoined' });
      ch.membersChanged(conv.id);
    });
  }

  // ---- outcomes

  private failedRequest(job: JobRow, f: ReturnType<typeof classifyDsError>): JobOutcome {
    switch (f.kind) {
      case 'stale':
        return { kind: 'stale' };
      case 'transient':
        return { kind: 'retry', error: f.reason, ...(f.retryAfterMs !== undefined ? { notBeforeMs: f.retryAfterMs } : {}) };
      case 'offline':
      case 'unknown':
        return { kind: 'offline' };
      case 'refused':
        return this.fail(job, refusalText(f.code, f.reason));
    }
  }

  private fail(job: JobRow, text: string): JobOutcome {
    this.ctx.log(`${job.conversationId}: ${job.kind} failed: ${text}`);
    return this.done(job, (ch) => this.note(ch, job, text));
  }

  /** A line in the conversation saying what could not be done (only for what the user asked for). */
  private note(ch: Changes, job: JobRow, text: string): void {
    if (job.kind === 'receipt' || job.kind === 'commit') return;
    const now = this.ctx.now();
    const id = this.ctx.store.messages.insert({ conversationId: job.conversationId, kind: 'system', isOwn: false, body: text, sentAt: now, receivedAt: now });
    this.ctx.store.conversations.messageAdded(job.conversationId, id, now, false);
    ch.messageAdded(id, job.conversationId);
  }
}

/** A commit by this member cannot include its own removal (RFC 9420 §12.2). */
function committable(state: GroupState): boolean {
  return !selfRemovals(state).has(state.ownLeaf) && !state.pendingProposals.some((p) => p.proposal.proposalType === 3 && p.proposal.remove.removed === state.ownLeaf);
}

function refusalText(code: string, reason: string): string {
  switch (code) {
    case 'not_member':
      return 'You are not a member of this conversation.';
    case 'too_large':
      return 'The message is too large for the server.';
    default:
      return `The server refused it (${code}: ${reason}).`;
  }
}

