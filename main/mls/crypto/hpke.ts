// HPKE (RFC 9180) base mode, single-shot: DHKEM over a provider's DH group, the
// suite's HKDF and AEAD. Written once and shared by both providers so they can
// only differ in their primitives.

import { CryptoError } from '../errors.js';
import { bytesKey, concat, utf8 } from '../util/bytes.js';
import { Lru } from './lru.js';
import type { DhGroup } from './primitives.js';
import type { Aead, Hpke, HpkeCiphertext, HpkeKeyPair, HpkeRecipient, Kdf } from './provider.js';
import { isValidScalar, type KemParams } from './suites.js';

const HPKE_V1 = utf8('HPKE-v1');
const EMPTY = new Uint8Array(0);
const MODE_BASE = 0x00;

function i2osp(n: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = n & 0xff;
    n >>>= 8;
  }
  return out;
}

/** RFC 9180 §4: LabeledExtract / LabeledExpand under a given suite_id. */
class Labeled {
  /** "HPKE-v1" || suite_id || label, per label (a handful of constants; every seal and open uses five). */
  private readonly prefixes = new Map<string, Uint8Array>();

  constructor(
    private readonly kdf: Kdf,
    private readonly suiteId: Uint8Array,
  ) {}

  /** `before` bytes of room, then the label prefix, then `rest`. */
  private input(before: number, label: string, rest: Uint8Array): Uint8Array {
    let p = this.prefixes.get(label);
    if (p === undefined) {
      p = concat(HPKE_V1, this.suiteId, utf8(label));
      this.prefixes.set(label, p);
    }
    const out = new Uint8Array(before + p.length + rest.length);
    out.set(p, before);
    out.set(rest, before + p.length);
    return out;
  }

  extract(salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
    return this.kdf.extract(salt, this.input(0, label, ikm));
  }

