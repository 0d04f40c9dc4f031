// RFC 9420 §12.4.3: GroupInfo, the signed description of an epoch that a
// joiner needs (inside a Welcome, or published for external commits).

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { signWithLabel, verifyWithLabel } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { decodeExtensions, encodeExtensions, type Extension } from '../extensions/extension.js';
import { decodeGroupContext, encodeGroupContext, type GroupContext } from '../group/group-context.js';

// RFC 9420 §12.4.3: every field of GroupInfo except the signature.
export interface GroupInfoTBS {
  readonly groupContext: GroupContext;
  readonly extensions: readonly Extension[];
  readonly confirmationTag: Uint8Array;
  /** Leaf index of the member whose signature key signed this GroupInfo. */
  readonly signer: number;
}

// RFC 9420 §12.4.3
export interface GroupInfo extends GroupInfoTBS {
  readonly signature: Uint8Array;
}

export function encodeGroupInfoTBS(e: Encoder, v: GroupInfoTBS): void {
  encodeGroupContext(e, v.groupContext);
  encodeExtensions(e, v.extensions);
  e.opaque(v.confirmationTag).u32(v.signer);
}

export function encodeGroupInfo(e: Encoder, v: GroupInfo): void {
  encodeGroupInfoTBS(e, v);
  e.opaque(v.signature);
}

export function decodeGroupInfo(d: Decoder): GroupInfo {
  const groupContext = d.field('group_context', decodeGroupContext);
  const extensions = decodeExtensions(d);
  const confirmationTag = d.opaque('confirmation_tag');
  const signer = d.u32('signer');
  const signature = d.opaque('signature');
  return { groupContext, extensions, confirmationTag, signer, signature };
}

/** signature = SignWithLabel(., "GroupInfoTBS", GroupInfoTBS). */
export function signGroupInfo(suite: CipherSuite, signaturePrivateKey: Uint8Array, tbs: GroupInfoTBS): GroupInfo {
  const signature = signWithLabel(suite, signaturePrivateKey, 'GroupInfoTBS', (e) => encodeGroupInfoTBS(e, tbs));
  return { ...tbs, signature };
}

/** `signerPublicKey` is the signature key of leaf `signer` in the group's tree (the caller looks it up). */
export function verifyGroupInfoSignature(suite: CipherSuite, v: GroupInfo, signerPublicKey: Uint8Array): boolean {
  return verifyWithLabel(suite, signerPublicKey, 'GroupInfoTBS', (e) => encodeGroupInfoTBS(e, v), v.signature);
}
