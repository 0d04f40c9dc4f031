// The public view (main/mls/public/) against the real engine: groups of three
// and more run through the public API (adds, removes, updates, proposals by
// reference, GroupContextExtensions, external joins, resync) while a view
// follows only the GroupInfo and the PublicMessages. After every commit the
// view's epoch, tree hash and whole GroupContext equal every member's, a
// GroupInfo any member publishes checks against it, and it survives its codec.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupContextBytes } from '../../../main/mls/group/group-context.js';
import * as mls from '../../../main/mls/index.js';
import { requiredCapabilitiesExtension } from '../../../main/mls/messages/required-capabilities.js';
import { hex, str, World, type Client } from '../scenarios/harness.js';

const SUITES: readonly mls.CipherSuiteId[] = [1, 2];

/** A World whose delivery service also feeds a public view, and checks it after each step. */
class Watched {
  view: mls.PublicGroup;
  constructor(
    readonly w: World,
    creator: Client,
  ) {
    this.view = mls.publicGroupFromGroupInfo(mls.groupInfo(creator.s));
    this.check();
  }

  feed(message: Uint8Array): mls.PublicProcessResult {
    const r = mls.processPublicMessage(this.view, message);
    this.view = r.group;
    return r;
  }

  commit(committer: Client, result: mls.CommitResult, joiners: readonly Client[] = []): mls.PublicCommitResult {
    const r = this.feed(result.commit);
    assert.equal(r.kind, 'commit');
    this.w.deliverCommit(committer, result, joiners);
    // The GroupInfo the committer publishes with its commit describes the view's epoch.
    mls.checkGroupInfo(this.view, result.groupInfo);
    this.check();
    return r as mls.PublicCommitResult;
  }

  external(joiner: Client, r: mls.ExternalJoinResult): mls.PublicCommitResult {
    const v = this.feed(r.commit);
    assert.equal(v.kind, 'commit');
    for (const m of this.w.members()) {
      if (m === joiner) continue;
      m.state = mls.processMessage(m.s, r.commit).state;
    }
    joiner.state = r.state;
    this.w.assertAgree();
    mls.checkGroupInfo(this.view, r.groupInfo);
    this.check();
    return v as mls.PublicCommitResult;
  }

  /** A member's proposal: the view and every other member record it under the same ref. */
  propose(from: Client, p: mls.ProposalResult): void {
    const v = this.feed(p.message);
    assert.equal(v.kind, 'proposal');
    from.state = p.state;
    for (const m of this.w.members()) {
      if (m === from) continue;
      const r = mls.processMessage(m.s, p.message);
      assert.equal(r.result.kind, 'proposal');
      if (r.result.kind === 'proposal' && v.kind === 'proposal') assert.equal(hex(r.result.ref), hex(v.ref), `${m.name}: same ProposalRef`);
      m.state = r.state;
    }
  }

  check(): void {
    const bytes = mls.publicGroupBytes(this.view);
    assert.equal(hex(mls.publicGroupBytes(mls.publicGroupFromBytes(bytes))), hex(bytes), 'codec round trip');
    for (const m of this.w.members()) {
      assert.equal(mls.publicEpoch(this.view), mls.epoch(m.s), `${m.name}: epoch`);
      assert.equal(hex(mls.publicTreeHash(this.view)), hex(m.s.groupContext.treeHash), `${m.name}: tree hash`);
      assert.equal(hex(groupContextBytes(this.view.groupContext)), hex(groupContextBytes(m.s.groupContext)), `${m.name}: GroupContext`);
      assert.equal(hex(this.view.interimTranscriptHash), hex(m.s.interimTranscriptHash), `${m.name}: interim transcript hash`);
      mls.checkGroupInfo(this.view, mls.groupInfo(m.s));
    }
    assert.deepEqual(
      mls.publicGroupMembers(this.view).map((m) => [m.leafIndex, str(m.identity)]),
      mls.members(this.w.members()[0]!.s).map((m) => [m.leafIndex, str(m.identity)]),
    );
  }
}

