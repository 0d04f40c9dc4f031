// Facts the messenger reads off the engine's group state: who is in it (by the
// Arbor identity in each credential), the title, the pending self-removals.

import { SenderType } from '../mls/framing/sender.js';
import { epochAuthenticator, groupContextExtensions, memberAt, members, type GroupState } from '../mls/index.js';
import { ProposalType } from '../mls/messages/proposal.js';
import type { MemberRow } from '../store/conversation-store.js';
import { parseCredentialIdentity } from './identity.js';
import { readMetadata } from './metadata.js';
import { safetyCode } from './safety-code.js';

/** Members with an Arbor identity (a leaf with another credential is not shown: no Arbor client makes one). */
export function memberRows(state: GroupState): MemberRow[] {
  const out: MemberRow[] = [];
  for (const m of members(state)) {
    const d = parseCredentialIdentity(m.identity);
    if (d !== undefined) out.push({ leafIndex: m.leafIndex, userId: d.userId, deviceId: d.deviceId });
  }
  return out;
}

export function leafDevice(state: GroupState, leaf: number): { userId: string; deviceId: string } | undefined {
  const m = memberAt(state, leaf);
  return m === undefined ? undefined : parseCredentialIdentity(m.identity);
}

export function titleOf(state: GroupState): string {
  return readMetadata(groupContextExtensions(state)).title;
}

export function safetyCodeOf(state: GroupState): string {
  return safetyCode(epochAuthenticator(state));
}

/** Leaves that asked to leave in this epoch (a Remove proposal of the sender's own leaf). */
export function selfRemovals(state: GroupState): Set<number> {
  const out = new Set<number>();
  for (const p of state.pendingProposals) {
    if (p.proposal.proposalType === ProposalType.remove && p.sender.senderType === SenderType.member && p.sender.leafIndex === p.proposal.remove.removed) {
      out.add(p.proposal.remove.removed);
    }
  }
  return out;
}

export function hasPendingProposals(state: GroupState): boolean {
  return state.pendingProposals.length > 0;
}

export interface MembershipChange {
  /** Users with no device before and at least one after. */
  readonly joined: string[];
  /** Users with devices before and none after. */
  readonly gone: string[];
  /** Users present before and after whose devices or device keys changed. */
  readonly devicesChanged: string[];
  readonly removedDevices: { userId: string; deviceId: string }[];
}

function deviceKeys(state: GroupState): Map<string, Map<string, string>> {
  const byUser = new Map<string, Map<string, string>>();
  for (const m of members(state)) {
    const d = parseCredentialIdentity(m.identity);
    if (d === undefined) continue;
    let devs = byUser.get(d.userId);
    if (devs === undefined) byUser.set(d.userId, (devs = new Map()));
    devs.set(d.deviceId, Buffer.from(m.signatureKey).toString('hex'));
  }
  return byUser;
}

export function membershipChange(before: GroupState, after: GroupState): MembershipChange {
  const a = deviceKeys(before);
  const b = deviceKeys(after);
  const joined = [...b.keys()].filter((u) => !a.has(u)).sort();
  const gone = [...a.keys()].filter((u) => !b.has(u)).sort();
  const devicesChanged: string[] = [];
  const removedDevices: { userId: string; deviceId: string }[] = [];
  for (const [u, devsA] of a) {
    const devsB = b.get(u);
    for (const d of devsA.keys()) if (devsB?.has(d) !== true) removedDevices.push({ userId: u, deviceId: d });
    if (devsB === undefined) continue;
    const same = devsA.size === devsB.size && [...devsA].every(([d, k]) => devsB.get(d) === k);
    if (!same) devicesChanged.push(u);
  }
  return { joined, gone, devicesChanged: devicesChanged.sort(), removedDevices };
}
