// RFC 9420 §5.3.3: the application_id leaf-node extension, an opaque
// application-chosen identifier of the client.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { ExtensionType, type Extension } from '../extensions/extension.js';
import { makeExtension, readExtension } from './extension-payload.js';

// RFC 9420 §5.3.3: opaque application_id<V>;
export interface ApplicationId {
  readonly applicationId: Uint8Array;
}

export function encodeApplicationId(e: Encoder, v: ApplicationId): void {
  e.opaque(v.applicationId);
}

export function decodeApplicationId(d: Decoder): ApplicationId {
  return { applicationId: d.opaque('application_id') };
}

export function readApplicationId(list: readonly Extension[]): ApplicationId | undefined {
  return readExtension(list, ExtensionType.application_id, 'ApplicationId', decodeApplicationId);
}

export function applicationIdExtension(v: ApplicationId): Extension {
  return makeExtension(ExtensionType.application_id, encodeApplicationId, v);
}
