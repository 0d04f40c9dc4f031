import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { ArgumentError } from '../../../main/mls/errors.js';
import type { GroupContext } from '../../../main/mls/group/group-context.js';
import {
  deriveEpochSecrets,
  epochSecretsFromJoiner,
  externalKeyPair,
  mlsExporter,
  welcomeKeyNonce,
  welcomeSecretFromJoiner,
  type EpochSecrets,
} from '../../../main/mls/schedule/key-schedule.js';
import { senderDataKeyNonce } from '../../../main/mls/schedule/sender-data.js';
import { applyReuseGuard } from '../../../main/mls/schedule/reuse-guard.js';
import { utf8 } from '../../../main/mls/util/bytes.js';

const suite = getProvider().getSuite(1);
const nh = suite.kdf.size;
const gc: GroupContext = {
  version: 1,
  cipherSuite: 1,
  groupId: utf8('group'),
  epoch: 1n,
  treeHash: new Uint8Array(32).fill(1),
  confirmedTranscriptHash: new Uint8Array(32).fill(2),
  extensions: [],
};
const input = { initSecret: new Uint8Array(nh).fill(3), commitSecret: new Uint8Array(nh).fill(4), pskSecret: new Uint8Array(nh).fill(5), groupContext: gc };

const FIELDS: (keyof EpochSecrets)[] = [
  'joinerSecret', 'welcomeSecret', 'epochSecret', 'senderDataSecret', 'encryptionSecret', 'exporterSecret',
  'externalSecret', 'confirmationKey', 'membershipKey', 'resumptionPsk', 'epochAuthenticator', 'initSecret',
];

void test('all epoch secrets are Nh bytes and pairwise distinct', () => {
  const s = deriveEpochSecrets(suite, input);
  const seen = new Set<string>();
  for (const f of FIELDS) {
    assert.equal(s[f].length, nh, f);
    seen.add(Buffer.from(s[f]).toString('hex'));
  }
  assert.equal(seen.size, FIELDS.length);
});

void test('a different PSK, context, commit or init secret changes the secrets', () => {
  const base = deriveEpochSecrets(suite, input);
  const variants: [string, EpochSecrets, boolean][] = [
    ['psk', deriveEpochSecrets(suite, { ...input, pskSecret: new Uint8Array(nh).fill(6) }), true],
    ['no psk', deriveEpochSecrets(suite, { ...input, pskSecret: undefined }), true],
    ['epoch', deriveEpochSecrets(suite, { ...input, groupContext: { ...gc, epoch: 2n } }), false],
    ['tree hash', deriveEpochSecrets(suite, { ...input, groupContext: { ...gc, treeHash: new Uint8Array(32) } }), false],
    ['extensions', deriveEpochSecrets(suite, { ...input, groupContext: { ...gc, extensions: [{ extensionType: 1, extensionData: utf8('x') }] } }), false],
    ['commit', deriveEpochSecrets(suite, { ...input, commitSecret: new Uint8Array(nh) }), false],
    ['init', deriveEpochSecrets(suite, { ...input, initSecret: new Uint8Array(nh) }), false],
  ];
  for (const [what, s, sameJoiner] of variants) {
    // A PSK enters after the joiner secret; everything else changes it too.
    assert.equal(Buffer.from(s.joinerSecret).equals(base.joinerSecret), sameJoiner, `${what}: joiner_secret`);
    for (const f of FIELDS.filter((x) => x !== 'joinerSecret')) assert.notDeepEqual(s[f], base[f], `${what}: ${f}`);
  }
  // Omitting the PSK secret is the same as the all-zero one.
  assert.deepEqual(
    deriveEpochSecrets(suite, { ...input, pskSecret: undefined }),
    deriveEpochSecrets(suite, { ...input, pskSecret: new Uint8Array(nh) }),
  );
});

void test('the joiner path reaches the same secrets as the member path', () => {
  const s = deriveEpochSecrets(suite, input);
  assert.deepEqual(welcomeSecretFromJoiner(suite, s.joinerSecret, input.pskSecret), s.welcomeSecret);
  assert.deepEqual(epochSecretsFromJoiner(suite, s.joinerSecret, input.pskSecret, gc), s);
  const w = welcomeKeyNonce(suite, s.welcomeSecret);
  assert.equal(w.key.length, suite.aead.keySize);
  assert.equal(w.nonce.length, suite.aead.nonceSize);
});

void test('exporter depends on label, context and length; external key pair is deterministic', () => {
  const s = deriveEpochSecrets(suite, input);
  const a = mlsExporter(suite, s.exporterSecret, 'arbor test', utf8('ctx'), 32);
  assert.equal(a.length, 32);
  assert.deepEqual(mlsExporter(suite, s.exporterSecret, utf8('arbor test'), utf8('ctx'), 32), a);
  assert.notDeepEqual(mlsExporter(suite, s.exporterSecret, 'arbor test2', utf8('ctx'), 32), a);
  assert.notDeepEqual(mlsExporter(suite, s.exporterSecret, 'arbor test', utf8('ctx2'), 32), a);
  assert.equal(mlsExporter(suite, s.exporterSecret, 'arbor test', utf8('ctx'), 16).length, 16);
  const kp = externalKeyPair(suite, s.externalSecret);
  assert.deepEqual(externalKeyPair(suite, s.externalSecret), kp);
  assert.deepEqual(suite.hpke.publicKeyFromPrivate(kp.privateKey), kp.publicKey);
});

void test('sender data key/nonce sample only the first Nh bytes of the ciphertext', () => {
  const sds = new Uint8Array(nh).fill(9);
  const ct = new Uint8Array(80).map((_, i) => i);
  const k = senderDataKeyNonce(suite, sds, ct);
  assert.deepEqual(senderDataKeyNonce(suite, sds, ct.subarray(0, nh)), k);
  assert.notDeepEqual(senderDataKeyNonce(suite, sds, ct.subarray(0, nh - 1)), k);
  assert.equal(k.key.length, suite.aead.keySize);
  assert.equal(k.nonce.length, suite.aead.nonceSize);
});

void test('reuse guard XORs the first four nonce bytes only', () => {
  const nonce = new Uint8Array(12).fill(0xff);
  const out = applyReuseGuard(nonce, new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual(out, new Uint8Array([0xfe, 0xfd, 0xfc, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  assert.deepEqual(nonce, new Uint8Array(12).fill(0xff));
  assert.throws(() => applyReuseGuard(nonce, new Uint8Array(3)), ArgumentError);
});

void test('wrong-size secrets and a context of another suite are ArgumentErrors', () => {
  assert.throws(() => deriveEpochSecrets(suite, { ...input, initSecret: new Uint8Array(nh - 1) }), ArgumentError);
  assert.throws(() => deriveEpochSecrets(suite, { ...input, commitSecret: new Uint8Array(nh + 1) }), ArgumentError);
  assert.throws(() => deriveEpochSecrets(suite, { ...input, pskSecret: new Uint8Array(1) }), ArgumentError);
  assert.throws(() => deriveEpochSecrets(suite, { ...input, groupContext: { ...gc, cipherSuite: 2 } }), ArgumentError);
  assert.throws(() => mlsExporter(suite, new Uint8Array(nh), 'x', new Uint8Array(0), 70000), ArgumentError);
});
