import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { PROTOCOL_VERSION_MLS10, type GroupContext } from '../../../main/mls/group/group-context.js';
import {
  decodeGroupInfo,
  encodeGroupInfo,
  encodeGroupInfoTBS,
  signGroupInfo,
  verifyGroupInfoSignature,
  type GroupInfoTBS,
} from '../../../main/mls/messages/group-info.js';
import { externalPubExtension, readExternalPub } from '../../../main/mls/messages/external-pub.js';
import { concat, fromHex } from '../../../main/mls/util/bytes.js';
import { assertDecodeError, assertStrict, roundTrip, suite } from './helpers.js';

const signer = suite.signature.generateKeyPair();
const groupContext: GroupContext = {
  version: PROTOCOL_VERSION_MLS10,
  cipherSuite: 1,
  groupId: fromHex('67726f7570'),
  epoch: 7n,
  treeHash: new Uint8Array(32).fill(1),
  confirmedTranscriptHash: new Uint8Array(32).fill(2),
  extensions: [{ extensionType: 0xf0f0, extensionData: fromHex('ff') }],
};
const tbs: GroupInfoTBS = {
  groupContext,
  extensions: [externalPubExtension({ externalPub: new Uint8Array(32).fill(9) })],
  confirmationTag: new Uint8Array(32).fill(3),
  signer: 4,
};

void test('a signed GroupInfo round-trips, is strict and verifies with the signer key', () => {
  const gi = signGroupInfo(suite, signer.privateKey, tbs);
  const bytes = roundTrip(gi, encodeGroupInfo, decodeGroupInfo, 'GroupInfo');
  assertStrict(bytes, decodeGroupInfo, 'GroupInfo');
  assert.deepEqual(bytes, concat(encode(encodeGroupInfoTBS, tbs), encode((e, s: Uint8Array) => void e.opaque(s), gi.signature)));
  assert.equal(verifyGroupInfoSignature(suite, decode(decodeGroupInfo, bytes, 'GroupInfo'), signer.publicKey), true);
  assert.deepEqual(readExternalPub(gi.extensions)?.externalPub, new Uint8Array(32).fill(9));
});

void test('a GroupInfo with a changed field or flipped signature bit does not verify', () => {
  const gi = signGroupInfo(suite, signer.privateKey, tbs);
  const sig = gi.signature.slice();
  sig[0]! ^= 1;
  assert.equal(verifyGroupInfoSignature(suite, { ...gi, signature: sig }, signer.publicKey), false);
  assert.equal(verifyGroupInfoSignature(suite, { ...gi, signer: 5 }, signer.publicKey), false);
  assert.equal(verifyGroupInfoSignature(suite, { ...gi, groupContext: { ...groupContext, epoch: 8n } }, signer.publicKey), false);
  assert.equal(verifyGroupInfoSignature(suite, gi, suite.signature.generateKeyPair().publicKey), false);
});

void test('bad GroupInfo bytes name the field path', () => {
  const bytes = encode(encodeGroupInfo, signGroupInfo(suite, signer.privateKey, tbs));
  const b = bytes.slice();
  b[3] = 0x09; // group_context.cipher_suite
  assertDecodeError(() => decode(decodeGroupInfo, b, 'GroupInfo'), 'GroupInfo.group_context.cipher_suite', 'unsupported cipher suite 9');
  // group_id length 5 written as the 2-byte varint 0x4005.
  const nonMinimal = concat(bytes.subarray(0, 4), fromHex('40'), bytes.subarray(4));
  assertDecodeError(() => decode(decodeGroupInfo, nonMinimal, 'GroupInfo'), 'GroupInfo.group_context.group_id', 'not minimally encoded');
});
