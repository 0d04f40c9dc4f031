// Device authentication: Ed25519 device keys, verified with node:crypto, over
// domain-separated byte strings so a signature made for one purpose (login,
// registration, authorizing a new device) can never be replayed as another.
//   tbs = utf8("arbor-ds/1 " + label) || 0x00 || for each field: u32be(len) || field

import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';

export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
export const CHALLENGE_LENGTH = 32;

export type SignLabel = 'login' | 'register' | 'add-device';

const enc = new TextEncoder();

/** The exact bytes a device signs for `label` (documented in docs/protocol.md). */
export function toBeSigned(label: SignLabel, fields: readonly (Uint8Array | string)[]): Uint8Array {
  const head = enc.encode(`arbor-ds/1 ${label}\u0000`);
  const parts = fields.map((f) => (typeof f === 'string' ? enc.encode(f) : f));
  const out = new Uint8Array(head.length + parts.reduce((n, p) => n + 4 + p.length, 0));
  out.set(head, 0);
  let o = head.length;
  const view = new DataView(out.buffer);
  for (const p of parts) {
    view.setUint32(o, p.length);
    out.set(p, o + 4);
    o += 4 + p.length;
  }
  return out;
}

/** A KeyObject for a raw 32-byte Ed25519 public key, or undefined if it is not one. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject | undefined {
  if (raw.length !== ED25519_PUBLIC_KEY_LENGTH) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  const key = ed25519PublicKey(publicKey);
  if (key === undefined) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** Per-connection challenges: fresh, single use, expiring. */
export class ChallengeBook {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxOpen: number,
    private readonly now: () => number,
  ) {}

  issue(): Uint8Array {
    const t = this.now();
    for (const [k, exp] of this.open) if (exp <= t) this.open.delete(k);
    // Keep the newest few: a client that asks again and again cannot grow this map.
    while (this.open.size >= this.maxOpen) {
      const oldest = this.open.keys().next();
      if (oldest.done === true) break;
      this.open.delete(oldest.value);
    }
    const c = new Uint8Array(randomBytes(CHALLENGE_LENGTH));
    this.open.set(Buffer.from(c).toString('base64'), t + this.ttlMs);
    return c;
  }

  /** True once for a challenge this book issued and that has not expired; it is consumed either way. */
  consume(challenge: Uint8Array): boolean {
    const k = Buffer.from(challenge).toString('base64');
    const exp = this.open.get(k);
    if (exp === undefined) return false;
    this.open.delete(k);
    return exp > this.now();
  }
}
