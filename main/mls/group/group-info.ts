// RFC 9420 §12.4.3: the signed GroupInfo of the current epoch, with the
// ratchet_tree (§12.4.3.3) and external_pub (§12.4.3.2) extensions by option.

import type { CipherSuite } from '../crypto/provider.js';
import { ExtensionType, type Extension } from '../extensions/extension.js';
import { externalPubExtension } from '../messages/external-pub.js';
import { signGroupInfo, type GroupInfo } from '../messages/group-info.js';
import { externalKeyPair } from '../schedule/key-schedule.js';
import { ratchetTreeBytes } from '../tree/ratchet-tree-codec.js';
import type { GroupState } from './state.js';

export interface GroupInfoOptions {
  /** Default: state.config.ratchetTreeExtension. */
  readonly ratchetTree?: boolean;
  /** Default: state.config.externalPub. */
  readonly externalPub?: boolean;
  /** More GroupInfo extensions (of other types). */
  readonly extensions?: readonly Extension[];
}

export function groupInfoExtensions(suite: CipherSuite, state: GroupState, opts: GroupInfoOptions = {}): Extension[] {
  const out: Extension[] = [];
  if (opts.ratchetTree ?? state.config.ratchetTreeExtension) out.push({ extensionType: ExtensionType.ratchet_tree, extensionData: ratchetTreeBytes(state.tree) });
  if (opts.externalPub ?? state.config.externalPub) out.push(externalPubExtension({ externalPub: externalKeyPair(suite, state.keys.externalSecret).publicKey }));
  for (const x of opts.extensions ?? []) if (!out.some((y) => y.extensionType === x.extensionType)) out.push(x);
  return out;
}

/** The GroupInfo of the state's epoch, signed by its own leaf. */
export function createGroupInfo(suite: CipherSuite, state: GroupState, opts: GroupInfoOptions = {}): GroupInfo {
  return signGroupInfo(suite, state.signaturePrivateKey, {
    groupContext: state.groupContext,
    extensions: groupInfoExtensions(suite, state, opts),
    confirmationTag: state.confirmationTag,
    signer: state.ownLeaf,
  });
}
