// A removed member can read nothing sent after its removal: not application
// messages, not proposals, not the next commits, whichever state it kept
// (before or after seeing its removal), and it cannot rejoin by replaying.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { MlsError } from '../../../main/mls/index.js';
import { hex, SUITES, stateBytes, text, World } from './harness.js';

for (const suite of SUITES) {
  describe(`suite ${suite}: a removed member reads nothing`, () => {
    it('refuses every later message with a typed error, its state unchanged', () => {
      const w = new World(suite);
      const a = w.create('a');
      const [b, c] = [w.client('b'), w.client('c')];
      w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage(), c.keyPackage()]), [b, c]);
      const kept = c.s;
      const r = mls.removeMembers(a.s, [c.leaf()]);
      const seen = mls.processMessage(c.s, r.commit);
      assert.equal(seen.result.kind, 'removed');
      assert.equal(stateBytes(seen.state), stateBytes(kept), "'removed' hands back the old state unchanged");
      w.deliverCommit(a, r);
      assert.equal(c.state, undefined);

      const later = [
        mls.encrypt(a.s, text('after c left')).message,
        mls.proposeRemove(b.s, mls.ownLeafIndex(a.s)).message,
        mls.update(b.s).commit,
      ];
      for (const msg of later) {
        const before = stateBytes(kept);
        assert.throws(() => mls.processMessage(kept, msg), MlsError);
        assert.equal(stateBytes(kept), before);
      }
      // Its exporter no longer matches the group's.
      const ctx = text('x');
      assert.notEqual(hex(mls.exportSecret(kept, 'l', ctx, 16)), hex(mls.exportSecret(a.s, 'l', ctx, 16)));
      // Two epochs later, nothing either.
      w.deliverCommit(b, mls.update(b.s));
      assert.throws(() => mls.processMessage(kept, mls.encrypt(a.s, text('still not for c')).message), MlsError);
    });
  });
}
