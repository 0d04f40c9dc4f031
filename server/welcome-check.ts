// The Welcomes posted with a commit, against the devices the commit invites:
// each addressee must be invited by this commit and have an entry in that
// Welcome (its KeyPackageRef, RFC 9420 §12.4.3.1), each invited device must be
// the addressee of exactly one Welcome, and a Welcome is in the group's suite.

import { welcomeRecipients } from '../main/mls/index.js';
import { devKey } from './identity.js';
import { engine } from './public-states.js';
import { ErrorCode, ProtocolError } from './protocol.js';
import type { InvitedDevice } from './roster-change.js';
import type { DeviceRef } from './storage/types.js';

export interface PostedWelcome {
  readonly data: Uint8Array;
  readonly to: readonly DeviceRef[];
}

export function checkWelcomes(welcomes: readonly PostedWelcome[], invited: readonly InvitedDevice[], cipherSuite: number): void {
  const bad = (why: string): ProtocolError => new ProtocolError(ErrorCode.badRoster, why);
  const byDevice = new Map(invited.map((i) => [devKey(i.device), i]));
  const addressed = new Set<string>();
  welcomes.forEach((w, i) => {
    const field = `welcomes[${i}].welcome`;
    const r = engine(field, () => welcomeRecipients(w.data));
    if (r.cipherSuite !== cipherSuite) throw new ProtocolError(ErrorCode.badMessage, `${field}: cipher suite ${r.cipherSuite}, the group uses ${cipherSuite}`);
    const refs = new Set(r.keyPackageRefs.map((x) => Buffer.from(x).toString('hex')));
    w.to.forEach((t, j) => {
      const k = devKey(t);
      const inv = byDevice.get(k);
      if (inv === undefined) throw bad(`welcomes[${i}].to[${j}]: ${k} is not added by this commit`);
      if (addressed.has(k)) throw bad(`welcomes[${i}].to[${j}]: ${k} is the addressee of another Welcome already`);
      if (!refs.has(Buffer.from(inv.keyPackageRef).toString('hex'))) throw bad(`welcomes[${i}]: has no entry for the KeyPackage that adds ${k}`);
      addressed.add(k);
    });
  });
  for (const inv of invited) {
    const k = devKey(inv.device);
    if (!addressed.has(k)) throw bad(`no Welcome for added device ${k}`);
  }
}
