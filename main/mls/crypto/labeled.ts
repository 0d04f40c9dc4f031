// The labeled operations every MLS derivation and signature goes through
// (RFC 9420 §5.1.2, §5.1.3, §5.2, §8). The "MLS 1.0 " prefix gives domain separation.

import { Encoder } from '../codec/encoder.js';
import { varintSize } from '../codec/varint.js';
import { utf8 } from '../util/bytes.js';
import type { CipherSuite, HpkeCiphertext, HpkeRecipient, SignatureCheck } from './provider.js';

const MLS_PREFIX = 'MLS 1.0 ';

// Labels are a small fixed set of constants; encoding each once keeps UTF-8 work off the per-message path.
const labelBytes = new Map<string, Uint8Array>();

/** The encoded "MLS 1.0 " + label (shared: callers only read it). */
function mlsLabel(label: string): Uint8Array {
  let b = labelBytes.get(label);
  if (b === undefined) {
    b = utf8(MLS_PREFIX + label);
    if (labelBytes.size < 256) labelBytes.set(label, b);
  }
  return b;
}

/** RFC 9420 §8: KDFLabel { uint16 length; opaque label<V>; opaque context<V>; } */
export function expandWithLabel(
  suite: CipherSuite,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const l = mlsLabel(label);
  // Sized exactly: every key, nonce and ratchet step goes through here, so no buffer to grow or copy.
  const size = 2 + varintSize(l.length) + l.length + varintSize(context.length) + context.length;
  const info = new Encoder(size).u16(length).opaque(l).opaque(context).finish();
  return suite.kdf.expand(secret, info, length);
}

/** RFC 9420 §8: DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh) */
export function deriveSecret(suite: CipherSuite, secret: Uint8Array, label: string): Uint8Array {
  return expandWithLabel(suite, secret, label, new Uint8Array(0), suite.kdf.size);
}

/** RFC 9420 §9: DeriveTreeSecret(Secret, Label, Generation, Length) */
export function deriveTreeSecret(
  suite: CipherSuite,
  secret: Uint8Array,
  label: string,
  generation: number,
  length: number,
): Uint8Array {
  return expandWithLabel(suite, secret, label, new Encoder().u32(generation).finish(), length);
}

/**
 * What is signed: the content's bytes, or a function that encodes them, which
 * then writes them straight into SignContent (a commit or a GroupInfo with the
 * tree is large, and copying it twice more cost as much as hashing it).
 */
export type SignedContent = Uint8Array | ((e: Encoder) => void);

/** RFC 9420 §5.1.2: SignContent { opaque label<V>; opaque content<V>; } */
function signContent(label: string, content: SignedContent): Uint8Array {
  const e = new Encoder().opaque(mlsLabel(label));
  // Only signed or verified, then dropped: a view, not a copy (a commit's content can be large).
  return (content instanceof Uint8Array ? e.opaque(content) : e.opaqueWith(content)).view();
}

export function signWithLabel(suite: CipherSuite, privateKey: Uint8Array, label: string, content: SignedContent): Uint8Array {
  return suite.signature.sign(privateKey, signContent(label, content));
}

export function verifyWithLabel(
  suite: CipherSuite,
  publicKey: Uint8Array,
  label: string,
  content: SignedContent,
  signature: Uint8Array,
): boolean {
  return suite.signature.verify(publicKey, signContent(label, content), signature);
}

/** What verifyWithLabel would verify, as one item of a batch (its message a copy: the batch outlives the encoder). */
export function labeledSignatureCheck(publicKey: Uint8Array, label: string, content: SignedContent, signature: Uint8Array): SignatureCheck {
  return { publicKey, message: signContent(label, content).slice(), signature };
}

/** verifyWithLabel for many signatures at once: the provider's verifyMany when it has one. */
export function verifyAll(suite: CipherSuite, checks: readonly SignatureCheck[]): boolean[] {
  const sig = suite.signature;
  return sig.verifyMany !== undefined ? sig.verifyMany(checks) : checks.map((c) => sig.verify(c.publicKey, c.message, c.signature));
}

/** RFC 9420 §5.1.3: EncryptContext { opaque label<V>; opaque context<V>; } */
function encryptContext(label: string, context: Uint8Array): Uint8Array {
  return new Encoder().opaque(mlsLabel(label)).opaque(context).finish();
}

export function encryptWithLabel(
  suite: CipherSuite,
  publicKey: Uint8Array,
  label: string,
  context: Uint8Array,
  plaintext: Uint8Array,
): HpkeCiphertext {
  return suite.hpke.seal(publicKey, encryptContext(label, context), new Uint8Array(0), plaintext);
}

/**
 * encryptWithLabel of one plaintext per recipient under the same label and
 * context, encoding and hashing the context once (it is the whole encrypted
 * GroupInfo for a Welcome's GroupSecrets, RFC 9420 §12.4.3.1).
 */
export function encryptWithLabelMany(suite: CipherSuite, recipients: readonly HpkeRecipient[], label: string, context: Uint8Array): HpkeCiphertext[] {
  return suite.hpke.sealMany(recipients, encryptContext(label, context), new Uint8Array(0));
}

/** Throws CryptoError when the ciphertext does not open. */
export function decryptWithLabel(
  suite: CipherSuite,
  privateKey: Uint8Array,
  label: string,
  context: Uint8Array,
  kemOutput: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  return suite.hpke.open(privateKey, kemOutput, encryptContext(label, context), new Uint8Array(0), ciphertext);
}

/** RFC 9420 §5.2: RefHash(label, value) = Hash(RefHashInput { opaque label<V>; opaque value<V>; }). The label is used as given. */
export function refHash(suite: CipherSuite, label: string, value: Uint8Array): Uint8Array {
  return suite.hash.digest(new Encoder().opaque(utf8(label)).opaque(value).finish());
}

/** RFC 9420 §5.2: KeyPackageRef and ProposalRef. */
export function makeKeyPackageRef(suite: CipherSuite, keyPackageBytes: Uint8Array): Uint8Array {
  return refHash(suite, 'MLS 1.0 KeyPackage Reference', keyPackageBytes);
}

export function makeProposalRef(suite: CipherSuite, authenticatedContentBytes: Uint8Array): Uint8Array {
  return refHash(suite, 'MLS 1.0 Proposal Reference', authenticatedContentBytes);
}
