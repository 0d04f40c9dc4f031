// PSK injection (RFC 9420 §8.4): an external PSK that committer and receivers
// both supply enters the key schedule; a member without it cannot process the
// commit (typed error, state unchanged); a member with a wrong value fails the
// confirmation tag. Also as a proposal committed by another member.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { CryptoError, MlsError, ValidationError } from '../../../main/mls/index.js';
import { hex, SUITES, stateBytes, text, World } from './harness.js';

const PSK_ID = text('shared-psk-1');
const PSK = text('0123456789abcdef0123456789abcdef');
const store: mls.ExternalPskStore = (id) => (hex(id) === hex(PSK_ID) ? PSK : undefined);

for (const suite of SUITES) {
  describe(`suite ${suite}: PSK injection`, () => {
    it('an external PSK both sides supply changes the epoch secrets; without it the commit is refused', () => {
      const w = new World(suite);
      const a = w.create('a');
      const [b, c] = [w.client('b'), w.client('c')];
      w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage(), c.keyPackage()]), [b, c]);

      assert.throws(() => mls.commit(a.s, { psks: [PSK_ID] }), ValidationError, 'the committer needs the PSK too');
      const r = mls.commit(a.s, { psks: [PSK_ID], pskStore: store });

      const before = stateBytes(b.s);
      assert.throws(() => mls.processMessage(b.s, r.commit), (e: unknown) => e instanceof ValidationError && /not available/.test(e.message));
      assert.equal(stateBytes(b.s), before);
      const wrong: mls.ExternalPskStore = () => text('not the right secret, not at all');
      assert.throws(() => mls.processMessage(b.s, r.commit, { pskStore: wrong }), (e: unknown) => e instanceof MlsError && (e instanceof CryptoError || e instanceof ValidationError));
      assert.equal(stateBytes(b.s), before);

      w.deliverCommit(a, r, [], { pskStore: store });
      w.everyoneSpeaks('after the PSK');
    });

    it('a PSK proposal by one member, committed by another; a new member gets the PSK through its Welcome', () => {
      const w = new World(suite);
      const a = w.create('a');
      const [b, d] = [w.client('b'), w.client('d')];
      w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage()]), [b]);
      const p = mls.proposeExternalPsk(b.s, PSK_ID);
      b.state = p.state;
      a.state = mls.processMessage(a.s, p.message).state;
      const r = mls.addMembers(a.s, [d.keyPackage()], { pskStore: store });
      w.deliverCommit(a, r, [], { pskStore: store });
      // d needs the PSK to join (it is in the Welcome's GroupSecrets).
      assert.throws(() => d.join(r.welcome!), ValidationError);
      d.join(r.welcome!, { pskStore: store });
      w.assertAgree();
      w.everyoneSpeaks('after');
    });

    it('a resumption PSK of a past epoch of the group; a member that no longer holds it cannot process', () => {
      const w = new World(suite);
      const a = w.create('a');
      const [b, c] = [w.client('b'), w.client('c')];
      w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage(), c.keyPackage()]), [b, c]);
      w.deliverCommit(b, mls.update(b.s));
      w.deliverCommit(c, mls.update(c.s));
      const past = mls.epoch(a.s) - 2n;
      assert.throws(() => mls.commit(a.s, { resumptionPsks: [mls.epoch(a.s) + 5n] }), ValidationError);
      const r = mls.commit(a.s, { resumptionPsks: [past, mls.epoch(a.s)] });
      // A member restored from a state that keeps no resumption PSKs fails, and its state stays as it was.
      const forgetful = mls.deserializeState(mls.serializeState({ ...c.s, resumptionPsks: [] }));
      const before = stateBytes(forgetful);
      assert.throws(() => mls.processMessage(forgetful, r.commit), (e: unknown) => e instanceof ValidationError && /resumption PSK/.test(e.message));
      assert.equal(stateBytes(forgetful), before);
      w.deliverCommit(a, r);
      w.everyoneSpeaks('after the resumption PSK');
    });
  });
}
