// Welcome helpers: which KeyPackages a Welcome is for (without trial
// decryption), and who added us.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { DecodeError, ValidationError } from '../../../main/mls/index.js';
import { hex, World } from '../scenarios/harness.js';

void describe('Welcome helpers', () => {
  void it('lists the KeyPackageRefs a Welcome is for, so a client picks its KeyPackage among many', () => {
    const w = new World(1);
    const a = w.create('a');
    const [bob, carol] = [mls.createIdentity(1, 'bob'), mls.createIdentity(1, 'carol')];
    const bobKps = mls.makeKeyPackages(bob, 20);
    const carolKp = mls.createKeyPackage(carol);
    const r = mls.addMembers(a.s, [bobKps[13]!.keyPackage, carolKp.keyPackage]);
    const refs = mls.welcomeKeyPackageRefs(r.welcome!).map(hex);
    assert.deepEqual(refs, [hex(bobKps[13]!.ref), hex(carolKp.ref)]);
    const mine = bobKps.filter((k) => refs.includes(hex(k.ref)));
    assert.equal(mine.length, 1);
    a.state = mls.mergePendingCommit(a.s, r.pending);
    assert.equal(mls.epoch(mls.joinFromWelcome(r.welcome!, mine[0]!, bob)), 1n);
    assert.throws(() => mls.welcomeKeyPackageRefs(r.commit), ValidationError, 'not a Welcome');
    assert.throws(() => mls.welcomeKeyPackageRefs(r.welcome!.subarray(0, 20)), DecodeError);
  });

  void it('joinFromWelcomeWithInfo names the member that added us', () => {
    const w = new World(3);
    const a = w.create('a');
    const b = w.client('b');
    w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage()]), [b]);
    const carol = mls.createIdentity(3, 'carol');
    const kp = mls.createKeyPackage(carol);
    const r = mls.addMembers(b.s, [kp.keyPackage]);
    w.deliverCommit(b, r);
    const j = mls.joinFromWelcomeWithInfo(r.welcome!, kp, carol);
    assert.equal(j.addedBy, b.leaf());
    assert.equal(j.addedBy, 1);
    assert.equal(hex(mls.serializeState(j.state)).length > 0, true);
    assert.equal(hex(mls.epochAuthenticator(j.state)), hex(mls.epochAuthenticator(b.s)));
  });
});
