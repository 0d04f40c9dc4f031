// RFC 9180 §7.1.4 public key validation without a KEM operation
// (Hpke.checkPublicKey, crypto/small-order.ts) refuses exactly the keys a trial
// encryption (seal: a DH with a fresh ephemeral key) refuses, in both providers:
// for X25519/X448 the small-order points (every encoding, X25519 with either top
// bit), for the NIST curves points that do not decode onto the curve.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { CryptoError } from '../../../main/mls/errors.js';
import type { CipherSuite } from '../../../main/mls/crypto/provider.js';
import { isSmallOrderPoint, smallOrderEncodings, X25519_ORDER_8_U } from '../../../main/mls/crypto/small-order.js';
import { fromHex } from '../../../main/mls/util/bytes.js';
import { providers } from './helpers.js';

const EMPTY = new Uint8Array(0);

function sealRefuses(suite: CipherSuite, pk: Uint8Array): boolean {
  try {
    suite.hpke.seal(pk, EMPTY, EMPTY, EMPTY);
    return false;
  } catch (e) {
    assert.ok(e instanceof CryptoError, `seal threw ${String(e)}`);
    return true;
  }
}

function checkRefuses(suite: CipherSuite, pk: Uint8Array): boolean {
  try {
    suite.hpke.checkPublicKey(pk);
    return false;
  } catch (e) {
    assert.ok(e instanceof CryptoError, `checkPublicKey threw ${String(e)}`);
    return true;
  }
}

function withTopBit(b: Uint8Array): Uint8Array {
  const out = b.slice();
  out[out.length - 1] = out[out.length - 1]! | 0x80;
  return out;
}

void describe('HPKE public key validation equals a trial encryption', () => {
  it('the order-8 u-coordinates of Curve25519 are the images of the Edwards torsion points (u = (1 + y) / (1 - y))', () => {
    const p = (1n << 255n) - 19n;
    const pow = (b: bigint, e: bigint): bigint => {
      let r = 1n;
      for (b %= p; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) r = (r * b) % p;
      return r;
    };
    const us = new Set<bigint>();
    for (const hex of ED25519_TORSION_SUBGROUP) {
      const enc = fromHex(hex);
      enc[31] = enc[31]! & 0x7f;
      let y = 0n;
      for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(enc[i]!);
      if (y === 1n) continue; // the neutral element (u would be infinite)
      us.add(((1n + y) * pow((1n - y + p) % p, p - 2n)) % p);
    }
    // Order 2 maps to u = 0, order 4 to u = 1, order 8 to the table's two values (u = p - 1 is the twist's point of order 4).
    assert.deepEqual([...us].sort(), [0n, 1n, ...X25519_ORDER_8_U].sort());
  });

  for (const provider of providers()) {
    for (const id of [1, 4] as const) {
      const suite = provider.getSuite(id);
      const kem = suite.hpke.kem as 'DHKEM-X25519' | 'DHKEM-X448';
      it(`${provider.name} ${kem}: every small-order encoding is refused by the check and by a trial encryption`, () => {
        const table = smallOrderEncodings(kem);
        assert.equal(table.length, kem === 'DHKEM-X25519' ? 7 : 5);
        const all = kem === 'DHKEM-X25519' ? [...table, ...table.map(withTopBit)] : table;
        for (const pk of all) {
          assert.ok(isSmallOrderPoint(kem, pk));
          assert.ok(checkRefuses(suite, pk), `check accepts ${Buffer.from(pk).toString('hex')}`);
          assert.ok(sealRefuses(suite, pk), `seal accepts ${Buffer.from(pk).toString('hex')}`);
        }
      });
      it(`${provider.name} ${kem}: random and generated keys are accepted by both`, () => {
        for (let i = 0; i < 64; i++) {
          const pk = i % 2 === 0 ? new Uint8Array(randomBytes(suite.hpke.publicKeySize)) : suite.hpke.generateKeyPair().publicKey;
          assert.equal(checkRefuses(suite, pk), false);
          assert.equal(sealRefuses(suite, pk), false);
        }
      });
      it(`${provider.name} ${kem}: a key of the wrong length is refused by both`, () => {
        for (const n of [0, suite.hpke.publicKeySize - 1, suite.hpke.publicKeySize + 1]) {
          assert.ok(checkRefuses(suite, new Uint8Array(n).fill(9)));
          assert.ok(sealRefuses(suite, new Uint8Array(n).fill(9)));
        }
      });
    }
    for (const id of [2, 5, 7] as const) {
      const suite = provider.getSuite(id);
      it(`${provider.name} ${suite.hpke.kem}: points off the curve, compressed or mangled are refused by both; valid ones accepted`, () => {
        const good = suite.hpke.generateKeyPair().publicKey;
        assert.equal(checkRefuses(suite, good), false);
        assert.equal(sealRefuses(suite, good), false);
        const offCurve = good.slice();
        offCurve[offCurve.length - 1] = offCurve[offCurve.length - 1]! ^ 1;
        const compressed = good.slice();
        compressed[0] = 0x02;
        const zero = new Uint8Array(good.length);
        zero[0] = 0x04;
        const xTooBig = good.slice();
        xTooBig.fill(0xff, 1, 1 + (good.length - 1) / 2);
        for (const bad of [offCurve, compressed, zero, xTooBig, good.subarray(1)]) {
          assert.ok(checkRefuses(suite, bad), `check accepts ${Buffer.from(bad).toString('hex')}`);
          assert.ok(sealRefuses(suite, bad), `seal accepts ${Buffer.from(bad).toString('hex')}`);
        }
      });
    }
  }
});
