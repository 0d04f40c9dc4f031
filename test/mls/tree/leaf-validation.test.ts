// RFC 9420 §7.3 leaf node checks, each failing with a ValidationError that names the leaf.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Encoder } from '../../../main/mls/codec/encoder.js';
import { ArgumentError, ValidationError } from '../../../main/mls/errors.js';
import { ExtensionType } from '../../../main/mls/extensions/extension.js';
import { CredentialType } from '../../../main/mls/tree/credential.js';
import { LeafNodeSource, signLeafNode, verifyLeafNode, type LeafNodeContent } from '../../../main/mls/tree/leaf-node.js';
import { validateLeafNode } from '../../../main/mls/tree/leaf-validation.js';
import type { LeafIndex } from '../../../main/mls/tree/math.js';
import { RatchetTree } from '../../../main/mls/tree/ratchet-tree.js';
import { addLeaf } from '../../../main/mls/tree/tree-changes.js';
import { validateRatchetTree } from '../../../main/mls/tree/tree-validation.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { groupId, newMember, suite } from './fixtures.js';

const m = newMember('carol');
const resign = (content: LeafNodeContent) => signLeafNode(suite, m.signaturePrivateKey, content);
const rejects = (fn: () => void, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof ValidationError && re.test((e as Error).message));

test('a good key_package leaf passes; source, lifetime and signature are checked', () => {
  validateLeafNode(suite, m.leaf, { expectedSource: LeafNodeSource.keyPackage, now: 1_700_000_000n }, 'leaf 0');
  rejects(() => validateLeafNode(suite, m.leaf, { expectedSource: LeafNodeSource.commit }, 'leaf 0'), /^leaf 0: leaf_node_source is key_package, expected commit$/);
  const short = resign({ ...m.leaf, lifetime: { notBefore: 10n, notAfter: 20n } } as LeafNodeContent);
  validateLeafNode(suite, short, {}, 'leaf 0'); // no clock given: lifetime not checked
  rejects(() => validateLeafNode(suite, short, { now: 21n }, 'leaf 0'), /lifetime \[10, 20\] does not cover the current time 21/);
  rejects(() => validateLeafNode(suite, { ...m.leaf, signatureKey: newMember('x').leaf.signatureKey }, {}, 'leaf 0'), /signature does not verify/);
});

test('update/commit leaves are signed with group id and leaf index', () => {
  const upd = signLeafNode(suite, m.signaturePrivateKey, { ...m.leaf, leafNodeSource: LeafNodeSource.update }, { groupId, leafIndex: 2 as LeafIndex });
  assert.equal(verifyLeafNode(suite, upd, { groupId, leafIndex: 2 as LeafIndex }), true);
  assert.equal(verifyLeafNode(suite, upd, { groupId, leafIndex: 3 as LeafIndex }), false);
  assert.throws(() => verifyLeafNode(suite, upd), ArgumentError);
  rejects(() => validateLeafNode(suite, upd, {}, 'leaf 2'), /without its group id and leaf index/);
});

test('credential type and extensions must be in the leaf capabilities; the AS hook is consulted', () => {
  const noCred = resign({ ...m.leaf, capabilities: { ...m.leaf.capabilities, credentials: [CredentialType.x509] } });
  rejects(() => validateLeafNode(suite, noCred, {}, 'leaf 1'), /^leaf 1: credential type 1 is not listed in its own capabilities$/);
  const ext = resign({ ...m.leaf, extensions: [{ extensionType: 0xff00, extensionData: new Uint8Array(0) }] });
  rejects(() => validateLeafNode(suite, ext, {}, 'leaf 1'), /extension 65280 is not listed/);
  // application_id is a default extension: no need to list it.
  validateLeafNode(suite, resign({ ...m.leaf, extensions: [{ extensionType: ExtensionType.application_id, extensionData: utf8('a') }] }), {}, 'leaf 1');
  rejects(() => validateLeafNode(suite, m.leaf, { validateCredential: () => false }, 'leaf 1'), /credential rejected/);
});

test('required_capabilities of the group are enforced', () => {
  const body = new Encoder()
    .vector([0xff01], (e, v) => void e.u16(v))
    .vector([], (e, v: number) => void e.u16(v))
    .vector([], (e, v: number) => void e.u16(v))
    .finish();
  const groupExtensions = [{ extensionType: ExtensionType.required_capabilities, extensionData: body }];
  rejects(() => validateLeafNode(suite, m.leaf, { groupExtensions }, 'leaf 4'), /does not support required extension 65281/);
  const ok = resign({ ...m.leaf, capabilities: { ...m.leaf.capabilities, extensions: [0xff01] } });
  validateLeafNode(suite, ok, { groupExtensions }, 'leaf 4');
});

test('tree: a credential type in use must be supported by every member; signature keys unique', () => {
  const other = newMember('dave');
  const custom = signLeafNode(suite, other.signaturePrivateKey, {
    ...other.leaf,
    credential: { credentialType: 0xf001, data: utf8('custom') },
    capabilities: { ...other.leaf.capabilities, credentials: [1, 0xf001] },
  } as LeafNodeContent);
  const t = addLeaf(RatchetTree.single(m.leaf), custom).tree;
  rejects(() => validateRatchetTree(suite, t, { groupId }), /^leaf 0: does not support credential type 61441 used in the group$/);
  const sameSig = signLeafNode(suite, m.signaturePrivateKey, { ...newMember('e').leaf, signatureKey: m.leaf.signatureKey } as LeafNodeContent);
  const t2 = addLeaf(RatchetTree.single(m.leaf), sameSig).tree;
  rejects(() => validateRatchetTree(suite, t2, { groupId }), /^leaf 1: signature key duplicates the one of leaf 0$/);
});
