// Framing structs: round trips, and strict decoding of truncated, extended and
// unknown-enum input (RFC 9420 §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { DecodeError, EncodeError } from '../../../main/mls/errors.js';
import { decodeAuthenticatedContent, encodeAuthenticatedContent } from '../../../main/mls/framing/authenticated-content.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { decodeFramedContentTBS, encodeFramedContentTBS } from '../../../main/mls/framing/framed-content-tbs.js';
import { encodeFramedContent } from '../../../main/mls/framing/framed-content.js';
import { mlsMessageBytes, parseMLSMessage, type MLSMessage } from '../../../main/mls/framing/mls-message.js';
import { decodePrivateMessage } from '../../../main/mls/framing/private-message.js';
import { decodePrivateMessageContent } from '../../../main/mls/framing/private-message-content.js';
import { protectPrivate } from '../../../main/mls/framing/protect-private.js';
import { protectPublic } from '../../../main/mls/framing/protect-public.js';
import { decodePublicMessage, encodePublicMessage, type PublicMessage } from '../../../main/mls/framing/public-message.js';
import { decodeSenderData } from '../../../main/mls/framing/sender-data.js';
import { decodeSender, SenderType } from '../../../main/mls/framing/sender.js';
import { decodeConfirmedTranscriptHashInput, encodeConfirmedTranscriptHashInput } from '../../../main/mls/framing/transcript-hash.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { concat, fromHex } from '../../../main/mls/util/bytes.js';
import {
  application,
  framed,
  freshTree,
  groupContext,
  membershipKey,
  plaintextOf,
  removeProposal,
  senderDataSecret,
  signed,
  suite,
} from './fixture.js';

function publicMessage(): PublicMessage {
  return protectPublic(suite, signed(WireFormat.mlsPublicMessage, framed(removeProposal)), groupContext, membershipKey);
}

function publicMLS(): Uint8Array {
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: publicMessage() });
}

function privateMLS(): Uint8Array {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(application()));
  const { message } = protectPrivate(suite, ac, { groupContext, senderDataSecret, secretTree: freshTree() });
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPrivateMessage, privateMessage: message });
}

void test('PublicMessage, PrivateMessage and MLSMessage round-trip byte for byte', () => {
  for (const bytes of [publicMLS(), privateMLS()]) {
    const m = parseMLSMessage(bytes);
    assert.deepEqual(mlsMessageBytes(m), bytes);
  }
  const pub = publicMessage();
  const bytes = encode(encodePublicMessage, pub);
  assert.deepEqual(decode(decodePublicMessage, bytes, 'PublicMessage'), pub);
  const m = parseMLSMessage(publicMLS()) as Extract<MLSMessage, { wireFormat: 1 }>;
  assert.equal(m.wireFormat, WireFormat.mlsPublicMessage);
  assert.equal(m.publicMessage.content.contentType, ContentType.proposal);
  assert.equal(m.publicMessage.membershipTag?.length, 32);
});

void test('every truncation of PublicMessage/PrivateMessage/MLSMessage bytes is a DecodeError', () => {
  const pubMls = publicMLS();
  const privMls = privateMLS();
  const pub = pubMls.subarray(4);
  const priv = privMls.subarray(4);
  const cases: [Uint8Array, (b: Uint8Array) => unknown][] = [
    [pubMls, parseMLSMessage],
    [privMls, parseMLSMessage],
    [pub, (b) => decode(decodePublicMessage, b, 'PublicMessage')],
    [priv, (b) => decode(decodePrivateMessage, b, 'PrivateMessage')],
  ];
  for (const [full, parse] of cases) {
    parse(full); // the untruncated bytes decode
    for (let n = 0; n < full.length; n++) assert.throws(() => parse(full.subarray(0, n)), DecodeError, `prefix of ${n} bytes`);
  }
});

