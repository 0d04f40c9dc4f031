// A member leaves by proposing its own removal; another member commits it by
// reference. RFC 9420 §12.2 makes a commit's list invalid only if "It contains
// a Remove proposal that removes the committer"; §12.1.3 lets a Remove name any
// non-blank leaf. The engine needed no change for this.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { ValidationError } from '../../../main/mls/index.js';
import { SUITES, stateBytes, World } from './harness.js';

for (const suite of SUITES) {
  for (const wire of ['PublicMessage', 'PrivateMessage'] as const) {
    void describe(`suite ${suite}, handshakes as ${wire}: leaving a group`, () => {
      void it('carol proposes her removal, bob commits it, alice and carol process it', () => {
        const w = new World(suite);
        const config = { handshakeWireFormat: wire === 'PublicMessage' ? 1 : 2 } as const;
        const alice = w.create('alice', { config });
        const [bob, carol] = [w.client('bob'), w.client('carol')];
        w.deliverCommit(alice, mls.addMembers(alice.s, [bob.keyPackage(), carol.keyPackage()]), [bob, carol], {});
        const carolLeaf = mls.ownLeafIndex(carol.s);

        const p = mls.proposeRemove(carol.s, mls.ownLeafIndex(carol.s));
        carol.state = p.state;
        for (const m of [alice, bob]) {
          const r = mls.processMessage(m.s, p.message);
          assert.equal(r.result.kind, 'proposal');
          m.state = r.state;
        }
        // carol cannot commit her own removal; she waits for someone else's commit.
        assert.throws(() => mls.removeMembers(carol.s, [carolLeaf]), ValidationError);
        const leaving = stateBytes(carol.s);

        const c = mls.commit(bob.s);
        bob.state = mls.mergePendingCommit(bob.s, c.pending);
        const ra = mls.processMessage(alice.s, c.commit);
        assert.equal(ra.result.kind, 'commit');
        assert.ok(ra.result.kind === 'commit' && ra.result.removed.includes(carolLeaf) && ra.result.committer === mls.ownLeafIndex(bob.s));
        alice.state = ra.state;
        const rc = mls.processMessage(carol.s, c.commit);
        assert.deepEqual(rc.result, { kind: 'removed', epoch: 2n, committer: mls.ownLeafIndex(bob.s) });
        if (wire === 'PublicMessage') assert.equal(stateBytes(rc.state), leaving, 'the leaver keeps its old epoch');
        // A state in parts needs no new core for the leaver: at most the handshake ratchet step.
        assert.equal(mls.stateDelta(carol.s, rc.state).core, undefined);
        carol.state = undefined;

        w.assertAgree();
        assert.deepEqual(mls.members(alice.s).map((m) => m.leafIndex), [0, 1]);
        w.everyoneSpeaks('after carol left');
      });
    });
  }
}
