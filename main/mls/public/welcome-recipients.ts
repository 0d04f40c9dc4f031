// Who a Welcome is for, as anyone can read it (RFC 9420 §12.4.3.1): its cipher
// suite and the KeyPackageRef of each new member it carries secrets for. A
// delivery service compares these with the KeyPackages a commit adds, so a
// Welcome addressed to a device really is that device's.

import type { CipherSuiteId } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { parseMLSMessage } from '../framing/mls-message.js';
import { WireFormat } from '../framing/wire-format.js';

export interface WelcomeRecipients {
  readonly cipherSuite: CipherSuiteId;
  /** KeyPackageRef of each EncryptedGroupSecrets entry, in order. */
  readonly keyPackageRefs: readonly Uint8Array[];
}

/** Reads MLSMessage(Welcome) bytes (DecodeError when malformed, ValidationError for another wire format). */
export function welcomeRecipients(bytes: Uint8Array): WelcomeRecipients {
  const m = parseMLSMessage(bytes);
  if (m.wireFormat !== WireFormat.mlsWelcome) throw new ValidationError(`expected an MLSMessage(Welcome), got wire format ${m.wireFormat}`);
  return { cipherSuite: m.welcome.cipherSuite, keyPackageRefs: m.welcome.secrets.map((s) => s.newMember) };
}
