// Mutators of wire bytes for the robustness fuzz tests. Blind ones (bit flips,
// byte insert/delete, truncation, random bytes) and structure-aware ones: the
// offsets of every length prefix and integer field are learnt by watching the
// strict Decoder read the valid seed, then those fields are inflated, shrunk,
// re-encoded non-minimally or set to out-of-range values.

import { Decoder } from '../../../main/mls/codec/decoder.js';
import type { Rng } from './prng.js';

export interface Mutant {
  /** Which mutator made it (bit-flip, insert, delete, truncate, varint, int, random, splice). */
  readonly kind: string;
  /** How to make it again from the seed, for a report. */
  readonly desc: string;
  readonly bytes: Uint8Array;
}

export interface FieldOffsets {
  /** Offsets of every varint length prefix read from the seed buffer. */
  readonly varints: readonly number[];
  /** Offsets and widths (1, 2, 4) of every fixed-width integer read from it. */
  readonly ints: readonly { readonly at: number; readonly width: 1 | 2 | 4 }[];
}

type Patched = 'varint' | 'u8' | 'u16' | 'u32';

/** Runs `fn` (which decodes `buf`) while recording where each field of `buf` is read. */
export function learnOffsets(buf: Uint8Array, fn: () => void): FieldOffsets {
  const proto = Decoder.prototype as unknown as Record<Patched, (this: Decoder, field: string) => unknown>;
  const saved = { varint: proto.varint, u8: proto.u8, u16: proto.u16, u32: proto.u32 };
  const varints = new Set<number>();
  const ints = new Map<number, 1 | 2 | 4>();
  const own = (d: Decoder): boolean => (d as unknown as { buf: Uint8Array }).buf === buf;
  proto.varint = function (field) {
    if (own(this)) varints.add(this.offset);
    return saved.varint.call(this, field);
  };
  for (const [m, w] of [['u8', 1], ['u16', 2], ['u32', 4]] as const) {
    proto[m] = function (field) {
      if (own(this) && !ints.has(this.offset)) ints.set(this.offset, w);
      return saved[m].call(this, field);
    };
  }
  try {
    fn();
  } finally {
    Object.assign(proto, saved);
  }
  return {
    varints: [...varints].sort((a, b) => a - b),
    ints: [...ints].sort((a, b) => a[0] - b[0]).map(([at, width]) => ({ at, width })),
  };
}

function splice(b: Uint8Array, at: number, del: number, ins: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - del + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at + del), at + ins.length);
  return out;
}

