// Application messages out of order within an epoch, and late ones from past
// epochs: readable within the default two past epochs, after which their
// secrets are deleted and reading them is a typed error that changes nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { MlsError, ValidationError } from '../../../main/mls/index.js';
import { SUITES, World, stateBytes, str, text } from './harness.js';

for (const suite of SUITES) {
  describe(`suite ${suite}: late and out-of-order messages`, () => {
    it('reads messages of one epoch in any order, each once', () => {
      const w = new World(suite);
      const a = w.create('a');
      const b = w.client('b');
      w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage()]), [b]);
      const sent: Uint8Array[] = [];
      for (let i = 0; i < 6; i++) {
        const m = mls.encrypt(a.s, text(`m${i}`));
        a.state = m.state;
        sent.push(m.message);
      }
      for (const i of [5, 0, 3, 1, 4, 2]) {
        const r = mls.processMessage(b.s, sent[i]!);
        assert.equal(r.result.kind, 'application');
        if (r.result.kind === 'application') assert.equal(str(r.result.data), `m${i}`);
        b.state = r.state;
      }
      // Each only once: a second delivery is refused and changes nothing.
      const before = stateBytes(b.s);
      assert.throws(() => mls.processMessage(b.s, sent[3]!), MlsError);
      assert.equal(stateBytes(b.s), before);
    });

    it('reads late messages of the two previous epochs; older ones are a typed error', () => {
      const w = new World(suite);
      const a = w.create('a');
      const b = w.client('b');
      const c = w.client('c');
      w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage(), c.keyPackage()]), [b, c]);
      // c sends one message in each of epochs 1..4; b reads none of them until epoch 4.
      const late: { epoch: bigint; message: Uint8Array }[] = [];
      let cAtEpoch3: mls.GroupState | undefined;
      for (let i = 0; i < 3; i++) {
        if (mls.epoch(c.s) === 3n) cAtEpoch3 = c.s;
        const m = mls.encrypt(c.s, text(`from epoch ${mls.epoch(c.s)}`));
        c.state = m.state;
        late.push({ epoch: mls.epoch(c.s), message: m.message });
        w.deliverCommit(a, mls.update(a.s));
      }
      assert.equal(mls.epoch(b.s), 4n);
      // Epochs 3 and 2 are kept (2 past epochs by default), epoch 1 is gone.
      for (const { epoch, message } of late.slice(1).reverse()) {
        const r = mls.processMessage(b.s, message);
        assert.equal(r.result.kind, 'application');
        if (r.result.kind === 'application') {
          assert.equal(str(r.result.data), `from epoch ${epoch}`);
          assert.equal(r.result.epoch, epoch);
        }
        b.state = r.state;
      }
      const before = stateBytes(b.s);
      assert.throws(() => mls.processMessage(b.s, late[0]!.message), (e: unknown) => e instanceof ValidationError && /too old/.test(e.message));
      assert.equal(stateBytes(b.s), before);
      // A handshake message of a kept past epoch is refused (only application data is read late).
      const stale = mls.update(cAtEpoch3!);
      assert.throws(() => mls.processMessage(b.s, stale.commit), ValidationError);
      assert.equal(stateBytes(b.s), before);
    });
  });
}
