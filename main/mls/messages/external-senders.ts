// RFC 9420 §12.1.8.1: the external_senders GroupContext extension, the signers
// allowed to send proposals from outside the group (sender type `external`,
// whose sender_index indexes this list).

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { ExtensionType, type Extension } from '../extensions/extension.js';
import { decodeCredential, encodeCredential, type Credential } from '../tree/credential.js';
import { makeExtension, readExtension } from './extension-payload.js';

// RFC 9420 §12.1.8.1
export interface ExternalSender {
  readonly signatureKey: Uint8Array;
  readonly credential: Credential;
}

export function encodeExternalSender(e: Encoder, v: ExternalSender): void {
  e.opaque(v.signatureKey);
  encodeCredential(e, v.credential);
}

export function decodeExternalSender(d: Decoder): ExternalSender {
  const signatureKey = d.opaque('signature_key');
  const credential = d.field('credential', decodeCredential);
  return { signatureKey, credential };
}

/** RFC 9420 §12.1.8.1: ExternalSender external_senders<V>; */
export function encodeExternalSenders(e: Encoder, v: readonly ExternalSender[]): void {
  e.vector(v, encodeExternalSender);
}

export function decodeExternalSenders(d: Decoder): ExternalSender[] {
  return d.vector('external_senders', decodeExternalSender);
}

export function readExternalSenders(list: readonly Extension[]): ExternalSender[] | undefined {
  return readExtension(list, ExtensionType.external_senders, 'ExternalSenders', decodeExternalSenders);
}

export function externalSendersExtension(v: readonly ExternalSender[]): Extension {
  return makeExtension(ExtensionType.external_senders, encodeExternalSenders, v);
}
