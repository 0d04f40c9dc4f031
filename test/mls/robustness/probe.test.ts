// The oracle itself must be able to fail: a decoder that crashes, accepts a
// second encoding, or throws an untyped error is caught and classified.

import assert from 'node:assert/strict';
import test from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { DecodeError } from '../../../main/mls/errors.js';
import { learnOffsets, mutants, truncations } from './mutate.js';
import { fuzz, probe, type Codec } from './probe.js';
import { Rng } from './prng.js';

const strict: Codec<Uint8Array> = { name: 'strict', decode: (b) => decode((d) => d.opaque('x'), b, 'X'), encode: (v) => Uint8Array.of(v.length, ...v) };
const crashing: Codec<number> = {
  name: 'crashing',
  decode: (b) => {
    if (b.length === 0) throw new DecodeError('X', 'empty');
    return (b as unknown as { foo: { bar: number } }).foo.bar; // a TypeError, as a careless decoder would
  },
  encode: () => new Uint8Array(0),
};
// Like strict, but an inflated length is a RangeError instead of a DecodeError.
const fragile: Codec<Uint8Array> = {
  name: 'fragile',
  decode: (b) => {
    if (b.length > 0 && b[0]! >= b.length) throw new RangeError('offset out of bounds');
    return strict.decode(b);
  },
  encode: strict.encode,
};
// Ignores a trailing byte: two encodings of one value.
const lax: Codec<number> = { name: 'lax', decode: (b) => (b.length === 0 ? 0 : b[0]!), encode: (v) => Uint8Array.of(v) };

void test('probe classifies accept, reject, crash and non-canonical accept', () => {
  assert.deepEqual(probe(strict, Uint8Array.of(2, 7, 7)), { ok: 'decoded' });
  const rej = probe(strict, Uint8Array.of(3, 7));
  assert.ok('ok' in rej && rej.ok === 'rejected' && rej.error instanceof DecodeError);
  const crash = probe(crashing, Uint8Array.of(1));
  assert.ok('problem' in crash && crash.problem === 'crash' && /TypeError/.test(crash.detail));
  const nc = probe(lax, Uint8Array.of(1, 2));
  assert.ok('problem' in nc && nc.problem === 'non-canonical');
});

void test('fuzz reports the crashes and non-canonical accepts of bad codecs', () => {
  assert.equal(fuzz(crashing, [{ name: 's', bytes: Uint8Array.of(1, 2, 3) }], new Rng(1)).badSeeds.length, 1, 'a seed that crashes is reported');
  const f = fuzz(fragile, [{ name: 's', bytes: Uint8Array.of(2, 7, 7) }], new Rng(1)).findings;
  assert.ok(f.some((x) => x.problem === 'crash' && x.mutant.kind === 'varint' && /RangeError/.test(x.detail)));
  assert.ok(fuzz(lax, [{ name: 's', bytes: Uint8Array.of(5) }], new Rng(1)).findings.some((f) => f.problem === 'non-canonical'));
  assert.equal(fuzz(strict, [{ name: 's', bytes: Uint8Array.of(2, 7, 7) }], new Rng(1)).findings.length, 0);
});

void test('mutators are deterministic, learn length prefixes, and never return the seed', () => {
  const seed = Uint8Array.of(3, 1, 2, 3);
  const offs = learnOffsets(seed, () => void strict.decode(seed));
  assert.deepEqual(offs.varints, [0]);
  const a = mutants(new Rng(9), seed, offs).map((m) => m.desc);
  const b = mutants(new Rng(9), seed, offs).map((m) => m.desc);
  assert.deepEqual(a, b);
  assert.ok(mutants(new Rng(9), seed, offs).every((m) => m.bytes.length !== seed.length || m.bytes.some((x, i) => x !== seed[i])));
  assert.deepEqual(truncations(seed, 10).map((m) => m.bytes.length), [0, 1, 2, 3]);
});
