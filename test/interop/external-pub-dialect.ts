// ts-mls 1.6.4 writes (and expects) the bare HPKE public key as the external_pub
// extension_data, where RFC 9420 §12.4.3.2 has `struct { HPKEPublicKey
// external_pub; } ExternalPub` (an opaque<V>, so a length prefix first). To run
// external joins across the two anyway, the tests translate a GroupInfo between
// the two encodings and re-sign it with its signer's own key, acting as a proxy
// that holds that key. Only this extension changes; the non-conformance itself
// is asserted separately in interop.test.ts.
import type { CipherSuite } from '../../main/mls/crypto/provider.js';
import { ExtensionType, type Extension } from '../../main/mls/extensions/extension.js';
import { mlsMessageBytes, parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { externalPubExtension, readExternalPub } from '../../main/mls/messages/external-pub.js';
import { signGroupInfo, type GroupInfo } from '../../main/mls/messages/group-info.js';

function groupInfoOf(bytes: Uint8Array): { version: number; groupInfo: GroupInfo } {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsGroupInfo) throw new Error(`expected a GroupInfo, got wire format ${m.wireFormat}`);
  return { version: m.version, groupInfo: m.groupInfo };
}

function resigned(suite: CipherSuite, version: number, gi: GroupInfo, extensions: Extension[], signerKey: Uint8Array): Uint8Array {
  const signedGi = signGroupInfo(suite, signerKey, { groupContext: gi.groupContext, extensions, confirmationTag: gi.confirmationTag, signer: gi.signer });
  return mlsMessageBytes({ version, wireFormat: WireFormat.mlsGroupInfo, groupInfo: signedGi });
}

/** The external_pub extension_data exactly as the GroupInfo carries it. */
export function rawExternalPub(groupInfo: Uint8Array): Uint8Array {
  const x = groupInfoOf(groupInfo).groupInfo.extensions.find((e) => e.extensionType === ExtensionType.external_pub);
  if (x === undefined) throw new Error('GroupInfo has no external_pub');
  return x.extensionData;
}

/** RFC 9420 GroupInfo → the ts-mls 1.6.4 form (bare key), re-signed by `signerKey`. */
export function toTsMlsExternalPub(suite: CipherSuite, groupInfo: Uint8Array, signerKey: Uint8Array): Uint8Array {
  const { version, groupInfo: gi } = groupInfoOf(groupInfo);
  const pub = readExternalPub(gi.extensions);
  if (pub === undefined) throw new Error('GroupInfo has no external_pub');
  const exts = gi.extensions.map((e) => (e.extensionType === ExtensionType.external_pub ? { extensionType: e.extensionType, extensionData: pub.externalPub } : e));
  return resigned(suite, version, gi, exts, signerKey);
}

/** ts-mls 1.6.4 GroupInfo (bare key) → the RFC 9420 form, re-signed by `signerKey`. */
export function toRfcExternalPub(suite: CipherSuite, groupInfo: Uint8Array, signerKey: Uint8Array): Uint8Array {
  const { version, groupInfo: gi } = groupInfoOf(groupInfo);
  const exts = gi.extensions.map((e) => (e.extensionType === ExtensionType.external_pub ? externalPubExtension({ externalPub: e.extensionData }) : e));
  return resigned(suite, version, gi, exts, signerKey);
}