/** A varint in the given width (not necessarily minimal: that is the point of some mutants). */
function varintBytes(v: number, width: 1 | 2 | 4 | 8): Uint8Array {
  if (width === 1) return Uint8Array.of(v & 0x3f);
  if (width === 2) return Uint8Array.of(0x40 | ((v >> 8) & 0x3f), v & 0xff);
  if (width === 4) return Uint8Array.of(0x80 | ((v >>> 24) & 0x3f), (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  return Uint8Array.of(0xc0, 0, 0, 0, (v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function minimalWidth(v: number): 1 | 2 | 4 {
  return v < 0x40 ? 1 : v < 0x4000 ? 2 : 4;
}

function readVarintAt(b: Uint8Array, at: number): { value: number; size: number } {
  const size = 1 << (b[at]! >> 6);
  let value = b[at]! & 0x3f;
  for (let i = 1; i < size; i++) value = value * 256 + (b[at + i] ?? 0);
  return { value, size };
}

export function bitFlips(rng: Rng, b: Uint8Array, n: number): Mutant[] {
  if (b.length === 0) return [];
  return Array.from({ length: n }, () => {
    const at = rng.int(b.length);
    const bit = rng.int(8);
    const out = b.slice();
    out[at]! ^= 1 << bit;
    return { kind: 'bit-flip', desc: `flip bit ${bit} of byte ${at}`, bytes: out };
  });
}

export function byteInserts(rng: Rng, b: Uint8Array, n: number): Mutant[] {
  return Array.from({ length: n }, () => {
    const at = rng.int(b.length + 1);
    const v = rng.int(256);
    return { kind: 'insert', desc: `insert 0x${v.toString(16)} at ${at}`, bytes: splice(b, at, 0, Uint8Array.of(v)) };
  });
}

export function byteDeletes(rng: Rng, b: Uint8Array, n: number): Mutant[] {
  if (b.length === 0) return [];
  return Array.from({ length: n }, () => {
    const at = rng.int(b.length);
    return { kind: 'delete', desc: `delete byte ${at}`, bytes: splice(b, at, 1, new Uint8Array(0)) };
  });
}

/** Every proper prefix when the seed has at most `all` bytes, else `all` prefixes spread over it. */
export function truncations(b: Uint8Array, all: number): Mutant[] {
  const lens: number[] = [];
  if (b.length <= all) for (let i = 0; i < b.length; i++) lens.push(i);
  else for (let k = 0; k < all; k++) lens.push(Math.floor((k * b.length) / all));
  return lens.map((n) => ({ kind: 'truncate', desc: `truncate to ${n} bytes`, bytes: b.slice(0, n) }));
}

/** Each length prefix inflated, shrunk, maxed, and re-encoded non-minimally or with the 8-byte form. */
export function varintMutants(b: Uint8Array, offs: FieldOffsets): Mutant[] {
  const out: Mutant[] = [];
  for (const at of offs.varints) {
    const { value, size } = readVarintAt(b, at);
    const rest = b.length - at - size;
    const put = (v: number, w: 1 | 2 | 4 | 8, why: string): void => {
      out.push({ kind: 'varint', desc: `length at ${at}: ${value} -> ${v} (${w}-byte, ${why})`, bytes: splice(b, at, size, varintBytes(v, w)) });
    };
    for (const v of [value + 1, value + 7, rest + 1, 0x3fffffff]) put(v, minimalWidth(v), 'inflated');
    if (value > 0) put(value - 1, minimalWidth(value - 1), 'shrunk');
    if (value > 0) put(0, 1, 'zeroed');
    if (size < 2) put(value, 2, 'non-minimal');
    if (size < 4) put(value, 4, 'non-minimal');
    put(value, 8, '8-byte form');
  }
  return out;
}

/** Each fixed-width integer (enum, index, presence byte, epoch half) set to boundary and random values. */
export function intMutants(rng: Rng, b: Uint8Array, offs: FieldOffsets): Mutant[] {
  const out: Mutant[] = [];
  for (const { at, width } of offs.ints) {
    const max = width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    const vals = new Set([0, 1, 2, 3, 7, 0xff & max, max, rng.int(max + 1)]);
    for (const v of vals) {
      const rep = new Uint8Array(width);
      for (let i = 0; i < width; i++) rep[i] = (v / 2 ** (8 * (width - 1 - i))) & 0xff;
      const bytes = b.slice();
      bytes.set(rep, at);
      out.push({ kind: 'int', desc: `u${8 * width} at ${at} := ${v}`, bytes });
    }
  }
  return out;
}

/** Random bytes: short and long, fully random or keeping a valid head of the seed. */
export function randomInputs(rng: Rng, b: Uint8Array, n: number): Mutant[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 2 === 0) {
      const len = rng.int(i % 4 === 0 ? 16 : 600);
      return { kind: 'random', desc: `random ${len} bytes (rng)`, bytes: rng.bytes(len) };
    }
    const keep = rng.int(b.length + 1);
    const tail = rng.int(64);
    const bytes = new Uint8Array(keep + tail);
    bytes.set(b.subarray(0, keep));
    bytes.set(rng.bytes(tail), keep);
    return { kind: 'splice', desc: `first ${keep} seed bytes + ${tail} random`, bytes };
  });
}

export interface MutationPlan {
  readonly bitFlips: number;
  readonly inserts: number;
  readonly deletes: number;
  /** Every prefix for seeds up to this size; this many prefixes otherwise. */
  readonly truncateAll: number;
  readonly random: number;
  /** Structure-aware mutants (varint/int fields) are taken for at most this many fields of each kind, spread over the seed. */
  readonly maxFields: number;
}

export const DEFAULT_PLAN: MutationPlan = { bitFlips: 200, inserts: 60, deletes: 60, truncateAll: 300, random: 40, maxFields: 200 };

function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]!);
}

/** All mutants of one seed under `plan`. */
export function mutants(rng: Rng, seed: Uint8Array, offs: FieldOffsets, plan: MutationPlan = DEFAULT_PLAN): Mutant[] {
  const few: FieldOffsets = { varints: spread(offs.varints, plan.maxFields), ints: spread(offs.ints, plan.maxFields) };
  const all = [
    ...bitFlips(rng, seed, plan.bitFlips),
    ...byteInserts(rng, seed, plan.inserts),
    ...byteDeletes(rng, seed, plan.deletes),
    ...truncations(seed, plan.truncateAll),
    ...varintMutants(seed, few),
    ...intMutants(rng, seed, few),
    ...randomInputs(rng, seed, plan.random),
  ];
  // A field set to the value it already had is no mutation.
  return all.filter((m) => !sameBytes(m.bytes, seed));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
