// How an MLS leaf names an Arbor device (docs/protocol.md §3.3). Every Arbor
// client uses a basic credential (RFC 9420 §5.3) whose identity is the UTF-8
// string `<userId>/<deviceId>` (both DS ids, which cannot contain `/`), and
// uses its DS Ed25519 key as its MLS signature key. So for every leaf that
// enters a group's tree the DS can check that the credential names a
// registered device and that the leaf's signature_key is that device's key:
// nobody can put a leaf in a group in someone else's name, because the leaf's
// own signature (verified by the engine) needs that key.

import { basicCredentialIdentity, type Credential } from '../main/mls/index.js';
import type { LeafNode } from '../main/mls/tree/leaf-node.js';
import { ErrorCode, ProtocolError } from './protocol.js';
import type { DeviceRef } from './storage/types.js';

const ID = /^[A-Za-z0-9._@-]{1,64}$/;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** The basic credential identity of a device: utf8(`${userId}/${deviceId}`). */
export function credentialIdentity(d: DeviceRef): Uint8Array {
  return enc.encode(`${d.userId}/${d.deviceId}`);
}

/** The device a credential names, or a sentence saying why it names none. */
export function deviceOfCredential(c: Credential): DeviceRef | string {
  const id = basicCredentialIdentity(c);
  if (id === undefined) return `credential type ${c.credentialType} is not basic (1)`;
  let s: string;
  try {
    s = dec.decode(id);
  } catch {
    return 'credential identity is not UTF-8';
  }
  const slash = s.indexOf('/');
  const userId = s.slice(0, slash);
  const deviceId = s.slice(slash + 1);
  if (slash < 0 || !ID.test(userId) || !ID.test(deviceId)) return `credential identity ${JSON.stringify(s.slice(0, 140))} is not <userId>/<deviceId>`;
  return { userId, deviceId };
}

export const devKey = (d: DeviceRef): string => `${d.userId}/${d.deviceId}`;

export const sameDevice = (a: DeviceRef, b: DeviceRef): boolean => a.userId === b.userId && a.deviceId === b.deviceId;

/** Looks up a registered device's Ed25519 public key. */
export type KeyLookup = (d: DeviceRef) => Promise<Uint8Array | undefined>;

function badCredential(where: string, why: string): ProtocolError {
  return new ProtocolError(ErrorCode.badCredential, `${where}: ${why}`);
}

/**
 * The device a leaf belongs to, after checking the Arbor rule: a basic
 * `<userId>/<deviceId>` credential of a registered device whose key is the
 * leaf's signature_key. Throws bad_credential naming `where` otherwise.
 */
export async function leafDevice(leaf: LeafNode, where: string, keyOf: KeyLookup): Promise<DeviceRef> {
  const d = deviceOfCredential(leaf.credential);
  if (typeof d === 'string') throw badCredential(where, d);
  const key = await keyOf(d);
  if (key === undefined) throw badCredential(where, `names ${devKey(d)}, which is not a registered device`);
  if (Buffer.compare(Buffer.from(key), Buffer.from(leaf.signatureKey)) !== 0) {
    throw badCredential(where, `signature_key is not the registered key of ${devKey(d)}`);
  }
  return d;
}

/** A memoizing KeyLookup over a storage getter, for one request. */
export function keyLookup(get: (userId: string, deviceId: string) => Promise<{ publicKey: Uint8Array } | undefined>): KeyLookup {
  const seen = new Map<string, Promise<Uint8Array | undefined>>();
  return (d) => {
    const k = devKey(d);
    let p = seen.get(k);
    if (p === undefined) seen.set(k, (p = get(d.userId, d.deviceId).then((r) => r?.publicKey)));
    return p;
  };
}
