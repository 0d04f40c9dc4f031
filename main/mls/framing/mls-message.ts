// RFC 9420 §6: MLSMessage, the envelope of everything MLS sends on the wire.

import { decode, type Decoder } from '../codec/decoder.js';
import { encode, type Encoder } from '../codec/encoder.js';
import { PROTOCOL_VERSION_MLS10 } from '../group/group-context.js';
import { decodeGroupInfo, encodeGroupInfo, type GroupInfo } from '../messages/group-info.js';
import { decodeKeyPackage, encodeKeyPackage, type KeyPackage } from '../messages/key-package.js';
import { decodeWelcome, encodeWelcome, type Welcome } from '../messages/welcome.js';
import { decodePrivateMessage, encodePrivateMessage, type PrivateMessage } from './private-message.js';
import { decodePublicMessage, encodePublicMessage, type PublicMessage } from './public-message.js';
import { decodeWireFormat, WireFormat } from './wire-format.js';

export type MLSMessageBody =
  | { readonly wireFormat: typeof WireFormat.mlsPublicMessage; readonly publicMessage: PublicMessage }
  | { readonly wireFormat: typeof WireFormat.mlsPrivateMessage; readonly privateMessage: PrivateMessage }
  | { readonly wireFormat: typeof WireFormat.mlsWelcome; readonly welcome: Welcome }
  | { readonly wireFormat: typeof WireFormat.mlsGroupInfo; readonly groupInfo: GroupInfo }
  | { readonly wireFormat: typeof WireFormat.mlsKeyPackage; readonly keyPackage: KeyPackage };

// RFC 9420 §6
export type MLSMessage = { readonly version: number } & MLSMessageBody;

export function encodeMLSMessage(e: Encoder, v: MLSMessage): void {
  e.u16(v.version).u16(v.wireFormat);
  switch (v.wireFormat) {
    case WireFormat.mlsPublicMessage:
      encodePublicMessage(e, v.publicMessage);
      return;
    case WireFormat.mlsPrivateMessage:
      encodePrivateMessage(e, v.privateMessage);
      return;
    case WireFormat.mlsWelcome:
      encodeWelcome(e, v.welcome);
      return;
    case WireFormat.mlsGroupInfo:
      encodeGroupInfo(e, v.groupInfo);
      return;
    case WireFormat.mlsKeyPackage:
      encodeKeyPackage(e, v.keyPackage);
      return;
  }
}

export function decodeMLSMessage(d: Decoder): MLSMessage {
  const version = d.u16('version');
  if (version !== PROTOCOL_VERSION_MLS10) d.fail('version', `unsupported protocol version ${version}`);
  const wireFormat = decodeWireFormat(d);
  switch (wireFormat) {
    case WireFormat.mlsPublicMessage:
      return { version, wireFormat, publicMessage: d.field('public_message', decodePublicMessage) };
    case WireFormat.mlsPrivateMessage:
      return { version, wireFormat, privateMessage: d.field('private_message', decodePrivateMessage) };
    case WireFormat.mlsWelcome:
      return { version, wireFormat, welcome: d.field('welcome', decodeWelcome) };
    case WireFormat.mlsGroupInfo:
      return { version, wireFormat, groupInfo: d.field('group_info', decodeGroupInfo) };
    case WireFormat.mlsKeyPackage:
      return { version, wireFormat, keyPackage: d.field('key_package', decodeKeyPackage) };
  }
}

export function mlsMessageBytes(v: MLSMessage): Uint8Array {
  return encode(encodeMLSMessage, v);
}

/** Decodes a whole MLSMessage; trailing bytes are an error. */
export function parseMLSMessage(bytes: Uint8Array): MLSMessage {
  return decode(decodeMLSMessage, bytes, 'MLSMessage');
}
