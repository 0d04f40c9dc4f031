// A three-member group through its life: creation, two adds by one commit,
// joins from the Welcome, agreement on the epoch authenticator, application
// messages (also late ones of a kept past epoch), Update proposals committed by
// reference, full-path commits, a Remove, and the removed member's view.

import assert from 'node:assert/strict';
import test from 'node:test';
import { createApplicationMessage } from '../../../main/mls/group/application.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { exportSecret } from '../../../main/mls/group/exporter.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { processMessage, type Processed } from '../../../main/mls/group/process-message.js';
import { createProposalMessage, createUpdateProposal, removeProposal } from '../../../main/mls/group/proposal-message.js';
import { members, type GroupState } from '../../../main/mls/group/state.js';
import { groupStateBytes, groupStateFromBytes } from '../../../main/mls/group/state-codec.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { ValidationError } from '../../../main/mls/errors.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import type { CipherSuiteId } from '../../../main/mls/crypto/provider.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

function sameEpoch(states: readonly GroupState[]): void {
  const [first, ...rest] = states;
  for (const s of rest) {
    assert.equal(s.groupContext.epoch, first!.groupContext.epoch);
    assert.deepEqual(s.keys.epochAuthenticator, first!.keys.epochAuthenticator);
    assert.deepEqual(exportSecret(s, 'test', utf8('ctx'), 16), exportSecret(first!, 'test', utf8('ctx'), 16));
  }
}

function expectApp(p: Processed, text: string, sender: number): GroupState {
  assert.equal(p.result.kind, 'application');
  if (p.result.kind !== 'application') throw new Error('unreachable');
  assert.equal(new TextDecoder().decode(p.result.data), text);
  assert.equal(p.result.sender, sender);
  return p.state;
}

for (const [cs, handshake] of [
  [1, WireFormat.mlsPublicMessage],
  [3, WireFormat.mlsPrivateMessage],
] as [CipherSuiteId, typeof WireFormat.mlsPublicMessage | typeof WireFormat.mlsPrivateMessage][]) {
  void test(`three members in suite ${cs} with ${handshake === 1 ? 'PublicMessage' : 'PrivateMessage'} handshakes`, () => {
    const suite = suiteFor(cs);
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((n) => newClient(suite, n)) as [ReturnType<typeof newClient>, ReturnType<typeof newClient>, ReturnType<typeof newClient>];
    let [a, b, c] = groupOf(suite, alice, [bob, carol], { handshakeWireFormat: handshake }) as [GroupState, GroupState, GroupState];
    assert.equal(a.groupContext.epoch, 1n);
    assert.deepEqual(members(a).map((m) => m.index), [0, 1, 2]);
    assert.equal(b.ownLeaf, 1);
    assert.equal(c.ownLeaf, 2);
    sameEpoch([a, b, c]);

    // Application messages both ways, with authenticated data.
    const m1 = createApplicationMessage(a, utf8('hello from alice'), utf8('aad'));
    a = m1.state;
    const pb = processMessage(b, m1.message);
    assert.equal(pb.result.kind === 'application' && new TextDecoder().decode(pb.result.authenticatedData), 'aad');
    b = expectApp(pb, 'hello from alice', 0);
    c = expectApp(processMessage(c, m1.message), 'hello from alice', 0);
    const late = createApplicationMessage(b, utf8('late from bob'));
    b = late.state;

    // Bob proposes an Update; Alice commits it by reference (and adds her own path).
    const up = createUpdateProposal(b);
    const pm = createProposalMessage(b, up.proposal, { update: up });
    b = pm.state;
    const ra = processMessage(a, pm.message);
    assert.equal(ra.result.kind, 'proposal');
    a = ra.state;
    c = processMessage(c, pm.message).state;
    const commit = createCommit(a);
    a = mergePendingCommit(a, commit.pending);
    const rb = processMessage(b, commit.commit);
    assert.deepEqual(rb.result.kind === 'commit' && rb.result.updated, [1]);
    b = rb.state;
    c = processMessage(c, commit.commit).state;
    sameEpoch([a, b, c]);
    assert.deepEqual(b.tree.leaf(b.ownLeaf)!.encryptionKey, up.proposal.proposalType === 2 ? up.proposal.update.leafNode.encryptionKey : undefined);

    // The late message of epoch 1 still decrypts in epoch 2, once.
    c = expectApp(processMessage(c, late.message), 'late from bob', 1);
    assert.throws(() => processMessage(c, late.message), ValidationError);

    // Full-path commits by each member in turn; state survives a storage round trip.
    for (const who of [1, 2, 0]) {
      const states = [a, b, c];
      const committer = states[who]!;
      const cm = createCommit(committer);
      const next = states.map((s, i) => (i === who ? mergePendingCommit(s, cm.pending) : processMessage(s, cm.commit).state));
      [a, b, c] = next.map((s) => groupStateFromBytes(groupStateBytes(s))) as [GroupState, GroupState, GroupState];
      sameEpoch([a, b, c]);
    }

    // Carol removes Bob; Bob learns he was removed; the others agree.
    const rm = createCommit(c, { proposals: [removeProposal(1)] });
    c = mergePendingCommit(c, rm.pending);
    const rbRemoved = processMessage(b, rm.commit);
    assert.equal(rbRemoved.result.kind, 'removed');
    const raRm = processMessage(a, rm.commit);
    assert.deepEqual(raRm.result.kind === 'commit' && raRm.result.removed, [1]);
    a = raRm.state;
    sameEpoch([a, c]);
    assert.deepEqual(members(a).map((m) => m.index), [0, 2]);

    // Bob can read nothing of the new epoch.
    const after = createApplicationMessage(a, utf8('without bob'));
    assert.throws(() => processMessage(b, after.message), ValidationError);
    expectApp(processMessage(c, after.message), 'without bob', 0);
  });
}

void test('past epochs: kept ones decrypt late messages, older ones are refused naming the epoch', () => {
  const suite = suiteFor(1);
  const [alice, bob] = ['alice', 'bob'].map((n) => newClient(suite, n)) as [ReturnType<typeof newClient>, ReturnType<typeof newClient>];
  let [a, b] = groupOf(suite, alice, [bob], { pastEpochsKept: 1 }) as [GroupState, GroupState];
  const e1 = createApplicationMessage(a, utf8('epoch 1'));
  a = e1.state;
  const e1b = createApplicationMessage(a, utf8('epoch 1 again'));
  a = e1b.state;
  for (let i = 0; i < 2; i++) {
    const cm = createCommit(a);
    a = mergePendingCommit(a, cm.pending);
    b = processMessage(b, cm.commit).state;
    if (i === 0) b = expectApp(processMessage(b, e1.message), 'epoch 1', 0);
  }
  // Epoch 1 is now two epochs back while only one is kept.
  assert.throws(() => processMessage(b, e1b.message), (e: unknown) => e instanceof ValidationError && /epoch 1 is too old/.test(e.message));
});

void test('application messages out of order within an epoch; each decrypts once', () => {
  const suite = suiteFor(1);
  const [alice, bob] = ['alice', 'bob'].map((n) => newClient(suite, n)) as [ReturnType<typeof newClient>, ReturnType<typeof newClient>];
  let [a, b] = groupOf(suite, alice, [bob]) as [GroupState, GroupState];
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 5; i++) {
    const m = createApplicationMessage(a, utf8(`m${i}`));
    a = m.state;
    sent.push(m.message);
  }
  for (const i of [4, 0, 2, 1, 3]) b = expectApp(processMessage(b, sent[i]!), `m${i}`, 0);
  for (const m of sent) assert.throws(() => processMessage(b, m), ValidationError);
});
