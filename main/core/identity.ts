// How an Arbor client names itself in MLS: a basic credential (RFC 9420 §5.3)
// whose identity is the UTF-8 string "<userId>/<deviceId>" of its account on the
// delivery service (docs/protocol.md). Both ids are 1-64 of A-Z a-z 0-9 . _ @ -,
// so "/" cannot occur inside either.

const ID = /^[A-Za-z0-9._@-]{1,64}$/;

export interface DeviceName {
  readonly userId: string;
  readonly deviceId: string;
}

export function isDsId(s: string): boolean {
  return ID.test(s);
}

export function credentialIdentity(d: DeviceName): Uint8Array {
  if (!isDsId(d.userId) || !isDsId(d.deviceId)) throw new RangeError(`not a user/device id pair: ${JSON.stringify(d)}`);
  return new TextEncoder().encode(`${d.userId}/${d.deviceId}`);
}

/** The device a credential identity names, or undefined when it is not an Arbor identity. */
export function parseCredentialIdentity(bytes: Uint8Array): DeviceName | undefined {
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const i = s.indexOf('/');
  if (i < 0) return undefined;
  const userId = s.slice(0, i);
  const deviceId = s.slice(i + 1);
  return isDsId(userId) && isDsId(deviceId) ? { userId, deviceId } : undefined;
}

export function sameDevice(a: DeviceName, b: DeviceName): boolean {
  return a.userId === b.userId && a.deviceId === b.deviceId;
}
