// RFC 9420 §7.2: LeafNode, its to-be-signed form LeafNodeTBS, and its signature.

import type { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { encodeMemo, memoEncoding, rememberEncoding } from '../codec/encode-memo.js';
import { varintSize } from '../codec/varint.js';
import { labeledSignatureCheck, signWithLabel, verifyWithLabel } from '../crypto/labeled.js';
import type { CipherSuite, SignatureCheck } from '../crypto/provider.js';
import { ArgumentError } from '../errors.js';
import { decodeExtensions, encodeExtensions, type Extension } from '../extensions/extension.js';
import { decodeCapabilities, encodeCapabilities, type Capabilities } from './capabilities.js';
import { decodeCredential, encodeCredential, type Credential } from './credential.js';
import { decodeLifetime, encodeLifetime, type Lifetime } from './lifetime.js';
import type { LeafIndex } from './math.js';

/** RFC 9420 §7.2: LeafNodeSource; 0 is reserved, other values are unknown and rejected. */
export const LeafNodeSource = {
  keyPackage: 1,
  update: 2,
  commit: 3,
} as const;
export type LeafNodeSourceValue = (typeof LeafNodeSource)[keyof typeof LeafNodeSource];

interface LeafNodeFields {
  readonly encryptionKey: Uint8Array;
  readonly signatureKey: Uint8Array;
  readonly credential: Credential;
  readonly capabilities: Capabilities;
  readonly extensions: readonly Extension[];
}

/** The signed content of a LeafNode minus the group context (RFC 9420 §7.2), with its source variant. */
export type LeafNodeContent = LeafNodeFields &
  (
    | { readonly leafNodeSource: typeof LeafNodeSource.keyPackage; readonly lifetime: Lifetime }
    | { readonly leafNodeSource: typeof LeafNodeSource.update }
    | { readonly leafNodeSource: typeof LeafNodeSource.commit; readonly parentHash: Uint8Array }
  );

// RFC 9420 §7.2
export type LeafNode = LeafNodeContent & { readonly signature: Uint8Array };

/** The group binding of an update/commit LeafNode's signature (LeafNodeTBS group_id, leaf_index). */
export interface LeafNodeGroupContext {
  readonly groupId: Uint8Array;
  readonly leafIndex: LeafIndex;
}

function encodeContent(e: Encoder, v: LeafNodeContent): void {
  e.opaque(v.encryptionKey).opaque(v.signatureKey);
  encodeCredential(e, v.credential);
  encodeCapabilities(e, v.capabilities);
  e.u8(v.leafNodeSource);
  if (v.leafNodeSource === LeafNodeSource.keyPackage) encodeLifetime(e, v.lifetime);
  else if (v.leafNodeSource === LeafNodeSource.commit) e.opaque(v.parentHash);
  encodeExtensions(e, v.extensions);
}

function encodeLeafNodeFields(e: Encoder, v: LeafNode): void {
  encodeContent(e, v);
  e.opaque(v.signature);
}

/** Memoized (codec/encode-memo.ts): a leaf is encoded for its signature, the tree hash, storage and GroupInfos. */
export function encodeLeafNode(e: Encoder, v: LeafNode): void {
  encodeMemo(e, v, encodeLeafNodeFields);
}

/** A LeafNode's encoding (memoized: the caller must not modify it). */
export function leafNodeBytes(v: LeafNode): Uint8Array {
  return memoEncoding(v, encodeLeafNodeFields);
}

/** The encoding of a LeafNode's content (LeafNodeTBS without the group binding): its encoding minus the signature. */
function contentBytes(v: LeafNodeContent): Uint8Array {
  if (!('signature' in v)) {
    const e = new Encoder();
    encodeContent(e, v);
    return e.finish();
  }
  const sig = (v as LeafNode).signature;
  const all = memoEncoding(v as LeafNode, encodeLeafNodeFields);
  return all.subarray(0, all.length - varintSize(sig.length) - sig.length);
}

export function decodeLeafNode(d: Decoder): LeafNode {
  const start = d.offset;
  const encryptionKey = d.opaque('encryption_key');
  const signatureKey = d.opaque('signature_key');
  const credential = d.field('credential', decodeCredential);
  const capabilities = d.field('capabilities', decodeCapabilities);
  const source = d.u8('leaf_node_source');
  const base = { encryptionKey, signatureKey, credential, capabilities };
  let variant: { leafNodeSource: LeafNodeSourceValue; lifetime?: Lifetime; parentHash?: Uint8Array };
  switch (source) {
    case LeafNodeSource.keyPackage:
      variant = { leafNodeSource: source, lifetime: d.field('lifetime', decodeLifetime) };
      break;
    case LeafNodeSource.update:
      variant = { leafNodeSource: source };
      break;
    case LeafNodeSource.commit:
      variant = { leafNodeSource: source, parentHash: d.opaque('parent_hash') };
      break;
    default:
      return d.fail('leaf_node_source', `unknown leaf node source ${source}`);
  }
  const extensions = decodeExtensions(d);
  const signature = d.opaque('signature');
  const leaf = { ...base, ...variant, extensions, signature } as LeafNode;
  rememberEncoding(leaf, d.consumed(start));
  return leaf;
}

/** RFC 9420 §7.2: the LeafNodeTBS bytes. update/commit leaves need the group binding. */
export function leafNodeTbsBytes(v: LeafNodeContent, ctx?: LeafNodeGroupContext): Uint8Array {
  const content = contentBytes(v);
  if (v.leafNodeSource === LeafNodeSource.keyPackage) return content;
  if (ctx === undefined) throw new ArgumentError(`a leaf node of source ${v.leafNodeSource} is signed with a group id and leaf index`);
  const e = new Encoder(content.length + ctx.groupId.length + 8);
  return e.raw(content).opaque(ctx.groupId).u32(ctx.leafIndex).finish();
}

/** Signs a LeafNode (SignWithLabel "LeafNodeTBS"). Extra fields of `content` are not copied. */
export function signLeafNode(
  suite: CipherSuite,
  signaturePrivateKey: Uint8Array,
  content: LeafNodeContent,
  ctx?: LeafNodeGroupContext,
): LeafNode {
  const signature = signWithLabel(suite, signaturePrivateKey, 'LeafNodeTBS', leafNodeTbsBytes(content, ctx));
  const base = {
    encryptionKey: content.encryptionKey,
    signatureKey: content.signatureKey,
    credential: content.credential,
    capabilities: content.capabilities,
    extensions: content.extensions,
    signature,
  };
  switch (content.leafNodeSource) {
    case LeafNodeSource.keyPackage:
      return { ...base, leafNodeSource: content.leafNodeSource, lifetime: content.lifetime };
    case LeafNodeSource.update:
      return { ...base, leafNodeSource: content.leafNodeSource };
    case LeafNodeSource.commit:
      return { ...base, leafNodeSource: content.leafNodeSource, parentHash: content.parentHash };
  }
}

/** Verifies a LeafNode's signature with its own signature_key. Never throws on a bad signature. */
export function verifyLeafNode(suite: CipherSuite, leaf: LeafNode, ctx?: LeafNodeGroupContext): boolean {
  return verifyWithLabel(suite, leaf.signatureKey, 'LeafNodeTBS', leafNodeTbsBytes(leaf, ctx), leaf.signature);
}

/** The signature verifyLeafNode checks, as one item of a batch (tree validation verifies every leaf at once). */
export function leafNodeSignatureCheck(leaf: LeafNode, ctx?: LeafNodeGroupContext): SignatureCheck {
  return labeledSignatureCheck(leaf.signatureKey, 'LeafNodeTBS', leafNodeTbsBytes(leaf, ctx), leaf.signature);
}
