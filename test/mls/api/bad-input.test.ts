// Bad input through the public API: each is a typed error, and the receiver's
// encoded state is byte-for-byte what it was before. Tampered messages are
// built by an insider who knows the epoch's membership key (so the check under
// test is the one that fails, not an earlier one).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { CryptoError, DecodeError, ValidationError } from '../../../main/mls/index.js';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { signContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { computeMembershipTag } from '../../../main/mls/framing/membership-tag.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import type { PublicMessage } from '../../../main/mls/framing/public-message.js';
import { SenderType, type Sender } from '../../../main/mls/framing/sender.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { ProposalType, type Proposal } from '../../../main/mls/messages/proposal.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { SUITES, World, stateBytes, text } from '../scenarios/harness.js';

type ErrorClass = new (...args: never[]) => Error;

/** Processing `msg` throws `cls` (and, if given, a message matching `re`) and leaves the state's bytes unchanged. */
function rejects(state: mls.GroupState, msg: Uint8Array, cls: ErrorClass, re?: RegExp): void {
  const before = stateBytes(state);
  assert.throws(
    () => mls.processMessage(state, msg),
    (e: unknown) => {
      assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
      if (re !== undefined) assert.match((e as Error).message, re);
      return true;
    },
  );
  assert.equal(stateBytes(state), before, 'state unchanged');
}

function publicOf(bytes: Uint8Array): PublicMessage {
  const m = parseMLSMessage(bytes);
  assert.equal(m.wireFormat, WireFormat.mlsPublicMessage);
  if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('unreachable');
  return m.publicMessage;
}

/** Re-encodes a PublicMessage, with a membership tag recomputed under `s`'s membership key (an insider's forgery). */
function reframe(s: mls.GroupState, pm: PublicMessage, retag = true): Uint8Array {
  const suite = getProvider().getSuite(s.cipherSuite);
  const ac = { wireFormat: WireFormat.mlsPublicMessage, content: pm.content, auth: pm.auth } as const;
  const membershipTag =
    pm.content.sender.senderType !== SenderType.member ? undefined : retag ? computeMembershipTag(suite, s.keys.membershipKey, ac, s.groupContext) : pm.membershipTag;
  const out: PublicMessage = { content: pm.content, auth: pm.auth, ...(membershipTag !== undefined ? { membershipTag } : {}) };
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: out });
}

function flip(b: Uint8Array, i = 0): Uint8Array {
  const c = b.slice();
  c[i] = c[i]! ^ 0x01;
  return c;
}

/** A proposal message signed with `signatureKey` as `sender`, MACed with the epoch's real membership key. */
function forgedProposal(s: mls.GroupState, sender: Sender, proposal: Proposal, signatureKey: Uint8Array): Uint8Array {
  const suite = getProvider().getSuite(s.cipherSuite);
  const ac = signContent(
    suite,
    signatureKey,
    WireFormat.mlsPublicMessage,
    { groupId: s.groupContext.groupId, epoch: s.groupContext.epoch, sender, authenticatedData: new Uint8Array(0), contentType: ContentType.proposal, proposal },
    s.groupContext,
  );
  return reframe(s, { content: ac.content, auth: ac.auth });
}

function threeMembers(suite: mls.CipherSuiteId): World {
  const w = new World(suite);
  const a = w.create('a');
  const [b, c] = [w.client('b'), w.client('c')];
  w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage(), c.keyPackage()]), [b, c]);
  return w;
}

