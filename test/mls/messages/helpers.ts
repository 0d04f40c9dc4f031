// Shared checks for the strict decoders of main/mls/messages: round trip,
// every truncation, one trailing byte, each a DecodeError naming the path.

import assert from 'node:assert/strict';
import { decode, type Decoder } from '../../../main/mls/codec/decoder.js';
import { encode, type Encoder } from '../../../main/mls/codec/encoder.js';
import { getProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite } from '../../../main/mls/crypto/provider.js';
import { DecodeError } from '../../../main/mls/errors.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { createKeyPackage, type KeyPackageWithSecrets } from '../../../main/mls/messages/key-package-create.js';
import { utf8 } from '../../../main/mls/util/bytes.js';

export const suite: CipherSuite = getProvider().getSuite(1);

export function roundTrip<T>(v: T, enc: (e: Encoder, v: T) => void, dec: (d: Decoder) => T, root: string): Uint8Array {
  const bytes = encode(enc, v);
  const back = decode(dec, bytes, root);
  assert.deepEqual(back, v);
  assert.deepEqual(encode(enc, back), bytes);
  return bytes;
}

/** Asserts a DecodeError whose path is exactly `path` (when given) and whose message contains `reason`. */
export function assertDecodeError(fn: () => unknown, path: string | RegExp, reason?: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    if (typeof path === 'string') assert.equal(err.path, path);
    else assert.match(err.path, path);
    if (typeof reason === 'string') assert.ok(err.message.includes(reason), `"${err.message}" lacks "${reason}"`);
    else if (reason !== undefined) assert.match(err.message, reason);
    return true;
  });
}

/** Every strict prefix and the input plus one byte fail with a DecodeError rooted at `root`. */
export function assertStrict<T>(bytes: Uint8Array, dec: (d: Decoder) => T, root: string): void {
  for (let n = 0; n < bytes.length; n++) {
    assertDecodeError(() => decode(dec, bytes.subarray(0, n), root), new RegExp(`^${root}(\\.|$)`));
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assertDecodeError(() => decode(dec, longer, root), root, '1 trailing bytes');
}

export function makeKeyPackage(name = 'alice', s: CipherSuite = suite): KeyPackageWithSecrets & { signaturePrivateKey: Uint8Array } {
  const sig = s.signature.generateKeyPair();
  const kp = createKeyPackage(s, {
    credential: basicCredential(utf8(name)),
    signaturePrivateKey: sig.privateKey,
    signaturePublicKey: sig.publicKey,
    lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn },
  });
  return { ...kp, signaturePrivateKey: sig.privateKey };
}
