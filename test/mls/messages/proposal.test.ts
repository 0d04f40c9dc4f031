import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { EncodeError } from '../../../main/mls/errors.js';
import { decodeProposal, encodeProposal, ProposalType, type Proposal } from '../../../main/mls/messages/proposal.js';
import { decodeRemove, encodeRemove } from '../../../main/mls/messages/proposals/remove.js';
import { decodeExternalInit, encodeExternalInit } from '../../../main/mls/messages/proposals/external-init.js';
import { decodeReInit, encodeReInit } from '../../../main/mls/messages/proposals/reinit.js';
import { decodePreSharedKey, encodePreSharedKey } from '../../../main/mls/messages/proposals/pre-shared-key.js';
import { decodeAdd, encodeAdd } from '../../../main/mls/messages/proposals/add.js';
import { decodeUpdate, encodeUpdate } from '../../../main/mls/messages/proposals/update.js';
import {
  decodeGroupContextExtensions,
  encodeGroupContextExtensions,
} from '../../../main/mls/messages/proposals/group-context-extensions.js';
import { PSKType, ResumptionPSKUsage } from '../../../main/mls/schedule/psk.js';
import { fromHex } from '../../../main/mls/util/bytes.js';
import { assertDecodeError, assertStrict, makeKeyPackage, roundTrip } from './helpers.js';

const kp = makeKeyPackage();

const proposals: Proposal[] = [
  { proposalType: ProposalType.add, add: { keyPackage: kp.keyPackage } },
  { proposalType: ProposalType.update, update: { leafNode: kp.keyPackage.leafNode } },
  { proposalType: ProposalType.remove, remove: { removed: 0xfffffffe } },
  {
    proposalType: ProposalType.psk,
    psk: { psk: { psktype: PSKType.external, pskId: fromHex('0102'), pskNonce: new Uint8Array(32).fill(7) } },
  },
  {
    proposalType: ProposalType.psk,
    psk: {
      psk: {
        psktype: PSKType.resumption,
        usage: ResumptionPSKUsage.branch,
        pskGroupId: fromHex('aabb'),
        pskEpoch: 0x0102030405060708n,
        pskNonce: new Uint8Array(32),
      },
    },
  },
  {
    proposalType: ProposalType.reinit,
    reinit: { groupId: fromHex('99'), version: 1, cipherSuite: 0x1234, extensions: [{ extensionType: 0xff00, extensionData: fromHex('00') }] },
  },
  { proposalType: ProposalType.external_init, externalInit: { kemOutput: new Uint8Array(100).fill(3) } },
  { proposalType: ProposalType.group_context_extensions, groupContextExtensions: { extensions: [] } },
];

void test('every proposal type round-trips and its decoder is strict', () => {
  for (const p of proposals) {
    const bytes = roundTrip(p, encodeProposal, decodeProposal, 'Proposal');
    assert.equal((bytes[0]! << 8) | bytes[1]!, p.proposalType);
    assertStrict(bytes, decodeProposal, 'Proposal');
  }
});

void test('the proposal bodies round-trip on their own and are strict', () => {
  assertStrict(roundTrip({ removed: 5 }, encodeRemove, decodeRemove, 'Remove'), decodeRemove, 'Remove');
  assertStrict(roundTrip({ kemOutput: fromHex('abcdef') }, encodeExternalInit, decodeExternalInit, 'ExternalInit'), decodeExternalInit, 'ExternalInit');
  const reinit = { groupId: fromHex('0102'), version: 2, cipherSuite: 7, extensions: [] };
  assertStrict(roundTrip(reinit, encodeReInit, decodeReInit, 'ReInit'), decodeReInit, 'ReInit');
  const psk = { psk: { psktype: PSKType.external, pskId: fromHex('01'), pskNonce: fromHex('02') } } as const;
  assertStrict(roundTrip(psk, encodePreSharedKey, decodePreSharedKey, 'PreSharedKey'), decodePreSharedKey, 'PreSharedKey');
  const gce = { extensions: [{ extensionType: 3, extensionData: fromHex('000000') }] };
  const gceBytes = roundTrip(gce, encodeGroupContextExtensions, decodeGroupContextExtensions, 'GroupContextExtensions');
  assertStrict(gceBytes, decodeGroupContextExtensions, 'GroupContextExtensions');
  assertStrict(roundTrip({ keyPackage: kp.keyPackage }, encodeAdd, decodeAdd, 'Add'), decodeAdd, 'Add');
  assertStrict(roundTrip({ leafNode: kp.keyPackage.leafNode }, encodeUpdate, decodeUpdate, 'Update'), decodeUpdate, 'Update');
  assert.deepEqual(encode(encodeRemove, { removed: 0x01020304 }), fromHex('01020304'));
});

void test('an unknown or reserved proposal type is a DecodeError naming the type', () => {
  assertDecodeError(() => decode(decodeProposal, fromHex('000800'), 'Proposal'), 'Proposal.proposal_type', 'unknown proposal type 8');
  assertDecodeError(() => decode(decodeProposal, fromHex('0000'), 'Proposal'), 'Proposal.proposal_type', 'unknown proposal type 0');
  // A GREASE value (RFC 9420 §13.5) cannot be skipped either.
  assertDecodeError(() => decode(decodeProposal, fromHex('0a0a00'), 'Proposal'), 'Proposal.proposal_type', 'unknown proposal type 2570');
  assert.throws(() => encode(encodeProposal, { proposalType: 9 } as unknown as Proposal), EncodeError);
});

void test('an unknown psk type or resumption usage inside a PreSharedKey proposal names its path', () => {
  assertDecodeError(() => decode(decodeProposal, fromHex('0004030000'), 'Proposal'), 'Proposal.psk.psk.psktype', 'unknown PSKType 3');
  assertDecodeError(() => decode(decodeProposal, fromHex('00040204'), 'Proposal'), 'Proposal.psk.psk.usage', 'unknown ResumptionPSKUsage 4');
});

void test('a non-minimal varint length is a DecodeError naming the field', () => {
  // kem_output of length 3 written in two bytes (0x4003) instead of one.
  assertDecodeError(() => decode(decodeExternalInit, fromHex('4003abcdef'), 'ExternalInit'), 'ExternalInit.kem_output', 'not minimally encoded');
  assertDecodeError(() => decode(decodeProposal, fromHex('0006' + '4003abcdef'), 'Proposal'), 'Proposal.external_init.kem_output', 'not minimally encoded');
  // ReInit group_id, and the extensions vector of a GroupContextExtensions proposal.
  assertDecodeError(() => decode(decodeReInit, fromHex('4001990001000100'), 'ReInit'), 'ReInit.group_id', 'not minimally encoded');
  assertDecodeError(() => decode(decodeGroupContextExtensions, fromHex('4000'), 'GroupContextExtensions'), 'GroupContextExtensions.extensions', 'not minimally encoded');
});

void test('a duplicated extension type in a GroupContextExtensions proposal is a DecodeError', () => {
  const twice = fromHex('06' + '000300' + '000300');
  assertDecodeError(
    () => decode(decodeGroupContextExtensions, twice, 'GroupContextExtensions'),
    'GroupContextExtensions.extensions',
    'extension type 3 appears twice',
  );
});
