// Strict decoding of every tree structure: round trips, truncation, trailing
// bytes and unknown enum values (RFC 9420 §5.3, §7.1, §7.2, §7.6, §12.4.3.3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, Decoder } from '../../../main/mls/codec/decoder.js';
import { encode, Encoder } from '../../../main/mls/codec/encoder.js';
import { DecodeError } from '../../../main/mls/errors.js';
import { decodeCapabilities, encodeCapabilities } from '../../../main/mls/tree/capabilities.js';
import { CredentialType, decodeCredential, encodeCredential, type Credential } from '../../../main/mls/tree/credential.js';
import { decodeLeafNode, encodeLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { decodeLifetime, encodeLifetime } from '../../../main/mls/tree/lifetime.js';
import { decodeNode, encodeNode, NodeType } from '../../../main/mls/tree/node.js';
import { decodeParentNode, encodeParentNode } from '../../../main/mls/tree/parent-node.js';
import { decodeRatchetTree, encodeRatchetTree, ratchetTreeBytes, ratchetTreeFromBytes } from '../../../main/mls/tree/ratchet-tree-codec.js';
import { decodeUpdatePath, encodeUpdatePath } from '../../../main/mls/tree/update-path.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { createUpdatePath } from '../../../main/mls/tree/treekem.js';
import { contextFor, groupId, growGroup, newMember, suite } from './fixtures.js';

type Codec<T> = [string, (e: Encoder, v: T) => void, (d: Decoder) => T, T];

const member = newMember('alice');
const parent = { encryptionKey: new Uint8Array(32).fill(7), parentHash: new Uint8Array(32).fill(9), unmergedLeaves: [1, 4] } as never;
const group = growGroup(3);
const x509: Credential = { credentialType: CredentialType.x509, certificates: [{ certData: utf8('cert one') }, { certData: utf8('cert two') }] };

const codecs: Codec<never>[] = [
  ['Credential basic', encodeCredential, decodeCredential, member.leaf.credential] as never,
  ['Credential x509', encodeCredential, decodeCredential, x509] as never,
  ['Capabilities', encodeCapabilities, decodeCapabilities, member.leaf.capabilities] as never,
  ['Lifetime', encodeLifetime, decodeLifetime, { notBefore: 5n, notAfter: 1n << 60n }] as never,
  ['LeafNode', encodeLeafNode, decodeLeafNode, member.leaf] as never,
  ['ParentNode', encodeParentNode, decodeParentNode, parent] as never,
  ['Node', encodeNode, decodeNode, { nodeType: NodeType.parent, parent }] as never,
  ['RatchetTree', encodeRatchetTree, decodeRatchetTree, group.tree] as never,
];

for (const [name, enc, dec, value] of codecs) {
  test(`${name}: round trip, truncation and a trailing byte`, () => {
    const bytes = encode(enc, value);
    assert.deepEqual(encode(enc, decode(dec, bytes, name)), bytes);
    for (const cut of [1, Math.floor(bytes.length / 2), bytes.length - 1]) {
      assert.throws(() => decode(dec, bytes.subarray(0, cut), name), DecodeError, `${name} cut at ${cut}`);
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => decode(dec, longer, name), (e: unknown) => e instanceof DecodeError && /trailing/.test(e.message));
  });
}

test('UpdatePath: round trip from a real commit, and strict decoding', () => {
  const g = growGroup(2);
  const c = g.members.get(0)!;
  const made = createUpdatePath({ suite, tree: g.tree, privateKeys: c.keys, signaturePrivateKey: c.signaturePrivateKey, groupId, groupContext: contextFor });
  const bytes = encode(encodeUpdatePath, made.updatePath);
  assert.equal(made.updatePath.nodes.length, 1);
  assert.deepEqual(encode(encodeUpdatePath, decode(decodeUpdatePath, bytes, 'UpdatePath')), bytes);
  assert.throws(() => decode(decodeUpdatePath, bytes.subarray(0, bytes.length - 1), 'UpdatePath'), DecodeError);
  assert.throws(() => decode(decodeUpdatePath, new Uint8Array([...bytes, 0]), 'UpdatePath'), DecodeError);
});

test('LeafNode: unknown or reserved leaf_node_source is a DecodeError naming the field', () => {
  const bytes = encode(encodeLeafNode, member.leaf);
  // The source byte follows encryption_key, signature_key, credential and capabilities.
  const d = new Decoder(bytes, 'LeafNode');
  d.opaque('encryption_key');
  d.opaque('signature_key');
  decodeCredential(d);
  decodeCapabilities(d);
  const at = d.offset;
  assert.equal(bytes[at], 1);
  for (const bad of [0, 4, 255]) {
    const b = bytes.slice();
    b[at] = bad;
    assert.throws(
      () => decode(decodeLeafNode, b, 'LeafNode'),
      (e: unknown) => e instanceof DecodeError && e.message.includes('leaf_node_source') && e.message.includes(`${bad}`),
    );
  }
});

test('Node: unknown node type and a bad optional presence byte', () => {
  const bytes = encode(encodeNode, { nodeType: NodeType.parent, parent } as never);
  assert.throws(() => decode(decodeNode, new Uint8Array([3, ...bytes.subarray(1)]), 'Node'), /unknown node type 3/);
  assert.throws(() => decode(decodeNode, new Uint8Array([0, ...bytes.subarray(1)]), 'Node'), DecodeError);
  const tree = ratchetTreeBytes(group.tree);
  // The first optional<Node> presence byte follows the vector's varint header (2 bytes here).
  const t = tree.slice();
  assert.equal(t[2], 1);
  t[2] = 2;
  assert.throws(() => ratchetTreeFromBytes(t), (e: unknown) => e instanceof DecodeError && /presence byte 2/.test(e.message));
});

test('Credential: reserved type 0 rejected; an unknown type is carried as opaque bytes', () => {
  assert.throws(() => decode(decodeCredential, new Uint8Array([0, 0, 0]), 'Credential'), /reserved/);
  const custom = decode(decodeCredential, new Uint8Array([0xf0, 0x01, 2, 0xaa, 0xbb]), 'Credential');
  assert.deepEqual(custom, { credentialType: 0xf001, data: new Uint8Array([0xaa, 0xbb]) });
  assert.deepEqual(encode(encodeCredential, custom), new Uint8Array([0xf0, 0x01, 2, 0xaa, 0xbb]));
  // An x509 credential's chain is the Authentication Service's to judge (§5.3.1), even an empty one.
  assert.deepEqual(decode(decodeCredential, new Uint8Array([0, 2, 0]), 'Credential'), { credentialType: 2, certificates: [] });
});

test('ratchet_tree: trailing blank node, empty tree, and a node at the wrong position are rejected', () => {
  const good = ratchetTreeBytes(group.tree);
  const e = new Encoder();
  e.vector([...group.tree.nodes.filter((_, i) => i < 5), undefined], (e2, n) => void e2.optional(n, encodeNode));
  assert.throws(() => ratchetTreeFromBytes(e.finish()), /last node is blank/);
  assert.throws(() => ratchetTreeFromBytes(new Uint8Array([0])), /empty/);
  const swapped = new Encoder();
  swapped.vector([group.tree.nodes[1], group.tree.nodes[0]], (e2, n) => void e2.optional(n, encodeNode));
  assert.throws(() => ratchetTreeFromBytes(swapped.finish()), (err: unknown) => err instanceof DecodeError && /position 0/.test(err.message));
  assert.deepEqual(ratchetTreeBytes(ratchetTreeFromBytes(good)), good);
});
