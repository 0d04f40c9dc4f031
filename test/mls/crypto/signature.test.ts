// Signature verification rejects every malformed or altered input (returns false,
// never throws), on both providers and for every suite.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getNobleProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite } from '../../../main/mls/crypto/provider.js';
import { KEMS } from '../../../main/mls/crypto/suites.js';
import { CryptoError } from '../../../main/mls/errors.js';
import { concat, fromHex, utf8 } from '../../../main/mls/util/bytes.js';
import { extend, flip, providers, SUITE_IDS } from './helpers.js';

const MSG = utf8('message to sign');

// Minimal DER for ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, to build edge cases.
function derInt(n: bigint): Uint8Array {
  let h = n.toString(16);
  if (h.length % 2) h = '0' + h;
  let b = fromHex(h);
  if (b[0]! & 0x80) b = concat(Uint8Array.of(0), b);
  return concat(Uint8Array.of(0x02, b.length), b);
}
function derLen(n: number): Uint8Array {
  return n < 128 ? Uint8Array.of(n) : Uint8Array.of(0x81, n);
}
function derSig(r: bigint, s: bigint): Uint8Array {
  const body = concat(derInt(r), derInt(s));
  return concat(Uint8Array.of(0x30), derLen(body.length), body);
}
function parseSig(sig: Uint8Array): { r: bigint; s: bigint } {
  let o = sig[1]! & 0x80 ? 3 : 2;
  const read = (): bigint => {
    const len = sig[o + 1]!;
    const v = BigInt('0x' + Buffer.from(sig.subarray(o + 2, o + 2 + len)).toString('hex'));
    o += 2 + len;
    return v;
  };
  const r = read();
  return { r, s: read() };
}

function le(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}
function leToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;
const ED448_L = (1n << 446n) - 13818066809895115352007386748515426880336692474882178609894547503885n;
const ED25519_P = (1n << 255n) - 19n;

function ecOrder(suite: CipherSuite): bigint | undefined {
  return KEMS[suite.hpke.kem].order;
}

// Keys of other schemes, for wrong-suite checks.
const otherKeys = {
  ed25519: getNobleProvider().getSuite(1).signature.generateKeyPair().publicKey,
  p256: getNobleProvider().getSuite(2).signature.generateKeyPair().publicKey,
  ed448: getNobleProvider().getSuite(4).signature.generateKeyPair().publicKey,
  x25519: getNobleProvider().getSuite(1).hpke.generateKeyPair().publicKey,
};

