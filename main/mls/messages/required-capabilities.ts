// RFC 9420 §11.1: the required_capabilities GroupContext extension, the
// non-default extension, proposal and credential types every member must support.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { ExtensionType, type Extension } from '../extensions/extension.js';
import { makeExtension, readExtension } from './extension-payload.js';

// RFC 9420 §11.1
export interface RequiredCapabilities {
  readonly extensionTypes: readonly number[];
  readonly proposalTypes: readonly number[];
  readonly credentialTypes: readonly number[];
}

const u16 = (e: Encoder, v: number): void => {
  e.u16(v);
};

export function encodeRequiredCapabilities(e: Encoder, v: RequiredCapabilities): void {
  e.vector(v.extensionTypes, u16).vector(v.proposalTypes, u16).vector(v.credentialTypes, u16);
}

export function decodeRequiredCapabilities(d: Decoder): RequiredCapabilities {
  const extensionTypes = d.vector('extension_types', (s) => s.u16('extension_type'));
  const proposalTypes = d.vector('proposal_types', (s) => s.u16('proposal_type'));
  const credentialTypes = d.vector('credential_types', (s) => s.u16('credential_type'));
  return { extensionTypes, proposalTypes, credentialTypes };
}

export function readRequiredCapabilities(list: readonly Extension[]): RequiredCapabilities | undefined {
  return readExtension(list, ExtensionType.required_capabilities, 'RequiredCapabilities', decodeRequiredCapabilities);
}

export function requiredCapabilitiesExtension(v: RequiredCapabilities): Extension {
  return makeExtension(ExtensionType.required_capabilities, encodeRequiredCapabilities, v);
}
