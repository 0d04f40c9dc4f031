// Whether a GroupInfo someone publishes describes the view's current epoch
// exactly (RFC 9420 §12.4.3): the same GroupContext, the confirmation tag of
// the commit that started the epoch, a signature by a member's leaf, and, when
// it carries the ratchet_tree extension, the view's tree. A GroupInfo that
// passes is what a joiner would verify successfully (except external_pub,
// which derives from the epoch secrets and cannot be checked here).

import { ValidationError, CryptoError } from '../errors.js';
import { ExtensionType, findExtension } from '../extensions/extension.js';
import { groupContextBytes } from '../group/group-context.js';
import { verifyGroupInfoSignature, type GroupInfo } from '../messages/group-info.js';
import type { LeafIndex } from '../tree/math.js';
import { ratchetTreeBytes } from '../tree/ratchet-tree-codec.js';
import { equalBytes } from '../util/bytes.js';
import { groupInfoOf, suiteOfGroup, type PublicGroupOptions } from './from-group-info.js';
import type { PublicGroup } from './public-group.js';

export function checkGroupInfo(g: PublicGroup, groupInfo: Uint8Array | GroupInfo, opts: Pick<PublicGroupOptions, 'provider'> = {}): void {
  const gi = groupInfoOf(groupInfo);
  const suite = suiteOfGroup(g.cipherSuite, opts.provider);
  const gc = gi.groupContext;
  if (!equalBytes(gc.groupId, g.groupContext.groupId)) throw new ValidationError('GroupInfo: group_id differs from the group');
  if (gc.epoch !== g.groupContext.epoch) throw new ValidationError(`GroupInfo: epoch ${gc.epoch}, the group is at epoch ${g.groupContext.epoch}`);
  if (!equalBytes(groupContextBytes(gc), groupContextBytes(g.groupContext))) {
    throw new ValidationError('GroupInfo: group_context differs from the group\'s (tree hash, transcript hash or extensions)');
  }
  if (!equalBytes(gi.confirmationTag, g.confirmationTag)) throw new ValidationError('GroupInfo: confirmation_tag is not that of the commit that started the epoch');
  const signer = gi.signer < g.tree.nLeaves ? g.tree.leaf(gi.signer as LeafIndex) : undefined;
  if (signer === undefined) throw new ValidationError(`GroupInfo: signer ${gi.signer} is not a member`);
  if (!verifyGroupInfoSignature(suite, gi, signer.signatureKey)) throw new CryptoError('GroupInfo: signature does not verify under the signer\'s leaf');
  const treeExt = findExtension(gi.extensions, ExtensionType.ratchet_tree);
  if (treeExt !== undefined && !equalBytes(treeExt.extensionData, ratchetTreeBytes(g.tree))) {
    throw new ValidationError('GroupInfo: ratchet_tree extension is not the group\'s tree');
  }
}
