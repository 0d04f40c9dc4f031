// RFC 9420 §12.4.3.1, joining the group that re-initializes an old one: the
// joiner verifies "that all the members of the old group are also members of the
// new group". That the new group has nobody else is its creator's duty (§12.4.1),
// which createReInitGroup keeps; a joiner follows a creator that added someone.

import assert from 'node:assert/strict';
import test from 'node:test';
import { ArgumentError, ValidationError } from '../../../main/mls/errors.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { createReInitGroup, joinReInitGroup, reinitProposal } from '../../../main/mls/group/reinit.js';
import { createResumedGroup } from '../../../main/mls/group/resumption.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { ResumptionPSKUsage } from '../../../main/mls/schedule/psk.js';
import { groupOf, newClient, suiteFor, type Client } from './helpers.js';

const suite = suiteFor(1);

/** A group of `names` whose first member committed a ReInit (same suite); the members' states after it. */
function closedGroup(names: string[]): { clients: Client[]; states: GroupState[] } {
  const clients = names.map((n) => newClient(suite, n));
  const [a, ...rest] = groupOf(suite, clients[0]!, clients.slice(1));
  const c = createCommit(a!, { proposals: [reinitProposal(a!)] });
  return { clients, states: [mergePendingCommit(a!, c.pending), ...rest.map((s) => processMessage(s, c.commit).state)] };
}

/** A fresh KeyPackage with `c`'s basic credential, for the new group. */
const again = (c: Client): Client => newClient(suite, c.name);

/** The new group made by the old group's first member with `members`, bypassing the creator's own membership check. */
function resumed(old: GroupState, creator: Client, members: Client[]): Uint8Array {
  const ri = old.reinit!;
  const r = createResumedGroup(old, ResumptionPSKUsage.reinit, { suite, groupId: ri.groupId, extensions: ri.extensions }, {
    keyPackage: creator.kp,
    signaturePrivateKey: creator.signaturePrivateKey,
    members: members.map((m) => m.kp.keyPackage),
  });
  return r.welcome!;
}

void test('a ReInit group with every old member and one more is joined; one without an old member is refused', () => {
  const { clients, states } = closedGroup(['alice', 'bob', 'carol']);
  // The members' new KeyPackages carry their old basic credentials (what "the same member" means here).
  const [alice2, bob2, carol2] = clients.map(again) as [Client, Client, Client];
  const extra = newClient(suite, 'eve');
  assert.throws(
    () => createReInitGroup(states[0]!, { keyPackage: alice2.kp, signaturePrivateKey: alice2.signaturePrivateKey, members: [bob2.kp.keyPackage, carol2.kp.keyPackage, extra.kp.keyPackage] }),
    ArgumentError,
    'Arbor as creator keeps the membership the same',
  );
  const bigger = resumed(states[0]!, alice2, [bob2, carol2, extra]);
  const joined = joinReInitGroup(states[1]!, { welcome: bigger, keyPackage: bob2.kp, signaturePrivateKey: bob2.signaturePrivateKey });
  assert.equal(joined.state.tree.memberLeaves().length, 4);
  const smaller = resumed(states[0]!, alice2, [bob2]);
  assert.throws(
    () => joinReInitGroup(states[1]!, { welcome: smaller, keyPackage: bob2.kp, signaturePrivateKey: bob2.signaturePrivateKey }),
    (e: unknown) => e instanceof ValidationError && /a member of the old group is not a member of the new group/.test(e.message),
  );
});
