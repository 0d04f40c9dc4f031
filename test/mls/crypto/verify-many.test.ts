// Signature.verifyMany (main/mls/crypto/node/parallel-verify.ts for the node
// provider): the same verdicts as verify() one at a time, in order, for batches
// big enough to go to helper threads, with every kind of bad item mixed in.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyAll } from '../../../main/mls/crypto/labeled.js';
import { PARALLEL_MIN, verifyParallel } from '../../../main/mls/crypto/node/parallel-verify.js';
import { getNobleProvider, getNodeProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite, SignatureCheck } from '../../../main/mls/crypto/provider.js';

/** A batch of `n` checks, each one made bad in one of several ways (or left good). */
function batch(suite: CipherSuite, n: number): { checks: SignatureCheck[]; expected: boolean[] } {
  const sig = suite.signature;
  const keys = Array.from({ length: 8 }, () => sig.generateKeyPair());
  const checks: SignatureCheck[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const k = keys[i % keys.length]!;
    const message = new TextEncoder().encode(`message ${i}`);
    const signature = sig.sign(k.privateKey, message);
    switch (i % 7) {
      case 1: {
        // another message
        checks.push({ publicKey: k.publicKey, message: new TextEncoder().encode(`other ${i}`), signature });
        expected.push(false);
        break;
      }
      case 2: {
        // a flipped bit in the signature
        const s = signature.slice();
        s[5]! ^= 1;
        checks.push({ publicKey: k.publicKey, message, signature: s });
        expected.push(false);
        break;
      }
      case 3: {
        // another member's key
        checks.push({ publicKey: keys[(i + 1) % keys.length]!.publicKey, message, signature });
        expected.push(false);
        break;
      }
      case 4: {
        // a truncated public key and an empty signature
        checks.push({ publicKey: k.publicKey.subarray(1), message, signature: new Uint8Array(0) });
        expected.push(false);
        break;
      }
      default:
        checks.push({ publicKey: k.publicKey, message, signature });
        expected.push(true);
    }
  }
  return { checks, expected };
}

for (const id of [1, 2, 3, 5, 7] as const) {
  test(`suite ${id}: verifyMany agrees with verify one at a time on a batch with bad items`, () => {
    const suite = getNodeProvider().getSuite(id);
    assert.ok(suite.signature.verifyMany !== undefined, 'the node provider batches');
    const { checks, expected } = batch(suite, 4 * PARALLEL_MIN + 5);
    const one = checks.map((c) => suite.signature.verify(c.publicKey, c.message, c.signature));
    assert.deepEqual(one, expected, 'the batch is what it says');
    assert.deepEqual(suite.signature.verifyMany!(checks), expected);
    assert.deepEqual(verifyAll(suite, checks), expected);
    // Again: the helper threads are started by now, and a small batch stays on this thread.
    assert.deepEqual(suite.signature.verifyMany!(checks), expected);
    assert.deepEqual(suite.signature.verifyMany!(checks.slice(0, 9)), expected.slice(0, 9));
    assert.deepEqual(suite.signature.verifyMany!([]), []);
  });
}

test('Ed25519: a non-canonical signature (S + L) is refused in a batch too, though OpenSSL may accept it', () => {
  const suite = getNodeProvider().getSuite(1);
  const k = suite.signature.generateKeyPair();
  const message = new TextEncoder().encode('malleable');
  const good = suite.signature.sign(k.privateKey, message);
  // S' = S + L (little-endian, the last 32 bytes): the same point equation, a non-canonical encoding.
  const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
  const bad = good.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const v = bad[32 + i]! + L[i]! + carry;
    bad[32 + i] = v & 0xff;
    carry = v >> 8;
  }
  const checks: SignatureCheck[] = Array.from({ length: 2 * PARALLEL_MIN }, (_, i) => ({ publicKey: k.publicKey, message, signature: i % 2 === 0 ? good : bad }));
  const out = suite.signature.verifyMany!(checks);
  assert.deepEqual(out, checks.map((_, i) => i % 2 === 0));
  assert.equal(suite.signature.verify(k.publicKey, message, bad), false);
});

test('noble provider: no verifyMany; verifyAll falls back to verify', () => {
  const suite = getNobleProvider().getSuite(1);
  assert.equal(suite.signature.verifyMany, undefined);
  const { checks, expected } = batch(suite, 20);
  assert.deepEqual(verifyAll(suite, checks), expected);
});

test('a helper thread that cannot verify (here: told the wrong curve) never turns a good signature bad', () => {
  const suite = getNodeProvider().getSuite(1);
  const { checks, expected } = batch(suite, 6 * PARALLEL_MIN);
  const one = (c: SignatureCheck): boolean => suite.signature.verify(c.publicKey, c.message, c.signature);
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(verifyParallel(checks, { kty: 'OKP', crv: 'Ed448', hash: null }, one, () => true), expected);
  }
});
