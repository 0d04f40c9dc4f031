import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuiteId } from '../../../main/mls/crypto/provider.js';
import { parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { keyPackageRef } from '../../../main/mls/messages/key-package.js';
import { welcomeSecretFromJoiner } from '../../../main/mls/schedule/key-schedule.js';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { CryptoError } from '../../../main/mls/errors.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { decodeGroupSecrets, encodeGroupSecrets, type GroupSecrets } from '../../../main/mls/messages/group-secrets.js';
import { signGroupInfo, verifyGroupInfoSignature } from '../../../main/mls/messages/group-info.js';
import { decodeWelcome, encodeWelcome, findWelcomeSecrets, type Welcome } from '../../../main/mls/messages/welcome.js';
import {
  decodeEncryptedGroupSecrets,
  encodeEncryptedGroupSecrets,
} from '../../../main/mls/messages/encrypted-group-secrets.js';
import {
  decryptGroupInfo,
  decryptGroupSecrets,
  encryptGroupInfo,
  encryptGroupSecrets,
} from '../../../main/mls/messages/welcome-crypto.js';
import { PSKType, ResumptionPSKUsage } from '../../../main/mls/schedule/psk.js';
import { fromHex } from '../../../main/mls/util/bytes.js';
import { assertDecodeError, assertStrict, makeKeyPackage, roundTrip, suite } from './helpers.js';

const secrets: GroupSecrets = {
  joinerSecret: new Uint8Array(32).fill(1),
  pathSecret: { pathSecret: new Uint8Array(32).fill(2) },
  psks: [
    { psktype: PSKType.external, pskId: fromHex('0a0b'), pskNonce: new Uint8Array(32).fill(3) },
    { psktype: PSKType.resumption, usage: ResumptionPSKUsage.application, pskGroupId: fromHex('01'), pskEpoch: 2n, pskNonce: new Uint8Array(32) },
  ],
};

void test('GroupSecrets with and without a path secret round-trip and are strict', () => {
  assertStrict(roundTrip(secrets, encodeGroupSecrets, decodeGroupSecrets, 'GroupSecrets'), decodeGroupSecrets, 'GroupSecrets');
  const bare: GroupSecrets = { joinerSecret: fromHex('aa'), psks: [] };
  const bytes = roundTrip(bare, encodeGroupSecrets, decodeGroupSecrets, 'GroupSecrets');
  assert.deepEqual(bytes, fromHex('01aa' + '00' + '00'));
  assert.equal('pathSecret' in decode(decodeGroupSecrets, bytes, 'GroupSecrets'), false);
});

void test('bad GroupSecrets bytes name the field path', () => {
  assertDecodeError(() => decode(decodeGroupSecrets, fromHex('01aa' + '02' + '00'), 'GroupSecrets'), 'GroupSecrets.path_secret', 'optional presence byte 2');
  assertDecodeError(() => decode(decodeGroupSecrets, fromHex('01aa' + '00' + '03' + '030000'), 'GroupSecrets'), 'GroupSecrets.psks.[0].psktype', 'unknown PSKType 3');
  assertDecodeError(() => decode(decodeGroupSecrets, fromHex('01aa' + '01' + '4001bb' + '00'), 'GroupSecrets'), 'GroupSecrets.path_secret.path_secret', 'not minimally encoded');
  assertDecodeError(() => decode(decodeGroupSecrets, fromHex('01aa' + '00' + '01'), 'GroupSecrets'), 'GroupSecrets.psks', 'length 1 exceeds remaining 0');
});

void test('a Welcome round-trips, is strict, and finds each member\'s entry', () => {
  const a = makeKeyPackage('a');
  const b = makeKeyPackage('b');
  const w: Welcome = {
    cipherSuite: 1,
    secrets: [
      { newMember: a.ref, encryptedGroupSecrets: { kemOutput: new Uint8Array(32).fill(1), ciphertext: new Uint8Array(80).fill(2) } },
      { newMember: b.ref, encryptedGroupSecrets: { kemOutput: new Uint8Array(32).fill(3), ciphertext: new Uint8Array(80).fill(4) } },
    ],
    encryptedGroupInfo: new Uint8Array(300).fill(5),
  };
  const bytes = roundTrip(w, encodeWelcome, decodeWelcome, 'Welcome');
  assertStrict(bytes, decodeWelcome, 'Welcome');
  assertStrict(encode(encodeEncryptedGroupSecrets, w.secrets[0]!), decodeEncryptedGroupSecrets, 'EncryptedGroupSecrets');
  assert.equal(findWelcomeSecrets(w, b.ref), w.secrets[1]);
  assert.equal(findWelcomeSecrets(w, makeKeyPackage('c').ref), undefined);
  const bad = bytes.slice();
  bad[1] = 0x08;
  assertDecodeError(() => decode(decodeWelcome, bad, 'Welcome'), 'Welcome.cipher_suite', 'unsupported cipher suite 8');
  assertDecodeError(() => decode(decodeWelcome, fromHex('0001' + '4000' + '00'), 'Welcome'), 'Welcome.secrets', 'not minimally encoded');
});

void test('GroupSecrets and GroupInfo encrypt to a new member and decrypt back', () => {
  const joiner = makeKeyPackage('joiner');
  const signer = suite.signature.generateKeyPair();
  const gi = signGroupInfo(suite, signer.privateKey, {
    groupContext: {
      version: PROTOCOL_VERSION_MLS10,
      cipherSuite: 1,
      groupId: fromHex('01'),
      epoch: 1n,
      treeHash: new Uint8Array(32),
      confirmedTranscriptHash: new Uint8Array(32),
      extensions: [],
    },
    extensions: [],
    confirmationTag: new Uint8Array(32),
    signer: 0,
  });
  const welcomeSecret = new Uint8Array(32).fill(0x42);
  const egi = encryptGroupInfo(suite, welcomeSecret, gi);
  const ct = encryptGroupSecrets(suite, joiner.keyPackage.initKey, egi, secrets);
  assert.deepEqual(decryptGroupSecrets(suite, joiner.initPrivateKey, egi, ct), secrets);
  assert.deepEqual(decryptGroupInfo(suite, welcomeSecret, egi), gi);
  // The encrypted GroupInfo is the HPKE context: a different one fails to open.
  const other = egi.slice();
  other[0]! ^= 1;
  assert.throws(() => decryptGroupSecrets(suite, joiner.initPrivateKey, other, ct), CryptoError);
  assert.throws(() => decryptGroupInfo(suite, welcomeSecret, other), CryptoError);
  assert.throws(() => decryptGroupInfo(suite, new Uint8Array(32), egi), CryptoError);
  assert.throws(() => decryptGroupSecrets(suite, makeKeyPackage('x').initPrivateKey, egi, ct), CryptoError);
});

// The official welcome.json (mlswg/mls-implementations) checks the whole decryption
// path: KeyPackageRef lookup, GroupSecrets under the init key, GroupInfo under welcome_key.
const WELCOME_VECTORS = fileURLToPath(new URL('../../../../shared/mls-test-vectors/welcome.json', import.meta.url));

void test('welcome.json: each Welcome decrypts with the vector\'s init key and its GroupInfo verifies', (t) => {
  if (!existsSync(WELCOME_VECTORS)) return t.skip('welcome.json not present');
  const cases = JSON.parse(readFileSync(WELCOME_VECTORS, 'utf8')) as Record<string, string | number>[];
  assert.ok(cases.length > 0);
  for (const c of cases) {
    const s = getProvider().getSuite(c.cipher_suite as CipherSuiteId);
    const kpMsg = parseMLSMessage(fromHex(c.key_package as string));
    const wMsg = parseMLSMessage(fromHex(c.welcome as string));
    assert.ok(kpMsg.wireFormat === WireFormat.mlsKeyPackage && wMsg.wireFormat === WireFormat.mlsWelcome);
    const entry = findWelcomeSecrets(wMsg.welcome, keyPackageRef(s, kpMsg.keyPackage));
    assert.ok(entry !== undefined, 'no EncryptedGroupSecrets for the KeyPackage');
    const gs = decryptGroupSecrets(s, fromHex(c.init_priv as string), wMsg.welcome.encryptedGroupInfo, entry.encryptedGroupSecrets);
    assert.equal(gs.psks.length, 0);
    const gi = decryptGroupInfo(s, welcomeSecretFromJoiner(s, gs.joinerSecret), wMsg.welcome.encryptedGroupInfo);
    assert.equal(gi.groupContext.cipherSuite, s.id);
    assert.equal(verifyGroupInfoSignature(s, gi, fromHex(c.signer_pub as string)), true);
  }
});
