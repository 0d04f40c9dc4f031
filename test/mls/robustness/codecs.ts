// Every top-level decoder of the engine as a Codec (decode whole bytes, encode
// back), for the robustness oracle in probe.ts.

import { decode, type Decoder } from '../../../main/mls/codec/decoder.js';
import { encode, type Encoder } from '../../../main/mls/codec/encoder.js';
import { decodeExtensions, encodeExtensions, type Extension } from '../../../main/mls/extensions/extension.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { decodeMLSMessage, encodeMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { decodePrivateMessageContent, encodePrivateMessageContent } from '../../../main/mls/framing/private-message-content.js';
import { decodeSenderData, encodeSenderData } from '../../../main/mls/framing/sender-data.js';
import { decodeGroupContext, encodeGroupContext } from '../../../main/mls/group/group-context.js';
import { groupStateBytes, groupStateFromBytes } from '../../../main/mls/group/state-codec.js';
import { decodeApplicationId, encodeApplicationId } from '../../../main/mls/messages/application-id.js';
import { decodeCommit, encodeCommit } from '../../../main/mls/messages/commit.js';
import { decodeExternalPub, encodeExternalPub } from '../../../main/mls/messages/external-pub.js';
import { decodeExternalSenders, encodeExternalSenders } from '../../../main/mls/messages/external-senders.js';
import { decodeGroupInfo, encodeGroupInfo } from '../../../main/mls/messages/group-info.js';
import { decodeGroupSecrets, encodeGroupSecrets } from '../../../main/mls/messages/group-secrets.js';
import { decodeKeyPackage, encodeKeyPackage } from '../../../main/mls/messages/key-package.js';
import { decodeProposal, encodeProposal } from '../../../main/mls/messages/proposal.js';
import { decodeRequiredCapabilities, encodeRequiredCapabilities } from '../../../main/mls/messages/required-capabilities.js';
import { decodeWelcome, encodeWelcome } from '../../../main/mls/messages/welcome.js';
import { decodePreSharedKeyID, encodePreSharedKeyID } from '../../../main/mls/schedule/psk.js';
import { deserializeSecretTreeState, serializeSecretTreeState } from '../../../main/mls/schedule/secret-tree.js';
import { decodeLeafNode, encodeLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { decodeRatchetTree, encodeRatchetTree } from '../../../main/mls/tree/ratchet-tree-codec.js';
import { decodeUpdatePath, encodeUpdatePath } from '../../../main/mls/tree/update-path.js';
import type { Codec } from './probe.js';

function wire<T>(name: string, dec: (d: Decoder) => T, enc: (e: Encoder, v: T) => void): Codec<T> {
  return { name, decode: (b) => decode(dec, b, name), encode: (v) => encode(enc, v) };
}

export const MLSMessageCodec = wire('MLSMessage', decodeMLSMessage, encodeMLSMessage);
export const KeyPackageCodec = wire('KeyPackage', decodeKeyPackage, encodeKeyPackage);
export const WelcomeCodec = wire('Welcome', decodeWelcome, encodeWelcome);
export const GroupInfoCodec = wire('GroupInfo', decodeGroupInfo, encodeGroupInfo);
export const GroupSecretsCodec = wire('GroupSecrets', decodeGroupSecrets, encodeGroupSecrets);
export const ProposalCodec = wire('Proposal', decodeProposal, encodeProposal);
export const CommitCodec = wire('Commit', decodeCommit, encodeCommit);
export const RatchetTreeCodec = wire('RatchetTree', decodeRatchetTree, encodeRatchetTree);
export const LeafNodeCodec = wire('LeafNode', decodeLeafNode, encodeLeafNode);
export const UpdatePathCodec = wire('UpdatePath', decodeUpdatePath, encodeUpdatePath);
export const PreSharedKeyIDCodec = wire('PreSharedKeyID', decodePreSharedKeyID, encodePreSharedKeyID);
export const GroupContextCodec = wire('GroupContext', decodeGroupContext, encodeGroupContext);
export const ExtensionsCodec = wire('Extensions', (d) => decodeExtensions(d), (e, v: Extension[]) => encodeExtensions(e, v));
export const ApplicationIdCodec = wire('ApplicationId', decodeApplicationId, encodeApplicationId);
export const RequiredCapabilitiesCodec = wire('RequiredCapabilities', decodeRequiredCapabilities, encodeRequiredCapabilities);
export const ExternalPubCodec = wire('ExternalPub', decodeExternalPub, encodeExternalPub);
export const ExternalSendersCodec = wire('ExternalSenders', decodeExternalSenders, encodeExternalSenders);
export const SenderDataCodec = wire('SenderData', decodeSenderData, encodeSenderData);

/** PrivateMessageContent is decoded after the AEAD, for the content type the (authenticated) header names. */
export function privateMessageContentCodec(ct: ContentType): Codec<ReturnType<typeof decodePrivateMessageContent>> {
  const name = `PrivateMessageContent(${ct === ContentType.application ? 'application' : ct === ContentType.proposal ? 'proposal' : 'commit'})`;
  return wire(name, (d) => decodePrivateMessageContent(d, ct), encodePrivateMessageContent);
}

export const SecretTreeStateCodec: Codec<ReturnType<typeof deserializeSecretTreeState>> = {
  name: 'SecretTreeState',
  decode: deserializeSecretTreeState,
  encode: serializeSecretTreeState,
};

export const GroupStateCodec: Codec<ReturnType<typeof groupStateFromBytes>> = {
  name: 'GroupState',
  decode: groupStateFromBytes,
  encode: groupStateBytes,
};
