// A Welcome (RFC 9420 §12.4.3.1) makes a new conversation. It is processed at
// once into a group state, and shown as an invitation from whoever added us —
// accepted without asking when that person is already a contact. The server is
// told (welcome.ack) only on acceptance, which is what starts delivery to us.

import { joinFromWelcomeWithInfo, welcomeKeyPackageRefs, type GroupState } from '../mls/index.js';
import type { DsWelcome } from '../net/protocol-types.js';
import { conversationIdOf } from '../store/conversation-store.js';
import type { CoreContext } from './context.js';
import { leafDevice, memberRows, titleOf } from './group-facts.js';
import { addSystemLine } from './system-lines.js';

export type WelcomeOutcome = { readonly kind: 'joined'; readonly conversationId: string; readonly autoAccept: boolean } | { readonly kind: 'dropped'; readonly why: string } | { readonly kind: 'known' };

export function handleWelcome(ctx: CoreContext, w: DsWelcome): WelcomeOutcome {
  const { store } = ctx;
  let refs: Uint8Array[];
  try {
    refs = welcomeKeyPackageRefs(w.welcome);
  } catch (e) {
    return { kind: 'dropped', why: `not a Welcome: ${(e as Error).message}` };
  }
  const kp = refs.map((r) => store.account.keyPackage(r)).find((k) => k !== undefined);
  const existing = store.conversations.byGroupId(w.groupId);
  if (kp === undefined) {
    // Already used (a Welcome we processed before a crash), or not for us.
    if (existing !== undefined && existing.welcomeId === null && existing.status === 'invited') store.conversations.setWelcomeId(existing.id, w.id);
    return existing !== undefined && (existing.status === 'invited' || existing.status === 'active') ? { kind: 'known' } : { kind: 'dropped', why: 'no KeyPackage of ours matches it' };
  }
  if (existing !== undefined && existing.status !== 'left' && existing.status !== 'removed') return { kind: 'known' };
  let state: GroupState;
  let addedBy: number;
  try {
    const j = joinFromWelcomeWithInfo(w.welcome, { keyPackage: kp.keyPackage, ref: kp.ref, initPrivateKey: kp.initPrivateKey, encryptionPrivateKey: kp.encryptionPrivateKey }, ctx.identity());
    state = j.state;
    addedBy = j.addedBy;
  } catch (e) {
    return { kind: 'dropped', why: `cannot join: ${(e as Error).name}: ${(e as Error).message}` };
  }
  if (Buffer.compare(Buffer.from(state.groupContext.groupId), Buffer.from(w.groupId)) !== 0) return { kind: 'dropped', why: 'the server named another group than the Welcome holds' };
  const id = conversationIdOf(w.groupId);
  const inviter = leafDevice(state, addedBy)?.userId ?? 'someone';
  const autoAccept = inviter === ctx.self.userId || store.account.isContact(inviter);
  const now = ctx.now();
  ctx.tx((ch) => {
    const fields = { id, title: titleOf(state), status: 'invited' as const, invitedBy: inviter, now, welcomeId: w.id };
    if (existing === undefined) store.conversations.insert({ ...fields, groupId: w.groupId, onServer: true });
    else {
      store.conversations.restart(fields);
      store.inbound.removeAll(id);
    }
    ctx.saveFullState(id, state);
    store.conversations.setMembers(id, memberRows(state));
    store.account.consumeKeyPackage(kp.ref);
    addSystemLine(ctx, ch, id, { type: 'invited', by: inviter });
    ch.membersChanged(id);
    if (autoAccept) store.outbox.add({ conversationId: id, kind: 'accept', now });
  });
  return { kind: 'joined', conversationId: id, autoAccept };
}
