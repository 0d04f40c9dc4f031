// Hpke.sealMany with the Encap's key generations and DHs in one batch
// (DhGroup.ephemeralMany, main/mls/crypto/node/parallel-ephemeral.ts, on
// helper threads for X25519 and X448): every recipient opens its own
// plaintext, every ephemeral key is fresh, and a bad recipient key is refused
// with the error a seal one at a time gives.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CryptoError } from '../../../main/mls/errors.js';
import { getNodeProvider } from '../../../main/mls/crypto/index.js';
import { PARALLEL_MIN } from '../../../main/mls/crypto/node/helper-pool.js';
import { toHex } from '../../../main/mls/util/bytes.js';

const INFO = new TextEncoder().encode('seal-many info');
const AAD = new Uint8Array(0);

// 1, 3: X25519; 4, 6: X448; 2: P-256 (one at a time).
for (const id of [1, 3, 4, 6, 2] as const) {
  test(`suite ${id}: ${2 * PARALLEL_MIN} recipients each open their own plaintext; every enc is fresh`, () => {
    const suite = getNodeProvider().getSuite(id);
    const keys = Array.from({ length: 2 * PARALLEL_MIN }, () => suite.hpke.generateKeyPair());
    const plaintexts = keys.map((_, i) => new TextEncoder().encode(`secret for ${i}`));
    for (let round = 0; round < 2; round++) {
      const cts = suite.hpke.sealMany(
        keys.map((k, i) => ({ publicKey: k.publicKey, plaintext: plaintexts[i]! })),
        INFO,
        AAD,
      );
      assert.equal(cts.length, keys.length);
      cts.forEach((ct, i) => assert.deepEqual(suite.hpke.open(keys[i]!.privateKey, ct.kemOutput, INFO, AAD, ct.ciphertext), plaintexts[i]));
      assert.equal(new Set(cts.map((c) => toHex(c.kemOutput))).size, cts.length, 'one ephemeral key per recipient');
      // Not to another recipient.
      assert.throws(() => suite.hpke.open(keys[1]!.privateKey, cts[0]!.kemOutput, INFO, AAD, cts[0]!.ciphertext), CryptoError);
    }
  });
}

test('suite 1: a low-order recipient key among many is refused as a single seal refuses it', () => {
  const suite = getNodeProvider().getSuite(1);
  const keys = Array.from({ length: 3 * PARALLEL_MIN }, () => suite.hpke.generateKeyPair().publicKey);
  // u = 1 has order 4 on Curve25519: every DH with it is zero.
  const lowOrder = new Uint8Array(32);
  lowOrder[0] = 1;
  keys[150] = lowOrder;
  let single: unknown;
  try {
    suite.hpke.seal(lowOrder, INFO, AAD, new Uint8Array(4));
  } catch (e) {
    single = e;
  }
  assert.ok(single instanceof CryptoError);
  assert.throws(
    () => suite.hpke.sealMany(keys.map((publicKey) => ({ publicKey, plaintext: new Uint8Array(4) })), INFO, AAD),
    (e: unknown) => e instanceof CryptoError && e.message === (single as Error).message,
  );
  // A key of the wrong length, too.
  keys[150] = new Uint8Array(31);
  assert.throws(() => suite.hpke.sealMany(keys.map((publicKey) => ({ publicKey, plaintext: new Uint8Array(4) })), INFO, AAD), /public key is 31 bytes, expected 32/);
});
