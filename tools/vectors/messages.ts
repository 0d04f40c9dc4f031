// messages.json: every wire structure of RFC 9420 §6–§12 decodes strictly and
// re-encodes to the identical bytes. The mls_* and *_message fields are
// MLSMessage-framed; the *_proposal fields are the proposal bodies (Add, Update, ...).
// Beyond the bytes, the KeyPackages must pass §10.1 validation, and the GroupInfo
// must be signed by the ratchet_tree's leaf `signer` and match its tree hash.

import { decode, type Decoder } from '../../main/mls/codec/decoder.js';
import { encode, type Encoder } from '../../main/mls/codec/encoder.js';
import { decodeMLSMessage, encodeMLSMessage, type MLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { ContentType } from '../../main/mls/framing/content-type.js';
import { decodeCommit, encodeCommit } from '../../main/mls/messages/commit.js';
import { decodeGroupSecrets, encodeGroupSecrets } from '../../main/mls/messages/group-secrets.js';
import { decodeAdd, encodeAdd } from '../../main/mls/messages/proposals/add.js';
import { decodeUpdate, encodeUpdate } from '../../main/mls/messages/proposals/update.js';
import { decodeRemove, encodeRemove } from '../../main/mls/messages/proposals/remove.js';
import { decodePreSharedKey, encodePreSharedKey } from '../../main/mls/messages/proposals/pre-shared-key.js';
import { decodeReInit, encodeReInit } from '../../main/mls/messages/proposals/reinit.js';
import { decodeExternalInit, encodeExternalInit } from '../../main/mls/messages/proposals/external-init.js';
import {
  decodeGroupContextExtensions,
  encodeGroupContextExtensions,
} from '../../main/mls/messages/proposals/group-context-extensions.js';
import { decodeRatchetTree, encodeRatchetTree } from '../../main/mls/tree/ratchet-tree-codec.js';
import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { verifyGroupInfoSignature } from '../../main/mls/messages/group-info.js';
import { validateKeyPackage } from '../../main/mls/messages/key-package-validation.js';
import type { KeyPackage } from '../../main/mls/messages/key-package.js';
import { leafIndex } from '../../main/mls/tree/math.js';
import { expectBytes, expectEqual, expectTrue, hex } from './check.js';

function roundTrip<T>(c: unknown, field: string, root: string, dec: (d: Decoder) => T, enc: (e: Encoder, v: T) => void): T {
  const bytes = hex(c, field);
  let v: T;
  try {
    v = decode(dec, bytes, root);
  } catch (err) {
    throw new Error(`${field}: does not decode: ${(err as Error).message}`, { cause: err });
  }
  expectBytes(`${field} re-encoded`, encode(enc, v), bytes);
  return v;
}

/** An MLSMessage field must round-trip and carry the expected wire format (and content type). */
function message(c: unknown, field: string, wireFormat: number, contentType?: number): MLSMessage {
  const m: MLSMessage = roundTrip(c, field, 'MLSMessage', decodeMLSMessage, encodeMLSMessage);
  expectEqual(`${field} wire_format`, m.wireFormat as number, wireFormat);
  if (contentType !== undefined && m.wireFormat === WireFormat.mlsPublicMessage) {
    expectEqual(`${field} content_type`, m.publicMessage.content.contentType as number, contentType);
  }
  return m;
}

function validKeyPackage(provider: CryptoProvider, what: string, kp: KeyPackage): void {
  try {
    validateKeyPackage(provider.getSuite(kp.cipherSuite), kp);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
  }
}

export function runCase(c: unknown, provider: CryptoProvider): void {
  message(c, 'mls_welcome', WireFormat.mlsWelcome);
  const gi = message(c, 'mls_group_info', WireFormat.mlsGroupInfo);
  const kp = message(c, 'mls_key_package', WireFormat.mlsKeyPackage);
  if (kp.wireFormat === WireFormat.mlsKeyPackage) validKeyPackage(provider, 'mls_key_package', kp.keyPackage);
  const tree = roundTrip(c, 'ratchet_tree', 'ratchet_tree', decodeRatchetTree, encodeRatchetTree);
  if (gi.wireFormat === WireFormat.mlsGroupInfo) {
    const suite = provider.getSuite(gi.groupInfo.groupContext.cipherSuite);
    expectBytes('mls_group_info tree_hash vs ratchet_tree', gi.groupInfo.groupContext.treeHash, tree.treeHash(suite));
    const signer = tree.leaf(leafIndex(gi.groupInfo.signer));
    expectTrue(`mls_group_info signer ${gi.groupInfo.signer} is a leaf of ratchet_tree`, signer !== undefined);
    expectTrue('mls_group_info signature', verifyGroupInfoSignature(suite, gi.groupInfo, signer!.signatureKey));
  }
  roundTrip(c, 'group_secrets', 'GroupSecrets', decodeGroupSecrets, encodeGroupSecrets);
  validKeyPackage(provider, 'add_proposal', roundTrip(c, 'add_proposal', 'Add', decodeAdd, encodeAdd).keyPackage);
  roundTrip(c, 'update_proposal', 'Update', decodeUpdate, encodeUpdate);
  roundTrip(c, 'remove_proposal', 'Remove', decodeRemove, encodeRemove);
  roundTrip(c, 'pre_shared_key_proposal', 'PreSharedKey', decodePreSharedKey, encodePreSharedKey);
  roundTrip(c, 're_init_proposal', 'ReInit', decodeReInit, encodeReInit);
  roundTrip(c, 'external_init_proposal', 'ExternalInit', decodeExternalInit, encodeExternalInit);
  roundTrip(c, 'group_context_extensions_proposal', 'GroupContextExtensions', decodeGroupContextExtensions, encodeGroupContextExtensions);
  roundTrip(c, 'commit', 'Commit', decodeCommit, encodeCommit);
  message(c, 'public_message_application', WireFormat.mlsPublicMessage, ContentType.application);
  message(c, 'public_message_proposal', WireFormat.mlsPublicMessage, ContentType.proposal);
  message(c, 'public_message_commit', WireFormat.mlsPublicMessage, ContentType.commit);
  message(c, 'private_message', WireFormat.mlsPrivateMessage);
}
