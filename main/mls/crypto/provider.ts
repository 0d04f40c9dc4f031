// The synchronous crypto interface the engine is written against (RFC 9420 §5.1).
// Two implementations: `noble` (portable, every suite) and `node` (node:crypto,
// the default, falling back to noble primitive by primitive where the runtime
// lacks one). Everything here is synchronous so that processing a message and
// storing its result can share one SQLite transaction.

/** RFC 9420 §17.1: the seven cipher suites this engine supports. */
export type CipherSuiteId = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const CIPHER_SUITE_NAMES: Readonly<Record<CipherSuiteId, string>> = {
  1: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
  2: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256',
  3: 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519',
  4: 'MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448',
  5: 'MLS_256_DHKEMP521_AES256GCM_SHA512_P521',
  6: 'MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448',
  7: 'MLS_256_DHKEMP384_AES256GCM_SHA384_P384',
};

export function isCipherSuiteId(n: number): n is CipherSuiteId {
  return Number.isInteger(n) && n >= 1 && n <= 7;
}

export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';
export type AeadName = 'AES-128-GCM' | 'AES-256-GCM' | 'ChaCha20-Poly1305';
export type SignatureName = 'Ed25519' | 'Ed448' | 'ECDSA-P256' | 'ECDSA-P384' | 'ECDSA-P521';
export type KemName = 'DHKEM-X25519' | 'DHKEM-X448' | 'DHKEM-P256' | 'DHKEM-P384' | 'DHKEM-P521';

export interface Hash {
  readonly name: HashName;
  /** Output length in bytes (Nh). */
  readonly size: number;
  digest(data: Uint8Array): Uint8Array;
  /** HMAC with this hash (RFC 9420 §5.1: MAC). */
  mac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** HKDF over the suite's hash (RFC 5869). */
export interface Kdf {
  /** Nh: the size of a PRK and of most MLS secrets. */
  readonly size: number;
  extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

export interface Aead {
  readonly name: AeadName;
  readonly keySize: number; // Nk
  readonly nonceSize: number; // Nn
  readonly tagSize: number;
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws CryptoError when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

export interface SignatureKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/**
 * Signature scheme. Key formats follow the MLS test vectors: Ed25519/Ed448 use
 * the raw RFC 8032 encodings; ECDSA private keys are the big-endian scalar and
 * public keys the uncompressed SEC1 point; ECDSA signatures are DER (RFC 9420 §5.1.2 / TLS 1.3).
 */
export interface Signature {
  readonly name: SignatureName;
  generateKeyPair(): SignatureKeyPair;
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * False for a wrong, malformed or wrongly sized signature or public key; never
   * throws on bad input. EdDSA also refuses non-canonical encodings (S >= L, a
   * point with y >= p) and small-order public keys, identically in both providers
   * (eddsa-checks.ts). ECDSA
   * does not: (r, s) and (r, n - s) both verify, since signers such as OpenSSL
   * produce high-S and interop needs them. So ECDSA signatures are malleable, and
   * so is any hash over signed bytes: a delivery service that flips S of an
   * external sender's proposal (no membership tag protects it) makes receivers
   * compute different ProposalRefs, and a commit referencing it fails for those
   * given the other form. (A member's PublicMessage is covered by its membership
   * tag, a PrivateMessage by its AEAD, a commit's signature by the confirmation tag.)
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * verify() of each item: the same answers, in order. Optional; a provider may
   * spread a large batch over other threads (the node provider does).
   */
  verifyMany?(items: readonly SignatureCheck[]): boolean[];
}

/** One signature to verify, for Signature.verifyMany. */
export interface SignatureCheck {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

export interface HpkeKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

export interface HpkeCiphertext {
  readonly kemOutput: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** One recipient of Hpke.sealMany. */
export interface HpkeRecipient {
  readonly publicKey: Uint8Array;
  readonly plaintext: Uint8Array;
}

/** HPKE base mode (RFC 9180) with the suite's KEM, KDF and AEAD. */
export interface Hpke {
  readonly kem: KemName;
  readonly encSize: number; // Nenc
  readonly publicKeySize: number; // Npk
  readonly privateKeySize: number; // Nsk
  generateKeyPair(): HpkeKeyPair;
  /** RFC 9180 §7.1.3 DeriveKeyPair: deterministic, used by TreeKEM (RFC 9420 §4, §7.4). */
  deriveKeyPair(ikm: Uint8Array): HpkeKeyPair;
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  /**
   * RFC 9180 §7.1.4: throws CryptoError unless `publicKey` is one `seal` can
   * encrypt to (DeserializePublicKey accepts it and its DH output is not zero),
   * judged without a KEM operation (DhGroup.checkPublicKey).
   */
  checkPublicKey(publicKey: Uint8Array): void;
  seal(publicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): HpkeCiphertext;
  /**
   * `seal` to each recipient under one info and aad: the same results, but info
   * (a Welcome's whole encrypted GroupInfo, megabytes in a large group) is hashed
   * once instead of once per recipient.
   */
  sealMany(recipients: readonly HpkeRecipient[], info: Uint8Array, aad: Uint8Array): HpkeCiphertext[];
  /** Throws CryptoError when the KEM output is invalid or the ciphertext does not open. */
  open(privateKey: Uint8Array, kemOutput: Uint8Array, info: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /**
   * RFC 9180 §5.3 secret export, sender side: SetupBaseS(publicKey, info), then
   * Context.Export(exporterContext, length). Used by external commits (RFC 9420 §8.3).
   */
  sendExport(publicKey: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): { enc: Uint8Array; secret: Uint8Array };
  /** RFC 9180 §5.3, receiver side: SetupBaseR(enc, privateKey, info).Export(exporterContext, length). Throws CryptoError for a bad enc. */
  receiveExport(privateKey: Uint8Array, enc: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): Uint8Array;
}

/** One RFC 9420 cipher suite: everything the engine needs, synchronous. */
export interface CipherSuite {
  readonly id: CipherSuiteId;
  readonly name: string;
  readonly hash: Hash;
  readonly kdf: Kdf;
  readonly aead: Aead;
  readonly signature: Signature;
  readonly hpke: Hpke;
  randomBytes(n: number): Uint8Array;
}

/** A source of cipher suites. `getSuite` throws ArgumentError for an unsupported id. */
export interface CryptoProvider {
  readonly name: 'node' | 'noble';
  getSuite(id: CipherSuiteId): CipherSuite;
}
