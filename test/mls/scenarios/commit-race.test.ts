// Two members commit on the same epoch. The delivery service accepts the first
// to arrive; the loser discards its pending commit, processes the winner and
// redoes its operation on the new epoch. The losing commit is refused by
// everyone who already moved on.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { ValidationError } from '../../../main/mls/index.js';
import { SUITES, World, stateBytes } from './harness.js';

for (const suite of SUITES) {
  describe(`suite ${suite}: commit race`, () => {
    it('only the first commit of an epoch is accepted; the loser recovers and redoes its operation', () => {
      const w = new World(suite);
      const a = w.create('a');
      const names = ['b', 'c', 'd'];
      w.deliverCommit(a, mls.addMembers(a.s, names.map((n) => w.client(n).keyPackage())), names.map((n) => w.client(n)));
      const b = w.client('b');
      const c = w.client('c');
      const d = w.client('d');
      const e = w.client('e');

      // Same epoch: b adds e, c removes d.
      const fromB = mls.addMembers(b.s, [e.keyPackage()]);
      const cBefore = stateBytes(c.s);
      const fromC = mls.removeMembers(c.s, [d.leaf()]);
      assert.equal(stateBytes(c.s), cBefore, 'creating a commit changes nothing');

      // The DS takes b's commit first.
      w.deliverCommit(b, fromB, [e]);
      assert.equal(mls.members(a.s).length, 5);

      // c's pending commit no longer applies: merging it is refused, and nobody accepts it.
      assert.throws(() => mls.mergePendingCommit(c.s, fromC.pending), ValidationError);
      for (const m of [a, b, d, e]) {
        const before = stateBytes(m.s);
        assert.throws(() => mls.processMessage(m.s, fromC.commit), ValidationError, `${m.name} refuses the stale commit`);
        assert.equal(stateBytes(m.s), before);
      }

      // c redoes its operation on the new epoch.
      const redo = mls.removeMembers(c.s, [d.leaf()]);
      w.deliverCommit(c, redo);
      assert.equal(d.state, undefined);
      assert.deepEqual(
        mls.members(a.s).map((m) => new TextDecoder().decode(m.identity)).sort(),
        ['a', 'b', 'c', 'e'],
      );
      w.everyoneSpeaks('after the race');
    });

    it('a lost race with a received proposal: the winner commits it, the loser does not commit it twice', () => {
      const w = new World(suite);
      const a = w.create('a');
      const names = ['b', 'c'];
      w.deliverCommit(a, mls.addMembers(a.s, names.map((n) => w.client(n).keyPackage())), names.map((n) => w.client(n)));
      const [b, c] = [w.client('b'), w.client('c')];
      const f = w.client('f');
      const p = mls.proposeAdd(a.s, f.keyPackage());
      a.state = p.state;
      b.state = mls.processMessage(b.s, p.message).state;
      c.state = mls.processMessage(c.s, p.message).state;
      const fromB = mls.commit(b.s);
      const fromC = mls.commit(c.s);
      w.deliverCommit(c, fromC, [f]);
      assert.throws(() => mls.mergePendingCommit(b.s, fromB.pending), ValidationError);
      const again = mls.update(b.s);
      w.deliverCommit(b, again);
      assert.equal(mls.members(a.s).length, 4);
      w.everyoneSpeaks('after');
    });
  });
}
