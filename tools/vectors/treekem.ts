// treekem.json (mlswg/mls-implementations test-vectors.md "TreeKEM"): every
// receiver processes each given UpdatePath and finds the given path secret and
// commit secret, the merged tree has the given hash; then the sender makes a new
// UpdatePath and every other member processes it to the same commit secret.
import { decode } from '../../main/mls/codec/decoder.js';
import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import type { GroupContext } from '../../main/mls/group/group-context.js';
import { PROTOCOL_VERSION_MLS10 } from '../../main/mls/group/group-context.js';
import { leafIndex, nodeIndex, type LeafIndex } from '../../main/mls/tree/math.js';
import { checkPrivateKeys, newTreePrivateKeys, withPathSecret, type TreePrivateKeys } from '../../main/mls/tree/private-keys.js';
import { ratchetTreeBytes, ratchetTreeFromBytes } from '../../main/mls/tree/ratchet-tree-codec.js';
import { applyUpdatePath, createUpdatePath, mergeUpdatePath } from '../../main/mls/tree/treekem.js';
import { decodeUpdatePath } from '../../main/mls/tree/update-path.js';
import { fromHex } from '../../main/mls/util/bytes.js';
import { expectBytes, hex, num } from './check.js';

interface LeafPrivate {
  index: number;
  encryption_priv: string;
  signature_priv: string;
  path_secrets: { node: number; path_secret: string }[];
}

interface UpdatePathCase {
  sender: number;
  update_path: string;
  path_secrets: (string | null)[];
  commit_secret: string;
  tree_hash_after: string;
}

export function runCase(raw: unknown, provider: CryptoProvider): void {
  const c = raw as { leaves_private: LeafPrivate[]; update_paths: UpdatePathCase[]; epoch: number };
  const cs = num(raw, 'cipher_suite');
  if (!isCipherSuiteId(cs)) throw new Error(`unsupported cipher suite ${cs}`);
  const suite = provider.getSuite(cs);
  const groupId = hex(raw, 'group_id');
  const treeBytes = hex(raw, 'ratchet_tree');
  const tree = ratchetTreeFromBytes(treeBytes);
  const contextFor = (treeHash: Uint8Array): GroupContext => ({
    version: PROTOCOL_VERSION_MLS10,
    cipherSuite: cs,
    groupId,
    epoch: BigInt(c.epoch),
    treeHash,
    confirmedTranscriptHash: hex(raw, 'confirmed_transcript_hash'),
    extensions: [],
  });

  const privs = new Map<number, TreePrivateKeys>();
  const sigs = new Map<number, Uint8Array>();
  for (const lp of c.leaves_private) {
    let priv = newTreePrivateKeys(leafIndex(lp.index), fromHex(lp.encryption_priv));
    for (const ps of lp.path_secrets) priv = withPathSecret(suite, priv, nodeIndex(ps.node), fromHex(ps.path_secret));
    checkPrivateKeys(suite, tree, priv);
    privs.set(lp.index, priv);
    sigs.set(lp.index, fromHex(lp.signature_priv));
  }

  c.update_paths.forEach((up, u) => {
    const sender = leafIndex(up.sender);
    const path = decode(decodeUpdatePath, fromHex(up.update_path), 'update_path');
    const merged = mergeUpdatePath(suite, tree, sender, path, groupId);
    expectBytes(`update_paths[${u}] tree_hash_after`, merged.treeHash(suite), fromHex(up.tree_hash_after));
    for (const [j, priv] of privs) {
      if (j === sender || tree.isBlank(nodeIndex(2 * j))) continue;
      const r = applyUpdatePath({ suite, tree, privateKeys: priv, sender, updatePath: path, groupId, groupContext: contextFor });
      const want = up.path_secrets[j];
      if (typeof want !== 'string') throw new Error(`update_paths[${u}]: no path secret given for leaf ${j}`);
      expectBytes(`update_paths[${u}] leaf ${j} path secret`, r.pathSecret, fromHex(want));
      expectBytes(`update_paths[${u}] leaf ${j} commit secret`, r.commitSecret, fromHex(up.commit_secret));
      expectBytes(`update_paths[${u}] leaf ${j} tree hash`, r.treeHash, fromHex(up.tree_hash_after));
    }

    // Our own UpdatePath from the same sender, processed by every other member.
    const senderPriv = privs.get(sender);
    const sig = sigs.get(sender);
    if (senderPriv === undefined || sig === undefined) throw new Error(`update_paths[${u}]: no private state for sender ${sender}`);
    const mine = createUpdatePath({ suite, tree, privateKeys: senderPriv, signaturePrivateKey: sig, groupId, groupContext: contextFor });
    for (const [j, priv] of privs) {
      if (j === sender || tree.isBlank(nodeIndex(2 * j))) continue;
      const r = applyUpdatePath({ suite, tree, privateKeys: priv, sender: sender as LeafIndex, updatePath: mine.updatePath, groupId, groupContext: contextFor });
      expectBytes(`own update path from ${sender}: leaf ${j} commit secret`, r.commitSecret, mine.commitSecret);
      expectBytes(`own update path from ${sender}: leaf ${j} tree hash`, r.treeHash, mine.treeHash);
      checkPrivateKeys(suite, r.tree, r.privateKeys);
    }
    checkPrivateKeys(suite, mine.tree, mine.privateKeys);
    expectBytes('input tree unchanged', ratchetTreeBytes(tree), treeBytes);
  });
}
