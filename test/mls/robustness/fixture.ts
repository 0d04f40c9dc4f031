// A 3-member group in cipher suite 1 built through the group layer's public
// functions, with the Welcome that added the two joiners kept for fuzzing.

import { getProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite, CipherSuiteId } from '../../../main/mls/crypto/provider.js';
import { createCommit, createGroup, joinFromWelcome, mergePendingCommit, addProposal, type GroupState } from '../../../main/mls/group/index.js';
import { createKeyPackage, type KeyPackageWithSecrets } from '../../../main/mls/messages/key-package-create.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { utf8 } from '../../../main/mls/util/bytes.js';

export interface Member {
  readonly name: string;
  readonly signaturePrivateKey: Uint8Array;
  readonly kp: KeyPackageWithSecrets;
}

export function suiteOf(id: CipherSuiteId = 1): CipherSuite {
  return getProvider().getSuite(id);
}

export function member(suite: CipherSuite, name: string): Member {
  const sig = suite.signature.generateKeyPair();
  const kp = createKeyPackage(suite, {
    credential: basicCredential(utf8(name)),
    signaturePrivateKey: sig.privateKey,
    signaturePublicKey: sig.publicKey,
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
  });
  return { name, signaturePrivateKey: sig.privateKey, kp };
}

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
