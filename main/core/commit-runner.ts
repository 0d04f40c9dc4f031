// One own commit, from creation to merge. The commit is stored as pending
// (with the job that wants it) before it leaves, merged only when the server
// accepted it, and dropped when another commit won the epoch; a commit whose
// fate is unknown (the connection dropped) is settled by the next catch-up:
// found in the server's sequence → merged; otherwise → dropped and re-planned.
// An old commit is never resent.

import { mergePendingCommit, serializePendingCommit, type CommitResult, type GroupState } from '../mls/index.js';
import type { DeviceRef } from '../net/protocol-types.js';
import type { JobRow } from '../store/outbox-store.js';
import type { CoreContext } from './context.js';
import { noteOwnSeq } from './delivery.js';
import { classifyDsError, type JobOutcome } from './job-result.js';
import type { Receiver } from './receive.js';

export interface CommitPlan {
  readonly result: CommitResult;
  readonly welcomeTo?: readonly DeviceRef[];
  readonly add?: readonly DeviceRef[];
  readonly remove?: readonly DeviceRef[];
}

export type CommitOutcome = JobOutcome | { readonly kind: 'merged'; readonly state: GroupState } | { readonly kind: 'refused'; readonly reason: string };

export async function runCommit(ctx: CoreContext, receiver: Receiver, job: JobRow, state: GroupState, plan: CommitPlan): Promise<CommitOutcome> {
  const id = job.conversationId;
  const epoch = Number(state.groupContext.epoch);
  ctx.tx(() =>
    ctx.store.outbox.setPendingCommit(
      { conversationId: id, jobId: job.id, epoch, commitMessage: plan.result.commit, pending: serializePendingCommit(plan.result.pending) },
      ctx.now(),
    ),
  );
  let resp;
  try {
    resp = await ctx.ds.commit({
      commit: plan.result.commit,
      groupInfo: plan.result.groupInfo,
      ...(plan.result.welcome !== undefined && (plan.welcomeTo?.length ?? 0) > 0 ? { welcomes: [{ welcome: plan.result.welcome, to: plan.welcomeTo! }] } : {}),
      ...(plan.add !== undefined && plan.add.length > 0 ? { add: plan.add } : {}),
      ...(plan.remove !== undefined && plan.remove.length > 0 ? { remove: plan.remove } : {}),
    }, { waitForConnection: false });
  } catch (e) {
    const f = classifyDsError(e);
    if (f.kind === 'unknown') return { kind: 'offline' };
    ctx.tx(() => ctx.store.outbox.clearPendingCommit(id));
    switch (f.kind) {
      case 'stale':
        return { kind: 'stale' };
      case 'transient':
        return { kind: 'retry', error: f.reason };
      case 'offline':
        return { kind: 'offline' };
      case 'refused':
        return { kind: 'refused', reason: `${f.code}: ${f.reason}` };
    }
  }
  const next = ctx.tx((ch) => {
    const current = ctx.state(id) ?? state;
    const merged = mergePendingCommit(current, plan.result.pending);
    ctx.saveState(id, current, merged);
    ctx.store.outbox.clearPendingCommit(id);
    receiver.commitApplied(id, current, merged, merged.ownLeaf, ch, resp.seq);
    noteOwnSeq(ctx, id, resp.seq);
    return merged;
  });
  return { kind: 'merged', state: next };
}

/** After a complete catch-up: a pending commit or a message still not seen in the server's sequence never arrived there. */
export function settleUnknown(ctx: CoreContext, conversationId: string): true {
  const { store } = ctx;
  ctx.tx(() => {
    const pc = store.outbox.pendingCommit(conversationId);
    if (pc !== undefined) {
      store.outbox.clearPendingCommit(conversationId);
      store.outbox.requeue(pc.jobId, ctx.now(), 'the commit did not reach the server');
    }
    for (const job of store.outbox.sendingWith(conversationId)) store.outbox.requeue(job.id, ctx.now(), 'the message did not reach the server');
  });
  return true;
}
