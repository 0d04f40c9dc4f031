// The public view refuses forged and invalid handshake messages, each with a
// typed error naming the rule, and stays exactly what it was: a valid commit
// still applies afterwards. Forgeries that keep a valid signature are made by
// re-signing tampered content with the committer's own key (what a malicious
// member could do); the view catches what it can check without secrets.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import type { FramedContent } from '../../../main/mls/framing/framed-content.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import * as mls from '../../../main/mls/index.js';
import { CryptoError, DecodeError, ValidationError } from '../../../main/mls/index.js';
import { ProposalOrRefType } from '../../../main/mls/messages/proposal-or-ref.js';
import { ProposalType } from '../../../main/mls/messages/proposal.js';
import { hex, World } from '../scenarios/harness.js';

const suite = getProvider().getSuite(1);

/** A view and three members at epoch 1. */
function setup() {
  const w = new World(1);
  const a = w.create('a');
  let view = mls.publicGroupFromGroupInfo(mls.groupInfo(a.s));
  const [b, c] = [w.client('b'), w.client('c')];
  const add = mls.addMembers(a.s, [b.keyPackage(), c.keyPackage()]);
  view = mls.processPublicMessage(view, add.commit).group;
  w.deliverCommit(a, add, [b, c]);
  return { w, a, b, c, view };
}

/** Re-encodes a PublicMessage commit with tampered content, re-signed by `signer` (membership tag kept: the view cannot check it). */
function resign(bytes: Uint8Array, state: Pick<mls.GroupState, 'signaturePrivateKey' | 'groupContext'>, tamper: (c: FramedContent) => FramedContent): Uint8Array {
  const m = parseMLSMessage(bytes);
  assert.equal(m.wireFormat, WireFormat.mlsPublicMessage);
  if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('unreachable');
  const content = tamper(m.publicMessage.content);
  const signature = signFramedContent(suite, state.signaturePrivateKey, WireFormat.mlsPublicMessage, content, state.groupContext);
  return mlsMessageBytes({ ...m, publicMessage: { ...m.publicMessage, content, auth: { ...m.publicMessage.auth, signature } } });
}

function contentOf(bytes: Uint8Array): FramedContent {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('not a PublicMessage');
  return m.publicMessage.content;
}

function commitOf(c: FramedContent) {
  assert.equal(c.contentType, ContentType.commit);
  if (c.contentType !== ContentType.commit) throw new Error('unreachable');
  return c.commit;
}

function refused(view: mls.PublicGroup, message: Uint8Array, type: new (...a: never[]) => Error, pattern: RegExp): void {
  const before = hex(mls.publicGroupBytes(view));
  assert.throws(() => mls.processPublicMessage(view, message), (e: unknown) => e instanceof type && pattern.test((e as Error).message));
  assert.equal(hex(mls.publicGroupBytes(view)), before, 'the view is unchanged');
}

void it('refuses forged signatures, replays, other epochs, blank senders and junk, then still takes a valid commit', () => {
  const { a, b, view } = setup();
  const good = mls.update(b.s);
  // The tail is signature (64), confirmation_tag (32), membership_tag (32), each with a length byte.
  const flipped = new Uint8Array(good.commit);
  flipped[flipped.length - 70]! ^= 1;
  refused(view, flipped, CryptoError, /signature does not verify/);
  // A flipped membership tag or confirmation tag is what the view cannot see (public-group.ts says so).
  for (const at of [2, 40]) {
    const t = new Uint8Array(good.commit);
    t[t.length - at]! ^= 1;
    assert.equal(mls.processPublicMessage(view, t).kind, 'commit');
    assert.throws(() => mls.processMessage(a.s, t), 'a member does see it');
  }
  // The commit that made epoch 1, again.
  const old = mls.update(a.s);
  const next = mls.processPublicMessage(view, old.commit).group;
  refused(next, old.commit, ValidationError, /epoch 1 is not the current epoch 2/);
  // A sender leaf that is blank.
  refused(
    view,
    resign(good.commit, b.s, (c) => ({ ...c, sender: { senderType: 1, leafIndex: 7 as mls.PublicLeaf['index'] } })),
    ValidationError,
    /sender leaf 7 is not a member/,
  );
  // Junk after a valid header and truncated bytes.
  refused(view, new Uint8Array([...good.commit.subarray(0, 30), 1, 2, 3]), DecodeError, /MLSMessage/);
  refused(view, good.commit.subarray(0, good.commit.length - 1), DecodeError, /MLSMessage/);
  // The view is intact: the valid commit applies.
  assert.equal(mls.publicEpoch(mls.processPublicMessage(view, good.commit).group), 2n);
});