void test('extended PublicMessage/PrivateMessage/MLSMessage bytes are a DecodeError naming the trailing bytes', () => {
  for (const full of [publicMLS(), privateMLS()]) {
    assert.throws(() => parseMLSMessage(concat(full, new Uint8Array([0]))), /MLSMessage: 1 trailing bytes/);
    assert.throws(() => parseMLSMessage(concat(full, new Uint8Array([0]))), DecodeError);
  }
  const pub = publicMLS().subarray(4);
  assert.throws(() => decode(decodePublicMessage, concat(pub, new Uint8Array([1, 2])), 'PublicMessage'), DecodeError);
  const priv = privateMLS().subarray(4);
  assert.throws(() => decode(decodePrivateMessage, concat(priv, new Uint8Array([1])), 'PrivateMessage'), DecodeError);
});

void test('unknown wire format, protocol version, content type and sender type are DecodeErrors naming the field', () => {
  const pub = publicMLS();
  for (const wf of [0, 6, 0xffff]) {
    const b = pub.slice();
    b[2] = wf >> 8;
    b[3] = wf & 0xff;
    assert.throws(() => parseMLSMessage(b), (e: unknown) => e instanceof DecodeError && e.path === 'MLSMessage.wire_format');
  }
  const v2 = pub.slice();
  v2[1] = 2;
  assert.throws(() => parseMLSMessage(v2), (e: unknown) => e instanceof DecodeError && e.path === 'MLSMessage.version');

  // PublicMessage: group_id(1+5) epoch(8) sender_type at offset 4+14.
  const senderAt = 4 + 1 + 5 + 8;
  assert.equal(pub[senderAt], SenderType.member);
  for (const st of [0, 5, 255]) {
    const b = pub.slice();
    b[senderAt] = st;
    assert.throws(() => parseMLSMessage(b), (e: unknown) => e instanceof DecodeError && /sender_type/.test(e.path) && /unknown sender type/.test(e.reason));
  }
  // content_type follows sender (1+4) and authenticated_data (1+1).
  const ctAt = senderAt + 5 + 2;
  assert.equal(pub[ctAt], ContentType.proposal);
  for (const ct of [0, 4, 255]) {
    const b = pub.slice();
    b[ctAt] = ct;
    assert.throws(() => parseMLSMessage(b), (e: unknown) => e instanceof DecodeError && /content_type/.test(e.path));
  }
  // PrivateMessage: content_type right after group_id and epoch.
  const priv = privateMLS();
  const pctAt = 4 + 1 + 5 + 8;
  assert.equal(priv[pctAt], ContentType.application);
  const b = priv.slice();
  b[pctAt] = 9;
  assert.throws(() => parseMLSMessage(b), (e: unknown) => e instanceof DecodeError && e.path === 'MLSMessage.private_message.content_type');
  assert.throws(() => decode(decodeSender, fromHex('05'), 'Sender'), DecodeError);
});

void test('the external sender carries an index, the new-member senders nothing', () => {
  assert.deepEqual(decode(decodeSender, fromHex('0200000007'), 'Sender'), { senderType: SenderType.external, senderIndex: 7 });
  assert.deepEqual(decode(decodeSender, fromHex('03'), 'Sender'), { senderType: SenderType.newMemberProposal });
  assert.deepEqual(decode(decodeSender, fromHex('04'), 'Sender'), { senderType: SenderType.newMemberCommit });
  assert.throws(() => decode(decodeSender, fromHex('0480'), 'Sender'), DecodeError);
  assert.throws(() => decode(decodeSender, fromHex('0180000000'), 'Sender'), DecodeError); // leaf index past 2^31-1
});

void test('PublicMessage membership_tag is present exactly for member senders', () => {
  const pub = publicMessage();
  const { membershipTag: _t, ...noTag } = pub;
  assert.throws(() => encode(encodePublicMessage, noTag), EncodeError);
  const ext = { ...pub, content: framed(removeProposal, { senderType: SenderType.external, senderIndex: 0 }) };
  assert.throws(() => encode(encodePublicMessage, ext), EncodeError);
  // An external sender's PublicMessage has no tag: the member's tag bytes would be trailing.
  const { membershipTag: _u, ...extNoTag } = ext;
  const extBytes = encode(encodePublicMessage, extNoTag);
  assert.deepEqual(decode(decodePublicMessage, extBytes, 'PublicMessage'), extNoTag);
  assert.throws(() => decode(decodePublicMessage, concat(extBytes, fromHex('0100')), 'PublicMessage'), DecodeError);
});

