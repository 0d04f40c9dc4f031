// A claimed KeyPackage is checked before it goes into a commit: the engine's
// RFC 9420 §10.1 validation, plus Arbor's own expectations (the credential
// names the device the server said it belongs to; it supports the metadata
// extension every Arbor group carries, §13.4). One bad package must not make
// the whole add fail.

import { suiteOf } from '../mls/group/state.js';
import { parseKeyPackage, type GroupState } from '../mls/index.js';
import { validateKeyPackage } from '../mls/messages/key-package-validation.js';
import { CredentialType } from '../mls/tree/credential.js';
import { parseCredentialIdentity, sameDevice, type DeviceName } from './identity.js';
import { METADATA_EXTENSION_TYPE } from './metadata.js';

/** Why the package cannot be added, or undefined when it can. */
export function checkKeyPackage(state: GroupState, bytes: Uint8Array, device: DeviceName): string | undefined {
  try {
    const kp = parseKeyPackage(bytes);
    const cred = kp.leafNode.credential;
    if (cred.credentialType !== CredentialType.basic || !('identity' in cred)) return 'not a basic credential';
    const named = parseCredentialIdentity(cred.identity);
    if (named === undefined || !sameDevice(named, device)) return `its credential names ${named === undefined ? 'no Arbor device' : `${named.userId}/${named.deviceId}`}`;
    if (!kp.leafNode.capabilities.extensions.includes(METADATA_EXTENSION_TYPE)) return 'it does not support the conversation metadata extension';
    validateKeyPackage(suiteOf(state), kp, { now: BigInt(Math.floor(Date.now() / 1000)) });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
