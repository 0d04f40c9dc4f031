// message-protection.json (RFC 9420 §6.2, §6.3): for a proposal, a commit and
// application data sent by leaf 1 of a 2-leaf group, the given PublicMessage and
// PrivateMessage unprotect to the given content; then content protected here
// unprotects again (and application data refuses PublicMessage protection).
import { decode } from '../../main/mls/codec/decoder.js';
import { encode } from '../../main/mls/codec/encoder.js';
import type { CipherSuite, CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { ValidationError } from '../../main/mls/errors.js';
import type { AuthenticatedContent } from '../../main/mls/framing/authenticated-content.js';
import { signContent, signFramedContent } from '../../main/mls/framing/content-auth.js';
import { ContentType } from '../../main/mls/framing/content-type.js';
import { encodeContentBody, type FramedContent, type FramedContentBody } from '../../main/mls/framing/framed-content.js';
import { mlsMessageBytes, parseMLSMessage, type MLSMessage } from '../../main/mls/framing/mls-message.js';
import type { PrivateMessage } from '../../main/mls/framing/private-message.js';
import { protectPrivate, unprotectPrivate } from '../../main/mls/framing/protect-private.js';
import { protectPublic, unprotectPublic } from '../../main/mls/framing/protect-public.js';
import type { PublicMessage } from '../../main/mls/framing/public-message.js';
import { memberSender, SenderType } from '../../main/mls/framing/sender.js';
import { WireFormat, type ContentWireFormat } from '../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10, type GroupContext } from '../../main/mls/group/group-context.js';
import { decodeCommit } from '../../main/mls/messages/commit.js';
import { decodeProposal } from '../../main/mls/messages/proposal.js';
import { createSecretTree } from '../../main/mls/schedule/secret-tree.js';
import { leafIndex } from '../../main/mls/tree/math.js';
import { expectBytes, expectEqual, expectTrue, hex, num } from './check.js';

const SENDER = leafIndex(1);

interface Ctx {
  suite: CipherSuite;
  gc: GroupContext;
  c: unknown;
}

function bodyBytes(b: FramedContentBody): Uint8Array {
  return encode(encodeContentBody, b);
}

function asPublic(bytes: Uint8Array, what: string): PublicMessage {
  const m = parseMLSMessage(bytes);
  expectBytes(`${what} re-encoding`, mlsMessageBytes(m), bytes);
  if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new Error(`${what}: wire format ${m.wireFormat}, want public`);
  return m.publicMessage;
}

function asPrivate(bytes: Uint8Array, what: string): PrivateMessage {
  const m = parseMLSMessage(bytes);
  expectBytes(`${what} re-encoding`, mlsMessageBytes(m), bytes);
  if (m.wireFormat !== WireFormat.mlsPrivateMessage) throw new Error(`${what}: wire format ${m.wireFormat}, want private`);
  return m.privateMessage;
}

function checkContent(what: string, ac: AuthenticatedContent, want: FramedContentBody): void {
  expectEqual(`${what} content type`, ac.content.contentType, want.contentType);
  expectEqual(`${what} sender type`, ac.content.sender.senderType, SenderType.member);
  if (ac.content.sender.senderType === SenderType.member) expectEqual(`${what} sender leaf`, ac.content.sender.leafIndex, SENDER);
  expectBytes(`${what} content`, bodyBytes(ac.content), bodyBytes(want));
}

/** Signs `body` as leaf 1 would; a commit gets a stand-in confirmation tag (its real value needs the next epoch). */
function sign(x: Ctx, wireFormat: ContentWireFormat, body: FramedContentBody): AuthenticatedContent {
  const content: FramedContent = {
    groupId: x.gc.groupId,
    epoch: x.gc.epoch,
    sender: memberSender(SENDER),
    authenticatedData: new Uint8Array([1, 2, 3]),
    ...body,
  };
  const priv = signaturePrivateKey(x);
  if (content.contentType !== ContentType.commit) return signContent(x.suite, priv, wireFormat, content, x.gc);
  const signature = signFramedContent(x.suite, priv, wireFormat, content, x.gc);
  const confirmationTag = x.suite.hash.mac(new Uint8Array(x.suite.kdf.size), x.gc.confirmedTranscriptHash);
  return { wireFormat, content, auth: { signature, confirmationTag } };
}

/**
 * The vectors give ECDSA scalars minimally encoded (one P-521 key is 65 bytes);
 * the providers expect the fixed width, which is the coordinate size of the
 * uncompressed public point (0x04 || X || Y), so left-pad with zeros.
 */
function signaturePrivateKey(x: Ctx): Uint8Array {
  const priv = hex(x.c, 'signature_priv');
  if (!x.suite.signature.name.startsWith('ECDSA')) return priv;
  const width = (hex(x.c, 'signature_pub').length - 1) / 2;
  if (priv.length >= width) return priv;
  const out = new Uint8Array(width);
  out.set(priv, width - priv.length);
  return out;
}

function checkPublic(x: Ctx, name: string, body: FramedContentBody): void {
  const membershipKey = hex(x.c, 'membership_key');
  const signaturePublicKey = hex(x.c, 'signature_pub');
  const params = { groupContext: x.gc, membershipKey, signaturePublicKey };
  const got = unprotectPublic(x.suite, asPublic(hex(x.c, `${name}_pub`), `${name}_pub`), params);
  checkContent(`${name}_pub`, got, body);

  const ac = sign(x, WireFormat.mlsPublicMessage, body);
  const msg: MLSMessage = { version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage: protectPublic(x.suite, ac, x.gc, membershipKey) };
  const again = unprotectPublic(x.suite, asPublic(mlsMessageBytes(msg), `own ${name} PublicMessage`), params);
  checkContent(`own ${name} PublicMessage`, again, body);
}

function checkPrivate(x: Ctx, name: string, body: FramedContentBody): void {
  const encryptionSecret = hex(x.c, 'encryption_secret');
  const senderDataSecret = hex(x.c, 'sender_data_secret');
  const signaturePublicKey = hex(x.c, 'signature_pub');
  const fresh = () => createSecretTree(x.suite, encryptionSecret, 2);
  const got = unprotectPrivate(x.suite, asPrivate(hex(x.c, `${name}_priv`), `${name}_priv`), {
    groupContext: x.gc,
    senderDataSecret,
    secretTree: fresh(),
    signaturePublicKey,
  });
  checkContent(`${name}_priv`, got.content, body);

  const ac = sign(x, WireFormat.mlsPrivateMessage, body);
  const sent = protectPrivate(x.suite, ac, { groupContext: x.gc, senderDataSecret, secretTree: fresh() });
  const msg: MLSMessage = { version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPrivateMessage, privateMessage: sent.message };
  const again = unprotectPrivate(x.suite, asPrivate(mlsMessageBytes(msg), `own ${name} PrivateMessage`), {
    groupContext: x.gc,
    senderDataSecret,
    secretTree: fresh(),
    signaturePublicKey,
  });
  checkContent(`own ${name} PrivateMessage`, again.content, body);
  expectBytes(`own ${name} PrivateMessage signature`, again.content.auth.signature, ac.auth.signature);
}

export function runCase(c: unknown, provider: CryptoProvider): void {
  const id = num(c, 'cipher_suite');
  if (!isCipherSuiteId(id)) throw new Error(`unsupported cipher suite ${id}`);
  const suite = provider.getSuite(id);
  const gc: GroupContext = {
    version: PROTOCOL_VERSION_MLS10,
    cipherSuite: id,
    groupId: hex(c, 'group_id'),
    epoch: BigInt(num(c, 'epoch')),
    treeHash: hex(c, 'tree_hash'),
    confirmedTranscriptHash: hex(c, 'confirmed_transcript_hash'),
    extensions: [],
  };
  const x: Ctx = { suite, gc, c };

  const proposalBytes = hex(c, 'proposal');
  const proposal: FramedContentBody = { contentType: ContentType.proposal, proposal: decode(decodeProposal, proposalBytes, 'Proposal') };
  expectBytes('proposal re-encoding', bodyBytes(proposal), proposalBytes);
  checkPublic(x, 'proposal', proposal);
  checkPrivate(x, 'proposal', proposal);

  const commitBytes = hex(c, 'commit');
  const commit: FramedContentBody = { contentType: ContentType.commit, commit: decode(decodeCommit, commitBytes, 'Commit') };
  expectBytes('commit re-encoding', bodyBytes(commit), commitBytes);
  checkPublic(x, 'commit', commit);
  checkPrivate(x, 'commit', commit);

  const application: FramedContentBody = { contentType: ContentType.application, applicationData: hex(c, 'application') };
  let refused = false;
  try {
    protectPublic(suite, sign(x, WireFormat.mlsPublicMessage, application), gc, hex(c, 'membership_key'));
  } catch (e) {
    refused = e instanceof ValidationError;
  }
  expectTrue('application data refused as PublicMessage', refused);
  checkPrivate(x, 'application', application);
}
