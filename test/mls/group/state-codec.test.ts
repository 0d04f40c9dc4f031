// The stored form of a GroupState: exact round trip, and strict decoding.

import assert from 'node:assert/strict';
import test from 'node:test';
import { createApplicationMessage } from '../../../main/mls/group/application.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { createProposalMessage, createUpdateProposal } from '../../../main/mls/group/proposal-message.js';
import { groupStateBytes, groupStateFromBytes } from '../../../main/mls/group/state-codec.js';
import { pendingCommitBytes, pendingCommitFromBytes } from '../../../main/mls/group/pending-commit-codec.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { DecodeError } from '../../../main/mls/errors.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

function richState(): GroupState {
  const suite = suiteFor(1);
  const clients = ['alice', 'bob', 'carol'].map((n) => newClient(suite, n));
  let [a] = groupOf(suite, clients[0]!, clients.slice(1)) as [GroupState];
  a = createApplicationMessage(a, utf8('x')).state;
  a = mergePendingCommit(a, createCommit(a).pending); // past epochs and resumption PSKs
  const up = createUpdateProposal(a);
  return createProposalMessage(a, up.proposal, { update: up }).state; // a pending proposal and an own update
}

void test('a state with history, pending proposals and own updates round-trips exactly', () => {
  const s = richState();
  assert.deepEqual(s.pastEpochs.map((p) => p.groupContext.epoch), [1n, 0n]);
  assert.equal(s.pendingProposals.length, 1);
  assert.equal(s.ownUpdates.length, 1);
  const bytes = groupStateBytes(s);
  const back = groupStateFromBytes(bytes);
  assert.deepEqual(groupStateBytes(back), bytes);
  assert.deepEqual(back.keys, s.keys);
  assert.deepEqual(back.groupContext, s.groupContext);
  assert.equal(back.tree.nLeaves, s.tree.nLeaves);
  assert.deepEqual(back.tree.treeHash(suiteFor(1)), s.tree.treeHash(suiteFor(1)));
  assert.deepEqual([...back.privateKeys.keys.entries()].sort(), [...s.privateKeys.keys.entries()].sort());
});

void test('stored state decoding is strict: version, truncation, trailing bytes, bad fields', () => {
  const bytes = groupStateBytes(richState());
  const bad = (b: Uint8Array, re: RegExp): void => {
    assert.throws(() => groupStateFromBytes(b), (e: unknown) => e instanceof DecodeError && re.test(e.message));
  };
  const v3 = bytes.slice();
  v3[1] = 3;
  bad(v3, /GroupState\.format: unknown group state format 3/);
  bad(bytes.subarray(0, bytes.length - 1), /GroupState/);
  bad(bytes.subarray(0, 100), /GroupState/);
  const trailing = new Uint8Array(bytes.length + 1);
  trailing.set(bytes);
  bad(trailing, /GroupState/);
  const suite = bytes.slice();
  suite[3] = 9;
  bad(suite, /cipher_suite: unsupported cipher suite 9/);
});

void test('format 1 (before the checkHpkeKeys policy) still loads, with the policy at its default', () => {
  const s = richState();
  const off = groupStateBytes({ ...s, config: { ...s.config, checkHpkeKeys: false } });
  assert.equal(groupStateFromBytes(off).config.checkHpkeKeys, false);
  // Format 1 is format 2 without the config's last byte.
  const v1 = off.slice(0, off.length - 1);
  v1[1] = 1;
  const back = groupStateFromBytes(v1);
  assert.equal(back.config.checkHpkeKeys, true);
  assert.deepEqual(groupStateBytes(back), groupStateBytes(s));
});

void test('a pending commit round-trips and still merges after a restart', () => {
  const s = richState();
  const c = createCommit(s);
  const bytes = pendingCommitBytes(c.pending);
  const back = pendingCommitFromBytes(bytes);
  assert.deepEqual(pendingCommitBytes(back), bytes);
  const merged = mergePendingCommit(groupStateFromBytes(groupStateBytes(s)), back);
  assert.deepEqual(groupStateBytes(merged), groupStateBytes(c.pending.state));
  assert.throws(() => pendingCommitFromBytes(bytes.subarray(0, bytes.length - 2)), DecodeError);
});
