// Helpers shared by the interop tests: delivering a message to several members
// and checking that every member derived the same epoch.
import assert from 'node:assert/strict';
import { parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { ContentType } from '../../main/mls/framing/content-type.js';
import type { Commit } from '../../main/mls/messages/commit.js';
import { ratchetTreeFromBytes } from '../../main/mls/tree/ratchet-tree-codec.js';
import { NodeType } from '../../main/mls/tree/node.js';
import { directPath, leafIndex, leafToNode, nodeIndex, type NodeIndex } from '../../main/mls/tree/math.js';
import type { InteropPeer, Processed } from './peer.js';
import { utf8 } from './peer.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** required_capabilities (RFC 9420 §11.1) demanding only the basic credential: a GroupContext extension every member supports. */
export const REQUIRED_CAPABILITIES_EXT = {
  extensionType: 3,
  // extension_types<V> = [], proposal_types<V> = [], credential_types<V> = [basic (1)]
  extensionData: Uint8Array.from([0x00, 0x00, 0x02, 0x00, 0x01]),
};

/** Hands one MLSMessage to each receiver, in order; a commit must move each to the same new epoch. */
export async function deliver(message: Uint8Array, receivers: InteropPeer[]): Promise<Processed[]> {
  const out: Processed[] = [];
  for (const r of receivers) {
    try {
      out.push(await r.process(message));
    } catch (err) {
      throw new Error(`${r.identity} (${r.impl}) failed to process: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

/** The MLS-Exporter call allAgree compares (RFC 9420 §8.5). */
export interface ExporterCall {
  readonly label: string;
  readonly context: Uint8Array;
}

const INTEROP_EXPORTER: ExporterCall = { label: 'interop', context: utf8('interop context') };

/**
 * Every member is in the same epoch with the same MLS-Exporter secret and member list, and the same
 * epoch authenticator among those implementations that expose one.
 */
export async function allAgree(peers: InteropPeer[], exporter: ExporterCall = INTEROP_EXPORTER): Promise<void> {
  const [first, ...rest] = peers;
  if (first === undefined) return;
  const auths = peers.flatMap((p) => {
    const a = p.epochAuthenticator();
    return a === undefined ? [] : [{ p, a: hex(a) }];
  });
  const ref = {
    epoch: first.epoch(),
    exp: hex(await first.exportSecret(exporter.label, exporter.context, 32)),
    members: first.members(),
  };
  for (const p of rest) {
    const who: string = `${p.identity} (${p.impl}) vs ${first.identity} (${first.impl})`;
    assert.equal(p.epoch(), ref.epoch, `epoch: ${who}`);
    assert.equal(hex(await p.exportSecret(exporter.label, exporter.context, 32)), ref.exp, `MLS-Exporter: ${who}`);
    assert.deepEqual(p.members(), ref.members, `members: ${who}`);
  }
  for (const { p, a } of auths.slice(1)) {
    assert.equal(a, auths[0]!.a, `epoch_authenticator: ${p.identity} (${p.impl}) vs ${auths[0]!.p.identity} (${auths[0]!.p.impl})`);
  }
}

/** Every member sends an application message that every other member reads. */
export async function exchange(peers: InteropPeer[], label = 'msg'): Promise<void> {
  for (const from of peers) {
    const text = `${label} from ${from.identity} (${from.impl})`;
    const ct = await from.encrypt(utf8(text));
    for (const to of peers) {
      if (to === from) continue;
      let r: Processed;
      try {
        r = await to.process(ct);
      } catch (err) {
        throw new Error(`${to.identity} (${to.impl}) could not read "${text}": ${(err as Error).message}`, { cause: err });
      }
      assert.equal(r.kind, 'application', `${to.identity} reads an application message`);
      if (r.kind === 'application') assert.equal(new TextDecoder().decode(r.data), text);
    }
  }
}

/** The Commit inside a PublicMessage MLSMessage, decoded by Arbor's framing layer (so it can be inspected on the wire). */
export function publicCommit(bytes: Uint8Array): Commit {
  const m = parseMLSMessage(bytes);
  assert.equal(m.wireFormat, WireFormat.mlsPublicMessage, 'a PublicMessage');
  if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('unreachable');
  const c = m.publicMessage.content;
  assert.equal(c.contentType, ContentType.commit, 'a commit');
  if (c.contentType !== ContentType.commit) throw new Error('unreachable');
  return c.commit;
}

/**
 * True when some parent P lists an unmerged leaf L while another non-blank ancestor of L lists a different
 * set: valid per RFC 9420 §12.4.3.1 (only nodes between L and P must list L; a later path resets the ones
 * above), but ts-mls 1.6.4's tree validation demands identical lists on every ancestor and refuses to join.
 */
export function hasUnevenUnmergedLeaves(treeBytes: Uint8Array): boolean {
  const tree = ratchetTreeFromBytes(treeBytes);
  const unmergedAt = (x: NodeIndex): readonly number[] | undefined => {
    const n = tree.node(x);
    return n !== undefined && n.nodeType === NodeType.parent ? n.parent.unmergedLeaves : undefined;
  };
  for (let x = 1; x < tree.width; x += 2) {
    const here = unmergedAt(nodeIndex(x));
    for (const l of here ?? []) {
      for (const q of directPath(leafToNode(leafIndex(l)), tree.nLeaves)) {
        const there = unmergedAt(q);
        if (there !== undefined && there.join() !== here!.join()) return true;
      }
    }
  }
  return false;
}

/** The identity at each leaf (undefined: blank), from a TLS-encoded ratchet tree. */
export function leafIdentities(treeBytes: Uint8Array): (string | undefined)[] {
  const tree = ratchetTreeFromBytes(treeBytes);
  const out: (string | undefined)[] = [];
  for (let l = 0; l < tree.nLeaves; l++) {
    const leaf = tree.leaf(leafIndex(l));
    out.push(leaf !== undefined && 'identity' in leaf.credential ? new TextDecoder().decode(leaf.credential.identity) : undefined);
  }
  return out;
}

/**
 * Whether, once `leaves` (identity or blank per leaf, after the commit's Adds and Removes, before
 * truncation) is truncated as RFC 9420 §12.1.3 says, the root is off `committer`'s filtered direct path:
 * the root's other half is all blank. ts-mls 1.6.4 then derives a different commit_secret.
 */
export function rootOffFilteredPath(leaves: readonly (string | undefined)[], committer: string): boolean {
  let n = 1;
  while (n < leaves.length) n *= 2;
  const occ = Array.from({ length: n }, (_, i) => leaves[i] !== undefined);
  while (n > 1 && occ.slice(n / 2, n).every((x) => !x)) n /= 2;
  if (n < 2) return false;
  const c = leaves.indexOf(committer);
  const half = n / 2;
  const other = c < half ? occ.slice(half, n) : occ.slice(0, half);
  return other.every((x) => !x);
}
