// The public view of a group at the epoch a GroupInfo describes (RFC 9420
// §12.4.3): accepted only when the GroupInfo's signature verifies under its
// signer's leaf and the tree (its ratchet_tree extension, or one supplied)
// validates and hashes to the GroupContext's tree_hash, as a joiner checks.
// The interim transcript hash follows from the GroupInfo's confirmation tag (§8.2).

import { getProvider } from '../crypto/index.js';
import { isCipherSuiteId, type CipherSuite, type CryptoProvider } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { parseMLSMessage } from '../framing/mls-message.js';
import { interimTranscriptHash } from '../framing/transcript-hash.js';
import { WireFormat } from '../framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../group/group-context.js';
import { verifiedGroupInfoTree } from '../group/group-info-tree.js';
import type { GroupInfo } from '../messages/group-info.js';
import { ratchetTreeFromBytes } from '../tree/ratchet-tree-codec.js';
import type { PublicGroup } from './public-group.js';

export interface PublicGroupOptions {
  readonly provider?: CryptoProvider;
  /** The encoded tree, when the GroupInfo carries no ratchet_tree extension. */
  readonly ratchetTree?: Uint8Array;
  /** Largest tree accepted (leaves, blank ones included); default DEFAULT_MAX_TREE_LEAVES. */
  readonly maxTreeLeaves?: number;
}

/** MLSMessage(GroupInfo) bytes or a decoded GroupInfo. */
export function groupInfoOf(groupInfo: Uint8Array | GroupInfo): GroupInfo {
  if (!(groupInfo instanceof Uint8Array)) return groupInfo;
  const m = parseMLSMessage(groupInfo);
  if (m.wireFormat !== WireFormat.mlsGroupInfo) throw new ValidationError(`expected an MLSMessage(GroupInfo), got wire format ${m.wireFormat}`);
  return m.groupInfo;
}

export function suiteOfGroup(cipherSuite: number, provider: CryptoProvider | undefined): CipherSuite {
  if (!isCipherSuiteId(cipherSuite)) throw new ValidationError(`cipher suite ${cipherSuite} is not supported`);
  return (provider ?? getProvider()).getSuite(cipherSuite);
}

export function publicGroupFromGroupInfo(groupInfo: Uint8Array | GroupInfo, opts: PublicGroupOptions = {}): PublicGroup {
  const gi = groupInfoOf(groupInfo);
  const gc = gi.groupContext;
  if (gc.version !== PROTOCOL_VERSION_MLS10) throw new ValidationError(`GroupInfo: protocol version ${gc.version} is not mls10`);
  const suite = suiteOfGroup(gc.cipherSuite, opts.provider);
  const tree = verifiedGroupInfoTree(suite, gi, {
    ...(opts.ratchetTree !== undefined ? { ratchetTree: ratchetTreeFromBytes(opts.ratchetTree) } : {}),
    ...(opts.maxTreeLeaves !== undefined ? { maxTreeLeaves: opts.maxTreeLeaves } : {}),
  });
  return {
    cipherSuite: gc.cipherSuite,
    groupContext: gc,
    tree,
    interimTranscriptHash: interimTranscriptHash(suite, gc.confirmedTranscriptHash, gi.confirmationTag),
    confirmationTag: gi.confirmationTag,
    pendingProposals: [],
  };
}
