// RFC 9420 §10: KeyPackage, the pre-published material that lets a client be
// added to a group: its init key (for the Welcome) and its future leaf.

import type { Decoder } from '../codec/decoder.js';
import { Encoder, encode } from '../codec/encoder.js';
import { encodeMemo, memoEncoding, rememberEncoding } from '../codec/encode-memo.js';
import { varintSize } from '../codec/varint.js';
import type { CipherSuite, CipherSuiteId, SignatureCheck } from '../crypto/provider.js';
import { isCipherSuiteId } from '../crypto/provider.js';
import { labeledSignatureCheck, makeKeyPackageRef, signWithLabel, verifyWithLabel } from '../crypto/labeled.js';
import { decodeExtensions, encodeExtensions, type Extension } from '../extensions/extension.js';
import { PROTOCOL_VERSION_MLS10 } from '../group/group-context.js';
import { decodeLeafNode, encodeLeafNode, type LeafNode } from '../tree/leaf-node.js';

// RFC 9420 §10: every field of KeyPackage except the signature.
export interface KeyPackageTBS {
  readonly version: number;
  readonly cipherSuite: CipherSuiteId;
  readonly initKey: Uint8Array;
  readonly leafNode: LeafNode;
  readonly extensions: readonly Extension[];
}

// RFC 9420 §10
export interface KeyPackage extends KeyPackageTBS {
  readonly signature: Uint8Array;
}

export function encodeKeyPackageTBS(e: Encoder, v: KeyPackageTBS): void {
  e.u16(v.version).u16(v.cipherSuite).opaque(v.initKey);
  encodeLeafNode(e, v.leafNode);
  encodeExtensions(e, v.extensions);
}

function encodeKeyPackageFields(e: Encoder, v: KeyPackage): void {
  encodeKeyPackageTBS(e, v);
  e.opaque(v.signature);
}

/** Memoized (codec/encode-memo.ts): a KeyPackage is encoded for its signature, its ref and the commit that adds it. */
export function encodeKeyPackage(e: Encoder, v: KeyPackage): void {
  encodeMemo(e, v, encodeKeyPackageFields);
}

/** KeyPackageTBS of a signed KeyPackage: its encoding minus the signature. */
function tbsBytes(v: KeyPackage): Uint8Array {
  const all = memoEncoding(v, encodeKeyPackageFields);
  return all.subarray(0, all.length - varintSize(v.signature.length) - v.signature.length);
}

export function decodeKeyPackage(d: Decoder): KeyPackage {
  const start = d.offset;
  const version = d.u16('version');
  if (version !== PROTOCOL_VERSION_MLS10) d.fail('version', `unsupported protocol version ${version}`);
  const cipherSuite = d.u16('cipher_suite');
  if (!isCipherSuiteId(cipherSuite)) d.fail('cipher_suite', `unsupported cipher suite ${cipherSuite}`);
  const initKey = d.opaque('init_key');
  const leafNode = d.field('leaf_node', decodeLeafNode);
  const extensions = decodeExtensions(d);
  const signature = d.opaque('signature');
  const kp = { version, cipherSuite, initKey, leafNode, extensions, signature };
  rememberEncoding(kp, d.consumed(start));
  return kp;
}

export function keyPackageBytes(v: KeyPackage): Uint8Array {
  return memoEncoding(v, encodeKeyPackageFields).slice();
}

/** RFC 9420 §5.2: KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage). */
export function keyPackageRef(suite: CipherSuite, v: KeyPackage): Uint8Array {
  return makeKeyPackageRef(suite, memoEncoding(v, encodeKeyPackageFields));
}

/** RFC 9420 §10: signature = SignWithLabel(., "KeyPackageTBS", KeyPackageTBS). */
export function signKeyPackage(suite: CipherSuite, signaturePrivateKey: Uint8Array, tbs: KeyPackageTBS): KeyPackage {
  const signature = signWithLabel(suite, signaturePrivateKey, 'KeyPackageTBS', encode(encodeKeyPackageTBS, tbs));
  return { ...tbs, signature };
}

/** Verifies against leaf_node.signature_key, the key of the credential in the leaf (RFC 9420 §10.1). */
export function verifyKeyPackageSignature(suite: CipherSuite, v: KeyPackage): boolean {
  return verifyWithLabel(suite, v.leafNode.signatureKey, 'KeyPackageTBS', tbsBytes(v), v.signature);
}

/** The signature verifyKeyPackageSignature checks, as one item of a batch. */
export function keyPackageSignatureCheck(v: KeyPackage): SignatureCheck {
  return labeledSignatureCheck(v.leafNode.signatureKey, 'KeyPackageTBS', tbsBytes(v), v.signature);
}
