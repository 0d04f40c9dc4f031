// RFC 9420 §12.1: the checks a standalone proposal must pass when it arrives,
// before it is kept as pending: those that depend only on the proposal and the
// current epoch. Rules about combining proposals (§12.2) wait for the commit,
// where a Remove or a GroupContextExtensions in the same list can change them.
// A bad proposal is refused on arrival, so it can never sit in the pending
// list and break every later default commit. Each rule is one a commit
// covering the proposal would break (proposal-validation.ts, proposal-apply.ts
// name the sentences), so refusing it early changes no outcome.

import type { CipherSuite } from '../crypto/provider.js';
import { DecodeError, ValidationError } from '../errors.js';
import { SenderType, type Sender } from '../framing/sender.js';
import { readExternalSenders } from '../messages/external-senders.js';
import { validateKeyPackage } from '../messages/key-package-validation.js';
import { ProposalType, type Proposal } from '../messages/proposal.js';
import { PSKType, ResumptionPSKUsage } from '../schedule/psk.js';
import { LeafNodeSource } from '../tree/leaf-node.js';
import { credentialAccepted, requiredCapabilitiesOf, validateLeafNode, type CredentialValidator } from '../tree/leaf-validation.js';
import type { NodeIndex } from '../tree/math.js';
import { equalBytes } from '../util/bytes.js';
import { hpkeKeyCheck } from '../crypto/hpke-key-check.js';
import { checkCredentialFit, checkEncryptionKeysFresh, checkSignatureKeyFree } from './leaf-fit.js';
import type { GroupState } from './state.js';

export interface ReceiptOptions {
  readonly now?: bigint;
  readonly validateCredential?: CredentialValidator;
  /** The member's GroupConfig.checkHpkeKeys policy (docs/validation.md); default on. */
  readonly checkHpkeKeys?: boolean;
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
      // §12.1.1 (KeyPackage valid per §10.1); §5.3.1: a credential is validated "When a member receives an Add proposal".
      validateKeyPackage(suite, proposal.add.keyPackage, {
        version: gc.version,
        ...(opts.now !== undefined ? { now: opts.now } : {}),
        where: 'Add proposal: KeyPackage',
        checkHpkeKeys: opts.checkHpkeKeys ?? true,
      });
      const kp = proposal.add.keyPackage;
      if (opts.validateCredential !== undefined && !credentialAccepted(kp.leafNode, opts.validateCredential)) {
        throw new ValidationError('Add proposal: credential rejected by the authentication service');
      }
      return;
    }
    case ProposalType.update: {
      // §12.1.2: "An Update proposal is invalid if the LeafNode is invalid for an Update proposal according to
      // Section 7.3" (source update, a new encryption_key, credential types, unique keys; §5.3.1 the credential).
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
      hpkeKeyCheck(opts.checkHpkeKeys ?? true)(suite, leaf.encryptionKey, `Update proposal from leaf ${l}: encryption_key`);
      // §7.3 against the whole tree, as for an UpdatePath leaf (leaf-fit.ts); checked again when committed.
      checkCredentialFit(tree, l, leaf, `Update proposal from leaf ${l}`);
      checkSignatureKeyFree(tree, l, leaf.signatureKey, `Update proposal from leaf ${l}`);
      checkEncryptionKeysFresh(tree, [{ key: leaf.encryptionKey, what: 'the leaf' }], `Update proposal from leaf ${l}`);
      return;
    }
    case ProposalType.remove: {
      // §12.1.3: "invalid if the removed field does not identify a non-blank leaf node".
      const r = proposal.remove.removed;
      if (r >= tree.nLeaves || tree.isBlank((2 * r) as NodeIndex)) throw new ValidationError(`Remove proposal: leaf ${r} is not a member`);
      return;
    }
    case ProposalType.psk: {
      // §12.1.4 (a standalone proposal is never part of a reinit or branch).
      const id = proposal.psk.psk;
      if (id.pskNonce.length !== suite.kdf.size) throw new ValidationError(`PreSharedKey proposal: psk_nonce has ${id.pskNonce.length} bytes, expected KDF.Nh = ${suite.kdf.size}`);
      if (id.psktype === PSKType.resumption && id.usage !== ResumptionPSKUsage.application) {
        throw new ValidationError(`PreSharedKey proposal: a resumption PSK of usage ${id.usage} is only allowed in a reinit or branch`);
      }
      return;
    }
    case ProposalType.reinit:
      // §12.1.5.
      if (proposal.reinit.version < gc.version) throw new ValidationError(`ReInit proposal: version ${proposal.reinit.version} is below the group's ${gc.version}`);
      return;
    case ProposalType.external_init:
      // §12.1.6: "This proposal can only be used in that context" (an external commit).
      throw new ValidationError('ExternalInit is only valid inside an external commit, not as a standalone proposal');
    case ProposalType.group_context_extensions:
      // The extensions this engine must interpret have to parse: required_capabilities (§11.1, checked by
      // §7.3 and §12.1.7) and external_senders (§12.1.8.1, the keys of §6.1). Support of the others is §13.4's
      // committer check.
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