for (const suite of SUITES) {
  describe(`suite ${suite}: bad input is a typed error and changes nothing`, () => {
    it('a commit with a wrong confirmation tag', () => {
      const w = threeMembers(suite);
      const [a, b] = [w.client('a'), w.client('b')];
      const pm = publicOf(mls.update(a.s).commit);
      const bad = reframe(b.s, { ...pm, auth: { ...pm.auth, confirmationTag: flip(pm.auth.confirmationTag!) } });
      rejects(b.s, bad, ValidationError, /confirmation_tag/);
    });

    it('a commit with a wrong membership tag', () => {
      const w = threeMembers(suite);
      const [a, b] = [w.client('a'), w.client('b')];
      const pm = publicOf(mls.update(a.s).commit);
      const bad = reframe(b.s, { ...pm, membershipTag: flip(pm.membershipTag!) }, false);
      rejects(b.s, bad, ValidationError, /membership_tag/);
    });

    it('a commit and a proposal with a bad signature', () => {
      const w = threeMembers(suite);
      const [a, b] = [w.client('a'), w.client('b')];
      const pm = publicOf(mls.update(a.s).commit);
      rejects(b.s, reframe(b.s, { ...pm, auth: { ...pm.auth, signature: flip(pm.auth.signature, 5) } }), CryptoError, /signature/);
      const pp = publicOf(mls.proposeRemove(a.s, 2).message);
      rejects(b.s, reframe(b.s, { ...pp, auth: { ...pp.auth, signature: flip(pp.auth.signature, 9) } }), CryptoError, /signature/);
      // Signed by a key that is not the sender's.
      const stranger = mls.generateSignatureKeyPair(suite);
      rejects(b.s, forgedProposal(b.s, { senderType: SenderType.member, leafIndex: leafIndex(0) }, { proposalType: ProposalType.remove, remove: { removed: 2 } }, stranger.privateKey), CryptoError);
    });

    it('a proposal from a non-member', () => {
      const w = threeMembers(suite);
      const b = w.client('b');
      const stranger = mls.generateSignatureKeyPair(suite);
      const remove: Proposal = { proposalType: ProposalType.remove, remove: { removed: 0 } };
      // A leaf index outside the tree, and a blank leaf (after a removal).
      rejects(b.s, forgedProposal(b.s, { senderType: SenderType.member, leafIndex: leafIndex(9) }, remove, stranger.privateKey), ValidationError, /not a member/);
      w.deliverCommit(w.client('a'), mls.removeMembers(w.client('a').s, [w.client('c').leaf()]));
      rejects(b.s, forgedProposal(b.s, { senderType: SenderType.member, leafIndex: leafIndex(2) }, remove, stranger.privateKey), ValidationError, /not a member/);
      // An external sender, but the group has no external_senders extension.
      rejects(b.s, forgedProposal(b.s, { senderType: SenderType.external, senderIndex: 0 }, remove, stranger.privateKey), ValidationError, /external/);
      // A would-be new member may only propose adding itself.
      rejects(b.s, forgedProposal(b.s, { senderType: SenderType.newMemberProposal }, remove, stranger.privateKey), ValidationError);
    });

    it('a replayed application message, proposal and commit', () => {
      const w = threeMembers(suite);
      const [a, b] = [w.client('a'), w.client('b')];
      const m = mls.encrypt(a.s, text('once'));
      a.state = m.state;
      b.state = mls.processMessage(b.s, m.message).state;
      rejects(b.s, m.message, ValidationError, /generation/);
      const p = mls.proposeRemove(a.s, 2);
      a.state = p.state;
      b.state = mls.processMessage(b.s, p.message).state;
      w.client('c').state = mls.processMessage(w.client('c').s, p.message).state;
      rejects(b.s, p.message, ValidationError, /replay/);
      const c = mls.commit(a.s);
      w.deliverCommit(a, c);
      rejects(b.s, c.commit, ValidationError, /epoch/);
    });

    it('a message from a future epoch and from a deleted epoch', () => {
      const w = threeMembers(suite);
      const [a, b, c] = [w.client('a'), w.client('b'), w.client('c')];
      const oldC = c.s;
      const u = mls.update(a.s);
      a.state = mls.mergePendingCommit(a.s, u.pending);
      b.state = mls.processMessage(b.s, u.commit).state;
      // c has not seen the commit yet: b's next messages are from c's future.
      const m = mls.encrypt(b.s, text('from the future'));
      rejects(oldC, m.message, ValidationError, /future/);
      rejects(oldC, mls.proposeRemove(b.s, 0).message, ValidationError, /future/);
      // Three epochs later, a message from epoch 1 is from a deleted epoch.
      c.state = mls.processMessage(c.s, u.commit).state;
      const early = mls.encrypt(oldC, text('late'));
      for (let i = 0; i < 3; i++) w.deliverCommit(a, mls.update(a.s));
      rejects(b.s, early.message, ValidationError, /too old|deleted/);
    });

    it('a message for another group', () => {
      const w = threeMembers(suite);
      const other = threeMembers(suite);
      const m = mls.encrypt(other.client('a').s, text('elsewhere'));
      rejects(w.client('b').s, m.message, ValidationError, /group_id/);
      rejects(w.client('b').s, mls.update(other.client('a').s).commit, ValidationError, /group_id/);
    });

    it('a Welcome for someone else', () => {
      const w = threeMembers(suite);
      const a = w.client('a');
      const d = w.client('d');
      const e = w.client('e');
      e.keyPackage();
      const r = mls.addMembers(a.s, [d.keyPackage()]);
      const eBundle = [...e.bundles.values()][0]!;
      assert.throws(() => mls.joinFromWelcome(r.welcome!, eBundle, e.identity), (x: unknown) => x instanceof ValidationError && /someone else/.test(x.message));
      // A member handed a Welcome as a group message: refused, state unchanged.
      rejects(w.client('b').s, r.welcome!, ValidationError, /Welcome/);
    });

    it('truncated and overlong messages', () => {
      const w = threeMembers(suite);
      const [a, b] = [w.client('a'), w.client('b')];
      const msgs = [mls.update(a.s).commit, mls.encrypt(a.s, text('hello')).message, mls.proposeRemove(a.s, 2).message];
      for (const msg of msgs) {
        for (const n of [0, 1, 3, 4, 5, msg.length >> 1, msg.length - 1]) rejects(b.s, msg.subarray(0, n), DecodeError);
        const longer = new Uint8Array(msg.length + 1);
        longer.set(msg);
        rejects(b.s, longer, DecodeError);
      }
      // A truncated Welcome, GroupInfo and stored state too.
      const r = mls.addMembers(a.s, [w.client('d').keyPackage()]);
      assert.throws(() => w.client('d').join(r.welcome!.subarray(0, r.welcome!.length - 2)), DecodeError);
      assert.throws(() => mls.joinExternal(r.groupInfo.subarray(0, 40), w.client('x').identity), DecodeError);
      const stored = mls.serializeState(b.s);
      assert.throws(() => mls.deserializeState(stored.subarray(0, stored.length - 1)), DecodeError);
    });
  });
}
