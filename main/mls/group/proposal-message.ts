// RFC 9420 §12.1: building proposals and sending them as standalone messages
// (PublicMessage or PrivateMessage per config). A sent proposal is also kept
// in the sender's own pending proposals, so it can commit it by reference.

import { signContent } from '../framing/content-auth.js';
import { authenticatedContentBytes } from '../framing/authenticated-content.js';
import { ContentType } from '../framing/content-type.js';
import type { FramedContent } from '../framing/framed-content.js';
import { memberSender } from '../framing/sender.js';
import { WireFormat } from '../framing/wire-format.js';
import { makeProposalRef } from '../crypto/labeled.js';
import { ArgumentError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import type { KeyPackage } from '../messages/key-package.js';
import { ProposalType, type Proposal } from '../messages/proposal.js';
import type { PreSharedKeyID } from '../schedule/psk.js';
import { LeafNodeSource, signLeafNode, type LeafNode } from '../tree/leaf-node.js';
import type { LeafIndex } from '../tree/math.js';
import { protectForState } from './protect.js';
import { ownLeafNode, suiteOf, type GroupState, type ProviderOption } from './state.js';

export const addProposal = (keyPackage: KeyPackage): Proposal => ({ proposalType: ProposalType.add, add: { keyPackage } });
export const removeProposal = (removed: LeafIndex | number): Proposal => ({ proposalType: ProposalType.remove, remove: { removed } });
export const pskProposal = (psk: PreSharedKeyID): Proposal => ({ proposalType: ProposalType.psk, psk: { psk } });
export const groupContextExtensionsProposal = (extensions: readonly Extension[]): Proposal => ({
  proposalType: ProposalType.group_context_extensions,
  groupContextExtensions: { extensions },
});

export interface UpdateProposalOptions extends ProviderOption {
  /** Leaf fields to change; default: the current leaf's. */
  readonly leaf?: Partial<Pick<LeafNode, 'signatureKey' | 'credential' | 'capabilities' | 'extensions'>>;
  /** Required when leaf.signatureKey changes. */
  readonly newSignaturePrivateKey?: Uint8Array;
}

export interface UpdateProposal {
  readonly proposal: Proposal;
  readonly encryptionPrivateKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
}

/** RFC 9420 §12.1.2: a fresh leaf (new encryption key) for this member, signed for its position. */
export function createUpdateProposal(state: GroupState, opts: UpdateProposalOptions = {}): UpdateProposal {
  const suite = suiteOf(state, opts.provider);
  const old = ownLeafNode(state);
  if (opts.leaf?.signatureKey !== undefined && opts.newSignaturePrivateKey === undefined) throw new ArgumentError('a new signature key needs newSignaturePrivateKey');
  const sk = opts.newSignaturePrivateKey ?? state.signaturePrivateKey;
  const kp = suite.hpke.generateKeyPair();
  const leafNode = signLeafNode(
    suite,
    sk,
    {
      leafNodeSource: LeafNodeSource.update,
      encryptionKey: kp.publicKey,
      signatureKey: opts.leaf?.signatureKey ?? old.signatureKey,
      credential: opts.leaf?.credential ?? old.credential,
      capabilities: opts.leaf?.capabilities ?? old.capabilities,
      extensions: opts.leaf?.extensions ?? old.extensions,
    },
    { groupId: state.groupContext.groupId, leafIndex: state.ownLeaf },
  );
  return { proposal: { proposalType: ProposalType.update, update: { leafNode } }, encryptionPrivateKey: kp.privateKey, signaturePrivateKey: sk };
}

export interface ProposalMessageOptions extends ProviderOption {
  readonly authenticatedData?: Uint8Array;
  /** Default: state.config.handshakeWireFormat. */
  readonly wireFormat?: typeof WireFormat.mlsPublicMessage | typeof WireFormat.mlsPrivateMessage;
  /** For an Update proposal: the private keys of its new leaf (from createUpdateProposal). */
  readonly update?: Pick<UpdateProposal, 'encryptionPrivateKey' | 'signaturePrivateKey'>;
}

export interface ProposalMessage {
  /** MLSMessage bytes. */
  readonly message: Uint8Array;
  /** RFC 9420 §5.2: the ProposalRef a commit uses to cover it. */
  readonly ref: Uint8Array;
  readonly state: GroupState;
}

export function createProposalMessage(state: GroupState, proposal: Proposal, opts: ProposalMessageOptions = {}): ProposalMessage {
  const suite = suiteOf(state, opts.provider);
  if (state.reinit !== undefined) throw new ArgumentError('the group was re-initialized: it accepts no more proposals');
  if (proposal.proposalType === ProposalType.update && opts.update === undefined) throw new ArgumentError('an Update proposal needs its private keys (use createUpdateProposal)');
  if (proposal.proposalType === ProposalType.external_init) throw new ArgumentError('ExternalInit is only sent inside an external commit');
  const wireFormat = opts.wireFormat ?? state.config.handshakeWireFormat;
  const content: FramedContent = {
    groupId: state.groupContext.groupId,
    epoch: state.groupContext.epoch,
    sender: memberSender(state.ownLeaf),
    authenticatedData: opts.authenticatedData ?? new Uint8Array(0),
    contentType: ContentType.proposal,
    proposal,
  };
  const ac = signContent(suite, state.signaturePrivateKey, wireFormat, content, state.groupContext);
  const ref = makeProposalRef(suite, authenticatedContentBytes(ac));
  const { message, secretTree } = protectForState(suite, state, ac);
  const next: GroupState = {
    ...state,
    secretTree,
    pendingProposals: [...state.pendingProposals, { ref, proposal, sender: content.sender }],
    ownUpdates: opts.update === undefined ? state.ownUpdates : [...state.ownUpdates, { ref, ...opts.update }],
  };
  return { message, ref, state: next };
}
