// The two providers must agree byte for byte on every deterministic output and
// accept each other's signatures and ciphertexts, for every suite.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getNobleProvider, getNodeProvider, getProvider } from '../../../main/mls/crypto/index.js';
import { createNodeProvider } from '../../../main/mls/crypto/node/index.js';
import { ArgumentError } from '../../../main/mls/errors.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { SUITE_IDS } from './helpers.js';

const noble = getNobleProvider();
const node = getNodeProvider();
const MSG = utf8('the quick brown fox');

void describe('noble and node providers agree', () => {
  for (const id of SUITE_IDS) {
    void describe(`suite ${id}`, () => {
      const a = noble.getSuite(id);
      const b = node.getSuite(id);

      void it('hash, MAC, HKDF and AEAD outputs are identical', () => {
        assert.equal(a.name, b.name);
        assert.deepEqual(b.hash.digest(MSG), a.hash.digest(MSG));
        assert.equal(a.hash.digest(MSG).length, a.hash.size);
        assert.deepEqual(b.hash.mac(utf8('k'), MSG), a.hash.mac(utf8('k'), MSG));
        assert.deepEqual(b.hash.mac(new Uint8Array(0), MSG), a.hash.mac(new Uint8Array(0), MSG));
        const prk = a.kdf.extract(utf8('salt'), MSG);
        assert.deepEqual(b.kdf.extract(utf8('salt'), MSG), prk);
        assert.deepEqual(b.kdf.expand(prk, utf8('info'), 100), a.kdf.expand(prk, utf8('info'), 100));
        const key = a.randomBytes(a.aead.keySize);
        const nonce = a.randomBytes(a.aead.nonceSize);
        const ct = a.aead.seal(key, nonce, utf8('aad'), MSG);
        assert.equal(ct.length, MSG.length + 16);
        assert.deepEqual(b.aead.seal(key, nonce, utf8('aad'), MSG), ct);
        assert.deepEqual(b.aead.open(key, nonce, utf8('aad'), ct), MSG);
        assert.deepEqual(a.aead.open(key, nonce, utf8('aad'), ct), MSG);
      });

      void it('signatures made by one verify with the other', () => {
        for (const [signer, verifier] of [
          [a, b],
          [b, a],
        ] as const) {
          const kp = signer.signature.generateKeyPair();
          assert.deepEqual(verifier.signature.publicKeyFromPrivate(kp.privateKey), kp.publicKey);
          const sig = signer.signature.sign(kp.privateKey, MSG);
          assert.equal(verifier.signature.verify(kp.publicKey, MSG, sig), true);
          assert.equal(signer.signature.verify(kp.publicKey, MSG, sig), true);
          assert.equal(verifier.signature.verify(kp.publicKey, utf8('another message'), sig), false);
          // EdDSA is deterministic: both providers must produce the very same bytes.
          if (a.signature.name.startsWith('Ed')) assert.deepEqual(verifier.signature.sign(kp.privateKey, MSG), sig);
        }
      });

      void it('HPKE sealed by one opens with the other, both ways', () => {
        for (const [sender, receiver] of [
          [a, b],
          [b, a],
        ] as const) {
          const kp = receiver.hpke.generateKeyPair();
          assert.equal(kp.publicKey.length, receiver.hpke.publicKeySize);
          assert.equal(kp.privateKey.length, receiver.hpke.privateKeySize);
          assert.deepEqual(sender.hpke.publicKeyFromPrivate(kp.privateKey), kp.publicKey);
          const ct = sender.hpke.seal(kp.publicKey, utf8('info'), utf8('aad'), MSG);
          assert.equal(ct.kemOutput.length, sender.hpke.encSize);
          assert.deepEqual(receiver.hpke.open(kp.privateKey, ct.kemOutput, utf8('info'), utf8('aad'), ct.ciphertext), MSG);
          assert.deepEqual(sender.hpke.open(kp.privateKey, ct.kemOutput, utf8('info'), utf8('aad'), ct.ciphertext), MSG);
        }
      });

      void it('DeriveKeyPair gives the same key pair', () => {
        for (const ikm of [new Uint8Array(32), utf8('some input keying material'), a.randomBytes(64)]) {
          const ka = a.hpke.deriveKeyPair(ikm);
          assert.deepEqual(b.hpke.deriveKeyPair(ikm), ka);
          assert.deepEqual(b.hpke.publicKeyFromPrivate(ka.privateKey), ka.publicKey);
        }
      });
    });
  }
});

void describe('provider selection', () => {
  void it('honours ARBOR_CRYPTO and caches providers', () => {
    const saved = process.env.ARBOR_CRYPTO;
    try {
      delete process.env.ARBOR_CRYPTO;
      assert.equal(getProvider().name, 'node');
      assert.equal(getProvider(), getProvider());
      process.env.ARBOR_CRYPTO = 'noble';
      assert.equal(getProvider().name, 'noble');
      assert.equal(getProvider(), noble);
      process.env.ARBOR_CRYPTO = 'node';
      assert.equal(getProvider(), node);
      process.env.ARBOR_CRYPTO = 'webcrypto';
      assert.throws(() => getProvider(), ArgumentError);
    } finally {
      if (saved === undefined) delete process.env.ARBOR_CRYPTO;
      else process.env.ARBOR_CRYPTO = saved;
    }
  });

  void it('rejects an unsupported suite id', () => {
    assert.throws(() => noble.getSuite(0 as 1), ArgumentError);
    assert.throws(() => node.getSuite(8 as 1), ArgumentError);
  });

  void it('node:crypto serves every primitive here, and a missing one falls back to noble alone', () => {
    const p = createNodeProvider();
    for (const id of SUITE_IDS) p.getSuite(id);
    assert.deepEqual([...p.fallbacks], []);
    const q = createNodeProvider({ disable: ['Ed448', 'DHKEM-X448'] });
    const s = q.getSuite(4);
    assert.deepEqual([...q.fallbacks].sort(), ['DHKEM-X448', 'Ed448']);
    const kp = s.signature.generateKeyPair();
    assert.equal(node.getSuite(4).signature.verify(kp.publicKey, MSG, s.signature.sign(kp.privateKey, MSG)), true);
  });
});
