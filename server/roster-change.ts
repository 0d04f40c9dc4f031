// What a commit changes in a group's roster, read from the tree change the
// public view computed (never from the committer's word), with the Arbor
// credential rule (identity.ts) applied to every leaf that enters or changes:
// - the committer's leaf is the posting device's own;
// - every added leaf (Add) names a registered device and carries its key;
// - a replaced leaf (Update, UpdatePath) keeps its device;
// - an external commit adds only its sender, and removes at most the sender's
//   own old leaf (a resync, RFC 9420 §12.4.3.2).

import type { LeafNode, PublicCommitResult } from '../main/mls/index.js';
import { encode } from '../main/mls/codec/encoder.js';
import { encodeLeafNode } from '../main/mls/tree/leaf-node.js';
import { devKey, deviceOfCredential, leafDevice, sameDevice, type KeyLookup } from './identity.js';
import { ErrorCode, ProtocolError } from './protocol.js';
import type { Access, DeviceRef } from './storage/types.js';

export interface InvitedDevice {
  readonly device: DeviceRef;
  /** The KeyPackageRef of its Add: its entry in the Welcome. */
  readonly keyPackageRef: Uint8Array;
}

export interface RosterChange {
  readonly access: Access;
  readonly invited: readonly InvitedDevice[];
  readonly joined: readonly DeviceRef[];
  /** Devices leaving the tree (not the resyncing device). */
  readonly removed: readonly DeviceRef[];
  /** The lists a client may declare in `add`/`remove`: leaves added and removed, so a resync is add [self], remove [self]. */
  readonly leavesAdded: readonly DeviceRef[];
  readonly leavesRemoved: readonly DeviceRef[];
}

function checkLeafSize(leaf: LeafNode, where: string, maxLeafBytes: number): void {
  const n = encode(encodeLeafNode, leaf).length;
  if (n > maxLeafBytes) throw new ProtocolError(ErrorCode.tooLarge, `${where}: the leaf is ${n} bytes, more than ${maxLeafBytes}`);
}

function storedDevice(leaf: LeafNode, where: string): DeviceRef {
  // Every leaf in a stored tree passed leafDevice when it entered; this only reads it back.
  const d = deviceOfCredential(leaf.credential);
  if (typeof d === 'string') throw new Error(`${where}: a stored leaf without an Arbor credential (${d})`);
  return d;
}

export async function rosterChange(r: PublicCommitResult, poster: DeviceRef, keyOf: KeyLookup, maxLeafBytes: number): Promise<RosterChange> {
  const bad = (why: string): ProtocolError => new ProtocolError(ErrorCode.badCredential, why);
  const tree = r.group.tree;
  let access: Access = 'member';
  const joined: DeviceRef[] = [];
  const leavesAdded: DeviceRef[] = [];
  const removedLeaves = r.removed.map((x) => storedDevice(x.leaf, `removed leaf ${x.index}`));

  if (r.external) {
    const j = r.joined!;
    checkLeafSize(j.leaf, 'commit: the joiner\'s leaf', maxLeafBytes);
    const d = await leafDevice(j.leaf, "commit: the joiner's leaf", keyOf);
    if (!sameDevice(d, poster)) throw bad(`commit: an external commit may only add its sender (${devKey(poster)}), not ${devKey(d)}`);
    for (const x of removedLeaves) {
      if (!sameDevice(x, poster)) throw bad(`commit: an external commit may only remove its sender's own old leaf, not ${devKey(x)}'s`);
    }
    leavesAdded.push(d);
    if (removedLeaves.length > 0) access = 'resync';
    else {
      access = 'external';
      joined.push(d);
    }
  } else {
    const leaf = tree.leaf(r.committer);
    if (leaf === undefined) throw new Error('internal: the committer has no leaf');
    const d = storedDevice(leaf, `committer leaf ${r.committer}`);
    if (!sameDevice(d, poster)) throw bad(`commit: signed by leaf ${r.committer} (${devKey(d)}), posted by ${devKey(poster)}`);
  }

  for (const c of r.changed) {
    const where = `commit: leaf ${c.index}`;
    checkLeafSize(c.after, where, maxLeafBytes);
    const after = await leafDevice(c.after, where, keyOf);
    const before = storedDevice(c.before, where);
    if (!sameDevice(after, before)) throw bad(`${where}: a leaf keeps its device; ${devKey(before)} cannot become ${devKey(after)}`);
  }

  const invited: InvitedDevice[] = [];
  for (const a of r.added) {
    const where = `commit: Add of leaf ${a.index}`;
    checkLeafSize(a.leaf, where, maxLeafBytes);
    const device = await leafDevice(a.leaf, where, keyOf);
    invited.push({ device, keyPackageRef: a.keyPackageRef });
    leavesAdded.push(device);
  }

  const removed = access === 'resync' ? removedLeaves.filter((x) => !sameDevice(x, poster)) : removedLeaves;
  return { access, invited, joined, removed, leavesAdded, leavesRemoved: removedLeaves };
}

/** The client's optional `add`/`remove` must state exactly the leaves the commit adds and removes. */
export function checkDeclared(declared: readonly DeviceRef[] | undefined, actual: readonly DeviceRef[], field: 'add' | 'remove'): void {
  if (declared === undefined) return;
  const a = declared.map(devKey).sort();
  const b = actual.map(devKey).sort();
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
    throw new ProtocolError(
      ErrorCode.badRoster,
      `${field}: [${a.join(', ')}] is not what the commit does; its tree change ${field === 'add' ? 'adds' : 'removes'} [${b.join(', ')}]`,
    );
  }
}
