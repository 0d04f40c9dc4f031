// HPKE base mode against RFC 9180 Appendix B (the four combinations that are MLS
// suites): DeriveKeyPair for sender and receiver, and opening the first encryption.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KEMS, SUITES } from '../../../main/mls/crypto/suites.js';
import { fromHex } from '../../../main/mls/util/bytes.js';
import { providers } from './helpers.js';

interface HpkeVector {
  section: string;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  ikmE: string;
  pkEm: string;
  skEm: string;
  ikmR: string;
  pkRm: string;
  skRm: string;
  enc: string;
  pt: string;
  aad: string;
  ct: string;
}

const vectors = JSON.parse(readFileSync(new URL('./hpke-rfc9180-vectors.json', import.meta.url), 'utf8')) as HpkeVector[];

void describe('HPKE: RFC 9180 test vectors', () => {
  let ran = 0;
  for (const v of vectors) {
    const suite = Object.values(SUITES).find((s) => KEMS[s.kem].id === v.kem_id && s.kdfId === v.kdf_id && s.aeadId === v.aead_id);
    if (suite === undefined) continue; // e.g. P-256 with ChaCha20Poly1305: no MLS suite uses it
    ran++;
    for (const p of providers()) {
      void it(`${v.section} (suite ${suite.id}) on ${p.name}`, () => {
        const hpke = p.getSuite(suite.id).hpke;
        assert.deepEqual(hpke.deriveKeyPair(fromHex(v.ikmR)), { privateKey: fromHex(v.skRm), publicKey: fromHex(v.pkRm) });
        assert.deepEqual(hpke.deriveKeyPair(fromHex(v.ikmE)), { privateKey: fromHex(v.skEm), publicKey: fromHex(v.pkEm) });
        assert.deepEqual(hpke.open(fromHex(v.skRm), fromHex(v.enc), fromHex(v.info), fromHex(v.aad), fromHex(v.ct)), fromHex(v.pt));
      });
    }
  }
  void it('covers suites 1, 2, 3 and 5', () => assert.equal(ran, 4));
});
