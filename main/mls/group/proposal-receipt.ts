// RFC 9420 §12.1: the checks a standalone proposal must pass when it arrives,
// before it is kept as pending: those that depend only on the proposal and the
// current epoch. Rules about combining proposals (§12.2) wait for the commit,
// where a Remove or a GroupContextExtensions in the same list can change them.
// A bad proposal is refused on arrival, so it can never sit in the pending
// list and break every later default commit.

import type { CipherSuite } from '../crypto/provider.js';
import { DecodeError, ValidationError } from '../errors.js';
import { SenderType, type Sender } from '../framing/sender.js';
import { readExternalSenders } from '../messages/external-senders.js';
import { validateKeyPackage } from '../messages/key-package-validation.js';
import { ProposalType, type Proposal } from '../messages/proposal.js';
import { PSKType, ResumptionPSKUsage } from '../schedule/psk.js';
import { LeafNodeSource } from '../tree/leaf-node.js';
import { requiredCapabilitiesOf, validateLeafNode, type CredentialValidator } from '../tree/leaf-validation.js';
import type { NodeIndex } from '../tree/math.js';
import { equalBytes } from '../util/bytes.js';
import { checkHpkePublicKey } from '../crypto/hpke-key-check.js';
import { checkCredentialFit, checkEncryptionKeysFresh, checkSignatureKeyFree } from './leaf-fit.js';
import type { GroupState } from './state.js';

export interface ReceiptOptions {
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
}

/** `state` needs only the epoch's GroupContext and tree, so a public (secret-free) view of the group can use it too. */
export function validateReceivedProposal(
  suite: CipherSuite,
  state: Pick<GroupState, 'groupContext' | 'tree'>,
  proposal: Proposal,
  sender: Sender,
  opts: ReceiptOptions = {},
): void {
  const gc = state.groupContext;
  const tree = state.tree;
  switch (proposal.proposalType) {
    case ProposalType.add: {
      validateKeyPackage(suite, proposal.add.keyPackage, { version: gc.version, ...(opts.now !== undefined ? { now: opts.now } : {}), where: 'Add proposal: KeyPackage' });
      const kp = proposal.add.keyPackage;
      if (opts.validateCredential !== undefined && !opts.validateCredential(kp.leafNode.credential, kp.leafNode.signatureKey)) {
        throw new ValidationError('Add proposal: credential rejected by the authentication service');
      }
      return;
    }
    case ProposalType.update: {
      if (sender.senderType !== SenderType.member) throw new ValidationError('Update proposal from a non-member');
      const l = sender.leafIndex;
      const old = tree.leaf(l);
      if (old === undefined) throw new ValidationError(`Update proposal: leaf ${l} is blank`);
      const leaf = proposal.update.leafNode;
      validateLeafNode(
        suite,
        leaf,
        { groupId: gc.groupId, leafIndex: l, expectedSource: LeafNodeSource.update, groupExtensions: gc.extensions, validateCredential: opts.validateCredential },
        `Update proposal from leaf ${l}`,
      );
      if (equalBytes(old.encryptionKey, leaf.encryptionKey)) throw new ValidationError(`Update proposal from leaf ${l}: encryption key is unchanged`);
      checkHpkePublicKey(suite, leaf.encryptionKey, `Update proposal from leaf ${l}: encryption_key`);
      // §7.3 against the whole tree, as for an UpdatePath leaf (leaf-fit.ts); checked again when committed.
      checkCredentialFit(tree, l, leaf, `Update proposal from leaf ${l}`);
      checkSignatureKeyFree(tree, l, leaf.signatureKey, `Update proposal from leaf ${l}`);
      checkEncryptionKeysFresh(tree, [{ key: leaf.encryptionKey, what: 'the leaf' }], `Update proposal from leaf ${l}`);
      return;
    }
    case ProposalType.remove: {
      const r = proposal.remove.removed;
      if (r >= tree.nLeaves || tree.isBlank((2 * r) as NodeIndex)) throw new ValidationError(`Remove proposal: leaf ${r} is not a member`);
      return;
    }
    case ProposalType.psk: {
      const id = proposal.psk.psk;
      if (id.pskNonce.length !== suite.kdf.size) throw new ValidationError(`PreSharedKey proposal: psk_nonce has ${id.pskNonce.length} bytes, expected KDF.Nh = ${suite.kdf.size}`);
      if (id.psktype === PSKType.resumption && id.usage !== ResumptionPSKUsage.application) {
        throw new ValidationError(`PreSharedKey proposal: a resumption PSK of usage ${id.usage} is only allowed in a reinit or branch`);
      }
      return;
    }
    case ProposalType.reinit:
      if (proposal.reinit.version < gc.version) throw new ValidationError(`ReInit proposal: version ${proposal.reinit.version} is below the group's ${gc.version}`);
      return;
    case ProposalType.external_init:
      throw new ValidationError('ExternalInit is only valid inside an external commit, not as a standalone proposal');
    case ProposalType.group_context_extensions:
      try {
        requiredCapabilitiesOf(proposal.groupContextExtensions.extensions);
        readExternalSenders(proposal.groupContextExtensions.extensions);
      } catch (e) {
        if (e instanceof DecodeError) throw new ValidationError(`GroupContextExtensions proposal: malformed extension: ${e.message}`);
        throw e;
      }
      return;
  }
}
