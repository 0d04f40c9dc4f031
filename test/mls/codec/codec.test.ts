import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder, decode } from '../../../main/mls/codec/decoder.js';
import { Encoder } from '../../../main/mls/codec/encoder.js';
import { readVarint } from '../../../main/mls/codec/varint.js';
import { DecodeError, EncodeError } from '../../../main/mls/errors.js';
import { fromHex, toHex } from '../../../main/mls/util/bytes.js';

// A small struct in the style of the engine's codecs, to exercise paths in errors.
interface Pair {
  id: number;
  name: Uint8Array;
  tags: number[];
  extra?: bigint;
}
const encodePair = (e: Encoder, v: Pair) => {
  e.u16(v.id).opaque(v.name).vector(v.tags, (e2, t) => e2.u8(t)).optional(v.extra, (e2, x) => e2.u64(x));
};
const decodePair = (d: Decoder): Pair => {
  const id = d.u16('id');
  const name = d.opaque('name');
  const tags = d.vector('tags', (d2) => d2.u8('tag'));
  const extra = d.optional('extra', (d2) => d2.u64('value'));
  return extra === undefined ? { id, name, tags } : { id, name, tags, extra };
};
const sample: Pair = { id: 0x1234, name: new Uint8Array([1, 2, 3]), tags: [7, 8], extra: 0x0102030405060708n };
const sampleBytes = (() => {
  const e = new Encoder();
  encodePair(e, sample);
  return e.finish();
})();

test('struct round-trips byte for byte', () => {
  assert.equal(toHex(sampleBytes), '12340301020302070801' + '0102030405060708');
  assert.deepEqual(decode(decodePair, sampleBytes, 'Pair'), sample);
});

test('every truncation is a DecodeError naming a field of Pair', () => {
  for (let n = 0; n < sampleBytes.length; n++) {
    assert.throws(
      () => decode(decodePair, sampleBytes.subarray(0, n), 'Pair'),
      (e: unknown) => e instanceof DecodeError && e.path.startsWith('Pair'),
      `truncated to ${n}`,
    );
  }
});

test('a trailing byte is rejected', () => {
  const extended = new Uint8Array([...sampleBytes, 0]);
  assert.throws(() => decode(decodePair, extended, 'Pair'), /Pair: 1 trailing bytes/);
});

test('error messages carry the nested path and the lengths', () => {
  // name claims 9 bytes but only 4 remain
  const bad = fromHex('0001' + '09' + 'aabbccdd');
  assert.throws(() => decode(decodePair, bad, 'Pair'), {
    name: 'DecodeError',
    message: 'Pair.name: length 9 exceeds remaining 4',
  });
  // a vector item that overruns the vector's own length
  const badVec = fromHex('0001' + '00' + '01' + '00');
  assert.throws(() => decode((d) => d.field('outer', decodePair), badVec, 'Pair'), DecodeError);
});

test('optional presence byte must be 0 or 1', () => {
  const bad = sampleBytes.slice(0, 9); // everything before the optional's presence byte
  const withTwo = new Uint8Array([...bad, 2]);
  assert.throws(() => decode(decodePair, withTwo, 'Pair'), /Pair.extra: optional presence byte 2/);
});

test('varint: minimal encodings only, 8-byte prefix invalid, boundaries', () => {
  const cases: [string, number][] = [
    ['00', 0],
    ['3f', 63],
    ['4040', 64],
    ['7fff', 16383],
    ['80004000', 16384],
    ['bfffffff', 0x3fffffff],
  ];
  for (const [hex, n] of cases) {
    assert.equal(toHex(new Encoder().varint(n).finish()), hex);
    const r = readVarint(fromHex(hex), 0);
    assert.ok('value' in r && r.value === n, hex);
  }
  for (const hex of ['4000', '403f', '80000000', '80003fff', 'c000000000000000', '40', '8000']) {
    const r = readVarint(fromHex(hex), 0);
    assert.ok('error' in r, `${hex} must be rejected`);
  }
  assert.throws(() => new Encoder().varint(0x40000000), EncodeError);
  assert.throws(() => new Encoder().varint(-1), EncodeError);
});

test('fixed-width integers are range-checked on encode', () => {
  assert.throws(() => new Encoder().u8(256), EncodeError);
  assert.throws(() => new Encoder().u16(-1), EncodeError);
  assert.throws(() => new Encoder().u32(2 ** 32), EncodeError);
  assert.throws(() => new Encoder().u64(1n << 64n), EncodeError);
  assert.equal(toHex(new Encoder().u32(0xdeadbeef).u64(0xffffffffffffffffn).finish()), 'deadbeefffffffffffffffff');
});

test('decoded bytes are copies, not views of the input', () => {
  const p = decode(decodePair, sampleBytes, 'Pair');
  const input = sampleBytes.slice();
  const q = decode(decodePair, input, 'Pair');
  input.fill(0);
  assert.deepEqual(q.name, p.name);
});

test('the encoder grows past its initial buffer', () => {
  const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
  const out = new Encoder().opaque(big).finish();
  const d = new Decoder(out, 'big');
  assert.deepEqual(d.opaque('data'), big);
  d.end();
});
