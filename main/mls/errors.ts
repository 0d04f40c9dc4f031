// Typed errors of the MLS engine. Each says what was wrong and where, so a
// rejected message can be logged and reported without guessing.

export class MlsError extends Error {
  override name = 'MlsError';
}

/** Malformed wire bytes (RFC 9420 §2.1): a bad length, a non-minimal varint, trailing bytes, an unknown enum value. */
export class DecodeError extends MlsError {
  override name = 'DecodeError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** A value that cannot be encoded (too long for a varint, out of range for its width). */
export class EncodeError extends MlsError {
  override name = 'EncodeError';
}

/** A cryptographic operation failed: bad key, bad signature encoding, AEAD tag mismatch, HPKE failure. */
export class CryptoError extends MlsError {
  override name = 'CryptoError';
}

/** A well-formed message or structure broke a protocol rule (wrong epoch, bad tag, invalid tree, ...). */
export class ValidationError extends MlsError {
  override name = 'ValidationError';
}

/** A caller passed an argument outside the API's contract (an unknown cipher suite, a negative index, ...). */
export class ArgumentError extends MlsError {
  override name = 'ArgumentError';
}
