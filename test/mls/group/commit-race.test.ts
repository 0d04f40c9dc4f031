// Two members commit on the same epoch. The delivery service accepts one: its
// author merges its pending commit, the loser drops its own and processes the
// winner, and everyone ends in the same epoch; the losing commit is then refused.

import assert from 'node:assert/strict';
import test from 'node:test';
import { createApplicationMessage } from '../../../main/mls/group/application.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { removeProposal } from '../../../main/mls/group/proposal-message.js';
import { groupStateBytes } from '../../../main/mls/group/state-codec.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { ValidationError } from '../../../main/mls/errors.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

void test('commit race: one commit wins, the other member discards its pending commit and follows', () => {
  const suite = suiteFor(1);
  const clients = ['alice', 'bob', 'carol'].map((n) => newClient(suite, n));
  let [a, b, c] = groupOf(suite, clients[0]!, clients.slice(1)) as [GroupState, GroupState, GroupState];
  const bBefore = groupStateBytes(b);

  const fromA = createCommit(a);
  const fromB = createCommit(b, { proposals: [removeProposal(2)] });
  // Creating a commit changes nothing.
  assert.deepEqual(groupStateBytes(b), bBefore);

  // The server accepts Alice's commit.
  a = mergePendingCommit(a, fromA.pending);
  b = processMessage(b, fromA.commit).state; // Bob drops fromB.pending
  c = processMessage(c, fromA.commit).state;
  assert.equal(b.groupContext.epoch, 2n);
  assert.deepEqual(a.keys.epochAuthenticator, b.keys.epochAuthenticator);
  assert.deepEqual(c.keys.epochAuthenticator, b.keys.epochAuthenticator);

  // Bob's stale commit is refused by everyone and cannot be merged into the new epoch.
  const cBytes = groupStateBytes(c);
  assert.throws(() => processMessage(c, fromB.commit), (e: unknown) => e instanceof ValidationError && /epoch 1 is past/.test(e.message));
  assert.deepEqual(groupStateBytes(c), cBytes);
  assert.throws(() => mergePendingCommit(b, fromB.pending), ValidationError);

  // Bob redoes his operation on the new epoch; it goes through.
  const retry = createCommit(b, { proposals: [removeProposal(2)] });
  b = mergePendingCommit(b, retry.pending);
  a = processMessage(a, retry.commit).state;
  assert.equal(processMessage(c, retry.commit).result.kind, 'removed');
  assert.deepEqual(a.keys.epochAuthenticator, b.keys.epochAuthenticator);
  const msg = createApplicationMessage(b, utf8('after the race'));
  const got = processMessage(a, msg.message);
  assert.equal(got.result.kind === 'application' && new TextDecoder().decode(got.result.data), 'after the race');
});
