// The outbox runner: one serial queue per conversation, in the order things
// were asked for. It waits for the connection (live = logged in and caught up),
// runs the head job under the conversation's lock, and on a transient failure
// retries with capped exponential backoff and jitter. An own message not
// accepted by its deadline fails, with a manual retry.

import { backoffDelay } from '../net/backoff.js';
import type { JobRow } from '../store/outbox-store.js';
import type { CoreContext } from './context.js';
import { settleUnknown } from './commit-runner.js';
import { failMessage } from './delivery.js';
import type { JobRunner } from './jobs.js';

export interface Liveness {
  isLive(): boolean;
  /** Resolves when live (or when stopped). */
  waitLive(): Promise<void>;
  /** Fetches and processes a conversation from its cursor to the server's end (caller holds the lock); false if that could not be done. */
  catchUp(conversationId: string): Promise<boolean>;
}

export class Outbox {
  private readonly loops = new Map<string, Promise<void>>();
  private readonly wakers = new Map<string, () => void>();
  private stopped = false;

  constructor(
    private readonly ctx: CoreContext,
    private readonly runner: JobRunner,
    private readonly live: Liveness,
  ) {}

  /** Makes sure the conversation's queue is being worked on, and wakes it if it sleeps. */
  kick(conversationId: string): void {
    if (this.stopped) return;
    const w = this.wakers.get(conversationId);
    if (w !== undefined) w();
    if (this.loops.has(conversationId)) return;
    const p = this.loop(conversationId).finally(() => this.loops.delete(conversationId));
    this.loops.set(conversationId, p);
  }

  kickAll(): void {
    for (const c of this.ctx.store.outbox.conversationsWithJobs()) this.kick(c);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.wakers.values()) w();
    await Promise.allSettled([...this.loops.values()]);
  }

  /** Sleeps until `at`, a kick, or stop. */
  private sleep(conversationId: string, at: number): Promise<void> {
    const ms = Math.max(0, at - this.ctx.now());
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakers.delete(conversationId);
        resolve();
      };
      const t = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      this.wakers.set(conversationId, done);
    });
  }

  private expire(job: JobRow): boolean {
    if (job.deadlineAt === null || job.deadlineAt > this.ctx.now()) return false;
    this.ctx.tx((ch) => {
      this.ctx.store.outbox.remove(job.id);
      if (job.messageId !== null) failMessage(this.ctx, ch, job.messageId, 'Not sent: no connection to the server in time. Retry to send it.');
    });
    return true;
  }

  private async loop(conversationId: string): Promise<void> {
    const { store } = this.ctx;
    while (!this.stopped) {
      const job = store.outbox.head(conversationId);
      if (job === undefined) return;
      if (job.state === 'queued' && this.expire(job)) continue;
      if (!this.live.isLive()) {
        // Wait for the connection, but not past the job's deadline.
        await Promise.race([this.live.waitLive(), ...(job.deadlineAt !== null ? [this.sleep(conversationId, job.deadlineAt)] : [])]);
        continue;
      }
      if (job.state === 'sending' || store.outbox.pendingCommit(conversationId) !== undefined) {
        // What we sent last may or may not have reached the server: read the group to the end,
        // which settles it (seen: accepted; not seen: it never arrived, so it is made again).
        const settled = await this.ctx.locks.run(conversationId, async () => (await this.live.catchUp(conversationId)) && settleUnknown(this.ctx, conversationId));
        if (!settled) await this.sleep(conversationId, this.ctx.now() + 1000);
        continue;
      }
      if (job.nextAttemptAt > this.ctx.now()) {
        await this.sleep(conversationId, job.nextAttemptAt);
        continue;
      }
      let outcome;
      try {
        outcome = await this.ctx.locks.run(conversationId, () => this.runner.run(job));
      } catch (e) {
        this.ctx.log(`${conversationId}: ${job.kind} job ${job.id} threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        outcome = { kind: 'retry' as const, error: e instanceof Error ? e.message : String(e) };
      }
      switch (outcome.kind) {
        case 'done':
          break;
        case 'retry': {
          // The server's retryAfterMs (rate_limited) is a floor under our own backoff.
          const at = this.ctx.now() + Math.max(outcome.notBeforeMs ?? 0, backoffDelay(job.attempts, { baseMs: this.ctx.options.retryBaseMs, capMs: this.ctx.options.retryCapMs }));
          if (store.outbox.get(job.id) !== undefined) this.ctx.tx(() => store.outbox.bumpAttempt(job.id, at, outcome.error));
          break;
        }
        case 'stale':
          await this.ctx.locks.run(conversationId, () => this.live.catchUp(conversationId));
          break;
        case 'offline':
          if (this.live.isLive()) await this.sleep(conversationId, this.ctx.now() + 1000);
          break;
      }
    }
  }
}
