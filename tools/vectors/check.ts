// Small helpers for vector kinds: hex fields and comparisons that say what differed.

import { fromHex, toHex, equalBytes } from '../../main/mls/util/bytes.js';

export function hex(obj: unknown, field: string): Uint8Array {
  const v = (obj as Record<string, unknown>)[field];
  if (typeof v !== 'string') throw new Error(`field ${field} is not a hex string`);
  return fromHex(v);
}

export function num(obj: unknown, field: string): number {
  const v = (obj as Record<string, unknown>)[field];
  if (typeof v !== 'number') throw new Error(`field ${field} is not a number`);
  return v;
}

export function expectBytes(what: string, got: Uint8Array, want: Uint8Array): void {
  if (!equalBytes(got, want)) throw new Error(`${what}: got ${toHex(got)}, want ${toHex(want)}`);
}

export function expectEqual<T>(what: string, got: T, want: T): void {
  if (got !== want) throw new Error(`${what}: got ${String(got)}, want ${String(want)}`);
}

export function expectTrue(what: string, cond: boolean): void {
  if (!cond) throw new Error(`${what}: check failed`);
}
