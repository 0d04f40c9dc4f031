// The example at the top of main/mls/index.ts, as written there, plus the
// state round trip through storage.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  addMembers,
  createGroup,
  createIdentity,
  createKeyPackage,
  deserializeState,
  encrypt,
  epoch,
  joinFromWelcome,
  members,
  mergePendingCommit,
  processMessage,
  serializeState,
} from '../../../main/mls/index.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

void it('the public API example works as documented', () => {
  const alice = createIdentity(1, 'alice');
  const bob = createIdentity(1, 'bob');
  let a = createGroup(alice);
  const kp = createKeyPackage(bob);
  const c = addMembers(a, [kp.keyPackage]); // send c.commit; once the server accepts it:
  a = mergePendingCommit(a, c.pending);
  let b = joinFromWelcome(c.welcome!, kp, bob);
  const m = encrypt(a, utf8('hi'));
  a = m.state;
  const r = processMessage(b, m.message);
  b = r.state;
  assert.equal(r.result.kind, 'application');
  if (r.result.kind === 'application') assert.equal(new TextDecoder().decode(r.result.data), 'hi');
  assert.equal(epoch(a), 1n);
  assert.deepEqual(members(b).map((x) => new TextDecoder().decode(x.identity)), ['alice', 'bob']);
  // Storage round trip: the restored state goes on reading.
  const stored = deserializeState(serializeState(b));
  assert.deepEqual(serializeState(stored), serializeState(b));
  const m2 = encrypt(a, utf8('again'));
  assert.equal(processMessage(stored, m2.message).result.kind, 'application');
});
