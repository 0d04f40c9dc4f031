// HPKE secret export (RFC 9180 §5.3), used by external commits (RFC 9420 §8.3):
// the RFC 9180 A.1.1 exported values, both providers agreeing in every suite
// (one seals, the other opens), and typed errors for bad input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CryptoError } from '../../../main/mls/errors.js';
import { fromHex, toHex, utf8 } from '../../../main/mls/util/bytes.js';
import { flip, providers, SUITE_IDS } from './helpers.js';

interface HpkeVector {
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  skRm: string;
  pkRm: string;
  enc: string;
}

// RFC 9180 A.1.1.2 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base): exported values, L = 32.
const A11_EXPORTS: readonly [string, string][] = [
  ['', '3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee'],
  ['00', '2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5'],
  ['54657374436f6e74657874', 'e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931'],
];

const vectors = JSON.parse(readFileSync(new URL('./hpke-rfc9180-vectors.json', import.meta.url), 'utf8')) as HpkeVector[];
const a11 = vectors.find((v) => v.kem_id === 0x20 && v.kdf_id === 1 && v.aead_id === 1)!;

void describe('HPKE export', () => {
  for (const p of providers()) {
    void it(`RFC 9180 A.1.1 exported values on ${p.name}`, () => {
      const hpke = p.getSuite(1).hpke;
      for (const [ctx, expected] of A11_EXPORTS) {
        assert.equal(toHex(hpke.receiveExport(fromHex(a11.skRm), fromHex(a11.enc), fromHex(a11.info), fromHex(ctx), 32)), expected);
      }
    });
  }

  for (const id of SUITE_IDS) {
    void it(`suite ${id}: a secret exported by one provider is the one the other derives`, () => {
      const [a, b] = providers();
      for (const [send, recv] of [
        [a!, b!],
        [b!, a!],
      ] as const) {
        const s = send.getSuite(id);
        const kp = recv.getSuite(id).hpke.generateKeyPair();
        const label = utf8('MLS 1.0 external init secret');
        const out = s.hpke.sendExport(kp.publicKey, new Uint8Array(0), label, s.kdf.size);
        assert.equal(out.enc.length, s.hpke.encSize);
        assert.equal(out.secret.length, s.kdf.size);
        assert.deepEqual(recv.getSuite(id).hpke.receiveExport(kp.privateKey, out.enc, new Uint8Array(0), label, s.kdf.size), out.secret);
        // Another context or info gives another secret.
        assert.notDeepEqual(recv.getSuite(id).hpke.receiveExport(kp.privateKey, out.enc, new Uint8Array(0), utf8('other'), s.kdf.size), out.secret);
        assert.notDeepEqual(recv.getSuite(id).hpke.receiveExport(kp.privateKey, out.enc, utf8('info'), label, s.kdf.size), out.secret);
      }
    });
  }

  for (const p of providers()) {
    void it(`bad input is a CryptoError on ${p.name}`, () => {
      const s = p.getSuite(1);
      const kp = s.hpke.generateKeyPair();
      const { enc } = s.hpke.sendExport(kp.publicKey, new Uint8Array(0), new Uint8Array(0), 32);
      assert.throws(() => s.hpke.sendExport(kp.publicKey.subarray(1), new Uint8Array(0), new Uint8Array(0), 32), CryptoError);
      assert.throws(() => s.hpke.receiveExport(kp.privateKey, enc.subarray(1), new Uint8Array(0), new Uint8Array(0), 32), CryptoError);
      assert.throws(() => s.hpke.receiveExport(kp.privateKey, enc, new Uint8Array(0), new Uint8Array(0), 255 * 32 + 1), CryptoError);
      // A flipped enc is accepted by X25519 (any 32 bytes are a point) but derives another secret.
      const good = s.hpke.receiveExport(kp.privateKey, enc, new Uint8Array(0), new Uint8Array(0), 32);
      assert.notDeepEqual(s.hpke.receiveExport(kp.privateKey, flip(enc, 3), new Uint8Array(0), new Uint8Array(0), 32), good);
      // P-256: an enc that is not a point is refused.
      const p256 = p.getSuite(2);
      const k2 = p256.hpke.generateKeyPair();
      const bad = new Uint8Array(p256.hpke.encSize);
      bad[0] = 4;
      assert.throws(() => p256.hpke.receiveExport(k2.privateKey, bad, new Uint8Array(0), new Uint8Array(0), 32), CryptoError);
    });
  }
});
