// RFC 9420 §8.4: pre-shared keys. PreSharedKeyID names a PSK (in PreSharedKey
// proposals and in GroupSecrets); computePskSecret chains the PSKs of a commit
// into the psk_secret the key schedule consumes.

import type { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { expandWithLabel } from '../crypto/labeled.js';
import type { CipherSuite } from '../crypto/provider.js';
import { ArgumentError } from '../errors.js';

/** RFC 9420 §8.4: enum PSKType. */
export const PSKType = {
  external: 1,
  resumption: 2,
} as const;
export type PSKType = (typeof PSKType)[keyof typeof PSKType];

/** RFC 9420 §8.4: enum ResumptionPSKUsage. */
export const ResumptionPSKUsage = {
  application: 1,
  reinit: 2,
  branch: 3,
} as const;
export type ResumptionPSKUsage = (typeof ResumptionPSKUsage)[keyof typeof ResumptionPSKUsage];

export interface ExternalPreSharedKeyID {
  readonly psktype: typeof PSKType.external;
  readonly pskId: Uint8Array;
  readonly pskNonce: Uint8Array;
}

export interface ResumptionPreSharedKeyID {
  readonly psktype: typeof PSKType.resumption;
  readonly usage: ResumptionPSKUsage;
  readonly pskGroupId: Uint8Array;
  readonly pskEpoch: bigint;
  readonly pskNonce: Uint8Array;
}

// RFC 9420 §8.4
export type PreSharedKeyID = ExternalPreSharedKeyID | ResumptionPreSharedKeyID;

export function encodePreSharedKeyID(e: Encoder, v: PreSharedKeyID): void {
  e.u8(v.psktype);
  if (v.psktype === PSKType.external) {
    e.opaque(v.pskId);
  } else {
    e.u8(v.usage).opaque(v.pskGroupId).u64(v.pskEpoch);
  }
  e.opaque(v.pskNonce);
}

function isResumptionUsage(n: number): n is ResumptionPSKUsage {
  return n === 1 || n === 2 || n === 3;
}

/** Strict: a reserved or unknown psktype or usage is a DecodeError. */
export function decodePreSharedKeyID(d: Decoder): PreSharedKeyID {
  const psktype = d.u8('psktype');
  if (psktype === PSKType.external) {
    const pskId = d.opaque('psk_id');
    const pskNonce = d.opaque('psk_nonce');
    return { psktype, pskId, pskNonce };
  }
  if (psktype === PSKType.resumption) {
    const usage = d.u8('usage');
    if (!isResumptionUsage(usage)) d.fail('usage', `unknown ResumptionPSKUsage ${usage}`);
    const pskGroupId = d.opaque('psk_group_id');
    const pskEpoch = d.u64('psk_epoch');
    const pskNonce = d.opaque('psk_nonce');
    return { psktype, usage, pskGroupId, pskEpoch, pskNonce };
  }
  return d.fail('psktype', `unknown PSKType ${psktype}`);
}

// RFC 9420 §8.4
export interface PSKLabel {
  readonly id: PreSharedKeyID;
  readonly index: number;
  readonly count: number;
}

export function encodePSKLabel(e: Encoder, v: PSKLabel): void {
  encodePreSharedKeyID(e, v.id);
  e.u16(v.index).u16(v.count);
}

/** A PSK to inject: its id (as listed in the commit / GroupSecrets) and its secret value. */
export interface PskInput {
  readonly id: PreSharedKeyID;
  readonly psk: Uint8Array;
}

/**
 * RFC 9420 §8.4: psk_secret for the PSKs of a commit, in the order listed.
 * With no PSKs it is the all-zero vector of length KDF.Nh.
 */
export function computePskSecret(suite: CipherSuite, psks: readonly PskInput[]): Uint8Array {
  const nh = suite.kdf.size;
  if (psks.length > 0xffff) throw new ArgumentError(`too many PSKs: ${psks.length} (PSKLabel.count is a uint16)`);
  const zero = new Uint8Array(nh);
  let secret: Uint8Array = zero;
  psks.forEach(({ id, psk }, index) => {
    const extracted = suite.kdf.extract(zero, psk);
    const label = new Encoder();
    encodePSKLabel(label, { id, index, count: psks.length });
    const input = expandWithLabel(suite, extracted, 'derived psk', label.finish(), nh);
    secret = suite.kdf.extract(input, secret);
  });
  return secret;
}
