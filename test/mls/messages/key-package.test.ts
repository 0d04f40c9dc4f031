import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { makeKeyPackageRef } from '../../../main/mls/crypto/labeled.js';
import { ValidationError } from '../../../main/mls/errors.js';
import {
  decodeKeyPackage,
  encodeKeyPackage,
  keyPackageBytes,
  keyPackageRef,
  signKeyPackage,
  verifyKeyPackageSignature,
  type KeyPackage,
} from '../../../main/mls/messages/key-package.js';
import { validateKeyPackage } from '../../../main/mls/messages/key-package-validation.js';
import { LeafNodeSource, signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { fromHex, utf8 } from '../../../main/mls/util/bytes.js';
import { createKeyPackage } from '../../../main/mls/messages/key-package-create.js';
import { isLastResort, lastResortExtension } from '../../../main/mls/messages/last-resort.js';
import { ExtensionType } from '../../../main/mls/extensions/extension.js';
import { basicCredential, encodeCredential } from '../../../main/mls/tree/credential.js';
import { encodeCapabilities } from '../../../main/mls/tree/capabilities.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { assertDecodeError, assertStrict, makeKeyPackage, roundTrip, suite } from './helpers.js';

const alice = makeKeyPackage('alice');

function expectInvalid(kp: KeyPackage, reason: string, opts?: Parameters<typeof validateKeyPackage>[2]): void {
  assert.throws(
    () => validateKeyPackage(suite, kp, opts),
    (e: unknown) => e instanceof ValidationError && e.message.includes(reason),
  );
}

void test('a fresh KeyPackage round-trips, is strict, and validates', () => {
  const bytes = roundTrip(alice.keyPackage, encodeKeyPackage, decodeKeyPackage, 'KeyPackage');
  assertStrict(bytes, decodeKeyPackage, 'KeyPackage');
  validateKeyPackage(suite, alice.keyPackage);
  validateKeyPackage(suite, decode(decodeKeyPackage, bytes, 'KeyPackage'), { now: 1_800_000_000n });
  assert.equal(alice.keyPackage.leafNode.leafNodeSource, LeafNodeSource.keyPackage);
  assert.deepEqual(suite.hpke.publicKeyFromPrivate(alice.initPrivateKey), alice.keyPackage.initKey);
  assert.deepEqual(suite.hpke.publicKeyFromPrivate(alice.encryptionPrivateKey), alice.keyPackage.leafNode.encryptionKey);
});

void test('KeyPackageRef is RefHash over the encoded KeyPackage', () => {
  assert.deepEqual(keyPackageRef(suite, alice.keyPackage), makeKeyPackageRef(suite, keyPackageBytes(alice.keyPackage)));
  assert.deepEqual(alice.ref, keyPackageRef(suite, alice.keyPackage));
  assert.equal(alice.ref.length, suite.hash.size);
  assert.notDeepEqual(makeKeyPackage('bob').ref, alice.ref);
});

void test('a KeyPackage whose signature has a flipped bit fails validation', () => {
  for (const bit of [0, 7, 8 * 20 + 3, 8 * (alice.keyPackage.signature.length - 1)]) {
    const signature = alice.keyPackage.signature.slice();
    signature[bit >> 3]! ^= 1 << (bit & 7);
    const bad = { ...alice.keyPackage, signature };
    assert.equal(verifyKeyPackageSignature(suite, bad), false);
    expectInvalid(bad, 'KeyPackage: signature does not verify');
  }
  // The rejected input is untouched; the original still validates.
  validateKeyPackage(suite, alice.keyPackage);
});

void test('a KeyPackage with a changed field no longer verifies', () => {
  expectInvalid({ ...alice.keyPackage, extensions: [{ extensionType: 1, extensionData: fromHex('00') }] }, 'signature does not verify');
  expectInvalid({ ...alice.keyPackage, initKey: suite.hpke.generateKeyPair().publicKey }, 'signature does not verify');
});

void test('validation checks version, suite, leaf source, leaf signature, init key, capabilities and lifetime', () => {
  const kp = alice.keyPackage;
  const resign = (tbs: Omit<KeyPackage, 'signature'>): KeyPackage => signKeyPackage(suite, alice.signaturePrivateKey, tbs);
  expectInvalid(kp, 'version 1 differs from the group\'s 2', { version: 2 });
  assert.throws(() => validateKeyPackage(getProvider().getSuite(3), kp), (e: unknown) => e instanceof ValidationError && /cipher suite 1 differs from the group's 3/.test(e.message));
  expectInvalid(resign({ ...kp, initKey: kp.leafNode.encryptionKey }), 'init_key equals leaf_node.encryption_key');
  // A correctly signed leaf whose source is update, not key_package.
  const { lifetime: _l, signature: _s, ...rest } = kp.leafNode as Extract<KeyPackage['leafNode'], { lifetime: unknown }>;
  const updateLeaf = signLeafNode(suite, alice.signaturePrivateKey, { ...rest, leafNodeSource: LeafNodeSource.update }, {
    groupId: fromHex('01'),
    leafIndex: leafIndex(0),
  });
  expectInvalid(resign({ ...kp, leafNode: updateLeaf }), 'KeyPackage: leaf_node: leaf_node_source is update, expected key_package');
  // A broken leaf signature under a valid KeyPackage signature.
  const leafSig = kp.leafNode.signature.slice();
  leafSig[5]! ^= 0x40;
  expectInvalid(resign({ ...kp, leafNode: { ...kp.leafNode, signature: leafSig } }), 'KeyPackage: leaf_node: signature does not verify');
  // RFC 9420 §10, §13.4: an unknown KeyPackage extension is ignored, even when the capabilities do not list it.
  validateKeyPackage(suite, resign({ ...kp, extensions: [{ extensionType: 0xff01, extensionData: fromHex('') }] }));
  validateKeyPackage(suite, resign({ ...kp, extensions: [{ extensionType: 1, extensionData: fromHex('00') }] }));
});

void test('validation checks the lifetime when given a time', () => {
  const sig = suite.signature.generateKeyPair();
  const { keyPackage } = createKeyPackage(suite, {
    credential: basicCredential(utf8('carol')),
    signaturePrivateKey: sig.privateKey,
    lifetime: { notBefore: 100n, notAfter: 200n },
  });
  validateKeyPackage(suite, keyPackage, { now: 150n });
  validateKeyPackage(suite, keyPackage);
  expectInvalid(keyPackage, 'KeyPackage: leaf_node: lifetime [100, 200] does not cover the current time 201', { now: 201n });
  expectInvalid(keyPackage, 'does not cover the current time 99', { now: 99n });
});

void test('bad KeyPackage bytes are DecodeErrors naming the field', () => {
  const bytes = keyPackageBytes(alice.keyPackage);
  const patched = (offset: number, value: number): Uint8Array => {
    const b = bytes.slice();
    b[offset] = value;
    return b;
  };
  assertDecodeError(() => decode(decodeKeyPackage, patched(1, 2), 'KeyPackage'), 'KeyPackage.version', 'unsupported protocol version 2');
  assertDecodeError(() => decode(decodeKeyPackage, patched(3, 0x20), 'KeyPackage'), 'KeyPackage.cipher_suite', 'unsupported cipher suite 32');
  // init_key is 32 bytes (0x20); write its length as the 2-byte varint 0x4020.
  const nonMinimal = new Uint8Array([...bytes.subarray(0, 4), 0x40, ...bytes.subarray(4)]);
  assertDecodeError(() => decode(decodeKeyPackage, nonMinimal, 'KeyPackage'), 'KeyPackage.init_key', 'not minimally encoded');
  // leaf_node_source sits after encryption_key, signature_key, credential and capabilities.
  const capEnd = 4 + 1 + 32 + encode((e, v: KeyPackage['leafNode']) => {
    e.opaque(v.encryptionKey).opaque(v.signatureKey);
    encodeCredential(e, v.credential);
    encodeCapabilities(e, v.capabilities);
  }, alice.keyPackage.leafNode).length;
  assert.equal(bytes[capEnd], LeafNodeSource.keyPackage);
  assertDecodeError(() => decode(decodeKeyPackage, patched(capEnd, 9), 'KeyPackage'), 'KeyPackage.leaf_node.leaf_node_source', 'unknown leaf node source 9');
  assertDecodeError(() => decode(decodeKeyPackage, bytes.subarray(0, 10), 'KeyPackage'), 'KeyPackage.init_key', 'length 32 exceeds remaining 5');
});

void test('a last-resort KeyPackage lists the extension in its capabilities and validates', () => {
  const sig = suite.signature.generateKeyPair();
  const { keyPackage } = createKeyPackage(suite, {
    credential: basicCredential(utf8('dave')),
    signaturePrivateKey: sig.privateKey,
    lifetime: { notBefore: 0n, notAfter: 1n << 40n },
    extensions: [lastResortExtension()],
    leafExtensions: [{ extensionType: ExtensionType.application_id, extensionData: fromHex('0161') }],
  });
  assert.equal(isLastResort(keyPackage), true);
  assert.equal(isLastResort(alice.keyPackage), false);
  assert.deepEqual(keyPackage.leafNode.capabilities.extensions, [ExtensionType.last_resort]);
  validateKeyPackage(suite, keyPackage);
  assertStrict(roundTrip(keyPackage, encodeKeyPackage, decodeKeyPackage, 'KeyPackage'), decodeKeyPackage, 'KeyPackage');
});

// RFC 9420 §10, §10.1, §13.4, §13.5: the one KeyPackage validation (also used by the group layer for Adds).
const GREASE = [0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea];

function greased(opts: { listKpExtension?: boolean; listLeafExtension?: boolean; ownSuite?: boolean; ownVersion?: boolean } = {}): KeyPackage {
  const sig = suite.signature.generateKeyPair();
  const credential = basicCredential(utf8('grease'));
  return createKeyPackage(suite, {
    credential,
    signaturePrivateKey: sig.privateKey,
    lifetime: { notBefore: 0n, notAfter: 1n << 40n },
    capabilities: {
      versions: [...(opts.ownVersion === false ? [] : [1]), GREASE[0]!],
      cipherSuites: [GREASE[1]!, ...(opts.ownSuite === false ? [] : [suite.id]), GREASE[2]!],
      extensions: [...(opts.listLeafExtension === false ? [] : [GREASE[3]!]), ...(opts.listKpExtension === true ? [GREASE[4]!] : []), GREASE[5]!],
      proposals: [GREASE[6]!],
      credentials: [GREASE[7]!, credential.credentialType],
    },
    extensions: [{ extensionType: GREASE[4]!, extensionData: utf8('any contents at all') }],
    leafExtensions: [{ extensionType: GREASE[3]!, extensionData: new Uint8Array(0) }],
  }).keyPackage;
}

void test('GREASE: unknown values in capabilities, a listed GREASE leaf extension and an unlisted GREASE KeyPackage extension are accepted', () => {
  validateKeyPackage(suite, greased());
  validateKeyPackage(suite, greased({ listKpExtension: true }));
});

void test('a non-default leaf_node extension must be listed in the capabilities (§7.3), a KeyPackage extension need not be (§10.1)', () => {
  expectInvalid(greased({ listLeafExtension: false }), 'KeyPackage: leaf_node: extension 14906 is not listed in its capabilities');
});

void test('capabilities need not list the KeyPackage\'s own version and cipher suite (§7.2 binds the creator; §10.1 and §7.3 do not check it)', () => {
  validateKeyPackage(suite, greased({ ownSuite: false }));
  validateKeyPackage(suite, greased({ ownVersion: false }));
  validateKeyPackage(suite, greased({ ownSuite: false, ownVersion: false }));
});

void test('init_key and leaf_node.encryption_key must be usable HPKE keys of the suite', () => {
  const kp = alice.keyPackage;
  const zero = new Uint8Array(32); // the X25519 all-zero point: the DH output would be zero
  expectInvalid(signKeyPackage(suite, alice.signaturePrivateKey, { ...kp, initKey: zero }), 'KeyPackage: init_key: not a valid');
  expectInvalid(signKeyPackage(suite, alice.signaturePrivateKey, { ...kp, initKey: zero.subarray(0, 31) }), 'KeyPackage: init_key: HPKE public key of 31 bytes');
});

void test('the error prefix names the caller\'s context', () => {
  assert.throws(
    () => validateKeyPackage(suite, greased({ listLeafExtension: false }), { where: 'Commit.proposals[0] (Add): KeyPackage' }),
    (e: unknown) => e instanceof ValidationError && e.message.startsWith('Commit.proposals[0] (Add): KeyPackage: leaf_node: extension 14906 is not listed'),
  );
});
