// ReInit to another cipher suite (RFC 9420 §11.2) and subgroup branching
// (§11.3), both linked to the old group by a resumption PSK.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { ArgumentError, ValidationError } from '../../../main/mls/index.js';
import { Client, hex, SUITES, stateBytes, str, text, World } from './harness.js';

const OTHER: Record<number, mls.CipherSuiteId> = { 1: 3, 2: 1, 3: 1 };

for (const suite of SUITES) {
  describe(`suite ${suite}: ReInit and branch`, () => {
    it(`re-initializes the group in suite ${OTHER[suite]}`, () => {
      const w = new World(suite);
      const a = w.create('a');
      const names = ['b', 'c', 'd'];
      w.deliverCommit(a, mls.addMembers(a.s, names.map((n) => w.client(n).keyPackage())), names.map((n) => w.client(n)));
      const b = w.client('b');
      const newSuite = OTHER[suite]!;

      // b proposes the ReInit, a commits it: the old group is then closed.
      const p = mls.proposeReInit(b.s, { cipherSuite: newSuite });
      b.state = p.state;
      for (const m of w.members()) if (m !== b) m.state = mls.processMessage(m.s, p.message).state;
      w.deliverCommit(a, mls.commit(a.s));
      for (const m of w.members()) assert.equal(mls.pendingReInitSuite(m.s), newSuite);
      assert.throws(() => mls.update(a.s), ArgumentError, 'no commits after a ReInit');
      assert.throws(() => mls.encrypt(a.s, text('x')), ValidationError, 'no messages after a ReInit');
      const oldId = hex(mls.groupId(a.s));

      // c creates the new group in the new suite with everyone's new KeyPackages.
      const nw = new World(newSuite);
      const fresh = new Map<string, Client>();
      for (const m of w.members()) fresh.set(m.name, nw.client(m.name));
      const c = w.client('c');
      const kps = [...fresh.values()].filter((x) => x.name !== 'c').map((x) => x.keyPackage());
      const created = mls.reinitGroup(c.s, fresh.get('c')!.identity, kps);
      fresh.get('c')!.state = created.state;
      for (const [name, nc] of fresh) {
        if (name === 'c') continue;
        const old = w.client(name).s;
        const bundle = [...nc.bundles.values()][0]!;
        nc.state = mls.joinReInit(old, created.welcome!, bundle, nc.identity);
      }
      nw.assertAgree();
      const s0 = fresh.get('a')!.s;
      assert.equal(mls.cipherSuite(s0), newSuite);
      assert.equal(mls.epoch(s0), 1n);
      assert.notEqual(hex(mls.groupId(s0)), oldId);
      assert.equal(mls.members(s0).length, 4);
      nw.everyoneSpeaks('in the new group');

      // A joiner without the old group's state (hence without the resumption PSK) cannot join.
      const e = nw.client('b');
      const bundle = [...e.bundles.values()][0]!;
      assert.throws(() => mls.joinFromWelcome(created.welcome!, bundle, e.identity), ValidationError);
    });

    it('a Welcome that does not match the ReInit is refused', () => {
      const w = new World(suite);
      const a = w.create('a');
      const b = w.client('b');
      w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage()]), [b]);
      w.deliverCommit(a, mls.commit(a.s, { reinit: { cipherSuite: suite } }));
      // a branches instead of re-initializing: b must refuse it as a ReInit.
      const nb = new World(suite).client('b');
      nb.identity = b.identity;
      const kp = nb.keyPackage();
      const branch = mls.branchGroup(a.s, a.identity, [kp]);
      assert.throws(
        () => mls.joinReInit(b.s, branch.welcome!, [...nb.bundles.values()][0]!, b.identity),
        (e: unknown) => e instanceof ValidationError && /usage reinit/.test(e.message),
      );
    });

    it('branches a subgroup with a resumption PSK', () => {
      const w = new World(suite);
      const a = w.create('a');
      const names = ['b', 'c', 'd'];
      w.deliverCommit(a, mls.addMembers(a.s, names.map((n) => w.client(n).keyPackage())), names.map((n) => w.client(n)));
      w.deliverCommit(w.client('b'), mls.update(w.client('b').s));
      const [b, c] = [w.client('b'), w.client('c')];
      const oldBefore = stateBytes(a.s);
      const sub = new World(suite);
      const sb = sub.client('b');
      sb.identity = b.identity;
      const sc = sub.client('c');
      sc.identity = c.identity;
      const sa = sub.client('a');
      sa.identity = a.identity;
      const created = mls.branchGroup(a.s, a.identity, [sb.keyPackage(), sc.keyPackage()]);
      assert.equal(stateBytes(a.s), oldBefore, 'the old group is untouched');
      sa.state = created.state;
      sb.state = mls.joinBranch(b.s, created.welcome!, [...sb.bundles.values()][0]!, b.identity);
      sc.state = mls.joinBranch(c.s, created.welcome!, [...sc.bundles.values()][0]!, c.identity);
      sub.assertAgree();
      assert.deepEqual(mls.members(sa.s).map((m) => str(m.identity)).sort(), ['a', 'b', 'c']);
      sub.everyoneSpeaks('in the subgroup');
      // The old group goes on.
      w.everyoneSpeaks('in the old group');

      // A stranger cannot be branched in.
      const x = new World(suite).client('x');
      assert.throws(() => mls.branchGroup(a.s, a.identity, [x.keyPackage()]), ArgumentError);
    });
  });
}
