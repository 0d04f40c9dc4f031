// The device's Ed25519 key, in the MLS engine's raw format (RFC 8032: a
// 32-byte private seed and a 32-byte public key, as in a SignatureKeyPair),
// and the three signatures the delivery service asks for. The private
// KeyObject lives in a private field and is never exported again.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { SignatureKeyPair } from '../mls/index.js';
import { DsArgumentError } from './errors.js';
import { toBeSigned } from './tbs.js';
import { argId } from './wire.js';

export const ED25519_KEY_BYTES = 32;
export const CHALLENGE_BYTES = 32;

// RFC 8410 PKCS#8 for Ed25519: SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function rawPublic(key: KeyObject): Uint8Array {
  // DER rather than JWK export: see main/mls/crypto/node/keys.ts (JWK export can deadlock in Node 20).
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - ED25519_KEY_BYTES));
}

function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

export class DeviceKey {
  readonly #privateKey: KeyObject;
  readonly #publicKey: Uint8Array;

  private constructor(privateKey: KeyObject, publicKey: Uint8Array) {
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
  }

  /** From the raw 32-byte seed and 32-byte public key; refuses a public key that is not the seed's. */
  static fromRaw(privateKey: Uint8Array, publicKey: Uint8Array): DeviceKey {
    if (!(privateKey instanceof Uint8Array) || privateKey.length !== ED25519_KEY_BYTES) {
      throw new DsArgumentError(`device key: the private key must be ${ED25519_KEY_BYTES} raw bytes (an Ed25519 seed)`);
    }
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_KEY_BYTES) {
      throw new DsArgumentError(`device key: the public key must be ${ED25519_KEY_BYTES} raw bytes`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
    } catch {
      throw new DsArgumentError('device key: the private key is not a valid Ed25519 seed');
    }
    const derived = rawPublic(key);
    // A mismatched pair would register a key the device cannot log in with.
    if (Buffer.compare(derived, publicKey) !== 0) throw new DsArgumentError('device key: the public key does not belong to the private key');
    return new DeviceKey(key, derived);
  }

  /** From the MLS engine's Ed25519 SignatureKeyPair. */
  static fromKeyPair(pair: SignatureKeyPair): DeviceKey {
    return DeviceKey.fromRaw(pair.privateKey, pair.publicKey);
  }

  /** The raw 32-byte public key (a copy). */
  get publicKey(): Uint8Array {
    return copy(this.#publicKey);
  }

  /** `login`: challenge, userId, deviceId. */
  signLogin(challenge: Uint8Array, userId: string, deviceId: string): Uint8Array {
    return this.#sign(toBeSigned('login', [checkChallenge(challenge), argId(userId, 'userId'), argId(deviceId, 'deviceId')]));
  }

  /** `register`: challenge, userId, deviceId, this key's public key (proof of possession). */
  signRegister(challenge: Uint8Array, userId: string, deviceId: string): Uint8Array {
    return this.#sign(toBeSigned('register', [checkChallenge(challenge), argId(userId, 'userId'), argId(deviceId, 'deviceId'), this.#publicKey]));
  }

  /** `add-device`, made by an existing device of the user: userId, the new deviceId, the new device's public key. */
  signAddDevice(userId: string, newDeviceId: string, newPublicKey: Uint8Array): Uint8Array {
    if (!(newPublicKey instanceof Uint8Array) || newPublicKey.length !== ED25519_KEY_BYTES) {
      throw new DsArgumentError(`newPublicKey: expected ${ED25519_KEY_BYTES} raw bytes`);
    }
    return this.#sign(toBeSigned('add-device', [argId(userId, 'userId'), argId(newDeviceId, 'newDeviceId'), newPublicKey]));
  }

  #sign(tbs: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, tbs, this.#privateKey));
  }
}

function checkChallenge(c: Uint8Array): Uint8Array {
  if (!(c instanceof Uint8Array) || c.length !== CHALLENGE_BYTES) throw new DsArgumentError(`challenge: expected ${CHALLENGE_BYTES} bytes`);
  return c;
}

/** A fresh Ed25519 key pair in the raw format (for tests and tools; the messenger uses its MLS identity's pair). */
export function generateDeviceKeyPair(): SignatureKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const p8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  // Node writes PKCS#8 v1 without the public key, so the seed is the tail.
  return { privateKey: new Uint8Array(p8.subarray(p8.length - ED25519_KEY_BYTES)), publicKey: rawPublic(privateKey) };
}
