import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { DecodeError } from '../../../main/mls/errors.js';
import {
  computePskSecret,
  decodePreSharedKeyID,
  encodePreSharedKeyID,
  PSKType,
  ResumptionPSKUsage,
  type PreSharedKeyID,
} from '../../../main/mls/schedule/psk.js';
import { concat, toHex } from '../../../main/mls/util/bytes.js';

const suite = getProvider().getSuite(1);
const external: PreSharedKeyID = { psktype: PSKType.external, pskId: new Uint8Array([1, 2, 3]), pskNonce: new Uint8Array(32).fill(7) };
const resumption: PreSharedKeyID = {
  psktype: PSKType.resumption,
  usage: ResumptionPSKUsage.branch,
  pskGroupId: new Uint8Array([9, 9]),
  pskEpoch: 0x0102030405060708n,
  pskNonce: new Uint8Array(32).fill(5),
};
const dec = (b: Uint8Array): PreSharedKeyID => decode(decodePreSharedKeyID, b, 'PreSharedKeyID');

void test('PreSharedKeyID: external and resumption round-trip with the RFC layout', () => {
  const eb = encode(encodePreSharedKeyID, external);
  assert.equal(toHex(eb), '0103010203' + '20' + '07'.repeat(32));
  assert.deepEqual(dec(eb), external);
  const rb = encode(encodePreSharedKeyID, resumption);
  assert.equal(toHex(rb), '02' + '03' + '020909' + '0102030405060708' + '20' + '05'.repeat(32));
  assert.deepEqual(dec(rb), resumption);
});

void test('PreSharedKeyID: truncated input is a DecodeError at every cut', () => {
  for (const v of [external, resumption]) {
    const b = encode(encodePreSharedKeyID, v);
    for (let n = 0; n < b.length; n++) assert.throws(() => dec(b.subarray(0, n)), DecodeError, `cut at ${n}`);
  }
});

void test('PreSharedKeyID: trailing bytes are a DecodeError', () => {
  const b = concat(encode(encodePreSharedKeyID, external), new Uint8Array([0]));
  assert.throws(() => dec(b), (e: unknown) => e instanceof DecodeError && /trailing/.test(e.message));
});

void test('PreSharedKeyID: unknown or reserved psktype and usage are DecodeErrors naming the field', () => {
  for (const t of [0, 3, 255]) {
    const b = encode(encodePreSharedKeyID, external);
    b[0] = t;
    assert.throws(() => dec(b), (e: unknown) => e instanceof DecodeError && e.path === 'PreSharedKeyID.psktype');
  }
  for (const u of [0, 4, 255]) {
    const b = encode(encodePreSharedKeyID, resumption);
    b[1] = u;
    assert.throws(() => dec(b), (e: unknown) => e instanceof DecodeError && e.path === 'PreSharedKeyID.usage');
  }
});

void test('computePskSecret: zero vector without PSKs; order, value and nonce all matter', () => {
  assert.deepEqual(computePskSecret(suite, []), new Uint8Array(suite.kdf.size));
  const a = { id: external, psk: new Uint8Array(32).fill(1) };
  const b = { id: resumption, psk: new Uint8Array(32).fill(2) };
  const ab = computePskSecret(suite, [a, b]);
  assert.equal(ab.length, suite.kdf.size);
  assert.notDeepEqual(ab, computePskSecret(suite, [b, a]));
  assert.notDeepEqual(ab, computePskSecret(suite, [a, { ...b, psk: new Uint8Array(32).fill(3) }]));
  assert.notDeepEqual(ab, computePskSecret(suite, [{ id: { ...external, pskNonce: new Uint8Array(32) }, psk: a.psk }, b]));
  assert.notDeepEqual(computePskSecret(suite, [a]), new Uint8Array(suite.kdf.size));
});
