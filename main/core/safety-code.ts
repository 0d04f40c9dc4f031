// The safety code members compare aloud to detect a machine-in-the-middle:
// 30 digits in six groups of five, from the epoch authenticator (RFC 9420 §8.7),
// which every member of an epoch derives alike and nobody outside it can.
// Hashed with a label first so the digits reveal nothing usable of the secret.

import { createHash } from 'node:crypto';

const GROUPS = 6;

export function safetyCode(epochAuthenticator: Uint8Array): string {
  const h = createHash('sha256').update('arbor safety code v1\0').update(epochAuthenticator).digest();
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    // 5 bytes (40 bits) per group, reduced to 5 digits: the bias (2^40 mod 10^5) is negligible.
    const v = h.readUIntBE(i * 5, 5) % 100000;
    groups.push(v.toString().padStart(5, '0'));
  }
  return groups.join(' ');
}