for (const id of SUITE_IDS) {
  const signer = getNobleProvider().getSuite(id);
  const kp = signer.signature.generateKeyPair();
  const sig = signer.signature.sign(kp.privateKey, MSG);

  for (const p of providers()) {
    void describe(`suite ${id} ${signer.signature.name} verify on ${p.name}`, () => {
      const v = p.getSuite(id).signature;
      const rejects = (what: string, pk: Uint8Array, msg: Uint8Array, s: Uint8Array) =>
        assert.equal(v.verify(pk, msg, s), false, what);

      void it('accepts the genuine signature', () => assert.equal(v.verify(kp.publicKey, MSG, sig), true));

      void it('rejects flipped bits in signature, key and message', () => {
        for (const i of [0, 1, sig.length >> 1, -1]) for (const bit of [0, 7]) rejects(`sig byte ${i} bit ${bit}`, kp.publicKey, MSG, flip(sig, i, bit));
        for (const i of [1, kp.publicKey.length >> 1, -2]) rejects(`pk byte ${i}`, flip(kp.publicKey, i), MSG, sig);
        rejects('message', kp.publicKey, flip(MSG, 0), sig);
      });

      void it('rejects truncated, extended and empty signatures and keys', () => {
        rejects('sig truncated', kp.publicKey, MSG, sig.subarray(0, sig.length - 1));
        rejects('sig extended', kp.publicKey, MSG, extend(sig));
        rejects('sig empty', kp.publicKey, MSG, new Uint8Array(0));
        rejects('sig zero', kp.publicKey, MSG, new Uint8Array(sig.length));
        rejects('pk truncated', kp.publicKey.subarray(0, kp.publicKey.length - 1), MSG, sig);
        rejects('pk extended', extend(kp.publicKey), MSG, sig);
        rejects('pk empty', new Uint8Array(0), MSG, sig);
        rejects('pk zero', new Uint8Array(kp.publicKey.length), MSG, sig);
      });

      void it('rejects keys of other schemes', () => {
        for (const [name, pk] of Object.entries(otherKeys)) rejects(`${name} key`, pk, MSG, sig);
      });

      void it('signing with a malformed private key is a CryptoError', () => {
        assert.throws(() => v.sign(kp.privateKey.subarray(1), MSG), CryptoError);
        assert.throws(() => v.sign(extend(kp.privateKey), MSG), CryptoError);
      });

      const n = ecOrder(signer);
      if (n !== undefined) {
        void it('ECDSA: accepts high-S (as standard ECDSA does), rejects out-of-range r/s and non-canonical DER', () => {
          const { r, s } = parseSig(sig);
          assert.deepEqual(derSig(r, s), sig, 'test DER helper round-trips');
          assert.equal(v.verify(kp.publicKey, MSG, derSig(r, n - s)), true, 'high-S');
          rejects('r = 0', kp.publicKey, MSG, derSig(0n, s));
          rejects('s = 0', kp.publicKey, MSG, derSig(r, 0n));
          rejects('s + n', kp.publicKey, MSG, derSig(r, s + n));
          rejects('r + n', kp.publicKey, MSG, derSig(r + n, s));
          // r with a superfluous leading zero byte
          const rInt = derInt(r);
          const padded = concat(Uint8Array.of(0x02, rInt[1]! + 1, 0), rInt.subarray(2));
          const body = concat(padded, derInt(s));
          rejects('non-minimal r', kp.publicKey, MSG, concat(Uint8Array.of(0x30), derLen(body.length), body));
          // long-form length where the short form fits
          const body2 = concat(derInt(r), derInt(s));
          if (body2.length < 128) rejects('long-form length', kp.publicKey, MSG, concat(Uint8Array.of(0x30, 0x81, body2.length), body2));
          // raw r||s instead of DER
          rejects('compact r||s', kp.publicKey, MSG, concat(fromHex(r.toString(16).padStart(kp.privateKey.length * 2, '0')), fromHex(s.toString(16).padStart(kp.privateKey.length * 2, '0'))));
          // private scalars out of range
          const size = kp.privateKey.length;
          assert.throws(() => v.sign(new Uint8Array(size), MSG), CryptoError, 'sign with scalar 0');
          assert.throws(() => v.sign(fromHex(n.toString(16).padStart(size * 2, '0')), MSG), CryptoError, 'sign with scalar n');
          assert.throws(() => v.publicKeyFromPrivate(new Uint8Array(size)), CryptoError, 'public key of scalar 0');
          // compressed point
          const compressed = concat(Uint8Array.of(2 + (kp.publicKey[kp.publicKey.length - 1]! & 1)), kp.publicKey.subarray(1, 1 + (kp.publicKey.length - 1) / 2));
          rejects('compressed key', compressed, MSG, sig);
        });
      } else {
        void it('EdDSA: rejects non-canonical S and point encodings', () => {
          const half = sig.length / 2;
          const L = id === 1 || id === 3 ? ED25519_L : ED448_L;
          const S = leToBig(sig.subarray(half));
          rejects('S + L', kp.publicKey, MSG, concat(sig.subarray(0, half), le(S + L, half)));
          if (half === 32) {
            // y = p + 1 encodes y = 1 (a valid point) non-canonically
            rejects('pk y = p + 1', le(ED25519_P + 1n, 32), MSG, sig);
            rejects('R y = p + 1', kp.publicKey, MSG, concat(le(ED25519_P + 1n, 32), sig.subarray(32)));
          } else {
            const badPk = kp.publicKey.slice();
            badPk[56] = badPk[56]! | 0x01; // only the top bit of the last byte may be set
            rejects('pk last byte low bits', badPk, MSG, sig);
          }
        });
      }
    });
  }
}
