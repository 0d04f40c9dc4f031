// RFC 9420 §6.2: the membership tag of a member's PublicMessage,
// MAC(membership_key, AuthenticatedContentTBM).

import { Encoder } from '../codec/encoder.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import type { GroupContext } from '../group/group-context.js';
import { constantTimeEqual } from '../util/bytes.js';
import { encodeAuthenticatedContentTBM } from './authenticated-content-tbm.js';
import type { AuthenticatedContent } from './authenticated-content.js';
import { framedContentTBS } from './content-auth.js';

export function authenticatedContentTBMBytes(ac: AuthenticatedContent, groupContext: GroupContext): Uint8Array {
  const e = new Encoder();
  encodeAuthenticatedContentTBM(e, { contentTbs: framedContentTBS(ac.wireFormat, ac.content, groupContext), auth: ac.auth });
  return e.finish();
}

export function computeMembershipTag(suite: CipherSuite, membershipKey: Uint8Array, ac: AuthenticatedContent, groupContext: GroupContext): Uint8Array {
  return suite.hash.mac(membershipKey, authenticatedContentTBMBytes(ac, groupContext));
}

/** Throws ValidationError when the tag does not match (constant-time comparison). */
export function verifyMembershipTag(
  suite: CipherSuite,
  membershipKey: Uint8Array,
  ac: AuthenticatedContent,
  groupContext: GroupContext,
  tag: Uint8Array,
): void {
  if (!constantTimeEqual(computeMembershipTag(suite, membershipKey, ac, groupContext), tag)) {
    throw new ValidationError('PublicMessage.membership_tag does not match');
  }
}
