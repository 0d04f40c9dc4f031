// The server's reader of MLSMessage headers: what it returns, and that it refuses malformed bytes with a path.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Encoder } from '../../main/mls/codec/encoder.js';
import { DecodeError } from '../../main/mls/errors.js';
import { peekMlsMessage } from '../../server/mls-peek.js';
import { CT, groupInfo, keyPackage, privateMessage, publicMessage, welcome } from './client.js';

const g = new TextEncoder().encode('group-1');

function throwsAt(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => peekMlsMessage(bytes), (e: unknown) => e instanceof DecodeError && pattern.test(e.message));
}

void it('reads group id, epoch and content type of a PrivateMessage, to the last byte', () => {
  const p = peekMlsMessage(privateMessage(g, 7n, CT.application));
  assert.deepEqual(p, { wireFormat: 2, groupId: g, epoch: 7n, contentType: 1 });
  const m = privateMessage(g, 7n, CT.commit);
  throwsAt(new Uint8Array([...m, 0]), /^MLSMessage: 1 trailing bytes$/);
  throwsAt(m.subarray(0, m.length - 1), /^MLSMessage\.private_message\.ciphertext: length/);
  throwsAt(privateMessage(g, 1n, 0), /^MLSMessage\.private_message\.content_type: unknown content type 0$/);
  throwsAt(privateMessage(g, 1n, 4), /content type 4/);
});

void it('reads the FramedContent header of a PublicMessage, with each sender type', () => {
  assert.deepEqual(peekMlsMessage(publicMessage(g, 3n, CT.commit, 1)), { wireFormat: 1, groupId: g, epoch: 3n, contentType: 3, senderType: 1 });
  assert.equal((peekMlsMessage(publicMessage(g, 3n, CT.proposal, 2)) as { senderType: number }).senderType, 2);
  assert.equal((peekMlsMessage(publicMessage(g, 3n, CT.proposal, 3)) as { senderType: number }).senderType, 3);
  assert.equal((peekMlsMessage(publicMessage(g, 3n, CT.commit, 4)) as { senderType: number }).senderType, 4);
  throwsAt(publicMessage(g, 3n, CT.commit, 5), /public_message\.content\.sender\.sender_type: unknown sender type 5/);
  throwsAt(publicMessage(g, 3n, CT.application, 1), /application data must not be a PublicMessage/);
  throwsAt(publicMessage(g, 3n, CT.commit, 1, ''), /missing content body/);
});

void it('reads GroupInfo group id and epoch; checks Welcome and KeyPackage framing', () => {
  assert.deepEqual(peekMlsMessage(groupInfo(g, 9n)), { wireFormat: 4, groupId: g, epoch: 9n });
  assert.deepEqual(peekMlsMessage(welcome()), { wireFormat: 3, cipherSuite: 1 });
  assert.deepEqual(peekMlsMessage(keyPackage('x')), { wireFormat: 5, cipherSuite: 1 });
  const gi = groupInfo(g, 9n);
  throwsAt(gi.subarray(0, gi.length - 3), /^MLSMessage\.group_info\.signature/);
  const w = welcome();
  throwsAt(new Uint8Array([...w, 1]), /trailing/);
});

void it('refuses unknown versions and wire formats, and empty input', () => {
  throwsAt(new Encoder().u16(2).u16(2).finish(), /^MLSMessage\.version: unsupported protocol version 2$/);
  throwsAt(new Encoder().u16(1).u16(6).finish(), /^MLSMessage\.wire_format: unknown wire format 6$/);
  throwsAt(new Encoder().u16(1).u16(0).finish(), /unknown wire format 0/);
  throwsAt(new Uint8Array(0), /^MLSMessage\.version: length 2 exceeds remaining 0$/);
  // A non-minimal varint length in the group id.
  throwsAt(new Uint8Array([0, 1, 0, 2, 0x40, 0x01, 0x61]), /group_id/);
});

void it('throws nothing but DecodeError on mutated and truncated messages', () => {
  const seeds = [privateMessage(g, 5n, CT.application), publicMessage(g, 5n, CT.commit, 1), groupInfo(g, 5n), welcome(), keyPackage('k')];
  let state = 12345;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  for (let i = 0; i < 3000; i++) {
    const seed = seeds[i % seeds.length]!;
    const m = seed.slice(0, rand(seed.length + 1));
    for (let k = rand(3); k > 0 && m.length > 0; k--) m[rand(m.length)] = rand(256);
    try {
      peekMlsMessage(m);
    } catch (e) {
      assert.ok(e instanceof DecodeError, `${String(e)}`);
    }
  }
});
