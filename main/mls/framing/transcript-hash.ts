// RFC 9420 §8.2: transcript hashes and the confirmation tag. Each commit extends
// the confirmed transcript hash with (wire_format, content, signature), and the
// interim transcript hash with the commit's confirmation tag.

import type { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import type { CipherSuite } from '../crypto/provider.js';
import { EncodeError, ValidationError } from '../errors.js';
import { concat, constantTimeEqual } from '../util/bytes.js';
import type { AuthenticatedContent } from './authenticated-content.js';
import { ContentType } from './content-type.js';
import { decodeFramedContent, encodeFramedContent, type FramedContent } from './framed-content.js';
import { decodeContentWireFormat, type ContentWireFormat } from './wire-format.js';

// RFC 9420 §8.2
export interface ConfirmedTranscriptHashInput {
  readonly wireFormat: ContentWireFormat;
  /** Must be a commit. */
  readonly content: FramedContent;
  readonly signature: Uint8Array;
}

// RFC 9420 §8.2
export interface InterimTranscriptHashInput {
  readonly confirmationTag: Uint8Array;
}

export function encodeConfirmedTranscriptHashInput(e: Encoder, v: ConfirmedTranscriptHashInput): void {
  if (v.content.contentType !== ContentType.commit) throw new EncodeError('ConfirmedTranscriptHashInput: content must be a commit');
  e.u16(v.wireFormat);
  encodeFramedContent(e, v.content);
  e.opaque(v.signature);
}

export function decodeConfirmedTranscriptHashInput(d: Decoder): ConfirmedTranscriptHashInput {
  const wireFormat = decodeContentWireFormat(d);
  const content = d.field('content', decodeFramedContent);
  if (content.contentType !== ContentType.commit) d.fail('content.content_type', `must be commit, got ${content.contentType}`);
  return { wireFormat, content, signature: d.opaque('signature') };
}

export function encodeInterimTranscriptHashInput(e: Encoder, v: InterimTranscriptHashInput): void {
  e.opaque(v.confirmationTag);
}

export function decodeInterimTranscriptHashInput(d: Decoder): InterimTranscriptHashInput {
  return { confirmationTag: d.opaque('confirmation_tag') };
}

/** confirmed_[n] = Hash(interim_[n-1] || ConfirmedTranscriptHashInput_[n]). */
export function confirmedTranscriptHash(suite: CipherSuite, interimBefore: Uint8Array, input: ConfirmedTranscriptHashInput): Uint8Array {
  const e = new Encoder().raw(interimBefore);
  encodeConfirmedTranscriptHashInput(e, input);
  return suite.hash.digest(e.view());
}

/** interim_[n] = Hash(confirmed_[n] || InterimTranscriptHashInput_[n]). */
export function interimTranscriptHash(suite: CipherSuite, confirmed: Uint8Array, confirmationTag: Uint8Array): Uint8Array {
  const e = new Encoder();
  encodeInterimTranscriptHashInput(e, { confirmationTag });
  return suite.hash.digest(concat(confirmed, e.finish()));
}

/** The ConfirmedTranscriptHashInput of a commit's AuthenticatedContent. */
export function confirmedInputOf(ac: AuthenticatedContent): ConfirmedTranscriptHashInput {
  if (ac.content.contentType !== ContentType.commit) throw new ValidationError('transcript hash: AuthenticatedContent is not a commit');
  return { wireFormat: ac.wireFormat, content: ac.content, signature: ac.auth.signature };
}

/** Both transcript hashes after a commit whose AuthenticatedContent carries its confirmation tag. */
export function updateTranscriptHashes(
  suite: CipherSuite,
  interimBefore: Uint8Array,
  ac: AuthenticatedContent,
): { confirmedTranscriptHash: Uint8Array; interimTranscriptHash: Uint8Array } {
  const tag = ac.auth.confirmationTag;
  if (tag === undefined) throw new ValidationError('transcript hash: commit has no confirmation_tag');
  const confirmed = confirmedTranscriptHash(suite, interimBefore, confirmedInputOf(ac));
  return { confirmedTranscriptHash: confirmed, interimTranscriptHash: interimTranscriptHash(suite, confirmed, tag) };
}

/** RFC 9420 §6.1: confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash). */
export function computeConfirmationTag(suite: CipherSuite, confirmationKey: Uint8Array, confirmedHash: Uint8Array): Uint8Array {
  return suite.hash.mac(confirmationKey, confirmedHash);
}

/**
 * Throws ValidationError when the tag does not match (constant-time comparison). §12.4.2: "verify that it is
 * the same as the confirmation_tag field"; §12.4.3.1: "Verify the confirmation tag in the GroupInfo".
 */
export function verifyConfirmationTag(suite: CipherSuite, confirmationKey: Uint8Array, confirmedHash: Uint8Array, tag: Uint8Array): void {
  if (!constantTimeEqual(computeConfirmationTag(suite, confirmationKey, confirmedHash), tag)) {
    throw new ValidationError('confirmation_tag does not match the confirmed transcript hash');
  }
}
