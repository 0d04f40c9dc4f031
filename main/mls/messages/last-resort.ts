// The last_resort KeyPackage extension (MLS extensions registry, 0x000a): an
// empty marker saying the KeyPackage may be handed out more than once when a
// client's supply runs out (RFC 9420 §16.8 discusses the reuse it permits).

import { ExtensionType, findExtension, type Extension } from '../extensions/extension.js';
import type { KeyPackage } from './key-package.js';

export function lastResortExtension(): Extension {
  return { extensionType: ExtensionType.last_resort, extensionData: new Uint8Array(0) };
}

export function isLastResort(kp: KeyPackage): boolean {
  return findExtension(kp.extensions, ExtensionType.last_resort) !== undefined;
}
