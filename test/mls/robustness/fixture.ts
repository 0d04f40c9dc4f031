// A 3-member group in cipher suite 1 built through the group layer's public
// functions, with the Welcome that added the two joiners kept for fuzzing.

import type { CipherSuite, CipherSuiteId } from '../../../main/mls/crypto/provider.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { createCommit, createGroup, joinFromWelcome, mergePendingCommit, addProposal, type GroupState } from '../../../main/mls/group/index.js';

// The same group members as the group tests use, under this suite's names.
import { newClient as member, suiteFor as suiteOf, type Client as Member } from '../group/helpers.js';
export { member, suiteOf, type Member };

export interface Trio {
  readonly suite: CipherSuite;
  readonly members: readonly [Member, Member, Member];
  /** States at epoch 1, after alice added bob and carol by one commit. */
  readonly alice: GroupState;
  readonly bob: GroupState;
  readonly carol: GroupState;
  /** MLSMessage(Welcome) of that commit: one EncryptedGroupSecrets each for bob and carol. */
  readonly welcome: Uint8Array;
}

export function trio(id: CipherSuiteId = 1): Trio {
  const suite = suiteOf(id);
  const members = [member(suite, 'alice'), member(suite, 'bob'), member(suite, 'carol')] as const;
  const [a, b, c] = members;
  const s0 = createGroup({ suite, keyPackage: a.kp, signaturePrivateKey: a.signaturePrivateKey, groupId: utf8('robustness') });
  const add = createCommit(s0, { proposals: [addProposal(b.kp.keyPackage), addProposal(c.kp.keyPackage)] });
  const alice = mergePendingCommit(s0, add.pending);
  const welcome = add.welcome;
  if (welcome === undefined) throw new Error('fixture: the add commit made no Welcome');
  const join = (m: Member): GroupState => joinFromWelcome({ welcome, keyPackage: m.kp, signaturePrivateKey: m.signaturePrivateKey }).state;
  return { suite, members, alice, bob: join(b), carol: join(c), welcome };
}
