// Updates by every member: a full-path commit by each member in turn, and an
// Update proposal by each member committed by another. Each changes the
// member's leaf key and the epoch; everyone agrees and reads everyone.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { hex, SUITES, World } from './harness.js';

function leafKey(s: mls.GroupState, leaf: number): string {
  // The member's leaf encryption key is not in the public API; the state holds it.
  return hex(s.tree.leaf(leaf as never)!.encryptionKey);
}

for (const suite of SUITES) {
  describe(`suite ${suite}: updates`, () => {
    it('every member commits an update (full path)', () => {
      const w = new World(suite);
      const a = w.create('a');
      const names = ['b', 'c', 'd', 'e'];
      w.deliverCommit(a, mls.addMembers(a.s, names.map((n) => w.client(n).keyPackage())), names.map((n) => w.client(n)));
      for (const m of w.members()) {
        const before = leafKey(a.s, m.leaf());
        const auth = hex(mls.epochAuthenticator(a.s));
        const r = mls.update(m.s);
        assert.equal(mls.epoch(m.s), mls.epoch(a.s), 'commit() changes nothing');
        w.deliverCommit(m, r);
        assert.notEqual(leafKey(a.s, m.leaf()), before, `${m.name}'s leaf key changed`);
        assert.notEqual(hex(mls.epochAuthenticator(a.s)), auth);
        w.everyoneSpeaks(`after ${m.name}'s update`);
      }
      assert.equal(mls.epoch(a.s), 6n);
    });

    it('every member proposes an Update that another member commits', () => {
      const w = new World(suite);
      const a = w.create('a');
      const names = ['b', 'c', 'd'];
      w.deliverCommit(a, mls.addMembers(a.s, names.map((n) => w.client(n).keyPackage())), names.map((n) => w.client(n)));
      const ms = w.members();
      ms.forEach((m, i) => {
        const committer = ms[(i + 1) % ms.length]!;
        const before = leafKey(a.s, m.leaf());
        const p = mls.proposeUpdate(m.s);
        m.state = p.state;
        for (const o of ms) {
          if (o === m) continue;
          const r = mls.processMessage(o.s, p.message);
          assert.equal(r.result.kind, 'proposal');
          o.state = r.state;
        }
        const c = mls.commit(committer.s);
        w.deliverCommit(committer, c);
        assert.notEqual(leafKey(a.s, m.leaf()), before, `${m.name}'s proposed leaf is in the tree`);
        w.everyoneSpeaks(`after ${m.name}'s proposed update`);
        // The proposer can still commit afterwards: it holds the private key of its new leaf.
        w.deliverCommit(m, mls.update(m.s));
      });
    });
  });
}