void it('refuses PrivateMessage handshakes and commits that refer to proposals it never saw', () => {
  const w = new World(1);
  const a = w.create('a', { config: { handshakeWireFormat: WireFormat.mlsPrivateMessage } });
  const view = mls.publicGroupFromGroupInfo(mls.groupInfo(a.s));
  const b = w.client('b');
  const add = mls.addMembers(a.s, [b.keyPackage()]);
  refused(view, add.commit, ValidationError, /PrivateMessage cannot be followed/);
  // A PublicMessage commit that covers a PrivateMessage proposal by reference.
  const w2 = new World(1);
  const x = w2.create('x');
  let v2 = mls.publicGroupFromGroupInfo(mls.groupInfo(x.s));
  const y = w2.client('y');
  const addY = mls.addMembers(x.s, [y.keyPackage()]);
  v2 = mls.processPublicMessage(v2, addY.commit).group;
  w2.deliverCommit(x, addY, [y]);
  const privateY = { ...y.s, config: { ...y.s.config, handshakeWireFormat: WireFormat.mlsPrivateMessage } } as mls.GroupState;
  const p = mls.proposeUpdate(privateY);
  refused(v2, p.message, ValidationError, /PrivateMessage/);
  x.state = mls.processMessage(x.s, p.message).state;
  refused(v2, mls.update(x.s).commit, ValidationError, /unknown proposal reference/);
});

void it('refuses tampered commits a malicious member re-signs: path secret counts, parent hash, self-removal', () => {
  const { b, c, view } = setup();
  const good = mls.update(b.s);
  // One encrypted path secret dropped: some member could not decrypt the new path.
  refused(
    view,
    resign(good.commit, b.s, (ct) => {
      const commit = commitOf(ct);
      const path = commit.path!;
      const nodes = path.nodes.map((n, i) => (i === path.nodes.length - 1 ? { ...n, encryptedPathSecret: n.encryptedPathSecret.slice(1) } : n));
      return { ...ct, commit: { ...commit, path: { ...path, nodes } } } as FramedContent;
    }),
    ValidationError,
    /encrypted path secrets/,
  );
  // A path node key swapped for another usable key: the leaf's parent hash no longer matches.
  const other = mls.update(c.s);
  refused(
    view,
    resign(good.commit, b.s, (ct) => {
      const commit = commitOf(ct);
      const path = commit.path!;
      const otherKey = commitOf(contentOf(other.commit)).path!.nodes[0]!.encryptionKey;
      const nodes = path.nodes.map((n, i) => (i === 0 ? { ...n, encryptionKey: otherKey } : n));
      return { ...ct, commit: { ...commit, path: { ...path, nodes } } } as FramedContent;
    }),
    ValidationError,
    /parent_hash|parent hash/,
  );
  // The committer removing itself by value.
  refused(
    view,
    resign(good.commit, b.s, (ct) => {
      const commit = commitOf(ct);
      const rm = { type: ProposalOrRefType.proposal, proposal: { proposalType: ProposalType.remove, remove: { removed: mls.ownLeafIndex(b.s) } } };
      return { ...ct, commit: { ...commit, proposals: [...commit.proposals, rm] } } as FramedContent;
    }),
    ValidationError,
    /may not remove itself/,
  );
  // An outsider's external commit that also removes a member (§12.4.3.2 allows only the joiner's own old leaf).
  const x = mls.createIdentity(1, 'x');
  const join = mls.joinExternal(mls.groupInfo(b.s), x);
  refused(
    view,
    resign(join.commit, { signaturePrivateKey: x.signaturePrivateKey, groupContext: view.groupContext }, (ct) => {
      const commit = commitOf(ct);
      const rm = { type: ProposalOrRefType.proposal, proposal: { proposalType: ProposalType.remove, remove: { removed: mls.ownLeafIndex(c.s) } } };
      return { ...ct, commit: { ...commit, proposals: [...commit.proposals, rm] } } as FramedContent;
    }),
    ValidationError,
    /whose credential is not the joiner's/,
  );
  assert.equal(mls.processPublicMessage(view, join.commit).kind, 'commit', 'the honest external commit applies');
});

void it('refuses forged and replayed proposals, and GroupInfos of another epoch or signer', () => {
  const { a, b, view } = setup();
  const p = mls.proposeUpdate(b.s);
  const forged = new Uint8Array(p.message);
  forged[forged.length - 40]! ^= 1;
  refused(view, forged, Error, /signature|does not verify|encryption|key/);
  const once = mls.processPublicMessage(view, p.message);
  refused(once.group, p.message, ValidationError, /replay/);

  const info = mls.groupInfo(a.s);
  mls.checkGroupInfo(view, info);
  const next = mls.processPublicMessage(view, mls.update(a.s).commit).group;
  assert.throws(() => mls.checkGroupInfo(next, info), (e: unknown) => e instanceof ValidationError && /epoch 1, the group is at epoch 2/.test(e.message));
  const bad = new Uint8Array(info);
  bad[bad.length - 1]! ^= 1;
  assert.throws(() => mls.checkGroupInfo(view, bad), (e: unknown) => e instanceof CryptoError && /signature/.test(e.message));
});

void it('the storage codec is strict: trailing bytes, another format, a truncated state', () => {
  const { view } = setup();
  const bytes = mls.publicGroupBytes(view);
  assert.throws(() => mls.publicGroupFromBytes(new Uint8Array([...bytes, 0])), (e: unknown) => e instanceof DecodeError && /trailing/.test((e as Error).message));
  const other = new Uint8Array(bytes);
  other[1] = 9;
  assert.throws(() => mls.publicGroupFromBytes(other), (e: unknown) => e instanceof DecodeError && /unknown public group format 9/.test((e as Error).message));
  assert.throws(() => mls.publicGroupFromBytes(bytes.subarray(0, bytes.length - 3)), DecodeError);
});
