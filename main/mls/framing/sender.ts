// RFC 9420 §6: SenderType and Sender.

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { leafIndex, type LeafIndex } from '../tree/math.js';

export const SenderType = {
  member: 1,
  external: 2,
  newMemberProposal: 3,
  newMemberCommit: 4,
} as const;
export type SenderType = (typeof SenderType)[keyof typeof SenderType];

// RFC 9420 §6
export type Sender =
  | { readonly senderType: typeof SenderType.member; readonly leafIndex: LeafIndex }
  | { readonly senderType: typeof SenderType.external; readonly senderIndex: number }
  | { readonly senderType: typeof SenderType.newMemberProposal }
  | { readonly senderType: typeof SenderType.newMemberCommit };

export function memberSender(leaf: LeafIndex): Sender {
  return { senderType: SenderType.member, leafIndex: leaf };
}

export function encodeSender(e: Encoder, v: Sender): void {
  e.u8(v.senderType);
  if (v.senderType === SenderType.member) e.u32(v.leafIndex);
  else if (v.senderType === SenderType.external) e.u32(v.senderIndex);
}

export function decodeSender(d: Decoder): Sender {
  const t = d.u8('sender_type');
  switch (t) {
    case SenderType.member: {
      const n = d.u32('leaf_index');
      // Leaf indices are bounded by the tree math (2^31 - 1 leaves at most).
      if (n > 0x7fffffff) d.fail('leaf_index', `leaf index ${n} is out of range`);
      return { senderType: SenderType.member, leafIndex: leafIndex(n) };
    }
    case SenderType.external:
      return { senderType: SenderType.external, senderIndex: d.u32('sender_index') };
    case SenderType.newMemberProposal:
      return { senderType: SenderType.newMemberProposal };
    case SenderType.newMemberCommit:
      return { senderType: SenderType.newMemberCommit };
    default:
      return d.fail('sender_type', `unknown sender type ${t}`);
  }
}
