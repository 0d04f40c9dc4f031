// Transcript hashes and confirmation tag (RFC 9420 §8.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Encoder, encode } from '../../../main/mls/codec/encoder.js';
import { ValidationError } from '../../../main/mls/errors.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { encodeFramedContent } from '../../../main/mls/framing/framed-content.js';
import {
  computeConfirmationTag,
  confirmedTranscriptHash,
  interimTranscriptHash,
  updateTranscriptHashes,
  verifyConfirmationTag,
} from '../../../main/mls/framing/transcript-hash.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { concat, fromHex } from '../../../main/mls/util/bytes.js';
import { application, flipBit, framed, signed, suite } from './fixture.js';

const commit = signed(WireFormat.mlsPublicMessage, framed({ contentType: ContentType.commit, commit: { proposals: [] } }));

void test('confirmed = Hash(interim_before || wire_format || content || signature<V>), interim = Hash(confirmed || tag<V>)', () => {
  const interimBefore = new Uint8Array(32).fill(3);
  const sig = commit.auth.signature;
  const input = concat(fromHex('0001'), encode(encodeFramedContent, commit.content), new Encoder().opaque(sig).finish());
  const wantConfirmed = suite.hash.digest(concat(interimBefore, input));
  const tag = commit.auth.confirmationTag!;
  assert.equal(tag.length, 32);
  const wantInterim = suite.hash.digest(concat(wantConfirmed, new Uint8Array([32]), tag));
  const h = updateTranscriptHashes(suite, interimBefore, commit);
  assert.deepEqual(h.confirmedTranscriptHash, wantConfirmed);
  assert.deepEqual(h.interimTranscriptHash, wantInterim);
  assert.deepEqual(confirmedTranscriptHash(suite, interimBefore, { wireFormat: 1, content: commit.content, signature: sig }), wantConfirmed);
  assert.deepEqual(interimTranscriptHash(suite, wantConfirmed, tag), wantInterim);
  // The first epoch starts from the empty interim hash.
  assert.notDeepEqual(updateTranscriptHashes(suite, new Uint8Array(0), commit).confirmedTranscriptHash, wantConfirmed);
});

void test('the confirmation tag is MAC(confirmation_key, confirmed hash); a flipped bit is a ValidationError', () => {
  const key = new Uint8Array(32).fill(4);
  const confirmed = new Uint8Array(32).fill(6);
  const tag = computeConfirmationTag(suite, key, confirmed);
  assert.deepEqual(tag, suite.hash.mac(key, confirmed));
  verifyConfirmationTag(suite, key, confirmed, tag);
  assert.throws(() => verifyConfirmationTag(suite, key, confirmed, flipBit(tag, 0)), ValidationError);
  assert.throws(() => verifyConfirmationTag(suite, key, flipBit(confirmed, 31), tag), ValidationError);
  assert.throws(() => verifyConfirmationTag(suite, key, confirmed, tag.subarray(1)), ValidationError);
});

void test('only a commit with a confirmation tag updates the transcript', () => {
  assert.throws(() => updateTranscriptHashes(suite, new Uint8Array(0), signed(WireFormat.mlsPublicMessage, framed(application()))), ValidationError);
  assert.throws(() => updateTranscriptHashes(suite, new Uint8Array(0), { ...commit, auth: { signature: commit.auth.signature } }), ValidationError);
});
