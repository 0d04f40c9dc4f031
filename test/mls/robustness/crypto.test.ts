// Crypto primitives under hostile input, every suite and both providers:
// signature verify with random or mutated keys and signatures returns a
// boolean (false) and never throws; HPKE and AEAD open with mutated inputs
// throw CryptoError and nothing else; HPKE receiveExport with a bad enc
// returns bytes or throws CryptoError.

import assert from 'node:assert/strict';
import test from 'node:test';
import { getNobleProvider, getNodeProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite, CipherSuiteId, CryptoProvider } from '../../../main/mls/crypto/provider.js';
import { CryptoError } from '../../../main/mls/errors.js';
import { toHex, utf8 } from '../../../main/mls/util/bytes.js';
import { engineFrame, errorText } from './probe.js';
import { Rng } from './prng.js';

const SUITES: readonly CipherSuiteId[] = [1, 2, 3, 4, 5, 6, 7];
const PROVIDERS: readonly CryptoProvider[] = [getNodeProvider(), getNobleProvider()];

/** Hostile variants of `b`: bit flips, truncations, extensions, empty, constant and random bytes. */
function variants(rng: Rng, b: Uint8Array, flips: number): { what: string; bytes: Uint8Array }[] {
  const out: { what: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < flips; i++) {
    const at = rng.int(b.length);
    const bit = rng.int(8);
    const x = b.slice();
    x[at]! ^= 1 << bit;
    out.push({ what: `bit ${bit} of byte ${at} flipped`, bytes: x });
  }
  for (const n of [0, 1, b.length >> 1, b.length - 1]) out.push({ what: `truncated to ${n}`, bytes: b.slice(0, n) });
  const ext = new Uint8Array(b.length + 1);
  ext.set(b);
  out.push({ what: 'one zero byte appended', bytes: ext });
  out.push({ what: 'doubled', bytes: Uint8Array.from([...b, ...b]) });
  out.push({ what: 'all zero', bytes: new Uint8Array(b.length) });
  out.push({ what: 'all 0xff', bytes: new Uint8Array(b.length).fill(0xff) });
  out.push({ what: 'random, same length', bytes: rng.bytes(b.length) });
  out.push({ what: 'random, other length', bytes: rng.bytes(1 + rng.int(200)) });
  return out.filter((v) => toHex(v.bytes) !== toHex(b));
}

function describe(provider: CryptoProvider, suite: CipherSuite): string {
  return `${provider.name} suite ${suite.id} (${suite.signature.name}, ${suite.hpke.kem}, ${suite.aead.name})`;
}

