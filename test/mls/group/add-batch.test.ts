// An Add list's KeyPackage signatures are verified in one batch (on several
// threads once there are 32 Adds or more, main/mls/group/proposal-validation.ts):
// a bad one among many is refused with the error a check at a time gives,
// naming its proposal, and the group state is unchanged.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as mls from '../../../main/mls/index.js';

test('a commit adding 40 members, one with a bad KeyPackage signature: refused, naming that Add', () => {
  const creator = mls.createIdentity(1, 'creator');
  const group = mls.createGroup(creator);
  const before = mls.serializeState(group);
  const kps = Array.from({ length: 40 }, (_, i) => mls.createKeyPackage(mls.createIdentity(1, `member ${i}`)).keyPackage);
  const bad = kps.map((k, i) => {
    if (i !== 33) return k;
    const c = k.slice();
    c[c.length - 1]! ^= 1; // the last byte of the KeyPackage's signature
    return c;
  });
  assert.throws(
    () => mls.addMembers(group, bad),
    (e: unknown) => e instanceof mls.ValidationError && /proposals\[33\].*KeyPackage: signature does not verify$/.test(e.message),
  );
  assert.deepEqual(mls.serializeState(group), before, 'state unchanged');
  // The same Adds, all good, go through.
  const c = mls.addMembers(group, kps);
  assert.equal(mls.members(mls.mergePendingCommit(group, c.pending)).length, 41);
});
