// RFC 9420 §8.4, §8.6: finding the secret of each PreSharedKeyID a commit or
// Welcome names. External PSKs (and resumption PSKs of other groups) come from
// the caller's lookup; resumption PSKs of this group from the state.

import type { CipherSuite } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { computePskSecret, PSKType, type PreSharedKeyID, type PskInput } from '../schedule/psk.js';
import { equalBytes, toHex } from '../util/bytes.js';
import type { GroupState } from './state.js';

/** The caller's PSK store: the secret for an id, or undefined when it is unknown. */
export type PskLookup = (id: PreSharedKeyID) => Uint8Array | undefined;

function describe(id: PreSharedKeyID): string {
  return id.psktype === PSKType.external ? `external PSK ${toHex(id.pskId)}` : `resumption PSK of group ${toHex(id.pskGroupId)} epoch ${id.pskEpoch}`;
}

/**
 * The PSK secret of one id, or a ValidationError naming the missing PSK: §12.4.2 "Verify that all PreSharedKey
 * proposals in the proposals vector are available"; §12.4.3.1 "If a PreSharedKeyID is part of the GroupSecrets and
 * the client is not in possession of the corresponding PSK, return an error." Past epochs' resumption PSKs are
 * kept per GroupConfig.resumptionPsksKept (§8.6, local policy).
 */
export function findPsk(id: PreSharedKeyID, state: GroupState | undefined, lookup: PskLookup | undefined): Uint8Array {
  if (id.psktype === PSKType.resumption && state !== undefined && equalBytes(id.pskGroupId, state.groupContext.groupId)) {
    if (id.pskEpoch === state.groupContext.epoch) return state.keys.resumptionPsk;
    const past = state.resumptionPsks.find((r) => r.epoch === id.pskEpoch);
    if (past !== undefined) return past.psk;
  }
  const v = lookup?.(id);
  if (v === undefined) throw new ValidationError(`${describe(id)} is not available`);
  return v;
}

/** psk_secret for the ids in order (the all-zero vector when there are none). */
export function pskSecretFor(suite: CipherSuite, ids: readonly PreSharedKeyID[], state: GroupState | undefined, lookup: PskLookup | undefined): Uint8Array {
  const inputs: PskInput[] = ids.map((id) => ({ id, psk: findPsk(id, state, lookup) }));
  return computePskSecret(suite, inputs);
}
