// RFC 9420 §6.2: protecting AuthenticatedContent as a PublicMessage (adding the
// membership tag) and unprotecting it (checking group, epoch, membership tag and
// signature). Pure: nothing here holds or changes state.

import type { CipherSuite } from '../crypto/provider.js';
import { ArgumentError, ValidationError } from '../errors.js';
import type { GroupContext } from '../group/group-context.js';
import { equalBytes } from '../util/bytes.js';
import type { AuthenticatedContent } from './authenticated-content.js';
import { resolveSignatureKey, verifyFramedContentSignature, type SignatureKeySource } from './content-auth.js';
import { ContentType } from './content-type.js';
import type { FramedContent } from './framed-content.js';
import { computeMembershipTag, verifyMembershipTag } from './membership-tag.js';
import type { PublicMessage } from './public-message.js';
import { SenderType } from './sender.js';
import { checkSenderContentType } from './sender-rules.js';
import { WireFormat } from './wire-format.js';

export function checkSuite(suite: CipherSuite, groupContext: GroupContext): void {
  if (suite.id !== groupContext.cipherSuite) {
    throw new ArgumentError(`cipher suite ${suite.id} does not match the group's suite ${groupContext.cipherSuite}`);
  }
}

/**
 * A message for another group or epoch is rejected before any cryptography: §12.1 "a client MUST verify
 * ... that the epoch field of the enclosing FramedContent is equal to the epoch field of the current
 * GroupContext object", §12.4.2 likewise for a Commit; the group_id names the group whose keys apply.
 */
export function checkGroupAndEpoch(what: string, groupId: Uint8Array, epoch: bigint, groupContext: GroupContext): void {
  if (!equalBytes(groupId, groupContext.groupId)) throw new ValidationError(`${what}: group_id does not match this group`);
  if (epoch !== groupContext.epoch) throw new ValidationError(`${what}: epoch ${epoch} is not the current epoch ${groupContext.epoch}`);
}

/**
 * Wraps signed content as a PublicMessage. Member senders need `membershipKey`
 * (the current epoch's). Application data may never be sent as a PublicMessage.
 */
export function protectPublic(
  suite: CipherSuite,
  ac: AuthenticatedContent,
  groupContext: GroupContext,
  membershipKey: Uint8Array | undefined,
): PublicMessage {
  checkSuite(suite, groupContext);
  if (ac.wireFormat !== WireFormat.mlsPublicMessage) throw new ValidationError('protectPublic: content was signed for another wire format');
  if (ac.content.contentType === ContentType.application) throw new ValidationError('application messages must be sent as PrivateMessage');
  checkSenderContentType(ac.content);
  checkGroupAndEpoch('protectPublic', ac.content.groupId, ac.content.epoch, groupContext);
  if (ac.content.sender.senderType !== SenderType.member) return { content: ac.content, auth: ac.auth };
  if (membershipKey === undefined) throw new ArgumentError('protectPublic: a member sender needs the membership key');
  return { content: ac.content, auth: ac.auth, membershipTag: computeMembershipTag(suite, membershipKey, ac, groupContext) };
}

export interface UnprotectPublicParams {
  /** The receiver's current GroupContext: the expected group id and epoch, and what member signatures cover. */
  readonly groupContext: GroupContext;
  /** The current epoch's membership key; required when the sender is a member. */
  readonly membershipKey?: Uint8Array;
  readonly signaturePublicKey: SignatureKeySource;
}

/**
 * Checks a PublicMessage and returns its AuthenticatedContent. The confirmation
 * tag of a commit is not checked here: it needs the next epoch's confirmation
 * key, which only processing the commit yields.
 */
export function unprotectPublic(suite: CipherSuite, msg: PublicMessage, p: UnprotectPublicParams): AuthenticatedContent {
  checkSuite(suite, p.groupContext);
  const content: FramedContent = msg.content;
  checkGroupAndEpoch('PublicMessage', content.groupId, content.epoch, p.groupContext);
  // §6: "Applications MUST use PrivateMessage to encrypt application messages".
  if (content.contentType === ContentType.application) throw new ValidationError('PublicMessage: application data must be sent as PrivateMessage');
  checkSenderContentType(content);
  const ac: AuthenticatedContent = { wireFormat: WireFormat.mlsPublicMessage, content, auth: msg.auth };
  // §6.2: "When decoding a PublicMessage into an AuthenticatedContent, the application MUST check
  // membership_tag and MUST check that the FramedContentAuthData is valid." Only member senders carry one.
  if (content.sender.senderType === SenderType.member) {
    if (msg.membershipTag === undefined) throw new ValidationError('PublicMessage: member sender without membership_tag');
    if (p.membershipKey === undefined) throw new ArgumentError('unprotectPublic: a member sender needs the membership key');
    verifyMembershipTag(suite, p.membershipKey, ac, p.groupContext, msg.membershipTag);
  } else if (msg.membershipTag !== undefined) {
    throw new ValidationError('PublicMessage: only member senders carry a membership_tag');
  }
  const key = resolveSignatureKey(p.signaturePublicKey, content);
  verifyFramedContentSignature(suite, key, ac.wireFormat, content, p.groupContext, msg.auth.signature);
  return ac;
}
