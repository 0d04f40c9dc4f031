// Wrapping this member's signed content for the wire with the current epoch's
// keys (RFC 9420 §6.2, §6.3): PublicMessage with a membership tag, or
// PrivateMessage from the member's ratchets. Returns the MLSMessage bytes and
// the advanced secret tree (unchanged for PublicMessage).

import type { CipherSuite } from '../crypto/provider.js';
import type { AuthenticatedContent } from '../framing/authenticated-content.js';
import { mlsMessageBytes } from '../framing/mls-message.js';
import { protectPrivate } from '../framing/protect-private.js';
import { protectPublic } from '../framing/protect-public.js';
import { WireFormat } from '../framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from './group-context.js';
import type { SecretTreeState } from '../schedule/secret-tree.js';
import type { GroupState } from './state.js';

export function protectForState(suite: CipherSuite, state: GroupState, ac: AuthenticatedContent): { message: Uint8Array; secretTree: SecretTreeState } {
  if (ac.wireFormat === WireFormat.mlsPublicMessage) {
    const pm = protectPublic(suite, ac, state.groupContext, state.keys.membershipKey);
    return { message: mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: pm }), secretTree: state.secretTree };
  }
  const r = protectPrivate(suite, ac, {
    groupContext: state.groupContext,
    senderDataSecret: state.keys.senderDataSecret,
    secretTree: state.secretTree,
    paddingBlockSize: state.config.paddingBlockSize,
  });
  return { message: mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPrivateMessage, privateMessage: r.message }), secretTree: r.secretTree };
}