for (const provider of PROVIDERS) {
  for (const id of SUITES) {
    const suite = provider.getSuite(id);
    const name = describe(provider, suite);

    void test(`${name}: signature verify of mutated keys and signatures is false, never a throw`, () => {
      const rng = new Rng(0x5160 + id);
      const kp = suite.signature.generateKeyPair();
      const msg = utf8('robustness: the message signed');
      const sig = suite.signature.sign(kp.privateKey, msg);
      assert.equal(suite.signature.verify(kp.publicKey, msg, sig), true);
      const bad: string[] = [];
      const check = (what: string, pub: Uint8Array, s: Uint8Array, m = msg): void => {
        let r: unknown;
        try {
          r = suite.signature.verify(pub, m, s);
        } catch (e) {
          bad.push(`${what}: threw ${errorText(e)} at ${engineFrame(e)}`);
          return;
        }
        if (r !== false) bad.push(`${what}: returned ${String(r)}`);
      };
      for (const v of variants(rng, sig, 12)) check(`signature ${v.what}`, kp.publicKey, v.bytes);
      for (const v of variants(rng, kp.publicKey, 12)) check(`public key ${v.what}`, v.bytes, sig);
      check('another key pair', suite.signature.generateKeyPair().publicKey, sig);
      check('other message', kp.publicKey, sig, utf8('robustness: another message'));
      check('empty key and signature', new Uint8Array(0), new Uint8Array(0));
      assert.deepEqual(bad, []);
    });

    void test(`${name}: HPKE open of mutated kem_output, ciphertext, info, aad or key throws CryptoError only`, () => {
      const rng = new Rng(0x49ce + id);
      const kp = suite.hpke.generateKeyPair();
      const info = utf8('info');
      const aad = utf8('aad');
      const pt = utf8('the group secrets');
      const ct = suite.hpke.seal(kp.publicKey, info, aad, pt);
      assert.deepEqual(suite.hpke.open(kp.privateKey, ct.kemOutput, info, aad, ct.ciphertext), pt);
      const bad: string[] = [];
      const check = (what: string, fn: () => Uint8Array): void => {
        try {
          fn();
          bad.push(`${what}: opened`);
        } catch (e) {
          if (!(e instanceof CryptoError)) bad.push(`${what}: threw ${errorText(e)} at ${engineFrame(e)}`);
        }
      };
      for (const v of variants(rng, ct.kemOutput, 8)) check(`kem_output ${v.what}`, () => suite.hpke.open(kp.privateKey, v.bytes, info, aad, ct.ciphertext));
      for (const v of variants(rng, ct.ciphertext, 8)) check(`ciphertext ${v.what}`, () => suite.hpke.open(kp.privateKey, ct.kemOutput, info, aad, v.bytes));
      for (const v of variants(rng, info, 2)) check(`info ${v.what}`, () => suite.hpke.open(kp.privateKey, ct.kemOutput, v.bytes, aad, ct.ciphertext));
      for (const v of variants(rng, aad, 2)) check(`aad ${v.what}`, () => suite.hpke.open(kp.privateKey, ct.kemOutput, info, v.bytes, ct.ciphertext));
      for (const v of variants(rng, kp.privateKey, 4)) check(`private key ${v.what}`, () => suite.hpke.open(v.bytes, ct.kemOutput, info, aad, ct.ciphertext));
      assert.deepEqual(bad, []);
    });

    void test(`${name}: HPKE receiveExport with a mutated enc returns bytes or throws CryptoError`, () => {
      const rng = new Rng(0xe59 + id);
      const kp = suite.hpke.generateKeyPair();
      const { enc, secret } = suite.hpke.sendExport(kp.publicKey, utf8('info'), utf8('ctx'), 32);
      assert.deepEqual(suite.hpke.receiveExport(kp.privateKey, enc, utf8('info'), utf8('ctx'), 32), secret);
      const bad: string[] = [];
      for (const v of variants(rng, enc, 8)) {
        try {
          const s = suite.hpke.receiveExport(kp.privateKey, v.bytes, utf8('info'), utf8('ctx'), 32);
          if (s.length !== 32 || toHex(s) === toHex(secret)) bad.push(`enc ${v.what}: exported ${toHex(s)}`);
        } catch (e) {
          if (!(e instanceof CryptoError)) bad.push(`enc ${v.what}: threw ${errorText(e)} at ${engineFrame(e)}`);
        }
      }
      assert.deepEqual(bad, []);
    });

    void test(`${name}: AEAD open of mutated ciphertext, nonce, aad or key throws CryptoError only`, () => {
      const rng = new Rng(0xaead + id);
      const key = rng.bytes(suite.aead.keySize);
      const nonce = rng.bytes(suite.aead.nonceSize);
      const aad = utf8('aad');
      const ct = suite.aead.seal(key, nonce, aad, utf8('application data'));
      const bad: string[] = [];
      const check = (what: string, fn: () => Uint8Array): void => {
        try {
          fn();
          bad.push(`${what}: opened`);
        } catch (e) {
          if (!(e instanceof CryptoError)) bad.push(`${what}: threw ${errorText(e)} at ${engineFrame(e)}`);
        }
      };
      for (const v of variants(rng, ct, 12)) check(`ciphertext ${v.what}`, () => suite.aead.open(key, nonce, aad, v.bytes));
      for (const v of variants(rng, nonce, 3)) check(`nonce ${v.what}`, () => suite.aead.open(key, v.bytes, aad, ct));
      for (const v of variants(rng, aad, 2)) check(`aad ${v.what}`, () => suite.aead.open(key, nonce, v.bytes, ct));
      for (const v of variants(rng, key, 3)) check(`key ${v.what}`, () => suite.aead.open(v.bytes, nonce, aad, ct));
      assert.deepEqual(bad, []);
    });
  }
}
