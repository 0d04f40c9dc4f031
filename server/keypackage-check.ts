// The KeyPackage directory's admission rule: a package is stored only when it
// is small, a valid KeyPackage by the engine (RFC 9420 §10.1, its lifetime
// covering now), in an Arbor cipher suite, and the uploader's own: its leaf's
// credential names the uploading device and its signature key is that
// device's registered key (identity.ts).

import { checkKeyPackage } from '../main/mls/index.js';
import { devKey, deviceOfCredential, sameDevice } from './identity.js';
import { engine } from './public-states.js';
import { ErrorCode, ProtocolError } from './protocol.js';
import type { DeviceRecord, KeyPackageInput } from './storage/types.js';

/** SQLite integers are signed 64-bit: a later expiry is stored as this (never reached). */
const MAX_NOT_AFTER = (1n << 63n) - 1n;

export interface KeyPackageRules {
  readonly maxBytes: number;
  readonly suites: readonly number[];
}

export function admitKeyPackage(bytes: Uint8Array, field: string, owner: DeviceRecord, rules: KeyPackageRules, nowSeconds: bigint): KeyPackageInput {
  if (bytes.length > rules.maxBytes) throw new ProtocolError(ErrorCode.tooLarge, `${field}: ${bytes.length} bytes, a KeyPackage may have at most ${rules.maxBytes}`);
  const kp = engine(field, () => checkKeyPackage(bytes, { now: nowSeconds }));
  if (!rules.suites.includes(kp.cipherSuite)) {
    throw new ProtocolError(ErrorCode.badMessage, `${field}: cipher suite ${kp.cipherSuite} is not one this server accepts (${rules.suites.join(', ')})`);
  }
  const leaf = kp.leafNode;
  const d = deviceOfCredential(leaf.credential);
  if (typeof d === 'string') throw new ProtocolError(ErrorCode.badCredential, `${field}: ${d}`);
  if (!sameDevice(d, owner)) throw new ProtocolError(ErrorCode.badCredential, `${field}: the credential names ${devKey(d)}; a device uploads only its own KeyPackages (${devKey(owner)})`);
  if (Buffer.compare(Buffer.from(leaf.signatureKey), Buffer.from(owner.publicKey)) !== 0) {
    throw new ProtocolError(ErrorCode.badCredential, `${field}: signature_key is not the registered key of ${devKey(owner)}`);
  }
  if (leaf.leafNodeSource !== 1 || !('lifetime' in leaf)) throw new ProtocolError(ErrorCode.badMessage, `${field}: the leaf has no lifetime`);
  const notAfter = leaf.lifetime.notAfter > MAX_NOT_AFTER ? MAX_NOT_AFTER : leaf.lifetime.notAfter;
  return { data: bytes, notAfter };
}
