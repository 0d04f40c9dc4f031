import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { EncodeError } from '../../../main/mls/errors.js';
import { decodeCommit, encodeCommit, type Commit } from '../../../main/mls/messages/commit.js';
import { ProposalType } from '../../../main/mls/messages/proposal.js';
import {
  decodeProposalOrRef,
  encodeProposalOrRef,
  ProposalOrRefType,
  type ProposalOrRef,
} from '../../../main/mls/messages/proposal-or-ref.js';
import { LeafNodeSource, signLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { fromHex } from '../../../main/mls/util/bytes.js';
import { assertDecodeError, assertStrict, makeKeyPackage, roundTrip, suite } from './helpers.js';

const alice = makeKeyPackage('alice');
const bob = makeKeyPackage('bob');

const byValue: ProposalOrRef = { type: ProposalOrRefType.proposal, proposal: { proposalType: ProposalType.add, add: { keyPackage: bob.keyPackage } } };
const byRef: ProposalOrRef = { type: ProposalOrRefType.reference, reference: new Uint8Array(32).fill(0xab) };

function commitLeaf(): Commit['path'] {
  const { lifetime: _l, signature: _s, ...rest } = alice.keyPackage.leafNode as Extract<typeof alice.keyPackage.leafNode, { lifetime: unknown }>;
  const leafNode = signLeafNode(
    suite,
    alice.signaturePrivateKey,
    { ...rest, leafNodeSource: LeafNodeSource.commit, parentHash: new Uint8Array(32).fill(1) },
    { groupId: fromHex('0102'), leafIndex: leafIndex(0) },
  );
  return {
    leafNode,
    nodes: [
      { encryptionKey: new Uint8Array(32).fill(2), encryptedPathSecret: [{ kemOutput: new Uint8Array(32).fill(3), ciphertext: new Uint8Array(48).fill(4) }] },
      { encryptionKey: new Uint8Array(32).fill(5), encryptedPathSecret: [] },
    ],
  };
}

void test('ProposalOrRef by value and by reference round-trip and are strict', () => {
  for (const p of [byValue, byRef]) assertStrict(roundTrip(p, encodeProposalOrRef, decodeProposalOrRef, 'ProposalOrRef'), decodeProposalOrRef, 'ProposalOrRef');
  assert.deepEqual(encode(encodeProposalOrRef, { type: 2, reference: fromHex('aabb') }), fromHex('0202aabb'));
});

void test('an unknown ProposalOrRef type is a DecodeError naming the type', () => {
  assertDecodeError(() => decode(decodeProposalOrRef, fromHex('0302aabb'), 'ProposalOrRef'), 'ProposalOrRef.type', 'unknown ProposalOrRefType 3');
  assertDecodeError(() => decode(decodeProposalOrRef, fromHex('0002aabb'), 'ProposalOrRef'), 'ProposalOrRef.type', 'unknown ProposalOrRefType 0');
  assert.throws(() => encode(encodeProposalOrRef, { type: 3 } as unknown as ProposalOrRef), EncodeError);
});

void test('a Commit with and without a path round-trips and is strict', () => {
  const empty: Commit = { proposals: [] };
  assert.deepEqual(roundTrip(empty, encodeCommit, decodeCommit, 'Commit'), fromHex('0000'));
  const full: Commit = { proposals: [byValue, byRef, { type: 1, proposal: { proposalType: ProposalType.remove, remove: { removed: 3 } } }], path: commitLeaf() };
  assertStrict(roundTrip(full, encodeCommit, decodeCommit, 'Commit'), decodeCommit, 'Commit');
  const noPath: Commit = { proposals: [byRef] };
  const bytes = roundTrip(noPath, encodeCommit, decodeCommit, 'Commit');
  assert.equal('path' in decode(decodeCommit, bytes, 'Commit'), false);
  assertStrict(bytes, decodeCommit, 'Commit');
});

void test('bad Commit bytes name the field path', () => {
  // proposals = [ {type 2, ref 0xaabb} ], then path presence byte 2.
  assertDecodeError(() => decode(decodeCommit, fromHex('04' + '0202aabb' + '02'), 'Commit'), 'Commit.path', 'optional presence byte 2');
  // A ProposalOrRef of unknown type inside the vector.
  assertDecodeError(() => decode(decodeCommit, fromHex('04' + '0902aabb' + '00'), 'Commit'), 'Commit.proposals.[0].type', 'unknown ProposalOrRefType 9');
  // An unknown proposal type inside the second entry.
  assertDecodeError(
    () => decode(decodeCommit, fromHex('07' + '0202aabb' + '01' + '0063' + '00'), 'Commit'),
    'Commit.proposals.[1].proposal.proposal_type',
    'unknown proposal type 99',
  );
  // Non-minimal vector length of proposals.
  assertDecodeError(() => decode(decodeCommit, fromHex('4000' + '00'), 'Commit'), 'Commit.proposals', 'not minimally encoded');
  // A reference whose length runs past the vector.
  assertDecodeError(() => decode(decodeCommit, fromHex('03' + '0205aa' + '00'), 'Commit'), 'Commit.proposals.[0].reference', 'length 5 exceeds remaining 1');
});
