// Mutated group messages and Welcomes: whatever a peer sends, processMessage
// and joinFromWelcome throw only typed errors (DecodeError, ValidationError,
// CryptoError) and leave the receiver's state byte-for-byte unchanged.

import assert from 'node:assert/strict';
import test from 'node:test';
import { CryptoError, DecodeError, ValidationError } from '../../../main/mls/errors.js';
import { createApplicationMessage } from '../../../main/mls/group/application.js';
import { createCommit } from '../../../main/mls/group/commit-create.js';
import { processMessage } from '../../../main/mls/group/process-message.js';
import { addProposal, createProposalMessage, createUpdateProposal, removeProposal } from '../../../main/mls/group/proposal-message.js';
import { groupStateBytes } from '../../../main/mls/group/state-codec.js';
import type { GroupState } from '../../../main/mls/group/state.js';
import { joinFromWelcome } from '../../../main/mls/group/welcome-join.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { utf8 } from '../../../main/mls/util/bytes.js';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { signFramedContent } from '../../../main/mls/framing/content-auth.js';
import { decodeFramedContent, encodeFramedContent } from '../../../main/mls/framing/framed-content.js';
import { computeMembershipTag } from '../../../main/mls/framing/membership-tag.js';
import { mlsMessageBytes, parseMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { PROTOCOL_VERSION_MLS10 } from '../../../main/mls/group/group-context.js';
import { groupOf, newClient, suiteFor } from './helpers.js';

const suite = suiteFor(1);

// A small deterministic PRNG so failures reproduce.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const b = bytes.slice();
  const kind = Math.floor(r() * 4);
  if (kind === 0) {
    const i = Math.floor(r() * b.length);
    b[i]! ^= 1 << Math.floor(r() * 8);
    return b;
  }
  if (kind === 1) return b.subarray(0, Math.floor(r() * b.length));
  if (kind === 2) {
    // A length-ish byte early in the message (headers hold the varints).
    const i = Math.floor(r() * Math.min(b.length, 64));
    b[i] = Math.floor(r() * 256);
    return b;
  }
  const i = Math.floor(r() * b.length);
  b[i] = Math.floor(r() * 256);
  return b;
}

function typed(e: unknown): boolean {
  return e instanceof DecodeError || e instanceof ValidationError || e instanceof CryptoError;
}

void test('mutated commits, proposals and application messages: typed errors only, state unchanged', () => {
  for (const handshakeWireFormat of [WireFormat.mlsPublicMessage, WireFormat.mlsPrivateMessage] as const) {
    const clients = ['alice', 'bob', 'carol'].map((n) => newClient(suite, n));
    const [alice, bob] = groupOf(suite, clients[0]!, clients.slice(1), { handshakeWireFormat }) as [GroupState, GroupState];
    const up = createUpdateProposal(alice);
    const messages = [
      createCommit(alice, { proposals: [removeProposal(2)] }).commit,
      createCommit(alice, { proposals: [addProposal(newClient(suite, 'dave').kp.keyPackage)] }).commit,
      createProposalMessage(alice, up.proposal, { update: up }).message,
      createProposalMessage(alice, removeProposal(2)).message,
      createApplicationMessage(alice, utf8('fuzz me'), utf8('aad')).message,
    ];
    const before = groupStateBytes(bob);
    const r = rng(handshakeWireFormat * 7919);
    for (const m of messages) {
      for (let i = 0; i < 150; i++) {
        const bad = mutate(m, r);
        try {
          processMessage(bob, bad);
        } catch (e) {
          assert.ok(typed(e), `untyped error for a mutated message: ${String(e)}`);
        }
      }
    }
    assert.deepEqual(groupStateBytes(bob), before);
  }
});

void test('mutated Welcomes: typed errors only', () => {
  const alice = newClient(suite, 'alice');
  const bob = newClient(suite, 'bob');
  const s = groupOf(suite, alice, [])[0]!;
  const c = createCommit(s, { proposals: [addProposal(bob.kp.keyPackage)] });
  const r = rng(4242);
  for (let i = 0; i < 300; i++) {
    try {
      joinFromWelcome({ welcome: mutate(c.welcome!, r), keyPackage: bob.kp, signaturePrivateKey: bob.signaturePrivateKey });
    } catch (e) {
      assert.ok(typed(e), `untyped error for a mutated Welcome: ${String(e)}`);
    }
  }
});

void test('mutated commits and proposals, validly signed and MACed by an insider: typed errors only', () => {
  const clients = ['alice', 'bob', 'carol', 'dave'].map((n) => newClient(suite, n));
  const [alice, bob] = groupOf(suite, clients[0]!, clients.slice(1)) as [GroupState, GroupState];
  const up = createUpdateProposal(alice);
  const sources = [
    createCommit(alice, { proposals: [removeProposal(2)] }).commit,
    createCommit(alice, { proposals: [addProposal(newClient(suite, 'erin').kp.keyPackage)] }).commit,
    createProposalMessage(alice, up.proposal, { update: up }).message,
  ];
  const before = groupStateBytes(bob);
  const r = rng(99);
  let decoded = 0;
  for (const src of sources) {
    const m = parseMLSMessage(src);
    if (m.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('expected a PublicMessage');
    const body = encode(encodeFramedContent, m.publicMessage.content);
    for (let i = 0; i < 200; i++) {
      let content;
      try {
        content = decode(decodeFramedContent, mutate(body, r), 'FramedContent');
      } catch (e) {
        assert.ok(e instanceof DecodeError, String(e));
        continue;
      }
      decoded++;
      const signature = signFramedContent(suite, clients[0]!.signaturePrivateKey, WireFormat.mlsPublicMessage, content, alice.groupContext);
      const auth = content.contentType === ContentType.commit ? { signature, confirmationTag: m.publicMessage.auth.confirmationTag ?? new Uint8Array(32) } : { signature };
      const ac = { wireFormat: WireFormat.mlsPublicMessage, content, auth } as const;
      let bytes: Uint8Array;
      try {
        const publicMessage = content.sender.senderType === 1 ? { content, auth, membershipTag: computeMembershipTag(suite, alice.keys.membershipKey, ac, alice.groupContext) } : { content, auth };
        bytes = mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsPublicMessage, publicMessage });
      } catch {
        continue; // not encodable (e.g. a mutated sender type without its tag rules)
      }
      try {
        processMessage(bob, bytes);
      } catch (e) {
        assert.ok(typed(e), `untyped error for a signed mutated message: ${String(e)}`);
      }
    }
  }
  assert.ok(decoded > 50, `only ${decoded} mutations decoded`);
  assert.deepEqual(groupStateBytes(bob), before);
});
