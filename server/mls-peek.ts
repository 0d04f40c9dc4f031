// What the delivery service may see of an MLSMessage (RFC 9420 §6): its wire
// format and, where they travel in the clear, the group id, epoch, content type
// and sender type. The server reads these from the message bytes themselves,
// never from a field the client declares beside them, so a client cannot file a
// message under another group or epoch than the one its members will see.
// The server never decrypts; it only checks the framing it relies on.

import { Decoder } from '../main/mls/codec/decoder.js';
import { decodeExtensions } from '../main/mls/extensions/extension.js';
import { decodeGroupContext, PROTOCOL_VERSION_MLS10 } from '../main/mls/group/group-context.js';

/** RFC 9420 §6 / §17.2: the MLS Wire Formats registry. */
export const WireFormat = {
  publicMessage: 1,
  privateMessage: 2,
  welcome: 3,
  groupInfo: 4,
  keyPackage: 5,
} as const;
export type WireFormatValue = (typeof WireFormat)[keyof typeof WireFormat];

/** RFC 9420 §6: ContentType. */
export const ContentType = { application: 1, proposal: 2, commit: 3 } as const;
export type ContentTypeValue = (typeof ContentType)[keyof typeof ContentType];

/** RFC 9420 §6: SenderType. */
export const SenderType = { member: 1, external: 2, newMemberProposal: 3, newMemberCommit: 4 } as const;
export type SenderTypeValue = (typeof SenderType)[keyof typeof SenderType];

export type Peeked =
  | {
      readonly wireFormat: typeof WireFormat.publicMessage;
      readonly groupId: Uint8Array;
      readonly epoch: bigint;
      readonly contentType: ContentTypeValue;
      readonly senderType: SenderTypeValue;
    }
  | {
      readonly wireFormat: typeof WireFormat.privateMessage;
      readonly groupId: Uint8Array;
      readonly epoch: bigint;
      readonly contentType: ContentTypeValue;
    }
  | { readonly wireFormat: typeof WireFormat.groupInfo; readonly groupId: Uint8Array; readonly epoch: bigint }
  | { readonly wireFormat: typeof WireFormat.welcome; readonly cipherSuite: number }
  | { readonly wireFormat: typeof WireFormat.keyPackage; readonly cipherSuite: number };

function contentType(d: Decoder): ContentTypeValue {
  const t = d.u8('content_type');
  if (t !== 1 && t !== 2 && t !== 3) d.fail('content_type', `unknown content type ${t}`);
  return t;
}

// RFC 9420 §6: Sender.
function sender(d: Decoder): SenderTypeValue {
  const t = d.u8('sender_type');
  if (t === SenderType.member) d.u32('leaf_index');
  else if (t === SenderType.external) d.u32('sender_index');
  else if (t !== SenderType.newMemberProposal && t !== SenderType.newMemberCommit) d.fail('sender_type', `unknown sender type ${t}`);
  return t as SenderTypeValue;
}

/**
 * Read the clear header of an MLSMessage. PrivateMessage, Welcome and GroupInfo
 * are checked to their last byte (their shape is fixed and cheap to walk);
 * PublicMessage and KeyPackage bodies are read up to the fields the server
 * uses, since walking Proposal/Commit/LeafNode is the clients' job.
 * Throws DecodeError (with the field path) on anything malformed.
 */
export function peekMlsMessage(bytes: Uint8Array): Peeked {
  const d = new Decoder(bytes, 'MLSMessage');
  const version = d.u16('version');
  if (version !== PROTOCOL_VERSION_MLS10) d.fail('version', `unsupported protocol version ${version}`);
  const wf = d.u16('wire_format');
  switch (wf) {
    case WireFormat.publicMessage:
      // RFC 9420 §6.2: PublicMessage begins with FramedContent.
      return d.field('public_message', (p) =>
        p.field('content', (c) => {
          const groupId = c.opaque('group_id');
          const epoch = c.u64('epoch');
          const senderType = c.field('sender', sender);
          c.opaque('authenticated_data');
          const ct = contentType(c);
          // RFC 9420 §6.2: application data is never sent as PublicMessage.
          if (ct === ContentType.application) c.fail('content_type', 'application data must not be a PublicMessage');
          if (c.remaining === 0) c.fail('content', 'missing content body');
          return { wireFormat: WireFormat.publicMessage, groupId, epoch, contentType: ct, senderType };
        }),
      );
    case WireFormat.privateMessage: {
      // RFC 9420 §6.3: PrivateMessage.
      const r = d.field('private_message', (p) => {
        const groupId = p.opaque('group_id');
        const epoch = p.u64('epoch');
        const ct = contentType(p);
        p.opaque('authenticated_data');
        p.opaque('encrypted_sender_data');
        p.opaque('ciphertext');
        return { wireFormat: WireFormat.privateMessage, groupId, epoch, contentType: ct } as const;
      });
      d.end();
      return r;
    }
    case WireFormat.welcome: {
      // RFC 9420 §12.4.3.1: Welcome.
      const r = d.field('welcome', (w) => {
        const cipherSuite = w.u16('cipher_suite');
        w.vector('secrets', (s) => {
          s.opaque('new_member');
          s.field('encrypted_group_secrets', (h) => {
            h.opaque('kem_output');
            h.opaque('ciphertext');
          });
        });
        w.opaque('encrypted_group_info');
        return { wireFormat: WireFormat.welcome, cipherSuite } as const;
      });
      d.end();
      return r;
    }
    case WireFormat.groupInfo: {
      // RFC 9420 §12.4.3: GroupInfo.
      const r = d.field('group_info', (g) => {
        const ctx = g.field('group_context', decodeGroupContext);
        decodeExtensions(g);
        g.opaque('confirmation_tag');
        g.u32('signer');
        g.opaque('signature');
        return { wireFormat: WireFormat.groupInfo, groupId: ctx.groupId, epoch: ctx.epoch } as const;
      });
      d.end();
      return r;
    }
    case WireFormat.keyPackage:
      // RFC 9420 §10: KeyPackage {version, cipher_suite, init_key, leaf_node, ...}.
      return d.field('key_package', (k) => {
        const v = k.u16('version');
        if (v !== PROTOCOL_VERSION_MLS10) k.fail('version', `unsupported protocol version ${v}`);
        const cipherSuite = k.u16('cipher_suite');
        k.opaque('init_key');
        if (k.remaining === 0) k.fail('leaf_node', 'missing leaf node');
        return { wireFormat: WireFormat.keyPackage, cipherSuite };
      });
    default:
      return d.fail('wire_format', `unknown wire format ${wf}`);
  }
}