const names = (leaves: readonly { leaf: { credential: mls.Credential } }[]): string[] => leaves.map((l) => str(mls.basicCredentialIdentity(l.leaf.credential)!));

for (const suite of SUITES) {
  void describe(`suite ${suite}: the public view follows real groups`, () => {
    void it('adds, updates, proposals by reference, GroupContextExtensions, external join, resync, removes', () => {
      const w = new World(suite);
      const a = w.create('a');
      const v = new Watched(w, a);
      const [b, c, d] = [w.client('b'), w.client('c'), w.client('d')];

      const add = v.commit(a, mls.addMembers(a.s, [b.keyPackage(), c.keyPackage()]), [b, c]);
      assert.deepEqual(names(add.added), ['b', 'c']);
      assert.equal(add.committer, 0);
      assert.deepEqual(add.changed.map((x) => x.index), [0], "the committer's leaf changed with its path");

      // A self-update, then an Update proposal committed by reference by another member.
      v.commit(b, mls.update(b.s));
      v.propose(c, mls.proposeUpdate(c.s));
      const byRef = v.commit(a, mls.update(a.s));
      assert.deepEqual(byRef.changed.map((x) => x.index).sort(), [0, 2]);

      // An Add proposed by one member, committed by another.
      v.propose(b, mls.proposeAdd(b.s, d.keyPackage()));
      const r = mls.update(c.s);
      const viaRef = v.commit(c, r, [d]);
      assert.deepEqual(names(viaRef.added), ['d']);

      // GroupContextExtensions (required_capabilities every leaf meets).
      v.commit(a, mls.commit(a.s, { extensions: [requiredCapabilitiesExtension({ extensionTypes: [], proposalTypes: [], credentialTypes: [1] })] }));

      // A Remove proposal by reference, and a Remove by value.
      v.propose(d, mls.proposeRemove(d.s, b.leaf()));
      const rm = v.commit(a, mls.update(a.s));
      assert.deepEqual(names(rm.removed), ['b']);
      w.clients.get('b')!.state = undefined;

      // An external join from a published GroupInfo.
      const x = w.client('x');
      const ext = v.external(x, mls.joinExternal(mls.groupInfo(a.s), x.identity));
      assert.equal(ext.external, true);
      assert.deepEqual(names(ext.joined === undefined ? [] : [ext.joined]), ['x']);

      // c falls out of step and resyncs: its old leaf goes, a new one with the same credential comes.
      const stale = c.s;
      v.commit(a, mls.update(a.s));
      const resync = v.external(c, mls.resync(stale, mls.groupInfo(a.s)));
      assert.deepEqual(names(resync.removed), ['c']);
      assert.deepEqual(names(resync.joined === undefined ? [] : [resync.joined]), ['c']);

      const out = v.commit(x, mls.removeMembers(x.s, [d.leaf()]));
      assert.deepEqual(names(out.removed), ['d']);
      w.clients.get('d')!.state = undefined;
      v.check();
      assert.deepEqual(mls.publicGroupMembers(v.view).map((m) => str(m.identity)).sort(), ['a', 'c', 'x']);
    });

    void it('follows a group from a GroupInfo without the tree extension, given the tree', () => {
      const w = new World(suite);
      const a = w.create('a');
      w.deliverCommit(a, mls.addMembers(a.s, [w.client('b').keyPackage()]), [w.client('b')]);
      const info = mls.groupInfo(a.s, { ratchetTree: false });
      assert.throws(() => mls.publicGroupFromGroupInfo(info), /no ratchet_tree extension/);
      const view = mls.publicGroupFromGroupInfo(info, { ratchetTree: mls.ratchetTree(a.s) });
      assert.equal(hex(mls.publicTreeHash(view)), hex(a.s.groupContext.treeHash));
    });
  });
}