void test('FramedContentAuthData: a commit needs a confirmation tag and only a commit has one', () => {
  const ac = signed(WireFormat.mlsPublicMessage, framed(application()));
  assert.throws(() => encode(encodeAuthenticatedContent, { ...ac, auth: { ...ac.auth, confirmationTag: new Uint8Array(32) } }), EncodeError);
  const bytes = encode(encodeAuthenticatedContent, ac);
  assert.deepEqual(decode(decodeAuthenticatedContent, bytes, 'AuthenticatedContent'), ac);
  // AuthenticatedContent only ever carries the public or private wire format.
  const welcome = bytes.slice();
  welcome[1] = WireFormat.mlsWelcome;
  assert.throws(() => decode(decodeAuthenticatedContent, welcome, 'AuthenticatedContent'), DecodeError);
});

void test('FramedContentTBS includes the GroupContext for member senders only', () => {
  const content = framed(application());
  const tbs = { version: 1, wireFormat: WireFormat.mlsPrivateMessage, content, context: groupContext } as const;
  const bytes = encode(encodeFramedContentTBS, tbs);
  assert.deepEqual(decode(decodeFramedContentTBS, bytes, 'FramedContentTBS'), tbs);
  assert.throws(() => encode(encodeFramedContentTBS, { version: 1, wireFormat: WireFormat.mlsPrivateMessage, content }), EncodeError);
  const ext = framed(removeProposal, { senderType: SenderType.external, senderIndex: 1 });
  assert.throws(() => encode(encodeFramedContentTBS, { ...tbs, content: ext }), EncodeError);
});

void test('PrivateMessageContent: zero padding is accepted and counted, a nonzero byte is a DecodeError', () => {
  const ac = signed(WireFormat.mlsPrivateMessage, framed(application()));
  const ok = decode((d) => decodePrivateMessageContent(d, ContentType.application), plaintextOf(ac, new Uint8Array(7)), 'PMC');
  assert.equal(ok.paddingLength, 7);
  const bad = new Uint8Array(7);
  bad[6] = 1;
  assert.throws(
    () => decode((d) => decodePrivateMessageContent(d, ContentType.application), plaintextOf(ac, bad), 'PMC'),
    (e: unknown) => e instanceof DecodeError && e.path === 'PMC.padding' && /offset 6/.test(e.reason),
  );
});

void test('SenderData is exactly leaf, generation and a 4-byte guard', () => {
  assert.deepEqual(decode(decodeSenderData, fromHex('000000010000000201020304'), 'SenderData'), {
    leafIndex: 1,
    generation: 2,
    reuseGuard: fromHex('01020304'),
  });
  assert.throws(() => decode(decodeSenderData, fromHex('0000000100000002010203'), 'SenderData'), DecodeError);
  assert.throws(() => decode(decodeSenderData, fromHex('00000001000000020102030405'), 'SenderData'), DecodeError);
  assert.throws(() => decode(decodeSenderData, fromHex('800000010000000201020304'), 'SenderData'), DecodeError);
});

void test('ConfirmedTranscriptHashInput only takes a commit', () => {
  const ac = signed(WireFormat.mlsPublicMessage, framed(application()));
  assert.throws(() => encode(encodeConfirmedTranscriptHashInput, { wireFormat: 1, content: ac.content, signature: ac.auth.signature }), EncodeError);
  const fake = concat(fromHex('0001'), encode(encodeFramedContent, ac.content), fromHex('00'));
  assert.throws(
    () => decode(decodeConfirmedTranscriptHashInput, fake, 'ConfirmedTranscriptHashInput'),
    (e: unknown) => e instanceof DecodeError && e.path === 'ConfirmedTranscriptHashInput.content.content_type',
  );
  const commit = signed(WireFormat.mlsPublicMessage, framed({ contentType: ContentType.commit, commit: { proposals: [] } }));
  const input = { wireFormat: WireFormat.mlsPublicMessage, content: commit.content, signature: commit.auth.signature };
  assert.deepEqual(decode(decodeConfirmedTranscriptHashInput, encode(encodeConfirmedTranscriptHashInput, input), 'C'), input);
});
