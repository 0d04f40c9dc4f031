// The core's pure pieces: the application payload (versioned, strict), the
// conversation metadata extension, the credential identity, the safety code and
// the send-state machine.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { credentialIdentity, parseCredentialIdentity } from '../../main/core/identity.js';
import { METADATA_EXTENSION_TYPE, metadataExtension, readMetadata, withMetadata } from '../../main/core/metadata.js';
import { decodePayload, encodePayload, MAX_RECEIPT_IDS } from '../../main/core/payload.js';
import { safetyCode } from '../../main/core/safety-code.js';
import { nextSendState, type SendState } from '../../main/core/send-state.js';
import { DecodeError } from '../../main/mls/index.js';

test('text and receipt payloads round-trip', () => {
  const uid = randomBytes(16);
  const t = { type: 'text' as const, uid, sentAt: 1_795_000_000_123, text: 'héllo 👋\nline two' };
  assert.deepEqual(decodePayload(encodePayload(t)), { ...t, uid: new Uint8Array(uid) });
  const r = { type: 'receipt' as const, sentAt: 5, uids: [randomBytes(16), randomBytes(16)].map((b) => new Uint8Array(b)) };
  assert.deepEqual(decodePayload(encodePayload(r)), r);
  assert.deepEqual(decodePayload(encodePayload({ type: 'receipt', sentAt: 5, uids: [] })), { type: 'receipt', sentAt: 5, uids: [] });
});

test('unknown versions and types are kept out, not errors', () => {
  assert.deepEqual(decodePayload(Uint8Array.of(0, 2, 0, 1, 9, 9)), { type: 'unknown', version: 2, typeId: 1 });
  assert.deepEqual(decodePayload(Uint8Array.of(0, 1, 0, 77, 1, 2, 3)), { type: 'unknown', version: 1, typeId: 77 });
});

test('malformed payloads are DecodeErrors naming the field', () => {
  const good = encodePayload({ type: 'text', uid: randomBytes(16), sentAt: 1, text: 'abc' });
  for (let n = 0; n < good.length; n++) assert.throws(() => decodePayload(good.subarray(0, n)), DecodeError, `truncated to ${n}`);
  assert.throws(() => decodePayload(Uint8Array.of(...good, 0)), /trailing/);
  const badUtf8 = Uint8Array.of(...good.subarray(0, good.length - 4), 3, 0xff, 0xfe, 0xfd);
  assert.throws(() => decodePayload(badUtf8), /ArborPayload\.text: not UTF-8/);
  const hugeTime = Uint8Array.from(good);
  hugeTime.fill(0xff, 20, 28);
  assert.throws(() => decodePayload(hugeTime), /sent_at/);
  const ids = Array.from({ length: MAX_RECEIPT_IDS + 1 }, () => randomBytes(16));
  assert.throws(() => encodePayload({ type: 'receipt', sentAt: 1, uids: ids }), RangeError);
});

test('the title lives in one GroupContext extension; replacing it keeps the others', () => {
  const x = metadataExtension({ title: 'Weekend 🏕' });
  assert.equal(x.extensionType, METADATA_EXTENSION_TYPE);
  assert.deepEqual(readMetadata([x]), { title: 'Weekend 🏕' });
  assert.deepEqual(readMetadata([]), { title: '' });
  assert.deepEqual(readMetadata([{ extensionType: METADATA_EXTENSION_TYPE, extensionData: Uint8Array.of(0, 9, 1, 65) }]), { title: '' }, 'unknown version');
  assert.deepEqual(readMetadata([{ extensionType: METADATA_EXTENSION_TYPE, extensionData: Uint8Array.of(0, 1, 5, 65) }]), { title: '' }, 'truncated');
  const other = { extensionType: 0xf0f0, extensionData: Uint8Array.of(1) };
  const next = withMetadata([other, x], { title: 'New' });
  assert.deepEqual(next[0], other);
  assert.deepEqual(readMetadata(next), { title: 'New' });
  assert.throws(() => metadataExtension({ title: 'x'.repeat(201) }), RangeError);
});

test('credential identity: user/device, and nothing else parses', () => {
  const b = credentialIdentity({ userId: 'alice', deviceId: 'laptop-1a2b' });
  assert.equal(new TextDecoder().decode(b), 'alice/laptop-1a2b');
  assert.deepEqual(parseCredentialIdentity(b), { userId: 'alice', deviceId: 'laptop-1a2b' });
  for (const s of ['alice', '/x', 'x/', 'a/b/c', 'a b/c', `${'a'.repeat(65)}/b`]) assert.equal(parseCredentialIdentity(new TextEncoder().encode(s)), undefined, s);
  assert.equal(parseCredentialIdentity(Uint8Array.of(0xff, 0x2f, 0x41)), undefined);
  assert.throws(() => credentialIdentity({ userId: 'a/b', deviceId: 'c' }), RangeError);
});

test('safety code: 30 digits in six groups, stable and sensitive', () => {
  const a = randomBytes(32);
  const code = safetyCode(a);
  assert.match(code, /^\d{5}( \d{5}){5}$/);
  assert.equal(safetyCode(Uint8Array.from(a)), code);
  const b = Uint8Array.from(a);
  b[0]! ^= 1;
  assert.notEqual(safetyCode(b), code);
});

test('send states only move forward; retry only from failed', () => {
  const pending: SendState = { status: 'pending', failReason: null };
  const sent = nextSendState(pending, { type: 'accepted' });
  assert.deepEqual(sent, { status: 'sent', failReason: null });
  const delivered = nextSendState(sent, { type: 'allDelivered' });
  assert.equal(delivered.status, 'delivered');
  assert.equal(nextSendState(delivered, { type: 'accepted' }), delivered);
  assert.equal(nextSendState(delivered, { type: 'failed', reason: 'x' }), delivered);
  assert.equal(nextSendState(sent, { type: 'failed', reason: 'x' }), sent);
  assert.equal(nextSendState(pending, { type: 'allDelivered' }), pending);
  const failed = nextSendState(pending, { type: 'failed', reason: 'deadline' });
  assert.deepEqual(failed, { status: 'failed', failReason: 'deadline' });
  assert.equal(nextSendState(failed, { type: 'accepted' }), failed);
  assert.deepEqual(nextSendState(failed, { type: 'retry' }), pending);
  assert.equal(nextSendState(sent, { type: 'retry' }), sent);
});

test('connection problems are said in words', async () => {
  const { connectionProblem } = await import('../../main/core/ds-link.js');
  const { DsUnreachable, DsDisconnected } = await import('../../main/net/index.js');
  assert.equal(connectionProblem(undefined, false), null);
  assert.equal(connectionProblem(new DsUnreachable('ws://127.0.0.1:7443', 'connect ECONNREFUSED 127.0.0.1:7443'), false), 'The server at 127.0.0.1:7443 is not answering (connection refused).');
  assert.equal(connectionProblem(new DsUnreachable('wss://chat.example:443/', 'getaddrinfo ENOTFOUND chat.example'), false), 'The server address chat.example cannot be found.');
  assert.equal(connectionProblem(new DsDisconnected('closed', false), false), 'The connection to the server was lost.');
  assert.equal(connectionProblem(new Error('x'), true), 'The server no longer accepts this device.');
});
