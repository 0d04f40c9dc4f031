// transcript-hashes.json (RFC 9420 §8.2): the confirmation tag inside the given
// commit's AuthenticatedContent verifies under confirmation_key over the new
// confirmed transcript hash, and both hashes match after the update.
import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { ContentType } from '../../main/mls/framing/content-type.js';
import { parseAuthenticatedContent, authenticatedContentBytes } from '../../main/mls/framing/authenticated-content.js';
import { updateTranscriptHashes, verifyConfirmationTag } from '../../main/mls/framing/transcript-hash.js';
import { expectBytes, expectEqual, expectTrue, hex, num } from './check.js';

export function runCase(c: unknown, provider: CryptoProvider): void {
  const id = num(c, 'cipher_suite');
  if (!isCipherSuiteId(id)) throw new Error(`unsupported cipher suite ${id}`);
  const suite = provider.getSuite(id);
  const acBytes = hex(c, 'authenticated_content');
  const ac = parseAuthenticatedContent(acBytes);
  expectEqual('content type', ac.content.contentType, ContentType.commit);
  expectBytes('AuthenticatedContent re-encoding', authenticatedContentBytes(ac), acBytes);
  expectTrue('confirmation_tag present', ac.auth.confirmationTag !== undefined);

  const h = updateTranscriptHashes(suite, hex(c, 'interim_transcript_hash_before'), ac);
  expectBytes('confirmed_transcript_hash_after', h.confirmedTranscriptHash, hex(c, 'confirmed_transcript_hash_after'));
  expectBytes('interim_transcript_hash_after', h.interimTranscriptHash, hex(c, 'interim_transcript_hash_after'));
  verifyConfirmationTag(suite, hex(c, 'confirmation_key'), h.confirmedTranscriptHash, ac.auth.confirmationTag!);
}
