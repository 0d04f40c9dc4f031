// A tiny runtime schema for the contract: each validator checks an unknown
// value that crossed a process or thread boundary and returns it typed, or
// throws a ContractError('bad_argument') that names the path of the bad field.
// The same objects give the static types (Infer<typeof x>), so the table of
// commands is written once and checked in every transport.

import { ContractError } from './errors.js';

export interface Schema<T> {
  /** Returns `value` typed as T, or throws ContractError('bad_argument') naming `path`. */
  parse(value: unknown, path: string): T;
  /** Marks an object field as optional (may be absent; never null). */
  readonly optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(path: string, what: string): never {
  throw new ContractError('bad_argument', `${path}: ${what}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `a string of ${v.length} characters` : `${typeof v}`;
}

export interface StringRule {
  readonly min?: number;
  readonly max: number;
  readonly pattern?: RegExp;
  /** Said in the error when the pattern does not match. */
  readonly patternName?: string;
}

export function string(rule: StringRule): Schema<string> {
  return {
    parse(v, path) {
      if (typeof v !== 'string') return fail(path, `expected a string, got ${describe(v)}`);
      if (v.length < (rule.min ?? 0)) return fail(path, `at least ${rule.min ?? 0} characters, got ${v.length}`);
      if (v.length > rule.max) return fail(path, `at most ${rule.max} characters, got ${v.length}`);
      if (rule.pattern !== undefined && !rule.pattern.test(v)) return fail(path, `not ${rule.patternName ?? `matching ${String(rule.pattern)}`}`);
      return v;
    },
  };
}

export function int(min: number, max: number): Schema<number> {
  return {
    parse(v, path) {
      if (typeof v !== 'number' || !Number.isInteger(v)) return fail(path, `expected an integer, got ${describe(v)}`);
      if (v < min || v > max) return fail(path, `must be between ${min} and ${max}, got ${v}`);
      return v;
    },
  };
}

export const boolean: Schema<boolean> = {
  parse(v, path) {
    if (typeof v !== 'boolean') return fail(path, `expected a boolean, got ${describe(v)}`);
    return v;
  },
};

export function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  return {
    parse(v, path) {
      if (typeof v !== 'string' || !values.includes(v)) return fail(path, `expected one of ${values.join(', ')}`);
      return v as T[number];
    },
  };
}

export function array<T>(item: Schema<T>, rule: { min?: number; max: number; unique?: boolean }): Schema<T[]> {
  return {
    parse(v, path) {
      if (!Array.isArray(v)) return fail(path, `expected an array, got ${describe(v)}`);
      if (v.length < (rule.min ?? 0)) return fail(path, `at least ${rule.min ?? 0} entries, got ${v.length}`);
      if (v.length > rule.max) return fail(path, `at most ${rule.max} entries, got ${v.length}`);
      const out = v.map((x, i) => item.parse(x, `${path}[${i}]`));
      if (rule.unique === true && new Set(out).size !== out.length) return fail(path, 'entries must be distinct');
      return out;
    },
  };
}

export function optional<T>(s: Schema<T>): Schema<T | undefined> & { readonly optional: true } {
  return { parse: (v, path) => (v === undefined ? undefined : s.parse(v, path)), optional: true };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> };

/** A plain object with exactly these fields (unknown fields are refused, so typos are loud). */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    parse(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, `expected an object, got ${describe(v)}`);
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return fail(path, 'expected a plain object');
      const rec = v as Record<string, unknown>;
      for (const k of Object.keys(rec)) if (!Object.hasOwn(shape, k)) return fail(`${path}.${k}`, 'unknown field');
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(shape)) {
        const x = s.parse(rec[k], `${path}.${k}`);
        if (x !== undefined) out[k] = x;
      }
      return out as ObjectOf<S>;
    },
  };
}

/** No argument: undefined, or an empty object (what a generic caller sends). */
export const none: Schema<void> = {
  parse(v, path) {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return undefined;
    return fail(path, 'this command takes no argument');
  },
};
