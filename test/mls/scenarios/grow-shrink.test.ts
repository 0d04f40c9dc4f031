// A group grows to 10 members through commits by different members and shrinks
// back to 2; after every epoch every member sends a message every other member
// reads, and every removed member can read nothing sent after its removal.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { MlsError } from '../../../main/mls/index.js';
import { SUITES, World, type Client } from './harness.js';

for (const suite of SUITES) {
  describe(`suite ${suite}: grow to 10 and shrink`, () => {
    it('every member reads every later message; removed members read nothing', () => {
      const w = new World(suite);
      const alice = w.create('alice');
      const c = (n: string): Client => w.client(n);
      const grow: [string, string[]][] = [
        ['alice', ['bob', 'carol', 'dave']],
        ['bob', ['erin', 'frank']],
        ['erin', ['grace']],
        ['grace', ['heidi', 'ivan', 'judy']],
      ];
      for (const [by, names] of grow) {
        const r = mls.addMembers(c(by).s, names.map((n) => c(n).keyPackage()));
        w.deliverCommit(c(by), r, names.map(c));
        w.everyoneSpeaks(`after ${by} added ${names.join(',')}`);
      }
      assert.equal(mls.members(alice.s).length, 10);
      assert.equal(mls.epoch(alice.s), 4n);

      const shrink: [string, string[]][] = [
        ['alice', ['judy']],
        ['carol', ['bob', 'dave']],
        ['ivan', ['alice', 'erin', 'frank']],
        ['grace', ['heidi', 'ivan']],
      ];
      const removedStates: { who: string; state: mls.GroupState }[] = [];
      for (const [by, names] of shrink) {
        const leaves = names.map((n) => c(n).leaf());
        for (const n of names) removedStates.push({ who: n, state: c(n).s });
        const r = mls.removeMembers(c(by).s, leaves);
        // The removed members see their removal, then keep nothing.
        for (const n of names) assert.equal(mls.processMessage(c(n).s, r.commit).result.kind, 'removed');
        w.deliverCommit(c(by), r);
        for (const n of names) assert.equal(c(n).state, undefined);
        w.everyoneSpeaks(`after ${by} removed ${names.join(',')}`);
        // Every later message is unreadable with any state a removed member kept.
        const probe = mls.encrypt(c(by).s, new TextEncoder().encode('secret'));
        c(by).state = probe.state;
        for (const { who, state } of removedStates) {
          assert.throws(() => mls.processMessage(state, probe.message), MlsError, `${who} must not read`);
        }
        // Re-deliver the probe to the remaining members so their ratchets stay in step.
        for (const m of w.members()) if (m !== c(by)) m.state = mls.processMessage(m.s, probe.message).state;
      }
      assert.deepEqual(
        w.members().map((m) => m.name).sort(),
        ['carol', 'grace'],
      );
      assert.equal(mls.members(c('carol').s).length, 2);
    });
  });
}
