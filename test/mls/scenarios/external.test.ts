// External commits (RFC 9420 §12.4.3.2): a new client joins from a GroupInfo
// with external_pub; a member that lost its state resyncs, replacing its old
// leaf; an external join can inject a PSK. Every member processes the commit
// and reads the newcomer's messages.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { ArgumentError, MlsError, ValidationError } from '../../../main/mls/index.js';
import { hex, SUITES, stateBytes, str, text, World, type Client } from './harness.js';

function deliverExternal(w: World, joiner: Client, r: mls.ExternalJoinResult, opts: mls.ProcessOptions = {}): void {
  for (const m of w.members()) {
    if (m === joiner) continue;
    const p = mls.processMessage(m.s, r.commit, opts);
    assert.equal(p.result.kind, 'commit', `${m.name} processes the external commit`);
    if (p.result.kind === 'commit') {
      assert.equal(p.result.committer, mls.ownLeafIndex(r.state));
      assert.ok(p.result.added.includes(mls.ownLeafIndex(r.state)), 'the joiner is reported as added');
    }
    m.state = p.state;
  }
  joiner.state = r.state;
  w.assertAgree();
}

function group(suite: mls.CipherSuiteId): World {
  const w = new World(suite);
  const a = w.create('a');
  const names = ['b', 'c'];
  w.deliverCommit(a, mls.addMembers(a.s, names.map((n) => w.client(n).keyPackage())), names.map((n) => w.client(n)));
  return w;
}

for (const suite of SUITES) {
  describe(`suite ${suite}: external commits`, () => {
    it('a new client joins from a published GroupInfo', () => {
      const w = group(suite);
      const a = w.client('a');
      const x = w.client('x');
      const info = mls.groupInfo(a.s);
      const r = mls.joinExternal(info, x.identity);
      assert.equal(mls.epoch(r.state), mls.epoch(a.s) + 1n);
      deliverExternal(w, x, r);
      assert.deepEqual(mls.members(a.s).map((m) => str(m.identity)), ['a', 'b', 'c', 'x']);
      w.everyoneSpeaks('with x');
      // The GroupInfo of the external commit lets the next client in.
      const y = w.client('y');
      deliverExternal(w, y, mls.joinExternal(r.groupInfo, y.identity));
      w.everyoneSpeaks('with y');
      // And the group goes on with ordinary commits by the newcomers.
      w.deliverCommit(y, mls.removeMembers(y.s, [w.client('b').leaf()]));
      w.everyoneSpeaks('without b');
    });

    it('a member that lost its state resyncs, replacing its old leaf', () => {
      const w = group(suite);
      const [a, b] = [w.client('a'), w.client('b')];
      const stale = b.s;
      w.deliverCommit(a, mls.update(a.s));
      // b lost the last commit: it cannot read the new epoch.
      const m = mls.encrypt(a.s, text('b cannot read this'));
      assert.throws(() => mls.processMessage(stale, m.message), MlsError);
      a.state = m.state;
      for (const o of w.members()) if (o !== a && o !== b) o.state = mls.processMessage(o.s, m.message).state;

      const oldLeaf = b.leaf();
      const r = mls.resync(stale, mls.groupInfo(a.s));
      b.state = undefined; // b's old state is gone
      const seen = mls.processMessage(w.client('c').s, r.commit).result;
      assert.ok(seen.kind === 'commit' && seen.removed.some((l) => l === oldLeaf), 'the old leaf is reported removed');
      deliverExternal(w, b, r);
      assert.equal(mls.members(a.s).length, 3, 'the old leaf was removed');
      assert.equal(mls.members(a.s).filter((x) => str(x.identity) === 'b').length, 1);
      assert.equal(b.leaf(), oldLeaf, 'the freed slot is the leftmost');
      w.everyoneSpeaks('after the resync');
    });

    it('an external join injecting a PSK', () => {
      const w = group(suite);
      const a = w.client('a');
      const x = w.client('x');
      const id = text('psk for x');
      const secret = text('a secret only members and x know');
      const store: mls.ExternalPskStore = (q) => (hex(q) === hex(id) ? secret : undefined);
      const r = mls.joinExternal(mls.groupInfo(a.s), x.identity, { psks: [id], pskStore: store });
      const before = stateBytes(a.s);
      assert.throws(() => mls.processMessage(a.s, r.commit), ValidationError);
      assert.equal(stateBytes(a.s), before);
      deliverExternal(w, x, r, { pskStore: store });
      w.everyoneSpeaks('with x');
    });

    it('refuses a GroupInfo without external_pub, and a stale external commit', () => {
      const w = group(suite);
      const a = w.client('a');
      const x = w.client('x');
      assert.throws(() => mls.joinExternal(mls.groupInfo(a.s, { externalPub: false }), x.identity), (e: unknown) => e instanceof ValidationError && /external_pub/.test(e.message));
      // A member joining again with its own signature key must resync instead.
      assert.throws(() => mls.joinExternal(mls.groupInfo(a.s), w.client('b').identity), (e: unknown) => e instanceof ArgumentError && /resync/.test(e.message));
      const r = mls.joinExternal(mls.groupInfo(a.s), x.identity);
      w.deliverCommit(a, mls.update(a.s));
      const b = w.client('b');
      const before = stateBytes(b.s);
      assert.throws(() => mls.processMessage(b.s, r.commit), ValidationError);
      assert.equal(stateBytes(b.s), before);
    });
  });
}
