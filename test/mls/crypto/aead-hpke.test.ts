// AEAD open and HPKE open reject every altered or malformed input with a
// CryptoError, on both providers and for every suite; inputs are never mutated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getNobleProvider } from '../../../main/mls/crypto/index.js';
import { KEMS } from '../../../main/mls/crypto/suites.js';
import { CryptoError } from '../../../main/mls/errors.js';
import { concat, fromHex, utf8 } from '../../../main/mls/util/bytes.js';
import { extend, flip, providers, SUITE_IDS } from './helpers.js';

const MSG = utf8('attack at dawn, bring snacks');
const INFO = utf8('info');
const AAD = utf8('aad');

function be(n: bigint, len: number): Uint8Array {
  return fromHex(n.toString(16).padStart(len * 2, '0'));
}

// X25519 / X448 u-coordinates of small order (RFC 7748 §6): 0, 1 and, for X25519, an order-8 point.
const LOW_ORDER: Record<number, Uint8Array[]> = {
  32: [new Uint8Array(32), concat(Uint8Array.of(1), new Uint8Array(31)), fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')],
  56: [new Uint8Array(56), concat(Uint8Array.of(1), new Uint8Array(55))],
};

const otherHpkeKeys = {
  x25519: getNobleProvider().getSuite(1).hpke.generateKeyPair().publicKey,
  p256: getNobleProvider().getSuite(2).hpke.generateKeyPair().publicKey,
  x448: getNobleProvider().getSuite(4).hpke.generateKeyPair().publicKey,
  ed25519: getNobleProvider().getSuite(1).signature.generateKeyPair().publicKey,
};

for (const id of SUITE_IDS) {
  for (const p of providers()) {
    void describe(`suite ${id} on ${p.name}`, () => {
      const suite = p.getSuite(id);

      void it('AEAD: altered tag, body, AAD, nonce or length is a CryptoError', () => {
        const { aead } = suite;
        const key = suite.randomBytes(aead.keySize);
        const nonce = suite.randomBytes(aead.nonceSize);
        const ct = aead.seal(key, nonce, AAD, MSG);
        const ctCopy = ct.slice();
        const bad = (what: string, f: () => unknown) => assert.throws(f, CryptoError, what);
        bad('tag bit', () => aead.open(key, nonce, AAD, flip(ct, -1)));
        bad('tag first byte', () => aead.open(key, nonce, AAD, flip(ct, -16, 3)));
        bad('body bit', () => aead.open(key, nonce, AAD, flip(ct, 0)));
        bad('aad', () => aead.open(key, nonce, flip(AAD, 0), ct));
        bad('empty aad', () => aead.open(key, nonce, new Uint8Array(0), ct));
        bad('nonce', () => aead.open(key, flip(nonce, 11), AAD, ct));
        bad('key', () => aead.open(flip(key, 0), nonce, AAD, ct));
        bad('truncated', () => aead.open(key, nonce, AAD, ct.subarray(0, ct.length - 1)));
        bad('extended', () => aead.open(key, nonce, AAD, extend(ct)));
        bad('shorter than a tag', () => aead.open(key, nonce, AAD, ct.subarray(0, 15)));
        bad('empty', () => aead.open(key, nonce, AAD, new Uint8Array(0)));
        bad('short key', () => aead.open(key.subarray(1), nonce, AAD, ct));
        bad('long nonce', () => aead.open(key, extend(nonce), AAD, ct));
        bad('seal with short key', () => aead.seal(key.subarray(1), nonce, AAD, MSG));
        assert.deepEqual(ct, ctCopy, 'input not mutated');
        assert.deepEqual(aead.open(key, nonce, AAD, ct), MSG);
        assert.deepEqual(aead.open(key, nonce, AAD, aead.seal(key, nonce, AAD, new Uint8Array(0))), new Uint8Array(0));
      });

      void it('HPKE open: altered kem_output, ciphertext, info, aad or key is a CryptoError', () => {
        const { hpke } = suite;
        const kp = hpke.generateKeyPair();
        const ct = hpke.seal(kp.publicKey, INFO, AAD, MSG);
        const copy = { kem: ct.kemOutput.slice(), ct: ct.ciphertext.slice(), sk: kp.privateKey.slice() };
        const bad = (what: string, f: () => unknown) => assert.throws(f, CryptoError, what);
        const open = (sk: Uint8Array, enc: Uint8Array, c: Uint8Array, info = INFO, aad = AAD) => hpke.open(sk, enc, info, aad, c);
        for (const i of [0, 1, ct.kemOutput.length >> 1, -1]) for (const bit of [0, 7]) bad(`kem_output byte ${i} bit ${bit}`, () => open(kp.privateKey, flip(ct.kemOutput, i, bit), ct.ciphertext));
        bad('kem_output truncated', () => open(kp.privateKey, ct.kemOutput.subarray(1), ct.ciphertext));
        bad('kem_output extended', () => open(kp.privateKey, extend(ct.kemOutput), ct.ciphertext));
        bad('kem_output empty', () => open(kp.privateKey, new Uint8Array(0), ct.ciphertext));
        bad('ciphertext bit', () => open(kp.privateKey, ct.kemOutput, flip(ct.ciphertext, 0)));
        bad('ciphertext tag', () => open(kp.privateKey, ct.kemOutput, flip(ct.ciphertext, -1)));
        bad('ciphertext truncated', () => open(kp.privateKey, ct.kemOutput, ct.ciphertext.subarray(1)));
        bad('info', () => open(kp.privateKey, ct.kemOutput, ct.ciphertext, utf8('other')));
        bad('aad', () => open(kp.privateKey, ct.kemOutput, ct.ciphertext, INFO, new Uint8Array(0)));
        bad('another private key', () => open(hpke.generateKeyPair().privateKey, ct.kemOutput, ct.ciphertext));
        bad('private key truncated', () => open(kp.privateKey.subarray(1), ct.kemOutput, ct.ciphertext));
        bad('private key extended', () => open(extend(kp.privateKey), ct.kemOutput, ct.ciphertext));
        assert.deepEqual([ct.kemOutput, ct.ciphertext, kp.privateKey], [copy.kem, copy.ct, copy.sk], 'inputs not mutated');
        assert.deepEqual(open(kp.privateKey, ct.kemOutput, ct.ciphertext), MSG);
      });

      void it('HPKE: invalid or foreign public keys are a CryptoError on seal and open', () => {
        const { hpke } = suite;
        const kp = hpke.generateKeyPair();
        const ct = hpke.seal(kp.publicKey, INFO, AAD, MSG);
        const bad = (what: string, f: () => unknown) => assert.throws(f, CryptoError, what);
        for (const [name, pk] of Object.entries(otherHpkeKeys)) {
          if (pk.length === hpke.publicKeySize) continue; // same-size X25519/Ed25519 bytes are a valid (other) X25519 key
          bad(`seal to ${name} key`, () => hpke.seal(pk, INFO, AAD, MSG));
          bad(`${name} key as kem_output`, () => hpke.open(kp.privateKey, pk, INFO, AAD, ct.ciphertext));
        }
        bad('seal to truncated key', () => hpke.seal(kp.publicKey.subarray(1), INFO, AAD, MSG));
        const params = KEMS[hpke.kem];
        const order = params.order;
        if (order === undefined) {
          for (const u of LOW_ORDER[hpke.publicKeySize]!) {
            bad('seal to low-order point', () => hpke.seal(u, INFO, AAD, MSG));
            bad('low-order kem_output', () => hpke.open(kp.privateKey, u, INFO, AAD, ct.ciphertext));
          }
        } else {
          const offCurve = flip(kp.publicKey, -1);
          const compressed = concat(Uint8Array.of(2), kp.publicKey.subarray(1, 1 + params.privateKeySize), new Uint8Array(params.publicKeySize - 1 - params.privateKeySize));
          const infinity = new Uint8Array(params.publicKeySize);
          for (const [what, pk] of [['off-curve', offCurve], ['compressed prefix', compressed], ['all-zero', infinity]] as const) {
            bad(`seal to ${what} point`, () => hpke.seal(pk, INFO, AAD, MSG));
            bad(`${what} kem_output`, () => hpke.open(kp.privateKey, pk, INFO, AAD, ct.ciphertext));
          }
          bad('private scalar 0', () => hpke.open(new Uint8Array(params.privateKeySize), ct.kemOutput, INFO, AAD, ct.ciphertext));
          bad('private scalar n', () => hpke.open(be(order, params.privateKeySize), ct.kemOutput, INFO, AAD, ct.ciphertext));
          bad('publicKeyFromPrivate(n)', () => hpke.publicKeyFromPrivate(be(order, params.privateKeySize)));
        }
      });
    });
  }
}