  expand(prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array {
    const labeledInfo = this.input(2, label, info);
    labeledInfo.set(i2osp(length, 2));
    return this.kdf.expand(prk, labeledInfo, length);
  }
}

export interface HpkeParts {
  kem: KemParams;
  group: DhGroup;
  /** HKDF with the KEM's hash (RFC 9180 §7.1). */
  kemKdf: Kdf;
  /** HKDF with the suite's hash. */
  kdf: Kdf;
  kdfId: number;
  aead: Aead;
  aeadId: number;
}

export function makeHpke(p: HpkeParts): Hpke {
  const { kem, group, aead } = p;
  const kemLabeled = new Labeled(p.kemKdf, concat(utf8('KEM'), i2osp(kem.id, 2)));
  const labeled = new Labeled(p.kdf, concat(utf8('HPKE'), i2osp(kem.id, 2), i2osp(p.kdfId, 2), i2osp(p.aeadId, 2)));
  // Decap needs pkR; deriving it costs a scalar multiplication, so remember recent ones.
  const publicOf = new Lru<Uint8Array>(128);

  function publicKeyFromPrivate(sk: Uint8Array): Uint8Array {
    const k = bytesKey(sk);
    const hit = publicOf.get(k);
    if (hit !== undefined) return hit.slice();
    if (!isValidScalar(kem, sk)) throw new CryptoError(`${kem.kem}: private key of ${sk.length} bytes is not a valid key`);
    const pk = group.publicKeyFromPrivate(sk);
    publicOf.set(k, pk.slice());
    return pk;
  }

  /** RFC 9180 §4.1 ExtractAndExpand. */
  function sharedSecret(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
    const prk = kemLabeled.extract(EMPTY, 'eae_prk', dh);
    return kemLabeled.expand(prk, 'shared_secret', kemContext, kem.secretSize);
  }

  // psk_id_hash is the same for every mode_base context (no PSK).
  const pskIdHash = labeled.extract(EMPTY, 'psk_id_hash', EMPTY);
  const infoHashOf = (info: Uint8Array): Uint8Array => labeled.extract(EMPTY, 'info_hash', info);

  /** RFC 9180 §5.1 KeySchedule for mode_base, given info_hash: returns the AEAD key and base nonce. */
  function keySchedule(shared: Uint8Array, infoHash: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
    const { secret, context } = scheduleSecret(shared, infoHash);
    return {
      key: labeled.expand(secret, 'key', context, aead.keySize),
      nonce: labeled.expand(secret, 'base_nonce', context, aead.nonceSize),
    };
  }

  /** RFC 9180 §5.1: the key schedule's secret and key_schedule_context (mode_base, no PSK). */
  function scheduleSecret(shared: Uint8Array, infoHash: Uint8Array): { secret: Uint8Array; context: Uint8Array } {
    const context = concat(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
    return { secret: labeled.extract(shared, 'secret', EMPTY), context };
  }

  function checkSealKey(publicKey: Uint8Array): void {
    if (publicKey.length !== kem.publicKeySize) {
      throw new CryptoError(`${kem.kem} seal: public key is ${publicKey.length} bytes, expected ${kem.publicKeySize}`);
    }
  }

  /** RFC 9180 §5.1.1 SetupBaseS + Seal, given info_hash (and the Encap's ephemeral half when made in a batch). */
  function sealHashed(publicKey: Uint8Array, infoHash: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, eph?: { enc: Uint8Array; dh: Uint8Array }): HpkeCiphertext {
    checkSealKey(publicKey);
    const { enc, dh } = eph ?? group.ephemeral(publicKey);
    const shared = sharedSecret(dh, concat(enc, publicKey));
    const { key, nonce } = keySchedule(shared, infoHash);
    return { kemOutput: enc, ciphertext: aead.seal(key, nonce, aad, plaintext) };
  }

  /** RFC 9180 §5.1, §5.3: exporter_secret, then Context.Export(exporter_context, L). */
  function exportFrom(shared: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): Uint8Array {
    if (!Number.isInteger(length) || length < 0 || length > 255 * p.kdf.size) {
      throw new CryptoError(`HPKE export: length ${length} is outside 0..${255 * p.kdf.size}`);
    }
    const { secret, context } = scheduleSecret(shared, infoHashOf(info));
    const exporterSecret = labeled.expand(secret, 'exp', context, p.kdf.size);
    return labeled.expand(exporterSecret, 'sec', exporterContext, length);
  }

  return {
    kem: kem.kem,
    encSize: kem.encSize,
    publicKeySize: kem.publicKeySize,
    privateKeySize: kem.privateKeySize,

    generateKeyPair(): HpkeKeyPair {
      return group.generateKeyPair();
    },

    deriveKeyPair(ikm: Uint8Array): HpkeKeyPair {
      const dkpPrk = kemLabeled.extract(EMPTY, 'dkp_prk', ikm);
      if (kem.order === undefined) {
        // X25519/X448 (RFC 9180 §7.1.3): the expanded bytes are the private key as is; clamping happens inside DH.
        const sk = kemLabeled.expand(dkpPrk, 'sk', EMPTY, kem.privateKeySize);
        return { privateKey: sk, publicKey: publicKeyFromPrivate(sk) };
      }
      for (let counter = 0; counter < 256; counter++) {
        const bytes = kemLabeled.expand(dkpPrk, 'candidate', Uint8Array.of(counter), kem.privateKeySize);
        bytes[0] = bytes[0]! & kem.bitmask!;
        if (isValidScalar(kem, bytes)) return { privateKey: bytes, publicKey: publicKeyFromPrivate(bytes) };
      }
      throw new CryptoError(`${kem.kem}: DeriveKeyPair found no valid scalar in 256 candidates`);
    },

    publicKeyFromPrivate,

    checkPublicKey(publicKey: Uint8Array): void {
      if (publicKey.length !== kem.publicKeySize) {
        throw new CryptoError(`${kem.kem}: public key is ${publicKey.length} bytes, expected ${kem.publicKeySize}`);
      }
      group.checkPublicKey(publicKey);
    },

    seal(publicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): HpkeCiphertext {
      return sealHashed(publicKey, infoHashOf(info), aad, plaintext);
    },

    sealMany(recipients: readonly HpkeRecipient[], info: Uint8Array, aad: Uint8Array): HpkeCiphertext[] {
      const infoHash = infoHashOf(info);
      if (group.ephemeralMany === undefined) return recipients.map((r) => sealHashed(r.publicKey, infoHash, aad, r.plaintext));
      // The key generations and DHs in one batch (possibly on several threads); the rest here, in order.
      for (const r of recipients) checkSealKey(r.publicKey);
      const eph = group.ephemeralMany(recipients.map((r) => r.publicKey));
      return recipients.map((r, i) => sealHashed(r.publicKey, infoHash, aad, r.plaintext, eph[i]));
    },

    sendExport(publicKey: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): { enc: Uint8Array; secret: Uint8Array } {
      if (publicKey.length !== kem.publicKeySize) {
        throw new CryptoError(`${kem.kem} export: public key is ${publicKey.length} bytes, expected ${kem.publicKeySize}`);
      }
      const { enc, dh } = group.ephemeral(publicKey);
      const shared = sharedSecret(dh, concat(enc, publicKey));
      return { enc, secret: exportFrom(shared, info, exporterContext, length) };
    },

    receiveExport(privateKey: Uint8Array, enc: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): Uint8Array {
      if (enc.length !== kem.encSize) {
        throw new CryptoError(`${kem.kem} export: enc is ${enc.length} bytes, expected ${kem.encSize}`);
      }
      const pkR = publicKeyFromPrivate(privateKey);
      const dh = group.dh(privateKey, enc);
      return exportFrom(sharedSecret(dh, concat(enc, pkR)), info, exporterContext, length);
    },

    open(privateKey: Uint8Array, kemOutput: Uint8Array, info: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
      if (kemOutput.length !== kem.encSize) {
        throw new CryptoError(`${kem.kem} open: kem_output is ${kemOutput.length} bytes, expected ${kem.encSize}`);
      }
      const pkR = publicKeyFromPrivate(privateKey);
      const dh = group.dh(privateKey, kemOutput);
      const shared = sharedSecret(dh, concat(kemOutput, pkR));
      const { key, nonce } = keySchedule(shared, infoHashOf(info));
      try {
        return aead.open(key, nonce, aad, ciphertext);
      } catch (e) {
        if (e instanceof CryptoError) throw new CryptoError(`HPKE open: ${e.message}`);
        throw e;
      }
    },
  };
}
