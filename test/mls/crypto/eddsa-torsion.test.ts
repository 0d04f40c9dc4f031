// EdDSA edge cases where implementations are known to differ (cofactored vs
// cofactorless verification, small-order keys): both providers must give the
// same answer. Signatures are crafted from the signer's scalar with an R that
// carries a torsion component.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { ed448, ED448_TORSION_SUBGROUP } from '@noble/curves/ed448.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { getNobleProvider, getNodeProvider } from '../../../main/mls/crypto/index.js';
import { concat, fromHex, utf8 } from '../../../main/mls/util/bytes.js';

const MSG = utf8('crafted');

function le(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}
function leBytes(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

const CURVES = [
  {
    id: 1 as const,
    curve: ed25519,
    torsion: ED25519_TORSION_SUBGROUP,
    L: (1n << 252n) + 27742317777372353535851937790883648493n,
    challenge: (x: Uint8Array) => sha512(x),
    len: 32,
    // OpenSSL/BoringSSL verify without the cofactor; the noble provider does the same.
    mixedOrderAccepted: false,
  },
  {
    id: 4 as const,
    curve: ed448,
    torsion: ED448_TORSION_SUBGROUP,
    L: (1n << 446n) - 13818066809895115352007386748515426880336692474882178609894547503885n,
    challenge: (x: Uint8Array) => shake256(concat(utf8('SigEd448'), Uint8Array.of(0, 0), x), { dkLen: 114 }),
    len: 57,
    // OpenSSL's Ed448 compares points modulo torsion, as noble's cofactored check does.
    mixedOrderAccepted: true,
  },
];

for (const c of CURVES) {
  void describe(`suite ${c.id} EdDSA torsion cases`, () => {
    const sk = c.curve.utils.randomSecretKey();
    const { scalar, pointBytes } = c.curve.utils.getExtendedPublicKey(sk);
    const providers = [getNobleProvider(), getNodeProvider()];

    void it('an R with a torsion component gives the same verdict on both providers', () => {
      for (const t of c.torsion) {
        const T = c.curve.Point.fromBytes(fromHex(t));
        if (T.is0()) continue;
        const r = 0x1234567890abcdefn;
        const R = c.curve.Point.BASE.multiply(r).add(T).toBytes();
        const k = le(c.challenge(concat(R, pointBytes, MSG))) % c.L;
        const sig = concat(R, leBytes((r + k * scalar) % c.L, c.len));
        assert.equal(c.curve.verify(sig, MSG, pointBytes, { zip215: false }), true, 'crafted signature passes a cofactored check');
        for (const p of providers) assert.equal(p.getSuite(c.id).signature.verify(pointBytes, MSG, sig), c.mixedOrderAccepted, `${p.name} torsion ${t}`);
      }
    });

    void it('public keys of small order are refused, with either sign bit', () => {
      for (const t of c.torsion) {
        const pk = fromHex(t);
        const pkOther = pk.slice();
        pkOther[c.len - 1] = pkOther[c.len - 1]! ^ 0x80;
        // A = identity and R = identity, S = 0 satisfies the equation for any message.
        const identity = new Uint8Array(c.len);
        identity[0] = 1;
        const sig = concat(identity, new Uint8Array(c.len));
        for (const p of providers) {
          assert.equal(p.getSuite(c.id).signature.verify(pk, MSG, sig), false, `${p.name} ${t}`);
          assert.equal(p.getSuite(c.id).signature.verify(pkOther, MSG, sig), false, `${p.name} ${t} other sign`);
        }
      }
    });
  });
}
