// Shared fixtures of the group tests: clients with fresh KeyPackages, and a
// small driver that creates a group, adds members by one commit and joins them.

import { getProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite, CipherSuiteId } from '../../../main/mls/crypto/provider.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { createGroup } from '../../../main/mls/group/create-group.js';
import { mergePendingCommit } from '../../../main/mls/group/pending-commit.js';
import { addProposal } from '../../../main/mls/group/proposal-message.js';
import type { GroupConfig, GroupState } from '../../../main/mls/group/state.js';
import { joinFromWelcome } from '../../../main/mls/group/welcome-join.js';
import { createKeyPackage, type KeyPackageWithSecrets } from '../../../main/mls/messages/key-package-create.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { utf8 } from '../../../main/mls/util/bytes.js';

export interface Client {
  readonly name: string;
  readonly signaturePrivateKey: Uint8Array;
  readonly kp: KeyPackageWithSecrets;
}

export function suiteFor(id: CipherSuiteId = 1): CipherSuite {
  return getProvider().getSuite(id);
}

export function newClient(suite: CipherSuite, name: string): Client {
  const sig = suite.signature.generateKeyPair();
  const kp = createKeyPackage(suite, {
    credential: basicCredential(utf8(name)),
    signaturePrivateKey: sig.privateKey,
    signaturePublicKey: sig.publicKey,
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
  });
  return { name, signaturePrivateKey: sig.privateKey, kp };
}

/** A group created by `creator` with `others` added by one commit and joined from its Welcome. */
export function groupOf(suite: CipherSuite, creator: Client, others: readonly Client[], config: Partial<GroupConfig> = {}): GroupState[] {
  const s0 = createGroup({ suite, keyPackage: creator.kp, signaturePrivateKey: creator.signaturePrivateKey, groupId: utf8('test-group'), config });
  if (others.length === 0) return [s0];
  const c = createCommit(s0, { proposals: others.map((o) => addProposal(o.kp.keyPackage)) });
  const s1 = mergePendingCommit(s0, c.pending);
  const joined = others.map((o) => joinFromWelcome({ welcome: c.welcome!, keyPackage: o.kp, signaturePrivateKey: o.signaturePrivateKey, config }).state);
  return [s1, ...joined];
}
